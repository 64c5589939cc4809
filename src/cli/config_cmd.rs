//! The `config` command: every effective setting of migration.yaml, defaults included, with
//! where its value came from (the file, a default, an environment variable). Tokens are never
//! shown: only whether the variable that should hold each one is set.

use std::path::PathBuf;

use serde_json::{Value, json};

use ghl_migrate::config::{self, AccountConfig, ApiKind, Loaded};
use ghl_migrate::error::{Result, exit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The declaration to read.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    /// `text` for people, `json` for machines.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &super::env_var)?;
    let text = config::read_text(&loaded.path).unwrap_or_default();
    let raw: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_default();
    let entries = entries(&loaded, &raw, &super::env_var);
    match args.format {
        Format::Json => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&entries).unwrap_or_default()
            );
        }
        Format::Text => {
            outln!("# effective configuration of {}", loaded.path.display());
            let width = entries.iter().map(|e| e.key.len()).max().unwrap_or(0);
            for e in &entries {
                outln!("{:width$} = {}    # {}", e.key, display(&e.value), e.origin);
            }
        }
    }
    Ok(exit::OK)
}

/// One effective setting.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Entry {
    pub key: String,
    pub value: Value,
    pub origin: String,
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// Every effective setting, in the declaration's order, with its origin.
pub(crate) fn entries(
    loaded: &Loaded,
    raw: &serde_yaml::Value,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Vec<Entry> {
    let file = loaded.path.display().to_string();
    let mut tree = serde_json::to_value(&loaded.config).unwrap_or_default();
    let rate = &loaded.config.rate_limit;
    tree["rate_limit"]["max_per_interval"] = json!(rate.max_per_interval);
    tree["rate_limit"]["min_delay_ms"] = json!(rate.min_delay_ms);
    tree["state"] = json!(loaded.state_path().display().to_string());
    let mut out = Vec::new();
    flatten("", &tree, &mut out);
    let mut entries: Vec<Entry> = out
        .into_iter()
        .filter(|(k, _)| !k.starts_with("source.") && !k.starts_with("target."))
        .map(|(key, value)| {
            let origin = origin_of(loaded, raw, &key, &file);
            Entry { key, value, origin }
        })
        .collect();
    let mut accounts = Vec::new();
    for (side, account) in [
        ("source", &loaded.config.source),
        ("target", &loaded.config.target),
    ] {
        accounts.extend(account_entries(side, account, loaded, raw, vars));
    }
    entries.extend(accounts);
    // The order of a declaration, not the alphabet.
    let rank = |key: &str| {
        let top = key.split('.').next().unwrap_or_default();
        ORDER.iter().position(|k| *k == top).unwrap_or(ORDER.len())
    };
    entries.sort_by_key(|e| rank(&e.key));
    entries
}

/// Top-level keys in the order a declaration is usually written.
const ORDER: &[&str] = &[
    "name",
    "source",
    "target",
    "objects",
    "existing_contacts",
    "create_pipelines",
    "tag_migrated",
    "mappings",
    "filters",
    "rate_limit",
    "state",
];

fn account_entries(
    side: &str,
    account: &AccountConfig,
    loaded: &Loaded,
    raw: &serde_yaml::Value,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Vec<Entry> {
    let file = loaded.path.display().to_string();
    let from_file = |key: &str| {
        if raw.get(side).and_then(|a| a.get(key)).is_some() {
            file.clone()
        } else {
            "default".to_string()
        }
    };
    let entry = |key: &str, value: Value, origin: String| Entry {
        key: format!("{side}.{key}"),
        value,
        origin,
    };
    let mut out = vec![entry("api", json!(account.api.as_str()), from_file("api"))];
    match account.api {
        ApiKind::Fixture => {
            let path = account.path.clone().unwrap_or_default();
            out.push(entry(
                "path",
                json!(loaded.resolve(&path).display().to_string()),
                from_file("path"),
            ));
        }
        ApiKind::V1 | ApiKind::V2 => {
            out.push(entry(
                "location_id",
                json!(account.location_id),
                from_file("location_id"),
            ));
            let base_origin = if account.base_url.is_some() {
                file.clone()
            } else {
                format!("default for api {}", account.api.as_str())
            };
            out.push(entry("base_url", json!(account.base_url()), base_origin));
            out.push(entry(
                "token_env",
                json!(account.token_env),
                from_file("token_env"),
            ));
            let names = account.token_vars();
            for var in &names {
                let set = vars(var).is_some_and(|v| !v.trim().is_empty());
                let state = if set { "set (redacted)" } else { "NOT SET" };
                // One token keeps the plain key; several are told apart by variable.
                let key = if names.len() == 1 {
                    "token".to_string()
                } else {
                    format!("token.{var}")
                };
                out.push(entry(&key, json!(state), format!("${var}")));
            }
        }
    }
    out
}

/// Where a (non-account) key's value came from.
fn origin_of(loaded: &Loaded, raw: &serde_yaml::Value, key: &str, file: &str) -> String {
    if let Some(o) = loaded.origins.get(key) {
        return o.clone();
    }
    let mut node = Some(raw);
    for part in key.split('.') {
        node = node.and_then(|n| n.get(part));
    }
    if node.is_some() {
        file.to_string()
    } else {
        "default".to_string()
    }
}

/// Dotted keys for nested objects; lists and empty objects stay whole.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        _ => out.push((prefix.to_string(), value.clone())),
    }
}
