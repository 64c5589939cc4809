//! The target's automations: creating a contact, an opportunity or a note, or changing a contact,
//! fires the target's published workflows (Contact Created, Opportunity Created, ...), which can
//! send real emails and SMS. The plan names those workflows, or says it could not read them, and
//! counts the records that will fire them, so nobody applies without knowing.

use super::*;
use crate::plan::AUTOMATIONS_WARNING;

impl Builder<'_> {
    /// One warning, when the plan writes records: the published workflows and the counts.
    pub(super) fn automations(&mut self) {
        const KINDS: [&str; 3] = [
            "contacts created",
            "contacts changed",
            "opportunities created",
        ];
        let mut counts = [0u64; 3];
        for step in &self.steps {
            let at = match &step.action {
                Action::CreateContact(_) => 0,
                Action::MergeContact(_) | Action::OverwriteContact(_) => 1,
                Action::CreateOpportunity(_) => 2,
                _ => continue,
            };
            counts[at] += 1;
        }
        if counts.iter().all(|&n| n == 0) {
            return;
        }
        let records: Vec<String> = KINDS
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let records = records.join(", ");
        let tag = match &self.input.config.tag_migrated {
            Some(t) => format!("every migrated contact carries the tag `{t}`: make them skip it"),
            None => "or set `tag_migrated` in migration.yaml and make them skip that tag".into(),
        };
        let text = match &self.input.target.workflows {
            None => format!(
                "{AUTOMATIONS_WARNING} not known (the target's workflows could not be read: the \
                 token needs `workflows.readonly`); {records} may fire any published workflow \
                 (emails, SMS to real people): check them in the target, pause them ({tag})"
            ),
            Some(all) => {
                let mut published: Vec<&str> = all
                    .iter()
                    .filter(|w| w.is_published())
                    .map(|w| w.name.as_str())
                    .collect();
                published.sort();
                if published.is_empty() {
                    format!(
                        "{AUTOMATIONS_WARNING} the target has no published workflow; {records} \
                         fire none today"
                    )
                } else {
                    format!(
                        "{AUTOMATIONS_WARNING} the target has {} published workflow{} ({}); \
                         {records} may fire them (emails, SMS to real people): pause them \
                         before applying ({tag})",
                        published.len(),
                        if published.len() == 1 { "" } else { "s" },
                        quote_list(&published.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                    )
                }
            }
        };
        self.warnings.push(text);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::parse;
    use crate::model::{Account, Workflow};
    use crate::plan::build::{PlanInput, build};
    use crate::plan::{AUTOMATIONS_WARNING, Action, Plan};

    const SOURCE: &str = r#"{"location": {"id": "S"}, "contacts": [
        {"id": "c1", "email": "a@acme.test", "tags": ["vip"]},
        {"id": "c2", "email": "b@acme.test", "firstName": "Bob"}]}"#;
    const TARGET: &str = r#"{"location": {"id": "T"}, "contacts": [
        {"id": "t1", "email": "b@acme.test", "tags": ["customer"]}]}"#;

    fn plan(extra: &str, workflows: Option<Vec<Workflow>>) -> Plan {
        let text = format!(
            "name: t\nsource:\n  api: fixture\n  path: s.json\ntarget:\n  api: fixture\n  path: t.json\n{extra}"
        );
        let source: Account = serde_json::from_str(SOURCE).unwrap();
        let mut target: Account = serde_json::from_str(TARGET).unwrap();
        target.workflows = workflows;
        build(PlanInput {
            config: &parse(Path::new("migration.yaml"), &text).unwrap(),
            source: &source,
            target: &target,
        })
        .unwrap()
    }

    fn warning(plan: &Plan) -> &str {
        plan.warnings
            .iter()
            .find(|w| w.starts_with(AUTOMATIONS_WARNING))
            .expect("an automations warning")
    }

    fn workflow(name: &str, status: &str) -> Workflow {
        Workflow {
            id: name.into(),
            name: name.into(),
            status: status.into(),
        }
    }

    #[test]
    fn published_workflows_are_named_with_the_records_that_fire_them() {
        let p = plan(
            "",
            Some(vec![
                workflow("Welcome SMS", "published"),
                workflow("Old draft", "draft"),
            ]),
        );
        let w = warning(&p);
        assert!(w.contains("1 published workflow (`Welcome SMS`)"), "{w}");
        assert!(w.contains("1 contacts created, 1 contacts changed"), "{w}");
        assert!(!w.contains("Old draft"), "{w}");
        assert!(w.contains("set `tag_migrated`"), "{w}");
    }

    #[test]
    fn unreadable_workflows_are_said_to_be_unknown() {
        let w = plan("", None).warnings.join("\n");
        assert!(w.contains("target automations: not known"), "{w}");
        assert!(w.contains("`workflows.readonly`"), "{w}");
    }

    #[test]
    fn tag_migrated_tags_every_created_and_merged_contact() {
        let p = plan(
            "tag_migrated: migrated-2026\n",
            Some(vec![workflow("Welcome SMS", "published")]),
        );
        for step in &p.steps {
            match &step.action {
                Action::CreateContact(c) => {
                    assert_eq!(c.tags, vec!["vip".to_string(), "migrated-2026".to_string()])
                }
                Action::MergeContact(m) => {
                    assert_eq!(m.add_tags, vec!["migrated-2026".to_string()])
                }
                _ => {}
            }
        }
        // Off by default: nothing is added.
        let untagged = plan("", Some(vec![]));
        assert!(untagged.steps.iter().all(|s| match &s.action {
            Action::CreateContact(c) => !c.tags.iter().any(|t| t.starts_with("migrated")),
            _ => true,
        }));
        assert!(warning(&p).contains("every migrated contact carries the tag `migrated-2026`"));
    }
}
