//! Cursor paging over a stable order, the way GoHighLevel pages: records sorted by
//! (timestamp, id); a page is what follows a cursor `(timestamp, id)`.

/// A record with its sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<T> {
    pub ts: i64,
    pub id: String,
    pub item: T,
}

/// One page of `items` (sorted here) after `cursor`, and whether more follow.
pub fn page_after<T>(
    mut items: Vec<Keyed<T>>,
    cursor: Option<(i64, &str)>,
    limit: usize,
) -> (Vec<Keyed<T>>, bool) {
    items.sort_by(|a, b| (a.ts, &a.id).cmp(&(b.ts, &b.id)));
    let start = match cursor {
        Some((ts, id)) => items.partition_point(|k| (k.ts, k.id.as_str()) <= (ts, id)),
        None => 0,
    };
    let mut rest: Vec<Keyed<T>> = items.into_iter().skip(start).collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
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
