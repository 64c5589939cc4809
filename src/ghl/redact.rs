//! A secret removed from text in every form a server might echo it in: as it is, in another
//! case, base64-encoded (standard or URL-safe alphabet, at any alignment, as a whole header
//! `Bearer <token>` would be), and any run of 8 or more characters of those forms: half a token
//! is still most of a secret.

use std::borrow::Cow;
use std::collections::HashSet;

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
        if self.min == 0 || text.len() < self.min {
            return Cow::Borrowed(text);
        }
        let hit = |i: usize| self.windows.contains(&key(&text[i..i + self.min]));
        let last = text.len() - self.min;
        let Some(first) = (0..=last).find(|&i| hit(i)) else {
            return Cow::Borrowed(text);
        };
        let mut out = Vec::with_capacity(text.len());
        let (mut copied, mut i) = (0, first);
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
            out.extend_from_slice(&text[copied..i]);
            out.extend_from_slice(REDACTED.as_bytes());
            copied = end;
            i = end;
        }
        out.extend_from_slice(&text[copied..]);
        Cow::Owned(out)
    }

    /// [`Redactor::redact`] for a string.
    pub fn redact_str<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.redact(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
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
    fn base64_matches_the_standard_encoding() {
        assert_eq!(base64(b"Man"), b"TWFu");
        assert_eq!(base64(b"Ma"), b"TWE");
        assert_eq!(base64(b"M"), b"TQ");
    }
}
