//! Names from an account made safe to show on one line: a line break, a terminal escape or a
//! bidirectional override in a field, pipeline or stage name must not add a line to a review (a
//! fake `-` line in a diff block, a heading in a pull-request comment) nor drive the terminal.

/// `text` with every control and bidirectional-formatting character written as its escape
/// (`\n`, `\r`, `\u{1b}`, `\u{202e}`), everything else unchanged.
pub fn one_line(text: &str) -> String {
    if !text.chars().any(hidden) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn breaks_escapes_and_overrides_are_written_out() {
        assert_eq!(one_line("Sales\r\n- x"), "Sales\\r\\n- x");
        assert_eq!(one_line("New\u{1b}[31m\u{202e}"), "New\\u{1b}[31m\\u{202e}");
        assert_eq!(one_line("Café 日本 ✅ | `x`"), "Café 日本 ✅ | `x`");
    }
}
