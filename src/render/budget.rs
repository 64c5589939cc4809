//! Fitting a document into a size limit (a GitHub comment holds 65,535 characters): long lists
//! are cut fairly (small lists stay whole, long ones share what is left equally), and each cut
//! list says exactly how many of its entries were left out.

use super::overview::thousands;

/// A list the budget may cut: fixed text around items that may be left out from the end.
#[derive(Debug, Default)]
pub struct Section {
    /// Heading and opening markup, always kept.
    pub head: String,
    /// The entries, each a whole line (or lines) ending in `\n`.
    pub items: Vec<String>,
    /// Markup that closes the items (e.g. a code fence), always kept.
    pub close: String,
    /// What the items are, plural, for the cut note: `contact steps`.
    pub noun: String,
    /// Text after the note (e.g. `</details>`), always kept.
    pub tail: String,
}

/// Room kept per section for its cut note.
const NOTE_ROOM: usize = 160;

impl Section {
    fn fixed_len(&self) -> usize {
        self.head.len() + self.close.len() + self.tail.len() + NOTE_ROOM
    }

    fn items_len(&self) -> usize {
        self.items.iter().map(String::len).sum()
    }

    /// The section with as many items as fit in `room` bytes, and a note for the rest.
    fn render(&self, room: usize) -> String {
        let mut out = self.head.clone();
        let mut used = 0;
        let mut kept = 0;
        for item in &self.items {
            if used + item.len() > room {
                break;
            }
            out.push_str(item);
            used += item.len();
            kept += 1;
        }
        out.push_str(&self.close);
        let cut = self.items.len() - kept;
        if cut > 0 {
            out.push_str(&format!(
                "\n… and {} more {} not shown (see the plan file)\n",
                thousands(cut),
                self.noun
            ));
        }
        out.push_str(&self.tail);
        out
    }
}

/// Joins `top`, the sections and `bottom` in at most `limit` bytes (so at most `limit`
/// characters). `banner` is inserted after `top` only when something had to be cut.
pub fn fit(top: &str, banner: &str, sections: &[Section], limit: usize) -> String {
    let whole: usize = top.len()
        + sections
            .iter()
            .map(|s| s.head.len() + s.items_len() + s.close.len() + s.tail.len())
            .sum::<usize>();
    let (banner, rooms) = if whole <= limit {
        ("", sections.iter().map(Section::items_len).collect())
    } else {
        let fixed =
            top.len() + banner.len() + sections.iter().map(Section::fixed_len).sum::<usize>();
        let room = limit.saturating_sub(fixed);
        let sizes: Vec<usize> = sections.iter().map(Section::items_len).collect();
        (banner, fair_shares(&sizes, room))
    };
    let mut out = String::with_capacity(limit.min(whole + banner.len()));
    out.push_str(top);
    out.push_str(banner);
    for (section, room) in sections.iter().zip(rooms) {
        out.push_str(&section.render(room));
    }
    enforce(out, limit)
}

/// Splits `total` among lists of the given sizes: each gets what it needs up to an equal
/// share, and what the small ones leave is shared among the others.
pub fn fair_shares(sizes: &[usize], total: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut shares = vec![0; sizes.len()];
    let mut remaining = total;
    for (done, &i) in order.iter().enumerate() {
        let cap = remaining / (sizes.len() - done);
        shares[i] = sizes[i].min(cap);
        remaining -= shares[i];
    }
    shares
}

/// The last guard: text over the limit (only possible when the fixed parts alone are too
/// long, e.g. a hand-edited plan with thousands of outcome kinds) is cut at a line and says so.
fn enforce(text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    const NOTE: &str = "\n\n… (cut here to fit; see the plan file for the rest)\n";
    let mut end = limit.saturating_sub(NOTE.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').unwrap_or(end);
    format!("{}{NOTE}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_lists_stay_whole_and_large_ones_share_the_rest() {
        assert_eq!(fair_shares(&[10, 1000, 500], 610), vec![10, 300, 300]);
        assert_eq!(fair_shares(&[10, 20], 100), vec![10, 20]);
        assert_eq!(fair_shares(&[], 100), Vec::<usize>::new());
    }

    fn section(n: usize) -> Section {
        Section {
            head: "<details>\n\n```\n".into(),
            items: (0..n)
                .map(|i| format!("+ contact/{i:05}@x.test\n"))
                .collect(),
            close: "```\n".into(),
            noun: "contact steps".into(),
            tail: "</details>\n".into(),
        }
    }

    #[test]
    fn what_fits_is_kept_whole() {
        let out = fit("top\n", "CUT\n", &[section(3)], 1000);
        assert!(!out.contains("CUT") && !out.contains("more"));
        assert!(out.contains("contact/00002@x.test"));
    }

    #[test]
    fn what_does_not_fit_is_cut_and_counted() {
        let out = fit("top\n", "CUT\n", &[section(1000)], 2000);
        assert!(out.len() <= 2000, "{}", out.len());
        assert!(out.starts_with("top\nCUT\n"));
        let kept = out.matches("+ contact/").count();
        assert!(kept > 0);
        let note = format!(
            "… and {} more contact steps not shown",
            thousands(1000 - kept)
        );
        assert!(out.contains(&note), "{out}");
        assert!(out.ends_with("</details>\n"));
    }

    #[test]
    fn the_limit_holds_even_when_the_fixed_parts_do_not_fit() {
        let top = "x".repeat(5000);
        let out = fit(&top, "", &[section(10)], 1000);
        assert!(out.len() <= 1000);
        assert!(out.ends_with("see the plan file for the rest)\n"));
    }
}
