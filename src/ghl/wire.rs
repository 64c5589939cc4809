//! Small helpers shared by the V1 and V2 clients for reading answers: pick a member, turn it
//! into model types (a wrong shape is a [`ApiErrorKind::Protocol`] error naming the endpoint),
//! follow `meta` cursors, and encode path segments.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ApiResult;
use super::error::{ApiError, ApiErrorKind};
use super::http::{Http, Request};

/// A protocol error: the server answered, but not in the API's shape.
pub fn shape_error(endpoint: &str, what: impl Into<String>) -> ApiError {
    ApiError::new(ApiErrorKind::Protocol, endpoint, what.into())
}

/// The member `key` of an answer, which must be present (and not null).
pub fn member<'a>(endpoint: &str, body: &'a Value, key: &str) -> ApiResult<&'a Value> {
    match body.get(key) {
        Some(Value::Null) | None => {
            Err(shape_error(endpoint, format!("the answer has no `{key}`")))
        }
        Some(v) => Ok(v),
    }
}

/// The array member `key` of an answer.
pub fn array<'a>(endpoint: &str, body: &'a Value, key: &str) -> ApiResult<&'a [Value]> {
    member(endpoint, body, key)?
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| shape_error(endpoint, format!("`{key}` in the answer is not a list")))
}

/// Converts one API object into a model type. Null members are dropped first (the API sends
/// `"tags": null` where the model expects a list).
pub fn convert<T: DeserializeOwned>(endpoint: &str, what: &str, value: &Value) -> ApiResult<T> {
    serde_json::from_value(without_nulls(value)).map_err(|e| {
        let id = value.get("id").and_then(Value::as_str).unwrap_or("?");
        shape_error(
            endpoint,
            format!("{what} {id} has an unexpected shape: {e}"),
        )
    })
}

/// Every element of a list, converted.
pub fn convert_all<T: DeserializeOwned>(
    endpoint: &str,
    what: &str,
    values: &[Value],
) -> ApiResult<Vec<T>> {
    values.iter().map(|v| convert(endpoint, what, v)).collect()
}

/// An object with its null members removed (one level deep).
pub fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

/// Adds `locationId` to a serialised request body.
pub fn with_location(mut body: Value, location_id: &str) -> Value {
    if let Value::Object(map) = &mut body {
        map.insert("locationId".into(), Value::String(location_id.to_string()));
    }
    body
}

/// The cursor of a `meta`-paged list (`GET /opportunities/search`, V1 lists): where the next
/// page starts, and how many records there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaCursor {
    pub start_after: Option<String>,
    pub start_after_id: Option<String>,
    pub total: Option<u64>,
}

impl MetaCursor {
    pub fn read(body: &Value) -> Self {
        let meta = body.get("meta");
        let text = |k: &str| {
            meta.and_then(|m| m.get(k)).and_then(|v| match v {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        MetaCursor {
            start_after: text("startAfter"),
            start_after_id: text("startAfterId"),
            total: meta.and_then(|m| m.get("total")).and_then(Value::as_u64),
        }
    }
}

/// Every item of a list paged by `meta` (`startAfter`, `startAfterId`, `total`), V1 and V2 alike:
/// `first` is the request for the first page (`limit` set); the cursor of each answer is sent
/// back until the list ends. A cursor that repeats is an error, not an endless loop.
pub async fn all_meta_pages(
    http: &Http,
    first: &Request,
    key: &str,
    page: usize,
) -> ApiResult<(String, Vec<Value>)> {
    let endpoint = first.endpoint();
    let mut all = Vec::new();
    let mut cursor: Option<MetaCursor> = None;
    let mut seen = std::collections::BTreeSet::new();
    loop {
        let mut req = first.clone();
        if let Some(c) = &cursor {
            if let Some(after) = &c.start_after {
                req = req.query("startAfter", after);
            }
            if let Some(id) = &c.start_after_id {
                req = req.query("startAfterId", id);
            }
        }
        let body = http.send(&req).await?;
        let items = array(&endpoint, &body, key)?;
        let got = items.len();
        all.extend(items.iter().cloned());
        let next = MetaCursor::read(&body);
        if !more_pages(got, page, all.len(), next.total) {
            break;
        }
        // Without a cursor the list cannot go on: fine when `total` says it is all there,
        // otherwise stopping would silently truncate it.
        let Some(id) = next.start_after_id.clone() else {
            if next.total.is_some_and(|total| all.len() as u64 >= total) {
                break;
            }
            return Err(shape_error(
                &endpoint,
                format!(
                    "a page of {got} came back without a cursor (meta.startAfterId) after {} \
                     records{}: the rest cannot be read",
                    all.len(),
                    next.total.map(|t| format!(" of {t}")).unwrap_or_default()
                ),
            ));
        };
        if !seen.insert(id) {
            return Err(shape_error(
                &endpoint,
                "the page cursor (meta.startAfterId) repeats",
            ));
        }
        cursor = Some(next);
    }
    Ok((endpoint, all))
}

/// Whether to ask for another page after one of `got` records (of `limit` asked), with `held`
/// records collected so far. A full page always asks for the next, whatever `total` says (a live
/// `total` can be capped or stale: trusting it would silently truncate); a short one asks only
/// while `total` says more.
pub fn more_pages(got: usize, limit: usize, held: usize, total: Option<u64>) -> bool {
    if got == 0 {
        return false;
    }
    got >= limit || total.is_some_and(|total| (held as u64) < total)
}

/// A path segment, percent-encoded (ids are alphanumeric, but never trust that).
pub fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A 4xx that means "no such object": 404, or a 400 whose message says "not found".
pub fn is_not_found(err: &ApiError) -> bool {
    match err.status {
        Some(404) => true,
        Some(400) | Some(422) => err.message.to_ascii_lowercase().contains("not found"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paging_stops_on_total_or_short_or_empty_pages() {
        assert!(more_pages(100, 100, 100, None));
        assert!(!more_pages(99, 100, 199, None));
        assert!(!more_pages(0, 100, 200, None));
        // A server that caps the page below what was asked still pages to the total.
        assert!(more_pages(100, 500, 100, Some(250)));
        assert!(!more_pages(50, 500, 250, Some(250)));
        // A full page asks for the next even when `total` says it was the last (a capped or
        // stale total must not truncate the list).
        assert!(more_pages(100, 100, 100, Some(100)));
        assert!(more_pages(100, 100, 10_100, Some(10_000)));
    }

    #[test]
    fn meta_cursor_reads_numbers_and_strings() {
        let c = MetaCursor::read(
            &json!({"meta":{"startAfter":1625203104328u64,"startAfterId":"abc","total":3}}),
        );
        assert_eq!(c.start_after.as_deref(), Some("1625203104328"));
        assert_eq!(c.start_after_id.as_deref(), Some("abc"));
        assert_eq!(c.total, Some(3));
        assert_eq!(MetaCursor::read(&json!({})).start_after_id, None);
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(segment("abcXYZ09"), "abcXYZ09");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn nulls_are_dropped_before_conversion() {
        let c: crate::model::Contact = convert(
            "GET /x",
            "contact",
            &json!({"id":"c1","tags":null,"email":"a@b.c"}),
        )
        .unwrap();
        assert!(c.tags.is_empty());
        let e =
            convert::<crate::model::Contact>("GET /x", "contact", &json!({"id":5})).unwrap_err();
        assert_eq!(e.kind, ApiErrorKind::Protocol);
    }
}
