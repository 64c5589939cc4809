//! Cursor paging over a stable order, the way GoHighLevel pages: records sorted by
//! (timestamp, id); a page is what follows a cursor `(timestamp, id)`.

/// A record with its sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<T> {
    pub ts: i64,
    pub id: String,
    pub item: T,
}

/// One page of `items` after `cursor` in (timestamp, id) order, and whether more follow.
/// Linear in the number of items: only the page itself is sorted.
pub fn page_after<T>(
    items: Vec<Keyed<T>>,
    cursor: Option<(i64, &str)>,
    limit: usize,
) -> (Vec<Keyed<T>>, bool) {
    let order = |a: &Keyed<T>, b: &Keyed<T>| (a.ts, &a.id).cmp(&(b.ts, &b.id));
    let mut rest: Vec<Keyed<T>> = match cursor {
        Some((ts, id)) => items
            .into_iter()
            .filter(|k| (k.ts, k.id.as_str()) > (ts, id))
            .collect(),
        None => items,
    };
    let more = rest.len() > limit;
    if more && limit > 0 {
        rest.select_nth_unstable_by(limit - 1, |a, b| (a.ts, &a.id).cmp(&(b.ts, &b.id)));
    }
    rest.truncate(limit);
    rest.sort_by(order);
    (rest, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(ts: i64, id: &str) -> Keyed<()> {
        Keyed {
            ts,
            id: id.into(),
            item: (),
        }
    }

    #[test]
    fn pages_follow_the_cursor_in_timestamp_then_id_order() {
        let items = vec![keyed(2, "a"), keyed(1, "b"), keyed(1, "a"), keyed(3, "c")];
        let (first, more) = page_after(items.clone(), None, 2);
        let ids: Vec<_> = first.iter().map(|k| (k.ts, k.id.as_str())).collect();
        assert_eq!(ids, vec![(1, "a"), (1, "b")]);
        assert!(more);
        let (second, more) = page_after(items, Some((1, "b")), 2);
        let ids: Vec<_> = second.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, vec!["a", "c"]);
        assert!(!more);
    }
}
