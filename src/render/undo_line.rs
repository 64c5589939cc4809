//! The compact line of an undo's `restore_contact` step:
//! `~ undo/contact/S1  restore Bob Li (Kq3…): phone back to empty, tags -vip`.

use crate::plan::ContactRestore;

pub fn restore(r: &ContactRestore) -> String {
    let mut parts: Vec<String> = r
        .values
        .iter()
        .map(|v| {
            let field = if v.name.is_empty() { &v.field } else { &v.name };
            match &v.to {
                serde_json::Value::Null => format!("{field} back to empty"),
                to => format!("{field} back to {to}"),
            }
        })
        .collect();
    if !r.remove_tags.is_empty() {
        let tags: Vec<String> = r.remove_tags.iter().map(|t| format!("-{t}")).collect();
        parts.push(format!("tags {}", tags.join(" ")));
    }
    format!("restore {} ({}): {}", r.name, r.id, parts.join(", "))
}
