//! Pure work spread over the machine's cores, results kept in input order.

/// Applies `f` to consecutive chunks of `items` (at least `min_chunk` long, one per core at
/// most) on scoped threads, and returns the results in order. Small inputs stay on this thread.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    min_chunk: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(min_chunk).max(1);
    if items.len() <= chunk {
        return vec![f(items)];
    }
    std::thread::scope(|scope| {
        let f = &f;
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        parts
            .into_iter()
            .map(|p| {
                p.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Applies `f` to every item, over the machine's cores, results in input order.
pub fn map<T: Sync, R: Send>(items: &[T], min_chunk: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_chunks(items, min_chunk, |part| {
        part.iter().map(&f).collect::<Vec<R>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_input_order_whatever_the_chunking() {
        let items: Vec<u32> = (0..10_000).collect();
        for min_chunk in [1, 7, 1_000, 20_000] {
            assert_eq!(
                map(&items, min_chunk, |x| x * 2),
                items.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
        assert_eq!(map_chunks(&items, 100_000, |p| p.len()), vec![10_000]);
        assert!(map(&[] as &[u32], 10, |x| *x).is_empty());
    }
}
