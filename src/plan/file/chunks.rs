//! Reading a large plan on all cores in bounded memory: the steps are cut out of the text at
//! line starts and parsed in chunks, the rest of the document on its own; at the least doubt
//! there is no result, and the caller parses the whole document as one (which also gives the
//! errors: this path only ever succeeds).
//!
//! Why it is the plan the whole document gives. Cuts are made only after a `\n`: at the line
//! `steps:` (column 0), at step items (`-` and a blank at the items' column) and at the next
//! line starting with a letter at column 0. Each part is parsed in its document context: the
//! head is the document with `steps: []` for the steps, and its text before `steps:` must also
//! parse alone; a chunk is parsed under `steps:` at column 0 (same indentation, same nesting
//! depth, so the same depth limit). What could fool a cut spans lines across it: a quoted
//! scalar or a flow collection makes the part before the cut end inside it, which does not
//! parse; block and plain scalars end at any line less indented than their content, which a
//! cut line is; document markers and directives are refused. So when all parts parse, the
//! document's parser is at each cut where each part's parser starts, and reads the same values.
//! Across parts, only aliases could carry values (refused whenever a `*` may start one), and
//! duplicate keys (the head holds every top-level key, a chunk only `steps`). Line breaks YAML
//! sees inside our lines (a lone CR, NEL) stay inside a part; a step found that way fails the
//! last check, that a chunk holds as many steps as item lines were counted in it.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;

use crate::plan::{Plan, Step};

/// A chunk of steps ends at the first step item after this many bytes of text.
const CHUNK_BYTES: usize = 256 * 1024;

/// What stands for the steps in the head, and what a chunk is parsed under.
const EMPTY_STEPS: &str = "steps: []\n";
const STEPS_KEY: &str = "steps:\n";

/// The plan in `text` read in parts on the machine's cores, or `None` when the text is not laid
/// out as expected or a part does not parse; `Some` is always what the whole document gives.
pub fn parse(text: &str) -> Option<Plan> {
    parse_split(&split(text, CHUNK_BYTES)?)
}

/// A plan's text cut at line starts.
struct Split<'a> {
    /// The text before the `steps:` line.
    prefix: &'a str,
    /// The steps, in order, in chunks of at least the size asked for (but the last).
    chunks: Vec<Chunk<'a>>,
    /// The text after the steps: the next top-level key and what follows.
    suffix: &'a str,
}

/// Consecutive steps' text, and how many step items start in it.
struct Chunk<'a> {
    text: &'a str,
    items: usize,
}

/// The text cut as described in the module documentation, chunks of at least `chunk_bytes`.
fn split(text: &str, chunk_bytes: usize) -> Option<Split<'_>> {
    if may_hold_alias(text) || may_hide_a_marker(text) {
        return None;
    }
    let mut lines = lines(text);
    let (steps_at, region_at) = loop {
        let (at, line, next) = lines.next()?;
        if line.starts_with('%') || is_document_marker(line) {
            return None;
        }
        if line.trim_end_matches([' ', '\r']) == "steps:" {
            break (at, next);
        }
    };
    let mut column = None;
    let mut chunks = Vec::new();
    let (mut chunk_at, mut items, mut end) = (region_at, 0, text.len());
    for (at, line, _) in lines {
        match classify(line, column) {
            Line::Item(col) => {
                column = Some(col);
                if items > 0 && at - chunk_at >= chunk_bytes {
                    chunks.push(Chunk {
                        text: &text[chunk_at..at],
                        items,
                    });
                    (chunk_at, items) = (at, 0);
                }
                items += 1;
            }
            Line::Inner => {}
            Line::Key => {
                end = at;
                break;
            }
            Line::Other => return None,
        }
    }
    if items == 0 {
        return None;
    }
    chunks.push(Chunk {
        text: &text[chunk_at..end],
        items,
    });
    Some(Split {
        prefix: &text[..steps_at],
        chunks,
        suffix: &text[end..],
    })
}

/// A line of the steps' text, as far as cutting goes.
#[derive(Debug, PartialEq)]
enum Line {
    /// A step item starting at this column: `-` then a blank or the end of the line.
    Item(usize),
    /// Blank, a comment, or indented (inside a step), and not an item.
    Inner,
    /// Starts with a letter at column 0: the key after the steps.
    Key,
    /// Anything else: not a layout this module reads.
    Other,
}

