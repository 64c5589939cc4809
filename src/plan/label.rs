//! What an id names, for the reviewer: a contact as `Name <email>`, a user by email, a date
//! value in ISO form. Labels sit beside the ids `apply` uses and are never read back by it.

use serde_json::Value;

use crate::model::{Contact, DataType, User};

/// A contact as a person recognises it: `Jane Doe <jane@acme.test>`, `Jane Doe (+15550100)`,
/// or just whichever of name, email, phone it has.
pub fn contact(c: &Contact) -> String {
    let name = c.display_name();
    let key = c
        .standard_field("email")
        .map(|e| format!("<{}>", e.trim()))
        .or_else(|| c.standard_field("phone").map(|p| format!("({})", p.trim())));
    match key {
        Some(key) if !name.contains(key.trim_matches(['<', '>', '(', ')'])) => {
            format!("{name} {key}")
        }
        _ => name,
    }
}

/// A user by email (else name, else id).
pub fn user(u: &User) -> String {
    u.email
        .clone()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| Some(u.name.clone()).filter(|n| !n.trim().is_empty()))
        .unwrap_or_else(|| u.id.clone())
}

/// The email (or name) of user `id` among `users`; the id itself when it is not one of them.
pub fn user_id(users: &[User], id: &str) -> String {
    users
        .iter()
        .find(|u| u.id == id)
        .map(user)
        .unwrap_or_else(|| id.to_string())
}

/// A DATE field's value (epoch milliseconds, as a number or a string of digits) as an ISO date
/// (`2024-12-09`, with the time when it is not midnight UTC); `None` for other fields or values.
pub fn date(data_type: &DataType, value: &Value) -> Option<String> {
    if *data_type != DataType::Date {
        return None;
    }
    let ms = match value {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    Some(iso_from_epoch_ms(ms))
}

/// `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SSZ` when the instant is not midnight UTC.
pub fn iso_from_epoch_ms(ms: i64) -> String {
    let day = crate::ghl::v1_shapes::iso_date(ms);
    let rest = ms.div_euclid(1000).rem_euclid(86_400);
    if rest == 0 {
        day
    } else {
        let (h, min, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
        format!("{day}T{h:02}:{min:02}:{s:02}Z")
    }
}

/// The first line of a text (a note's body), cut short, for a label.
pub fn text_start(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_milliseconds_read_as_iso_dates() {
        assert_eq!(iso_from_epoch_ms(1_733_702_400_000), "2024-12-09");
        assert_eq!(iso_from_epoch_ms(0), "1970-01-01");
        assert_eq!(iso_from_epoch_ms(951_782_400_000), "2000-02-29");
        assert_eq!(iso_from_epoch_ms(-86_400_000), "1969-12-31");
        assert_eq!(iso_from_epoch_ms(1_733_705_130_000), "2024-12-09T00:45:30Z");
        let v = Value::String("1733702400000".into());
        assert_eq!(date(&DataType::Date, &v).as_deref(), Some("2024-12-09"));
        assert_eq!(date(&DataType::Text, &v), None);
    }

    #[test]
    fn a_contact_reads_as_name_and_email_or_phone() {
        let mut c = Contact {
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            email: Some("jane@acme.test".into()),
            ..Contact::default()
        };
        assert_eq!(contact(&c), "Jane Doe <jane@acme.test>");
        c.email = None;
        c.phone = Some("+15550100".into());
        assert_eq!(contact(&c), "Jane Doe (+15550100)");
        c.first_name = None;
        c.last_name = None;
        assert_eq!(contact(&c), "+15550100");
    }
}
