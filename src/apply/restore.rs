//! An undo's `restore_contact` step: read the contact right before writing, set back only the
//! values it still holds as the migration wrote them (a person's later change is never
//! overwritten), then remove only the migration's tags it still has. Re-sent as it is after a
//! stop: a value already set back, a tag already gone, is simply not sent again.

use crate::ghl::{ApiError, ApiErrorKind, ApiResult, ContactWrite, CustomFieldWrite, Ghl};
use crate::model::Contact;
use crate::plan::undo::{ContactRestore, same_value};

/// Sends the restore; `count` is called once per request.
pub async fn send<G: Ghl>(
    ghl: &G,
    restore: &ContactRestore,
    count: impl Fn(),
) -> ApiResult<String> {
    count();
    let contact = ghl.get_contact(&restore.id).await?.ok_or_else(|| {
        ApiError::new(
            ApiErrorKind::Permanent,
            format!("GET /contacts/{}", restore.id),
            "the contact to restore is no longer in the target",
        )
    })?;
    let body = still_ours(&contact, restore);
    if body != ContactWrite::default() {
        count();
        ghl.update_contact(&restore.id, &body).await?;
    }
    let tags: Vec<String> = restore
        .remove_tags
        .iter()
        .filter(|t| {
            contact
                .tags
                .iter()
                .any(|c| c.eq_ignore_ascii_case(t.trim()))
        })
        .cloned()
        .collect();
    if !tags.is_empty() {
        count();
        ghl.remove_contact_tags(&restore.id, &tags).await?;
    }
    Ok(restore.id.clone())
}

/// The update that sets back every value the contact still holds as the migration wrote it.
pub fn still_ours(contact: &Contact, restore: &ContactRestore) -> ContactWrite {
    let mut body = ContactWrite::default();
    for v in &restore.values {
        let now = crate::plan::undo::current_value(contact, &v.field, v.custom);
        if !same_value(&now, &v.wrote) {
            continue;
        }
        let to = match &v.to {
            serde_json::Value::Null => serde_json::Value::String(String::new()),
            to => to.clone(),
        };
        if v.custom {
            body.custom_fields.push(CustomFieldWrite {
                id: v.field.clone(),
                field_value: to,
            });
        } else if let Some((_, slot)) = body
            .text_fields_mut()
            .into_iter()
            .find(|(name, _)| *name == v.field)
        {
            *slot = Some(to.as_str().map_or_else(|| to.to_string(), str::to_string));
        }
    }
    body
}
