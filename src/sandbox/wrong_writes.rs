//! Writes the sandbox can be told to store "wrong", as a live API might store a shape no report
//! confirms (`--wrong-writes`, or `wrongWrites` on `POST /_sandbox/faults`): picklist `options`
//! on a field create ignored, a DATE value stored one day earlier (as a time-zone shift would;
//! `date-epoch`: only a value sent as epoch milliseconds), a TEXTBOX_LIST value cut to its first
//! item; on contacts and opportunities alike. The canary writes of `apply` must catch each.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ghl::memory::epoch_ms;
use crate::ghl::v1_shapes::iso_date;
use crate::ghl::{ContactWrite, NewCustomField, NewOpportunity};
use crate::model::{Account, DataType};

/// One kind of wrong write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WrongWrite {
    Options,
    Date,
    DateEpoch,
    TextboxList,
}

impl FromStr for WrongWrite {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        serde_json::from_value(Value::String(s.trim().to_string())).map_err(|_| {
            format!("wrong write {s:?}: one of options, date, date-epoch, textbox-list")
        })
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
    let values = write
        .custom_fields
        .iter_mut()
        .map(|v| (v.id.as_str(), &mut v.field_value));
    custom_values(wrong, account, values);
}

/// An opportunity create as stored, likewise.
pub fn opportunity(wrong: &[WrongWrite], account: &Account, write: &mut NewOpportunity) {
    let values = write
        .custom_fields
        .iter_mut()
        .map(|v| (v.id.as_str(), &mut v.field_value));
    custom_values(wrong, account, values);
}

fn custom_values<'a>(
    wrong: &[WrongWrite],
    account: &Account,
    values: impl Iterator<Item = (&'a str, &'a mut Value)>,
) {
    if wrong.is_empty() {
        return;
    }
    for (id, value) in values {
        let Some(field) = account.custom_fields.iter().find(|f| f.id == id) else {
            continue;
        };
        match field.data_type {
            DataType::Date => {
                let epoch = match &*value {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                let ms = match &*value {
                    Value::String(s) => epoch.or_else(|| epoch_ms(s)),
                    _ => epoch,
                };
                let shifted = wrong.contains(&WrongWrite::Date)
                    || (epoch.is_some() && wrong.contains(&WrongWrite::DateEpoch));
                if let (Some(ms), true) = (ms, shifted) {
                    *value = Value::String(iso_date(ms - 86_400_000));
                }
            }
            DataType::TextboxList if wrong.contains(&WrongWrite::TextboxList) => {
                let first = match &*value {
                    Value::Array(items) => items.first().cloned(),
                    Value::String(s) => s.split(',').next().map(|s| Value::String(s.into())),
                    _ => None,
                };
                if let Some(first) = first {
                    *value = first;
                }
            }
            _ => {}
        }
    }
}
