//! Custom-field values on their way to the target: converted to the target field's type, or
//! refused (never sent where the target would reject them or read them as something else).

use serde_json::Value;

use crate::model::DataType;
use crate::normalize;

/// Where a source field's values go.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldTarget {
    /// A target field id, or the step id of the field this plan creates.
    pub reference: String,
    /// The target field's name, for messages.
    pub name: String,
    pub data_type: DataType,
    /// The target's picklist options, when it has any (a created field takes the source's).
    pub options: Vec<String>,
}

/// The outcome of converting one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Converted {
    Value(Value),
    /// Nothing to send (null, empty string, empty list).
    Empty,
    /// The value cannot be written to that field, and why.
    Refused(String),
}

/// Converts a source value for the target field.
pub fn convert(value: &Value, target: &FieldTarget) -> Converted {
    if is_empty(value) {
        return Converted::Empty;
    }
    use DataType::*;
    match target.data_type {
        Text | LargeText | Phone | Email | Date | Time | TextboxList => match value {
            Value::String(_) => Converted::Value(value.clone()),
            Value::Number(n) => Converted::Value(Value::String(n.to_string())),
            Value::Bool(b) => Converted::Value(Value::String(b.to_string())),
            Value::Array(items) => Converted::Value(Value::String(
                items.iter().map(plain_text).collect::<Vec<_>>().join(", "),
            )),
            _ => Converted::Refused(format!(
                "an object cannot be written to {}",
                target.data_type
            )),
        },
        Numerical | Monetory | Float => match value {
            Value::Number(_) => Converted::Value(value.clone()),
            Value::String(s) => match s.trim().replace(',', "").parse::<f64>() {
                Ok(n) if n.is_finite() => Converted::Value(number(n)),
                _ => Converted::Refused(format!("{s:?} is not a number")),
            },
            _ => Converted::Refused(format!("{value} is not a number")),
        },
        SingleOptions | Radio => {
            let items = as_items(value);
            if items.len() != 1 {
                return Converted::Refused(format!(
                    "{} values for a single-choice field",
                    items.len()
                ));
            }
            match pick(&items[0], &target.options) {
                Some(option) => Converted::Value(Value::String(option)),
                None => Converted::Refused(format!(
                    "{:?} is not an option of the target field",
                    items[0]
                )),
            }
        }
        Checkbox | MultipleOptions => {
            let mut out = Vec::new();
            for item in as_items(value) {
                match pick(&item, &target.options) {
                    Some(option) => out.push(Value::String(option)),
                    None => {
                        return Converted::Refused(format!(
                            "{item:?} is not an option of the target field"
                        ));
                    }
                }
            }
            Converted::Value(Value::Array(out))
        }
        FileUpload | Signature | Unknown => {
            Converted::Refused(format!("{} values are not copied", target.data_type))
        }
    }
}

/// True for null, blank strings and empty lists or objects.
pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.iter().all(is_empty),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn plain_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

fn as_items(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter(|v| !is_empty(v))
            .map(plain_text)
            .collect(),
        other => vec![plain_text(other)],
    }
}

/// The target's spelling of an option (case and spacing may differ); any value when the
/// field has no options listed.
fn pick(item: &str, options: &[String]) -> Option<String> {
    if options.is_empty() {
        return Some(item.to_string());
    }
    let n = normalize::name(item);
    options.iter().find(|o| normalize::name(o) == n).cloned()
}

impl crate::plan::ValueWrite {
    /// A value for field `t`, named (and dated) for the reviewer.
    pub fn to(t: &FieldTarget, value: Value) -> Self {
        crate::plan::ValueWrite {
            name: t.name.clone(),
            field: t.reference.clone(),
            date: crate::plan::label::date(&t.data_type, &value),
            value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(t: DataType, options: &[&str]) -> FieldTarget {
        FieldTarget {
            reference: "F".into(),
            name: "f".into(),
            data_type: t,
            options: options.iter().map(|o| o.to_string()).collect(),
        }
    }

    #[test]
    fn text_takes_anything_plain() {
        assert_eq!(
            convert(&json!(42), &target(DataType::Text, &[])),
            Converted::Value(json!("42"))
        );
        assert_eq!(
            convert(&json!(["a", "b"]), &target(DataType::LargeText, &[])),
            Converted::Value(json!("a, b"))
        );
    }

    #[test]
    fn numbers_parse_or_are_refused() {
        assert_eq!(
            convert(&json!("1,200"), &target(DataType::Monetory, &[])),
            Converted::Value(json!(1200))
        );
        assert_eq!(
            convert(&json!("12.5"), &target(DataType::Numerical, &[])),
            Converted::Value(json!(12.5))
        );
        assert!(matches!(
            convert(&json!("north"), &target(DataType::Numerical, &[])),
            Converted::Refused(_)
        ));
    }

    #[test]
    fn options_take_the_target_spelling_or_are_refused() {
        let t = target(DataType::MultipleOptions, &["Ads", "Email"]);
        assert_eq!(
            convert(&json!(["ads", "EMAIL"]), &t),
            Converted::Value(json!(["Ads", "Email"]))
        );
        assert!(matches!(
            convert(&json!(["SEO"]), &t),
            Converted::Refused(_)
        ));
        let single = target(DataType::SingleOptions, &["Gold"]);
        assert_eq!(
            convert(&json!("gold"), &single),
            Converted::Value(json!("Gold"))
        );
        assert_eq!(
            convert(&json!(["gold"]), &single),
            Converted::Value(json!("Gold"))
        );
    }

    #[test]
    fn empty_values_are_not_sent() {
        for v in [json!(null), json!(""), json!("  "), json!([]), json!({})] {
            assert_eq!(
                convert(&v, &target(DataType::Text, &[])),
                Converted::Empty,
                "{v}"
            );
        }
    }

    #[test]
    fn files_are_refused() {
        assert!(matches!(
            convert(
                &json!({"a": {"url": "x"}}),
                &target(DataType::FileUpload, &[])
            ),
            Converted::Refused(_)
        ));
    }
}
