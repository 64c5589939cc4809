//! The plan's note and task payloads, and the one header line that keeps what the API cannot
//! set (a note's original date and author) readable in the note itself.

use serde::{Deserialize, Serialize};

/// The body of a note create: the header line, a blank line, then the original text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteCreate {
    /// The contact: a step ref (`contact/...`) or an existing target contact id.
    pub contact: String,
    pub body: String,
    /// The target user the note is written as, when its author is mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub source_id: String,
}

/// The body of a task create.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskCreate {
    /// The contact: a step ref (`contact/...`) or an existing target contact id.
    pub contact: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// ISO 8601, as the source holds it.
    pub due_date: String,
    pub completed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    pub source_id: String,
}

/// What starts the header line of every migrated note.
pub const HEADER_PREFIX: &str = "[migrated] originally added ";

/// The header line of a migrated note: `[migrated] originally added 2025-03-14 09:30 UTC by
/// Jane Roe <jane@acme.test>` (the date as the source gave it when it is not ISO 8601; the
/// author left out when unknown).
pub fn header(date_added: Option<&str>, author: Option<&str>) -> String {
    let date = date_added.map_or_else(|| "at an unknown date".to_string(), short_date);
    match author.filter(|a| !a.trim().is_empty()) {
        Some(a) => format!("{HEADER_PREFIX}{date} by {}", a.trim()),
        None => format!("{HEADER_PREFIX}{date}"),
    }
}

/// A migrated note's text: the header line, a blank line, the original text.
pub fn note_body(header: &str, original: &str) -> String {
    format!("{header}\n\n{original}")
}

/// The original text of a note: without the header line when an earlier migration wrote one.
pub fn original_text(body: &str) -> &str {
    match body.strip_prefix(HEADER_PREFIX) {
        Some(rest) => rest.split_once("\n\n").map_or("", |(_, text)| text),
        None => body,
    }
}

/// Two note texts are the same when they differ only in whitespace (a copy made by hand
/// loses trailing spaces, an editor turns `\r\n` into `\n`).
pub fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// Whether a task is the same as one with `title` due at `due`: the same title (whitespace
/// aside) and the same due date to the second (V1 drops the milliseconds).
pub fn same_task(title: &str, due: Option<&str>, other_title: &str, other_due: &str) -> bool {
    same_text(title, other_title) && due.map(to_second) == Some(to_second(other_due))
}

fn to_second(date: &str) -> &str {
    let d = date.trim();
    d.get(..19).unwrap_or(d)
}

/// `2025-03-14T09:30:12.345Z` -> `2025-03-14 09:30 UTC`; anything else as it is.
fn short_date(iso: &str) -> String {
    let t = iso.trim();
    let b = t.as_bytes();
    let shaped = b.len() >= 16
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && t.ends_with('Z');
    if shaped {
        format!("{} {} UTC", &t[..10], &t[11..16])
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_holds_the_date_and_author_in_one_short_line() {
        let h = header(
            Some("2025-03-14T09:30:12.345Z"),
            Some("Jane Roe <jane@acme.test>"),
        );
        assert_eq!(
            h,
            "[migrated] originally added 2025-03-14 09:30 UTC by Jane Roe <jane@acme.test>"
        );
        assert_eq!(
            header(None, None),
            "[migrated] originally added at an unknown date"
        );
        assert_eq!(
            header(Some("1600000000000"), Some(" ")),
            "[migrated] originally added 1600000000000"
        );
    }

    #[test]
    fn the_original_text_is_found_under_a_header_and_compared_loosely() {
        let body = note_body(&header(None, Some("x")), "Called.\n\nTwo lines");
        assert_eq!(original_text(&body), "Called.\n\nTwo lines");
        assert_eq!(original_text("Called."), "Called.");
        assert!(same_text("Called.  \r\nok", "Called.\nok "));
        assert!(!same_text("Called.", "Called!"));
    }

    #[test]
    fn a_task_is_the_same_to_the_second_whatever_the_milliseconds() {
        let due = "2026-01-02T03:04:05.678Z";
        assert!(same_task(
            "Call back",
            Some("2026-01-02T03:04:05Z"),
            "Call  back",
            due
        ));
        assert!(!same_task(
            "Call back",
            Some("2026-01-02T03:04:06Z"),
            "Call back",
            due
        ));
        assert!(!same_task(
            "Call",
            Some("2026-01-02T03:04:05Z"),
            "Call back",
            due
        ));
        assert!(!same_task("Call back", None, "Call back", due));
    }
}
