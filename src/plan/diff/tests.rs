use super::*;
use crate::plan::file::sample;
use crate::plan::{Action, NotDone};
use crate::render::plan_diff;

#[test]
fn identical_plans_have_no_changes() {
    let d = diff(&sample::plan(), &sample::plan());
    assert!(d.is_empty());
    assert_eq!(plan_diff::render(&d), "no changes\n");
}

#[test]
fn steps_are_added_removed_and_changed_by_id() {
    let old = sample::plan();
    let mut new = old.clone();
    let removed = new.steps.remove(3); // contact/+15550199
    let mut added = removed.clone();
    added.id = "contact/+15550198".into();
    new.steps.push(added);
    if let Action::MergeContact(u) = &mut new.steps[3].action {
        u.fields.insert("phone".into(), "+15550112".into());
    }

    let d = diff(&old, &new);
    assert_eq!(
        d.steps_added.iter().map(|s| &s.id).collect::<Vec<_>>(),
        ["contact/+15550198"]
    );
    assert_eq!(
        d.steps_removed.iter().map(|s| &s.id).collect::<Vec<_>>(),
        ["contact/+15550199"]
    );
    assert_eq!(d.steps_changed.len(), 1);
    let change = &d.steps_changed[0];
    assert_eq!(change.id, "contact/bob@example.test");
    assert!(change.diff.starts_with("@@ "), "{}", change.diff);
    assert!(
        change.diff.contains("\n-    phone: '+15550111'\n"),
        "{}",
        change.diff
    );
    assert!(
        change.diff.contains("\n+    phone: '+15550112'\n"),
        "{}",
        change.diff
    );
    assert!(!d.steps_reordered);
    assert!(d.header.iter().any(|c| c.what == "steps fingerprint"));
}

#[test]
fn a_reordering_is_noticed() {
    let old = sample::plan();
    let mut new = old.clone();
    new.steps.swap(3, 4);
    let d = diff(&old, &new);
    assert!(d.steps_reordered);
    assert!(d.steps_added.is_empty() && d.steps_changed.is_empty());
    assert!(plan_diff::render(&d).starts_with("steps reordered\n"));
}

#[test]
fn header_summary_mapping_warnings_and_not_done_are_compared() {
    let old = sample::plan();
    let mut new = old.clone();
    new.target.fingerprint = "sha256:ffffffffffffffffffff".into();
    new.summary.contacts.insert("create".into(), 3);
    new.summary.contacts.remove("overwrite");
    new.summary.contacts.insert("skipped".into(), 1);
    new.mapping.stages[2].target = Some("Renewals / Negotiation".into());
    new.mapping.stages[2].by = "name".into();
    new.warnings.remove(0);
    new.warnings.push("a new warning".into());
    new.not_done[3].outcome = "skipped".into();
    new.not_done.remove(0);
    new.not_done.push(NotDone {
        id: "contact/x@y.test".into(),
        outcome: "skipped".into(),
        reason: "has the tag `no-migrate`".into(),
    });

    let d = diff(&old, &new);
    let whats = |v: &[ValueChange]| v.iter().map(|c| c.what.clone()).collect::<Vec<_>>();
    assert_eq!(whats(&d.header), ["target.fingerprint"]);
    assert_eq!(
        whats(&d.summary),
        ["contacts.create", "contacts.overwrite", "contacts.skipped"]
    );
    assert_eq!(d.summary[1].new, None);
    assert_eq!(d.summary[2].old, None);
    assert_eq!(whats(&d.mapping), ["stage Renewals / Negotiation"]);
    assert_eq!(d.warnings_added, ["a new warning"]);
    assert_eq!(d.warnings_removed.len(), 1);
    assert_eq!(d.not_done_added.len(), 1);
    assert_eq!(d.not_done_removed[0].id, "custom_field/region");
    assert_eq!(d.not_done_changed.len(), 1);

    insta::assert_snapshot!(plan_diff::render(&d));
}
