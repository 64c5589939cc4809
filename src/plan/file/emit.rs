//! The plan file's layout: a deterministic YAML writer that keeps a large plan reviewable.
//!
//! The document and its sections are block style; every entry of a list (a mapping entry, a
//! warning, a step's `after`, a thing not done) is one line in flow style; each step is a short
//! block: its `id`, its action with the payload on one line when it fits in [`WIDTH`] (else one
//! line per payload key), then `after`. Strings are plain when YAML reads them back as the same
//! string, else double-quoted, so the text always parses back to the value it was written from.

use serde_yaml::{Mapping, Value};

/// A step's payload longer than this (with its indentation and key) gets one line per key.
pub const WIDTH: usize = 160;

/// Keys longer than this (in bytes, as written) are written as explicit `? key` entries: YAML
/// readers refuse implicit keys beyond 1024 characters, and libyaml writes them from 128 on.
pub(super) const MAX_IMPLICIT_KEY: usize = 128;

/// Indentation per level.
const INDENT: &str = "  ";

/// The document for `head` (a plan as serde gives it: a mapping in field order), one entry per
/// line as described in the module documentation, as consecutive pieces of text: `steps` (the
/// text of the steps, see [`step_block`]) are moved in as pieces of their own after any steps
/// `head` lists, so a large plan never exists whole as a YAML value nor as one string, and its
/// steps can be written on several threads. Equal values give identical text.
pub fn document(head: &Value, steps: Vec<String>) -> Vec<String> {
    let mut pieces = Vec::with_capacity(steps.len() + 2);
    let mut out = String::new();
    let Value::Mapping(map) = head else {
        line(&mut out, "", &flow(head));
        return vec![out];
    };
    let streamed = steps.iter().any(|s| !s.is_empty());
    let mut steps = Some(steps);
    for (key, value) in map {
        if let (Some("steps"), Value::Sequence(listed)) = (key.as_str(), value)
            && let Some(more) = steps.take()
        {
            steps_entry(&mut out, key, listed, streamed);
            pieces.push(std::mem::take(&mut out));
            pieces.extend(more);
        } else {
            top_level_entry(&mut out, key, value);
        }
    }
    if let Some(more) = steps.filter(|_| streamed) {
        steps_entry(&mut out, &Value::from("steps"), &[], streamed);
        pieces.push(std::mem::take(&mut out));
        pieces.extend(more);
    }
    pieces.push(out);
    pieces
}

/// `steps:` and a block per listed step (the streamed ones follow), or `steps: []` when there
/// are none at all.
fn steps_entry(out: &mut String, key: &Value, listed: &[Value], streamed: bool) {
    if listed.is_empty() && !streamed {
        entry(out, "", key, &Value::Sequence(vec![]));
        return;
    }
    key_line(out, "", key);
    for step in listed {
        step_block(out, step);
    }
}

/// A key of the document: a mapping is a section.
fn top_level_entry(out: &mut String, key: &Value, value: &Value) {
    match value {
        Value::Mapping(map) if !map.is_empty() => {
            key_line(out, "", key);
            for (key, value) in map {
                entry_with_lines(out, INDENT, key, value);
            }
        }
        _ => entry_with_lines(out, "", key, value),
    }
}

/// `key: value` on one line, except a non-empty list, which gets one line per item.
fn entry_with_lines(out: &mut String, indent: &str, key: &Value, value: &Value) {
    match value {
        Value::Sequence(items) if !items.is_empty() => {
            key_line(out, indent, key);
            let item_indent = format!("{indent}{INDENT}");
            for item in items {
                out.push_str(&item_indent);
                out.push_str("- ");
                write_flow(out, item);
                out.push('\n');
            }
        }
        _ => entry(out, indent, key, value),
    }
}

/// One step: `- id: ...`, then each other key on its line; a payload too long for one line
/// gets a line per payload key.
pub fn step_block(out: &mut String, step: &Value) {
    let Value::Mapping(map) = step else {
        line(out, INDENT, &format!("- {}", flow(step)));
        return;
    };
    let first = format!("{INDENT}- ");
    let rest = format!("{INDENT}{INDENT}");
    let payload_indent = format!("{rest}{INDENT}");
    for (i, (key, value)) in map.iter().enumerate() {
        let indent = if i == 0 {
            first.as_str()
        } else {
            rest.as_str()
        };
        let start = out.len();
        entry(out, indent, key, value);
        let too_long = width(&out[start..]) > WIDTH + 1;
        if let (Value::Mapping(payload), true) = (value, too_long) {
            out.truncate(start);
            key_line(out, indent, key);
            for (key, value) in payload {
                entry(out, &payload_indent, key, value);
            }
        }
    }
}

/// `prefix key: value` and a line break, the value in flow style.
fn entry(out: &mut String, prefix: &str, key: &Value, value: &Value) {
    block_key(out, prefix, key);
    out.push(' ');
    write_flow(out, value);
    out.push('\n');
}

