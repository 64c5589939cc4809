//! Normal forms used for matching: emails, phones (E.164) and names.

/// A trimmed, lowercased email, or `None` when there is none.
pub fn email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    (!e.is_empty() && e.contains('@')).then_some(e)
}

/// A phone number in E.164 (`+15550101234`), or `None` when it cannot be one.
///
/// A number written with `+` or `00` keeps its country code; a national number of ten digits
/// (or eleven starting with the country code) gets `default_country` (e.g. `"1"`).
pub fn phone(raw: &str, default_country: &str) -> Option<String> {
    // Drop an extension: "555 0100 ext. 12", "x12" (see [`phone_extension`]).
    let (main, _) = split_extension(raw);
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    let international = main.trim_start().starts_with('+');
    let e164 = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else if digits.len() == 10 {
        format!("{default_country}{digits}")
    } else if digits.len() == 10 + default_country.len() && digits.starts_with(default_country) {
        digits
    } else {
        return None;
    };
    (8..=15).contains(&e164.len()).then(|| format!("+{e164}"))
}

/// The extension of a phone number ("555-010-2002 x23": `23`), which E.164 cannot hold.
pub fn phone_extension(raw: &str) -> Option<String> {
    let digits: String = split_extension(raw)
        .1
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// A phone number and what follows its extension mark (`x`, `#`, `;`, `ext`).
fn split_extension(raw: &str) -> (&str, &str) {
    let trimmed = raw.trim();
    let at = [
        trimmed.find(['x', 'X', '#', ';']),
        trimmed.to_ascii_lowercase().find("ext"),
    ]
    .into_iter()
    .flatten()
    .min();
    match at {
        Some(i) => (&trimmed[..i], &trimmed[i..]),
        None => (trimmed, ""),
    }
}

/// A name for matching: in Unicode's compatibility form (NFKC), lowercase, with whitespace,
/// invisible joiners, `_` and `-` removed. "Lead Source", "lead_source" and " LEAD-source " are
/// the same name; so are "Café" typed on two systems (one `é`, or `e` and a combining accent)
/// and a full-width "Ｌｅａｄ".
pub fn name(raw: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    raw.nfkc()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c) && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Characters that show nothing: zero-width space, joiners, word joiner, byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// A short slug for step ids: lowercase ASCII letters and digits joined by `_`.
pub fn slug(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_typed_on_two_systems_are_the_same_name() {
        let composed = "Caf\u{e9} Leads";
        let decomposed = "Cafe\u{301} leads";
        assert_ne!(composed, decomposed);
        assert_eq!(name(composed), name(decomposed));
        assert_eq!(name("\u{ff2c}\u{ff45}\u{ff41}\u{ff44}"), name("lead"));
        assert_eq!(name("Hot\u{200B}Leads\u{FEFF}"), name("hot leads"));
        assert_ne!(name("Caf\u{e9}"), name("Cafe"));
    }

    #[test]
    fn emails_compare_trimmed_and_case_insensitive() {
        assert_eq!(
            email("  Jane.Doe@Acme.TEST "),
            Some("jane.doe@acme.test".into())
        );
        assert_eq!(email("   "), None);
        assert_eq!(email("not-an-email"), None);
    }

    #[test]
    fn national_and_international_phones_meet_in_e164() {
        for raw in [
            "(555) 010-1234",
            "555.010.1234",
            "+1 555 010 1234",
            "1-555-010-1234",
            "0015550101234",
        ] {
            assert_eq!(phone(raw, "1").as_deref(), Some("+15550101234"), "{raw}");
        }
        assert_eq!(
            phone("+44 20 7946 0958", "1").as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            phone("555 010 1234 ext. 7", "1").as_deref(),
            Some("+15550101234")
        );
    }

    #[test]
    fn fragments_are_not_phones() {
        assert_eq!(phone("12345", "1"), None);
        assert_eq!(phone("", "1"), None);
        assert_eq!(phone("call me", "1"), None);
    }

    #[test]
    fn names_ignore_case_spaces_and_separators() {
        assert_eq!(name("Lead Source"), name(" lead_source "));
        assert_eq!(name("LEAD-source"), "leadsource");
        assert_eq!(name("Zoë Straße"), "zoëstraße");
    }

    #[test]
    fn slugs_are_stable_and_readable() {
        assert_eq!(slug("Deal #7 (Renewal)"), "deal_7_renewal");
        assert_eq!(slug("  José Núñez "), "josé_núñez");
    }
}
