//! YAML from outside (plans from pull requests, declarations, fixture accounts) is checked before
//! serde_yaml builds anything from it: serde_yaml expands aliases as it deserializes, so nested
//! anchors (a "billion laughs" document) take gigabytes before any error. A streaming event parser
//! (saphyr-parser: no document is built, memory bounded by the nesting depth) reads it once and
//! refuses anchors and aliases, which none of our formats needs, nesting deeper than they need,
//! and sizes beyond any real file, each with the file, line and column.

use std::path::Path;

use saphyr_parser::{Event, Parser};

use crate::error::{Error, Result};

/// What a document may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most bytes of text.
    pub max_bytes: usize,
    /// The deepest nesting of mappings and sequences.
    pub max_depth: usize,
}

/// A declaration (`migration.yaml`): a page of settings.
pub const DECLARATION: Limits = Limits {
    max_bytes: 1 << 20,
    max_depth: 16,
};

/// A plan or a fixture account: 100,000 contacts make about 100 MB; custom values nest a few
/// levels inside a step.
pub const DOCUMENT: Limits = Limits {
    max_bytes: 1 << 30,
    max_depth: 64,
};

/// Refuses anchors, aliases, excess depth or size in `text`; `path` names the file in errors. A
/// syntax error is left for serde_yaml to report (it stops at it before expanding anything).
pub fn check(path: &Path, text: &str, limits: Limits) -> Result<()> {
    if text.len() > limits.max_bytes {
        return Err(Error::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "{} bytes: more than the {} a file of this kind may hold",
                text.len(),
                limits.max_bytes
            ),
        });
    }
    let mut depth = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(e) => e,
            // The parser gives up on nesting deeper than it recurses (a few hundred levels),
            // before it emits those levels: that is nesting too deep, not a syntax error to
            // leave to serde_yaml, whose scanner takes quadratic time on it (200,000 `[` took
            // six minutes).
            Err(e) if e.info().contains("recursion limit") => {
                return Err(Error::Syntax {
                    path: path.to_path_buf(),
                    line: e.marker().line(),
                    column: e.marker().col() + 1,
                    message: format!(
                        "nested more than {} levels deep: not a file of this kind",
                        limits.max_depth
                    ),
                });
            }
            Err(_) => return Ok(()),
        };
        let at = |message: String| Error::Syntax {
            path: path.to_path_buf(),
            line: span.start.line(),
            column: span.start.col() + 1,
            message,
        };
        let anchor = match event {
            Event::Alias(_) => {
                return Err(at(
                    "an alias (`*name`): anchors and aliases are not accepted here (this format \
                     never needs them, and expanding them can take unbounded memory)"
                        .into(),
                ));
            }
            Event::Scalar(_, _, anchor, _) => anchor,
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(at(format!(
                        "nested more than {} levels deep: not a file of this kind",
                        limits.max_depth
                    )));
                }
                anchor
            }
            Event::SequenceEnd | Event::MappingEnd => {
                depth = depth.saturating_sub(1);
                0
            }
            _ => 0,
        };
        if anchor != 0 {
            return Err(at(
                "an anchor (`&name`): anchors and aliases are not accepted here (this format \
                 never needs them, and expanding them can take unbounded memory)"
                    .into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_str(text: &str) -> std::result::Result<(), String> {
        check(Path::new("f.yaml"), text, DECLARATION).map_err(|e| e.to_string())
    }

    #[test]
    fn plain_documents_pass_and_stars_or_ampersands_in_values_are_text() {
        assert_eq!(
            check_str("name: a\nlist: [1, 2]\nnote: 'Tom & Jerry *x*'\nb: a&b\n"),
            Ok(())
        );
    }

    #[test]
    fn anchors_aliases_and_depth_are_refused_with_their_place() {
        let err = check_str("a: &x [1, 2]\nb: *x\n").unwrap_err();
        assert!(
            err.contains("f.yaml:1:4") && err.contains("anchor"),
            "{err}"
        );
        let err = check_str("a: &x 1\n").unwrap_err();
        assert!(
            err.contains("f.yaml:1:4") && err.contains("anchor"),
            "{err}"
        );
        let deep = format!("{}1{}", "[".repeat(17), "]".repeat(17));
        let err = check_str(&deep).unwrap_err();
        assert!(err.contains("16 levels"), "{err}");
    }

    /// Deeper than the parser recurses, it stops before emitting the levels: still refused
    /// (before the fix, handed to serde_yaml, which took minutes on 200,000 levels).
    #[test]
    fn nesting_deeper_than_the_parser_recurses_is_refused_at_once() {
        for n in [300, 200_000] {
            let deep = format!("name: {}{}\n", "[".repeat(n), "]".repeat(n));
            let err = check_str(&deep).unwrap_err();
            assert!(err.contains("16 levels"), "{err}");
            let unclosed = format!("name: x\na: {}\n", "{".repeat(n));
            let err = check_str(&unclosed).unwrap_err();
            assert!(err.contains("16 levels"), "{err}");
        }
    }
}
