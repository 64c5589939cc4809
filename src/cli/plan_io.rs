//! Writing a plan and its one-screen summary (until the shared plan-file module lands).

use std::path::Path;

use ghl_migrate::error::{Error, Result};
use ghl_migrate::plan::Plan;

pub fn write(path: &Path, plan: &Plan) -> Result<()> {
    let text = serde_yaml::to_string(plan).map_err(|e| Error::Other(e.to_string()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.into(),
            source,
        })?;
    }
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.into(),
        source,
    })
}

pub fn summary(plan: &Plan) -> String {
    let s = &plan.summary;
    let mut out = String::new();
    for (kind, counts) in [
        ("custom fields", &s.custom_fields),
        ("pipelines", &s.pipelines),
        ("stages", &s.stages),
        ("users", &s.users),
        ("contacts", &s.contacts),
        ("opportunities", &s.opportunities),
    ] {
        let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
        out.push_str(&format!("{kind:>14}: {}\n", parts.join(", ")));
    }
    out.push_str(&format!("     readiness: {}%\n", s.readiness_percent));
    out.push_str(&format!(
        "         steps: {}, warnings: {}",
        plan.steps.len(),
        plan.warnings.len()
    ));
    out
}
