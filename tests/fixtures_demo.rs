//! The bundled demo pair: the committed files equal the generator's output, and the demo holds
//! what its spec (fixtures/demo/README.md) promises.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use ghl_migrate::fixture;
use ghl_migrate::model::{Account, Contact, DataType, OpportunityStatus};

mod synth;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn pretty(account: &Account) -> String {
    serde_json::to_string_pretty(account).unwrap() + "\n"
}

#[test]
fn committed_demo_files_equal_the_generator() {
    let (source, target) = synth::demo_pair();
    for (file, account) in [("source.json", &source), ("target.json", &target)] {
        let path = fixtures().join("demo").join(file);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == pretty(account),
            "{} differs from synth::demo_pair(): do not edit it by hand; \
             run `cargo run --example gen_fixtures` and commit the result",
            path.display()
        );
    }
}

fn is_id20(id: &str) -> bool {
    id.len() == 20 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

fn is_uuid(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    id.len() == 36
        && parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn email_key(c: &Contact) -> Option<String> {
    c.email.as_deref().map(|e| e.trim().to_lowercase())
}

/// Digits only, with the NANP country code assumed for 10-digit numbers.
fn e164(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 10 {
        format!("+1{digits}")
    } else {
        format!("+{digits}")
    }
}

fn norm_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[test]
fn demo_has_the_sizes_of_the_old_test_account() {
    let (source, target) = synth::demo_pair();
    assert_eq!(source.custom_fields.len(), 35);
    let types: BTreeSet<DataType> = source
        .custom_fields
        .iter()
        .map(|f| f.data_type.clone())
        .collect();
    assert_eq!(types.len(), 16, "every data type but Unknown: {types:?}");
    assert!(!types.contains(&DataType::Unknown));
    for f in &source.custom_fields {
        assert_eq!(
            f.data_type.has_options(),
            !f.picklist_options.is_empty(),
            "{}",
            f.name
        );
    }
    assert_eq!(source.pipelines.len(), 2);
    let stages: usize = source.pipelines.iter().map(|p| p.stages.len()).sum();
    assert_eq!(stages, 19);
    assert_eq!(source.contacts.len(), 198);
    assert!((35..=45).contains(&source.opportunities.len()));
    for account in [&source, &target] {
        fixture::check_references(account).unwrap();
    }
}

#[test]
fn demo_ids_look_like_gohighlevel_ids() {
    let (source, target) = synth::demo_pair();
    for a in [&source, &target] {
        let mut ids = vec![a.location.id.as_str()];
        ids.extend(a.custom_fields.iter().map(|f| f.id.as_str()));
        ids.extend(a.pipelines.iter().map(|p| p.id.as_str()));
        ids.extend(a.users.iter().map(|u| u.id.as_str()));
        ids.extend(a.contacts.iter().map(|c| c.id.as_str()));
        ids.extend(a.opportunities.iter().map(|o| o.id.as_str()));
        for id in &ids {
            assert!(is_id20(id), "{id}");
        }
        assert_eq!(ids.len(), ids.iter().collect::<HashSet<_>>().len());
        for s in a.pipelines.iter().flat_map(|p| &p.stages) {
            assert!(is_uuid(&s.id), "{}", s.id);
        }
    }
}

#[test]
fn demo_values_have_the_v2_shape_of_their_field_type() {
    let (source, target) = synth::demo_pair();
    for a in [&source, &target] {
        let fields: HashMap<&str, _> = a.custom_fields.iter().map(|f| (f.id.as_str(), f)).collect();
        let values = a
            .contacts
            .iter()
            .flat_map(|c| &c.custom_fields)
            .map(|v| (&v.id, &v.value));
        let opp_values = a
            .opportunities
            .iter()
            .flat_map(|o| &o.custom_fields)
            .map(|v| (&v.id, &v.field_value));
        for (id, value) in values.chain(opp_values) {
            let field = fields[id.as_str()];
            let option = |v: &serde_json::Value| {
                v.as_str()
                    .is_some_and(|s| field.picklist_options.iter().any(|o| o == s))
            };
            let ok = match field.data_type {
                DataType::Numerical | DataType::Monetory | DataType::Float | DataType::Date => {
                    value.is_number()
                }
                DataType::Checkbox | DataType::MultipleOptions => {
                    value.as_array().is_some_and(|a| a.iter().all(option))
                }
                DataType::SingleOptions | DataType::Radio => option(value),
                DataType::TextboxList => value.is_array(),
                DataType::FileUpload => value.is_object(),
                _ => value.is_string(),
            };
            assert!(
                ok,
                "field {} ({}) holds {value}",
                field.name, field.data_type
            );
        }
    }
}

#[test]
fn demo_field_edge_cases() {
    let (source, target) = synth::demo_pair();
    let by_name =
        |a: &Account, name: &str| a.custom_fields.iter().find(|f| f.name == name).cloned();
    let region = (
        by_name(&source, "Region").unwrap(),
        by_name(&target, "Region").unwrap(),
    );
    assert_ne!(
        region.0.data_type, region.1.data_type,
        "same name, another type"
    );
    let revenue = by_name(&source, "Annual Revenue").unwrap();
    let twin = target
        .custom_fields
        .iter()
        .find(|f| f.name != revenue.name && norm_name(&f.name) == norm_name(&revenue.name))
        .expect("a target field named like Annual Revenue but for case and spaces");
    assert_ne!(twin.field_key, revenue.field_key);
    assert_eq!(twin.data_type, revenue.data_type);
    let tier = (
        by_name(&source, "Customer Tier").unwrap(),
        by_name(&target, "Customer Tier").unwrap(),
    );
    assert!(tier.0.picklist_options.len() > tier.1.picklist_options.len());
    let target_names: HashSet<String> = target
        .custom_fields
        .iter()
        .map(|f| norm_name(&f.name))
        .collect();
    assert!(
        source
            .custom_fields
            .iter()
            .any(|f| !target_names.contains(&norm_name(&f.name)))
    );
}

#[test]
fn demo_pipeline_and_user_edge_cases() {
    let (source, target) = synth::demo_pair();
    let target_pipeline = |name: &str| target.pipelines.iter().find(|p| p.name == name);
    let mut missing_stage = None;
    let mut missing_pipeline = None;
    for p in &source.pipelines {
        match target_pipeline(&p.name) {
            None => missing_pipeline = Some(p),
            Some(t) => {
                missing_stage = p
                    .stages
                    .iter()
                    .find(|s| !t.stages.iter().any(|ts| ts.name == s.name))
            }
        }
    }
    let stage = missing_stage.expect("a missing stage");
    let pipeline = missing_pipeline.expect("a missing pipeline");
    let on_stage = source
        .opportunities
        .iter()
        .filter(|o| o.pipeline_stage_id.as_ref() == Some(&stage.id));
    assert!(on_stage.count() > 0, "opportunities on the missing stage");
    assert!(
        source
            .opportunities
            .iter()
            .any(|o| o.pipeline_id == pipeline.id)
    );

    let lower = |e: &Option<String>| e.as_deref().unwrap_or_default().to_lowercase();
    let target_users: HashMap<String, &str> = target
        .users
        .iter()
        .map(|u| (lower(&u.email), u.id.as_str()))
        .collect();
    let matched: Vec<_> = source
        .users
        .iter()
        .filter_map(|u| target_users.get(&lower(&u.email)).map(|t| (u, *t)))
        .collect();
    assert!(matched.len() >= 3);
    assert!(matched.iter().all(|(u, t)| u.id != *t));
    let other_case = source.users.iter().zip(&target.users);
    assert!(
        other_case
            .into_iter()
            .any(|(s, t)| s.email != t.email && lower(&s.email) == lower(&t.email))
    );
    assert!(
        source
            .users
            .iter()
            .any(|u| !target_users.contains_key(&lower(&u.email)))
    );
}

#[test]
fn demo_contact_edge_cases() {
    let (source, target) = synth::demo_pair();
    // A duplicate inside the source: the same email in another case.
    let mut seen = HashSet::new();
    let dup = source
        .contacts
        .iter()
        .find(|c| email_key(c).is_some_and(|k| !seen.insert(k)));
    assert!(dup.is_some(), "a duplicate email in the source");
    // Unicode names, contacts with no email, with neither email nor phone.
    assert!(
        source
            .contacts
            .iter()
            .filter(|c| !c.display_name().is_ascii())
            .count()
            >= 5
    );
    assert!(source.contacts.iter().filter(|c| c.email.is_none()).count() >= 5);
    let neither: Vec<_> = source
        .contacts
        .iter()
        .filter(|c| c.email.is_none() && c.phone.is_none())
        .collect();
    assert!(!neither.is_empty());
    assert!(
        source
            .opportunities
            .iter()
            .any(|o| neither.iter().any(|c| c.id == o.contact_id))
    );
    // Overlap by email, some in another case.
    let target_emails: HashMap<String, &Contact> = target
        .contacts
        .iter()
        .filter_map(|c| email_key(c).map(|k| (k, c)))
        .collect();
    let by_email: Vec<_> = source
        .contacts
        .iter()
        .filter_map(|c| {
            email_key(c)
                .and_then(|k| target_emails.get(&k))
                .map(|t| (c, *t))
        })
        .collect();
    assert!(by_email.len() >= 10);
    assert!(by_email.iter().filter(|(s, t)| s.email != t.email).count() >= 4);
    // Target copies carry tags and values of their own.
    assert!(
        by_email
            .iter()
            .all(|(_, t)| !t.tags.is_empty() && !t.custom_fields.is_empty())
    );
    // Overlap by phone only, with raw national formats in the source.
    let target_phones: HashSet<&str> = target
        .contacts
        .iter()
        .filter_map(|c| c.phone.as_deref())
        .collect();
    let by_phone_only: Vec<_> = source
        .contacts
        .iter()
        .filter(|c| email_key(c).is_none_or(|k| !target_emails.contains_key(&k)))
        .filter(|c| {
            c.phone
                .as_deref()
                .is_some_and(|p| target_phones.contains(e164(p).as_str()))
        })
        .collect();
    assert!(by_phone_only.len() >= 3);
    assert!(
        by_phone_only
            .iter()
            .any(|c| !c.phone.as_deref().unwrap_or_default().starts_with('+'))
    );
    assert!(by_phone_only.iter().any(|c| c.email.is_some()));
    // Phones are E.164 except the deliberately raw ones.
    let raw: Vec<&str> = source
        .contacts
        .iter()
        .filter_map(|c| c.phone.as_deref())
        .filter(|p| !(p.starts_with('+') && p[1..].chars().all(|c| c.is_ascii_digit())))
        .collect();
    assert_eq!(raw.len(), 5, "{raw:?}");
    // Contacts assigned to users.
    let users: HashSet<&str> = source.users.iter().map(|u| u.id.as_str()).collect();
    let assigned: Vec<&str> = source
        .contacts
        .iter()
        .filter_map(|c| c.assigned_to.as_deref())
        .collect();
    assert!(assigned.len() > 20);
    assert!(assigned.iter().all(|u| users.contains(u)));
}

#[test]
fn demo_opportunity_edge_cases() {
    let (source, target) = synth::demo_pair();
    let statuses: HashSet<OpportunityStatus> =
        source.opportunities.iter().map(|o| o.status).collect();
    assert_eq!(
        statuses.len(),
        4,
        "open, won, lost and abandoned: {statuses:?}"
    );
    assert!(
        source
            .opportunities
            .iter()
            .filter(|o| o.monetary_value.is_some())
            .count()
            >= 20
    );
    assert!(
        source
            .opportunities
            .iter()
            .filter(|o| o.assigned_to.is_some())
            .count()
            >= 15
    );
    assert!(
        source
            .opportunities
            .iter()
            .any(|o| !o.custom_fields.is_empty())
    );
    // Some already exist in the target under the same name.
    let names: HashSet<&str> = target
        .opportunities
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert!(
        source
            .opportunities
            .iter()
            .filter(|o| names.contains(o.name.as_str()))
            .count()
            >= 2
    );
}
