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

/// Applies `f` to every item over the machine's cores, each thread taking the next item when
/// it is done with one, so that items of uneven cost (or a core busy with something else) do
/// not leave a thread idle; results in input order. One item stays on this thread.
pub fn map_balanced<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if items.len() <= 1 || threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(items.len()))
            .map(|_| scope.spawn(work))
            .collect();
        for worker in workers {
            let done = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (i, r) in done {
                slots[i] = Some(r);
            }
        }
    });
    slots
        .into_iter()
        .map(|r| r.expect("every item was taken by a thread"))
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

    #[test]
    fn balanced_results_keep_input_order() {
        let items: Vec<u64> = (0..1_000).collect();
        let uneven = |x: &u64| {
            std::hint::black_box((0..(x % 7) * 1_000).sum::<u64>());
            x * 2
        };
        assert_eq!(
            map_balanced(&items, uneven),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(map_balanced(&[5u64], |x| x + 1), vec![6]);
        assert!(map_balanced(&[] as &[u32], |x| *x).is_empty());
    }
}
