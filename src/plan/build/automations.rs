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
