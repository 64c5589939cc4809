//! Writes the sandbox can be told to store "wrong", as a live API might store a shape no report
//! confirms (`--wrong-writes`, or `wrongWrites` on `POST /_sandbox/faults`): picklist `options`
//! on a field create ignored, a DATE value stored one day earlier (as a time-zone shift would),
//! a TEXTBOX_LIST value cut to its first item. The canary writes of `apply` must catch each.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ghl::memory::epoch_ms;
use crate::ghl::v1_shapes::iso_date;
use crate::ghl::{ContactWrite, NewCustomField};
use crate::model::{Account, DataType};

/// One kind of wrong write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WrongWrite {
    Options,
    Date,
    TextboxList,
}

impl FromStr for WrongWrite {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(Value::String(s.trim().to_string()))
            .map_err(|_| format!("wrong write {s:?}: one of options, date, textbox-list"))
    }
}

/// A field create as stored: without its options when `Options` is on.
pub fn field(wrong: &[WrongWrite], field: &mut NewCustomField) {
    if wrong.contains(&WrongWrite::Options) {
        field.options.clear();
    }
}

/// A contact write as stored: DATE and TEXTBOX_LIST values changed as `wrong` says.
pub fn contact(wrong: &[WrongWrite], account: &Account, write: &mut ContactWrite) {
    if wrong.is_empty() {
        return;
    }
    for value in &mut write.custom_fields {
        let Some(field) = account.custom_fields.iter().find(|f| f.id == value.id) else {
            continue;
        };
        match field.data_type {
            DataType::Date if wrong.contains(&WrongWrite::Date) => {
                let ms = match &value.field_value {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok().or_else(|| epoch_ms(s)),
                    _ => None,
                };
                if let Some(ms) = ms {
                    value.field_value = Value::String(iso_date(ms - 86_400_000));
                }
            }
            DataType::TextboxList if wrong.contains(&WrongWrite::TextboxList) => {
                let first = match &value.field_value {
                    Value::Array(items) => items.first().cloned(),
                    Value::String(s) => s.split(',').next().map(|s| Value::String(s.into())),
                    _ => None,
                };
                if let Some(first) = first {
                    value.field_value = first;
                }
            }
            _ => {}
        }
    }
}