/// `prefix key:` and a line break, for a block that follows.
fn key_line(out: &mut String, prefix: &str, key: &Value) {
    block_key(out, prefix, key);
    out.push('\n');
}

/// `prefix key:`, or for a key too long to be implicit, `prefix? key` and `:` on the next line
/// in the same column.
fn block_key(out: &mut String, prefix: &str, key: &Value) {
    out.push_str(prefix);
    let start = out.len();
    write_flow(out, key);
    if out.len() - start > MAX_IMPLICIT_KEY {
        out.insert_str(start, "? ");
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width(prefix)));
    }
    out.push(':');
}

fn line(out: &mut String, indent: &str, text: &str) {
    out.push_str(indent);
    out.push_str(text);
    out.push('\n');
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// `value` in flow style, on one line.
pub fn flow(value: &Value) -> String {
    let mut out = String::new();
    write_flow(&mut out, value);
    out
}

fn write_flow(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_scalar(out, s),
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(out, item);
            }
            out.push(']');
        }
        Value::Mapping(map) => write_flow_mapping(out, map),
        Value::Tagged(tagged) => {
            out.push_str(&tagged.tag.to_string());
            out.push(' ');
            write_flow(out, &tagged.value);
        }
    }
}

fn write_flow_mapping(out: &mut String, map: &Mapping) {
    out.push('{');
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let start = out.len();
        write_flow(out, key);
        if out.len() - start > MAX_IMPLICIT_KEY {
            out.insert_str(start, "? ");
        }
        out.push_str(": ");
        write_flow(out, value);
    }
    out.push('}');
}

/// A string as YAML that reads back as the same string: plain when that is safe anywhere
/// (block or flow, key or value), else double-quoted.
pub fn write_scalar(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        write_quoted(out, s);
    }
}

/// Words YAML 1.1 or 1.2 (or a lenient reader) may read as a boolean, null or special float.
const RESERVED: [&str; 12] = [
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "infinity", "nan",
];

/// Punctuation a plain string may hold after its first character. Deliberately narrow:
/// no flow indicators (`, [ ] { }`), no quotes, and `:` and `#` only inside a word (below).
const PLAIN_PUNCTUATION: &str = "_./@-+()';=$%&*!?~^";

/// True when `s` can be written without quotes and read back as this same string in any
/// position: it starts with a letter, `_` or `/` (so it never looks like a number, an
/// indicator or an alias), holds only letters, digits, single inner spaces and
/// [`PLAIN_PUNCTUATION`], has `:` only between two alphanumerics and `#` never after a space
/// (where it would start a comment), and is not a [`RESERVED`] word;
/// or it is an [`id_like`] word starting with a digit.
fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    let Some(first) = chars.next() else {
        return false;
    };
    if first.is_ascii_digit() {
        return id_like(s);
    }
    if !(first.is_alphabetic() || first == '_' || first == '/') {
        return false;
    }
    let mut previous = first;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let safe = match c {
            ' ' => previous != ' ' && next.is_some(),
            ':' => previous.is_alphanumeric() && next.is_some_and(char::is_alphanumeric),
            '#' => previous != ' ',
            c => c.is_alphanumeric() || PLAIN_PUNCTUATION.contains(c),
        };
        if !safe {
            return false;
        }
        previous = c;
    }
    !RESERVED.iter().any(|word| s.eq_ignore_ascii_case(word))
}

/// True for words of ASCII letters and digits with single spaces between them (such as the id
/// `8sWfQ1aZx0PqLm2TnR7u` or `1185 Main St`) that no YAML reader takes for a number: numbers of
/// that alphabet are decimal or hex, octal or binary with a `0x`, `0o`, `0b` prefix, or
/// exponent forms such as `1e3`, which Rust parses too. (Dates, times and separated digits
/// need punctuation, which is not allowed here.)
fn id_like(s: &str) -> bool {
    let prefixed = ["0x", "0o", "0b"]
        .iter()
        .any(|p| s.get(..2).is_some_and(|head| head.eq_ignore_ascii_case(p)));
    let words = s
        .split(' ')
        .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()));
    words && !prefixed && s.parse::<f64>().is_err()
}

/// `s` as a YAML double-quoted string: `"` and `\` escaped, and every character that is not
/// printable in YAML, or that YAML reads as a line break, written as an escape.
fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_printable(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        }
    }
    out.push('"');
}

/// YAML's printable characters less its line breaks (NEL, LS, PS) and the byte-order mark.
fn is_printable(c: char) -> bool {
    matches!(c,
        '\u{20}'..='\u{7E}'
        | '\u{A0}'..='\u{2027}'
        | '\u{202A}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FEFE}'
        | '\u{FF00}'..='\u{FFFD}'
        | '\u{10000}'..)
}

#[cfg(test)]
mod tests;
