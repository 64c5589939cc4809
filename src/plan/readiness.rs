//! What "readiness" means, in words: the share of the source's definitions (custom fields,
//! pipelines, stages) that have a counterpart in the target (matched, mapped or created by the
//! plan), and which ones do not and why. Users do not count (a missing user only leaves
//! records unassigned).

use std::collections::BTreeMap;

use crate::plan::{MapEntry, MappingReport};

/// One kind of definition: how many count, how many are ready, the others by reason.
#[derive(Debug, Clone, PartialEq)]
pub struct KindReadiness {
    pub kind: &'static str,
    pub ready: u64,
    pub total: u64,
    /// Reason (`missing`, `conflict`, `unsupported`, ...) -> how many.
    pub not_ready: BTreeMap<String, u64>,
}

/// Per kind, in the order fields, pipelines, stages.
pub fn kinds(m: &MappingReport) -> Vec<KindReadiness> {
    [
        ("fields", m.fields_mapped, &m.fields),
        ("pipelines", m.pipelines_mapped, &m.pipelines),
        ("stages", m.stages_mapped, &m.stages),
    ]
    .into_iter()
    .map(|(kind, ready, entries)| KindReadiness {
        kind,
        ready,
        total: entries.len() as u64,
        not_ready: not_ready(entries, ready),
    })
    .collect()
}

/// The entries that are not counted ready, by reason: those without a target, or whose
/// decision says they cannot be used (a conflict).
fn not_ready(entries: &[MapEntry], ready: u64) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for e in entries {
        if e.target.is_none() || e.by == "conflict" {
            *out.entry(e.by.clone()).or_default() += 1;
        }
    }
    // Whatever the planner counted as not ready beyond these (a future reason) still shows.
    let listed: u64 = out.values().sum();
    let missing = (entries.len() as u64).saturating_sub(ready + listed);
    if missing > 0 {
        *out.entry("other".to_string()).or_default() += missing;
    }
    out
}

/// `43 of 56 source fields, pipelines and stages have a target (fields 31/35, pipelines 1/2,
/// stages 11/19); not ready: 8 stages missing, 3 fields unsupported, ...`
pub fn explain(m: &MappingReport) -> String {
    let kinds = kinds(m);
    let ready: u64 = kinds.iter().map(|k| k.ready).sum();
    let total: u64 = kinds.iter().map(|k| k.total).sum();
    let per_kind: Vec<String> = kinds
        .iter()
        .map(|k| format!("{} {}/{}", k.kind, k.ready, k.total))
        .collect();
    let mut out = format!(
        "{ready} of {total} source fields, pipelines and stages have a target, matched or created \
         ({})",
        per_kind.join(", ")
    );
    let gaps: Vec<String> = kinds
        .iter()
        .flat_map(|k| {
            k.not_ready
                .iter()
                .map(move |(why, n)| format!("{n} {} {why}", singular(k.kind, *n)))
        })
        .collect();
    if !gaps.is_empty() {
        out.push_str("; not ready: ");
        out.push_str(&gaps.join(", "));
    }
    out
}

fn singular(kind: &str, n: u64) -> &str {
    match n {
        1 => kind.trim_end_matches('s'),
        _ => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(by: &str, target: Option<&str>) -> MapEntry {
        MapEntry {
            source: "x".into(),
            target: target.map(String::from),
            by: by.into(),
        }
    }

    #[test]
    fn readiness_says_what_counts_and_what_is_missing() {
        let m = MappingReport {
            fields_mapped: 2,
            pipelines_mapped: 1,
            stages_mapped: 1,
            overall_readiness_percent: 57.1,
            readiness: String::new(),
            fields: vec![
                entry("key", Some("a")),
                entry("create", Some("b")),
                entry("conflict", Some("c")),
                entry("unsupported", None),
            ],
            pipelines: vec![entry("name", Some("p"))],
            stages: vec![entry("name", Some("s")), entry("missing", None)],
            users: vec![entry("missing", None)],
        };
        assert_eq!(
            explain(&m),
            "4 of 7 source fields, pipelines and stages have a target, matched or created \
             (fields 2/4, pipelines 1/1, stages 1/2); not ready: 1 field conflict, \
             1 field unsupported, 1 stage missing"
        );
    }
}
