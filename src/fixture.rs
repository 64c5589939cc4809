//! Fixture accounts: a location in one JSON or YAML file, in the API's V2 shapes.
//! Loading checks references (an opportunity's contact, pipeline and stage must exist),
//! so a broken fixture is reported by file and object, not discovered mid-plan.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Account;

/// Reads a fixture account (`.json`, or `.yaml`/`.yml`) and checks its references.
pub fn load(path: &Path) -> Result<Account> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let account = parse(path, &text)?;
    check_references(&account).map_err(|message| Error::Invalid {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(account)
}

/// Parses fixture text by the file's extension (YAML for `.yaml`/`.yml`, JSON otherwise).
pub fn parse(path: &Path, text: &str) -> Result<Account> {
    if is_yaml(path) {
        crate::yaml_guard::check(path, text, crate::yaml_guard::DOCUMENT)?;
        serde_yaml::from_str(text).map_err(|e| Error::yaml(path, &e))
    } else {
        serde_json::from_str(text).map_err(|e| Error::json(path, &e))
    }
}

/// Writes an account as a fixture file (pretty JSON, or YAML by extension).
pub fn save(path: &Path, account: &Account) -> Result<()> {
    let text = if is_yaml(path) {
        serde_yaml::to_string(account).map_err(|e| Error::Other(e.to_string()))?
    } else {
        let mut s =
            serde_json::to_string_pretty(account).map_err(|e| Error::Other(e.to_string()))?;
        s.push('\n');
        s
    };
    // Every contact's personal data: readable by its owner only, like the checkpoint.
    crate::atomic_file::write_private(path, text.as_bytes())
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml") | Some("yml")
    )
}

/// Every reference inside the account points at something it holds; ids are unique.
pub fn check_references(account: &Account) -> std::result::Result<(), String> {
    let mut contact_ids = HashSet::new();
    for c in &account.contacts {
        if !contact_ids.insert(c.id.as_str()) {
            return Err(format!("contact id {} appears twice", c.id));
        }
    }
    let field_ids: HashSet<&str> = account
        .custom_fields
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    for c in &account.contacts {
        for v in &c.custom_fields {
            if !field_ids.contains(v.id.as_str()) {
                return Err(format!(
                    "contact {} has a value for custom field {}, which does not exist",
                    c.id, v.id
                ));
            }
        }
    }
    for o in &account.opportunities {
        if !contact_ids.contains(o.contact_id.as_str()) {
            return Err(format!(
                "opportunity {} ({:?}) refers to contact {}, which does not exist",
                o.id, o.name, o.contact_id
            ));
        }
        let Some(pipeline) = account.pipelines.iter().find(|p| p.id == o.pipeline_id) else {
            return Err(format!(
                "opportunity {} ({:?}) refers to pipeline {}, which does not exist",
                o.id, o.name, o.pipeline_id
            ));
        };
        if let Some(stage) = &o.pipeline_stage_id
            && !pipeline.stages.iter().any(|s| &s.id == stage)
        {
            return Err(format!(
                "opportunity {} ({:?}) refers to stage {stage}, which pipeline {:?} does not have",
                o.id, o.name, pipeline.name
            ));
        }
    }
    Ok(())
}
