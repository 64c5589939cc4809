//! `synth::large_pair`: deterministic from its seed, the requested sizes, the requested overlap,
//! valid references and GoHighLevel-looking ids. Sizes stay small here; speed is measured by
//! `cargo run --release --example gen_account`, never asserted.

use std::collections::{HashMap, HashSet};

use ghl_migrate::model::Account;
mod synth;

use ghl_migrate::{fixture, model::Contact};
use synth::{LargeOptions, large_pair};

fn opts() -> LargeOptions {
    LargeOptions {
        seed: 42,
        source_contacts: 2_000,
        target_contacts: 1_500,
        overlap: 600,
        opportunities: 700,
        ..LargeOptions::default()
    }
}

#[test]
fn same_seed_same_accounts_other_seed_other_accounts() {
    let a = large_pair(&opts());
    let b = large_pair(&opts());
    assert!(a == b, "large_pair must be deterministic");
    let c = large_pair(&LargeOptions { seed: 43, ..opts() });
    assert!(a.0 != c.0 && a.1 != c.1);
}

#[test]
fn accounts_have_the_requested_sizes_and_valid_references() {
    let (source, target) = large_pair(&opts());
    assert_eq!(source.contacts.len(), 2_000);
    assert_eq!(target.contacts.len(), 1_500);
    assert_eq!(source.opportunities.len(), 700);
    assert_eq!(
        source.custom_fields.len(),
        LargeOptions::default().custom_fields
    );
    assert!(target.custom_fields.len() < source.custom_fields.len());
    for account in [&source, &target] {
        fixture::check_references(account).unwrap();
        assert_ids(account);
    }
    assert!(
        !target.opportunities.is_empty(),
        "some opportunities already exist"
    );
}

fn assert_ids(a: &Account) {
    let id20 = |id: &str| id.len() == 20 && id.chars().all(|c| c.is_ascii_alphanumeric());
    assert!(id20(&a.location.id));
    assert!(a.contacts.iter().all(|c| id20(&c.id)));
    assert!(a.opportunities.iter().all(|o| id20(&o.id)));
    assert!(a.custom_fields.iter().all(|f| id20(&f.id)));
    assert!(a.users.iter().all(|u| id20(&u.id)));
    assert!(a.pipelines.iter().all(|p| id20(&p.id)));
    assert!(
        a.pipelines
            .iter()
            .flat_map(|p| &p.stages)
            .all(|s| s.id.len() == 36)
    );
    let ids: HashSet<&str> = a.contacts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), a.contacts.len());
}

#[test]
fn the_overlap_matches_by_email_other_case_and_phone_only() {
    let (source, target) = large_pair(&opts());
    let key = |c: &Contact| c.email.as_deref().map(str::to_lowercase);
    let emails: HashMap<String, &Contact> = source
        .contacts
        .iter()
        .filter_map(|c| key(c).map(|k| (k, c)))
        .collect();
    let phones: HashSet<&str> = source
        .contacts
        .iter()
        .filter_map(|c| c.phone.as_deref())
        .collect();
    let mut by_email = 0;
    let mut other_case = 0;
    let mut by_phone_only = 0;
    for t in &target.contacts {
        match key(t).and_then(|k| emails.get(&k)) {
            Some(s) => {
                by_email += 1;
                other_case += usize::from(s.email != t.email);
            }
            None if t.phone.as_deref().is_some_and(|p| phones.contains(p)) => by_phone_only += 1,
            None => {}
        }
    }
    let matched = by_email + by_phone_only;
    assert!((590..=600).contains(&matched), "overlap {matched}");
    assert!(other_case > 50, "other case {other_case}");
    assert!(by_phone_only > 30, "phone only {by_phone_only}");
    let with_values = source
        .contacts
        .iter()
        .filter(|c| !c.custom_fields.is_empty())
        .count();
    assert!(with_values > 1_500);
    assert!(
        source
            .contacts
            .iter()
            .any(|c| c.email.is_none() && c.phone.is_none())
    );
}

#[test]
fn the_generated_declaration_parses() {
    let text = synth::migration_yaml("bench", &opts());
    let config = ghl_migrate::config::parse(std::path::Path::new("migration.yaml"), &text).unwrap();
    assert_eq!(config.name, "bench");
}

#[test]
fn zero_sizes_are_fine() {
    let (source, target) = large_pair(&LargeOptions {
        source_contacts: 0,
        target_contacts: 0,
        overlap: 10,
        opportunities: 10,
        ..LargeOptions::default()
    });
    assert!(source.contacts.is_empty() && target.contacts.is_empty());
    assert!(source.opportunities.is_empty());
}