/// What `line` is, `column` being the step items' column once known. Before the first item,
/// only blank lines and comments may come.
fn classify(line: &str, column: Option<usize>) -> Line {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[spaces..];
    let is_item = rest
        .strip_prefix('-')
        .is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t', '\r']));
    if is_item && column.is_none_or(|c| c == spaces) {
        return Line::Item(spaces);
    }
    let blank_or_comment = rest
        .trim_start_matches('\t')
        .trim_end_matches('\r')
        .is_empty()
        || rest.trim_start_matches('\t').starts_with('#');
    match line.as_bytes().first() {
        _ if column.is_none() => {
            if blank_or_comment {
                Line::Inner
            } else {
                Line::Other
            }
        }
        None | Some(b' ' | b'\t' | b'\r' | b'#') => Line::Inner,
        Some(b) if b.is_ascii_alphabetic() => Line::Key,
        Some(_) => Line::Other,
    }
}

/// The lines of `text`: where each starts, its text without the `\n`, where the next starts.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str, usize)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= text.len() {
            return None;
        }
        let rest = &text[at..];
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], at + i + 1),
            None => (rest, text.len()),
        };
        let item = (at, line, next);
        at = next;
        Some(item)
    })
}

/// `---` or `...` at the start of a line: a document starts or ends there.
fn is_document_marker(line: &str) -> bool {
    line.starts_with("---") || line.starts_with("...")
}

/// True when a line that only YAML sees (after a lone CR, a NEL, LS or PS) may start with a
/// document marker or a directive: a `...` there ends the document inside a chunk, which then
/// parses alone while the whole text is no single document.
fn may_hide_a_marker(text: &str) -> bool {
    text.match_indices(['\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .map(|(i, c)| &text[i + c.len()..])
        .any(|rest| ["...", "---", "%"].iter().any(|m| rest.starts_with(m)))
}

/// True when some `*` may start an alias: one not preceded by a character that can only be
/// part of a plain scalar, tag or name (an alias needs a token to start right there), or by a
/// `*` that is itself no alias.
fn may_hold_alias(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('*').any(|(i, _)| {
        i == 0 || {
            let before = bytes[i - 1];
            !(before.is_ascii_alphanumeric() || b"._-+/*".contains(&before))
        }
    })
}

/// The head and the chunks, parsed at the same time; `None` if any part fails.
fn parse_split(split: &Split) -> Option<Plan> {
    let failed = AtomicBool::new(false);
    let read_chunk = |chunk: &Chunk| {
        if failed.load(Ordering::Relaxed) {
            return None;
        }
        let steps = parse_chunk(chunk);
        if steps.is_none() {
            failed.store(true, Ordering::Relaxed);
        }
        steps
    };
    let (head, parts) = if split.chunks.len() == 1 {
        (parse_head(split), vec![read_chunk(&split.chunks[0])])
    } else {
        std::thread::scope(|scope| {
            let head = scope.spawn(|| parse_head(split));
            let parts = crate::parallel::map_balanced(&split.chunks, read_chunk);
            let head = head
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (head, parts)
        })
    };
    let mut plan = head?;
    let mut steps = Vec::with_capacity(split.chunks.iter().map(|c| c.items).sum());
    for part in parts {
        steps.extend(part?);
    }
    plan.steps = steps;
    Some(plan)
}

/// Everything but the steps, read as a plan with `steps: []`; the text before the steps must
/// parse alone too (it does not end inside a quoted scalar or a flow collection).
fn parse_head(split: &Split) -> Option<Plan> {
    let mut head =
        String::with_capacity(split.prefix.len() + EMPTY_STEPS.len() + split.suffix.len());
    head.push_str(split.prefix);
    head.push_str(EMPTY_STEPS);
    serde_yaml::from_str::<serde::de::IgnoredAny>(&head).ok()?;
    head.push_str(split.suffix);
    let plan: Plan = serde_yaml::from_str(&head).ok()?;
    plan.steps.is_empty().then_some(plan)
}

/// A chunk under the `steps` key, as in the document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Steps {
    steps: Vec<Step>,
}

fn parse_chunk(chunk: &Chunk) -> Option<Vec<Step>> {
    let mut text = String::with_capacity(STEPS_KEY.len() + chunk.text.len());
    text.push_str(STEPS_KEY);
    text.push_str(chunk.text);
    let Steps { steps } = serde_yaml::from_str(&text).ok()?;
    (steps.len() == chunk.items).then_some(steps)
}

#[cfg(test)]
mod tests;
