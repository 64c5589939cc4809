//! A secret removed from text in every form a server might echo it in: as it is, in another
//! case, base64-encoded (standard or URL-safe alphabet, at any alignment, as a whole header
//! `Bearer <token>` would be), and any run of 8 or more characters of those forms: half a token
//! is still most of a secret. Several secrets (an account's tokens) are removed together,
//! from the text as it is: removed one after another, the first one's `[redacted]` could cut
//! short a run of the next one's that shares a part with it, and leave its tail in clear.

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;

/// What replaces a secret (or a part of one).
pub const REDACTED: &str = "[redacted]";

/// The shortest run of a secret's forms that is removed (shorter secrets: all of it).
const MIN_RUN: usize = 8;

/// Every `min`-byte window of a secret's forms, lowercased, to scan text against.
#[derive(Clone, Default)]
pub struct Redactor {
    windows: HashSet<u64>,
    min: usize,
}

impl Redactor {
    pub fn new(secret: &str) -> Self {
        let bytes = secret.as_bytes();
        if bytes.is_empty() {
            return Redactor::default();
        }
        let min = MIN_RUN.min(bytes.len());
        let mut forms = vec![bytes.to_vec()];
        for skip in 0..3.min(bytes.len()) {
            let encoded = base64(&bytes[skip..]);
            // The first and last characters of an encoding depend on the bytes around it.
            let inner = encoded
                .get(2..encoded.len().saturating_sub(4))
                .unwrap_or(&[]);
            for form in [inner.to_vec(), url_safe(inner)] {
                if form.len() >= min {
                    forms.push(form);
                }
            }
        }
        let windows = forms.iter().flat_map(|f| f.windows(min).map(key)).collect();
        Redactor { windows, min }
    }

    /// `text` with every run of the secret's forms replaced by [`REDACTED`] (borrowed when there
    /// is none).
    pub fn redact<'a>(&self, text: &'a [u8]) -> Cow<'a, [u8]> {
        redact_all(&[self], text)
    }

    /// [`Redactor::redact`] for a string.
    pub fn redact_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        redact_all_str(&[self], text)
    }

    /// Where in `text` the runs of the secret's forms are.
    fn runs(&self, text: &[u8]) -> Vec<Range<usize>> {
        let mut runs = Vec::new();
        if self.min == 0 || text.len() < self.min {
            return runs;
        }
        let hit = |i: usize| self.windows.contains(&key(&text[i..i + self.min]));
        let last = text.len() - self.min;
        let mut i = 0;
        while i <= last {
            if !hit(i) {
                i += 1;
                continue;
            }
            // The run goes on while each next window is one of the secret's.
            let mut end = i + self.min;
            while end < text.len() && hit(end + 1 - self.min) {
                end += 1;
            }
            runs.push(i..end);
            i = end;
        }
        runs
    }
}

/// `text` with every run of any of the secrets' forms replaced by [`REDACTED`], runs that
/// touch or overlap replaced as one (borrowed when there is none).
pub fn redact_all<'a>(secrets: &[&Redactor], text: &'a [u8]) -> Cow<'a, [u8]> {
    let mut runs: Vec<Range<usize>> = secrets.iter().flat_map(|s| s.runs(text)).collect();
    if runs.is_empty() {
        return Cow::Borrowed(text);
    }
    runs.sort_by_key(|r| r.start);
    let mut out = Vec::with_capacity(text.len());
    let mut copied = 0;
    let mut runs = runs.into_iter().peekable();
    while let Some(run) = runs.next() {
        let mut end = run.end;
        while let Some(next) = runs.next_if(|next| next.start <= end) {
            end = end.max(next.end);
        }
        out.extend_from_slice(&text[copied..run.start]);
        out.extend_from_slice(REDACTED.as_bytes());
        copied = end;
    }
    out.extend_from_slice(&text[copied..]);
    Cow::Owned(out)
}

/// [`redact_all`] for a string.
pub fn redact_all_str<'a>(secrets: &[&Redactor], text: &'a str) -> Cow<'a, str> {
    match redact_all(secrets, text.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// A window as a lookup key, ASCII letters lowercased.
fn key(window: &[u8]) -> u64 {
    window.iter().fold(0u64, |k, b| {
        k.rotate_left(8) ^ u64::from(b.to_ascii_lowercase())
    })
}

fn base64(bytes: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]);
        }
    }
    out
}

fn url_safe(encoded: &[u8]) -> Vec<u8> {
    encoded
        .iter()
        .map(|&c| match c {
            b'+' => b'-',
            b'/' => b'_',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "pit-7f3a9c1e-44b2-4d8e-9a61-0c5e2b7d9f10";

    fn clean(text: &str) -> String {
        Redactor::new(TOKEN).redact_str(text).into_owned()
    }

    #[test]
    fn the_token_in_any_case_or_in_part_is_removed() {
        for echo in [
            TOKEN.to_string(),
            TOKEN.to_uppercase(),
            TOKEN[..TOKEN.len() / 2].to_string(),
            TOKEN[TOKEN.len() / 2..].to_string(),
        ] {
            let out = clean(&format!("bad token: {echo}!"));
            assert_eq!(out, "bad token: [redacted]!", "{echo}");
        }
    }

    #[test]
    fn the_token_base64_encoded_alone_or_in_a_header_is_removed() {
        for plain in [
            TOKEN.to_string(),
            format!("Bearer {TOKEN}"),
            format!("x{TOKEN}"),
        ] {
            let encoded = String::from_utf8(base64(plain.as_bytes())).unwrap();
            for echo in [
                encoded.clone(),
                encoded.to_lowercase(),
                String::from_utf8(url_safe(encoded.as_bytes())).unwrap(),
            ] {
                let out = clean(&format!("seen {echo} here"));
                assert!(out.contains(REDACTED), "{echo} -> {out}");
                assert!(!out.contains(&echo[4..echo.len() - 6]), "{echo} -> {out}");
            }
        }
    }

    #[test]
    fn other_text_is_left_alone() {
        let text = "Contact with id abc123 not found; pit-stop at 4d8e";
        assert_eq!(clean(text), text);
        assert!(matches!(
            Redactor::new(TOKEN).redact(b"short"),
            Cow::Borrowed(_)
        ));
        assert_eq!(Redactor::new("").redact_str("anything"), "anything");
    }

    #[test]
    fn secrets_that_share_a_part_are_removed_whole_in_either_order() {
        let (a, b) = (
            Redactor::new(TOKEN),
            Redactor::new(&format!("{TOKEN}-Tail77")),
        );
        let text = format!("echo {TOKEN}-Tail77 and {TOKEN}.");
        for order in [[&a, &b], [&b, &a]] {
            assert_eq!(
                redact_all_str(&order, &text),
                "echo [redacted] and [redacted]."
            );
        }
    }

    #[test]
    fn base64_matches_the_standard_encoding() {
        assert_eq!(base64(b"Man"), b"TWFu");
        assert_eq!(base64(b"Ma"), b"TWE");
        assert_eq!(base64(b"M"), b"TQ");
    }
}
