//! Small scenario pairs (`fixtures/scenarios/<name>/`): each isolates one situation a migration
//! meets, with a handful of objects, so a test or a reviewer sees that case and nothing else.
//! Their `migration.yaml` files are hand-written beside the generated JSON.

use serde_json::{Value, json};

use super::kit::{Kit, s};
use ghl_migrate::model::{Account, Contact, DataType, FieldValue, OpportunityStatus};

const SEED: u64 = 7;

/// One scenario: its folder name, what it shows, and its two accounts.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub about: &'static str,
    pub source: Account,
    pub target: Account,
    /// True for the deliberately broken ones that `fixture::load` must reject (source side).
    pub invalid: bool,
}

/// Every scenario, in a stable order.
pub fn scenarios() -> Vec<Scenario> {
    let existing = existing_contact();
    vec![
        ok(
            "type-conflict",
            "a same-named field of another type (Region: TEXT vs NUMERICAL)",
            type_conflict(),
        ),
        ok(
            "missing-stage",
            "the target pipeline lacks a stage; the opportunity on it is blocked",
            missing_stage(),
        ),
        ok(
            "missing-pipeline",
            "the target lacks a whole pipeline; its opportunities are blocked",
            missing_pipeline(),
        ),
        ok(
            "duplicate-in-source",
            "the same email twice in the source, in another case",
            duplicate_in_source(),
        ),
        ok(
            "no-natural-key",
            "a contact with neither email nor phone, with an opportunity",
            no_natural_key(),
        ),
        ok(
            "merge-existing",
            "a contact already in the target; existing_contacts: merge",
            existing.clone(),
        ),
        ok(
            "overwrite-existing",
            "a contact already in the target; existing_contacts: overwrite",
            existing.clone(),
        ),
        ok(
            "skip-existing",
            "a contact already in the target; existing_contacts: skip",
            existing,
        ),
        ok(
            "explicit-mappings",
            "fields, pipeline, stage and user mapped by hand in migration.yaml",
            explicit_mappings(),
        ),
        ok(
            "filters",
            "contacts skipped by tag; opportunities by status and pipeline",
            filters(),
        ),
        ok(
            "empty-target",
            "a target with nothing in it but its location",
            empty_target(),
        ),
        ok(
            "unicode",
            "unicode names, tags, field names (case-folded) and pipeline names",
            unicode(),
        ),
        ok(
            "phone-only-match",
            "source phones in national formats matching target E.164 phones",
            phone_only_match(),
        ),
        bad(
            "dangling-opportunity-contact",
            "an opportunity whose contact does not exist",
            dangling_contact(),
        ),
        bad(
            "dangling-opportunity-stage",
            "an opportunity whose stage its pipeline does not have",
            dangling_stage(),
        ),
    ]
}

fn ok(name: &'static str, about: &'static str, pair: (Account, Account)) -> Scenario {
    Scenario {
        name,
        about,
        source: pair.0,
        target: pair.1,
        invalid: false,
    }
}

fn bad(name: &'static str, about: &'static str, pair: (Account, Account)) -> Scenario {
    Scenario {
        invalid: true,
        ..ok(name, about, pair)
    }
}

fn kits() -> (Kit, Kit) {
    (Kit::new(SEED, "source"), Kit::new(SEED, "target"))
}

fn account(kit: &Kit, name: &str) -> Account {
    Account {
        location: kit.location(name),
        ..Account::default()
    }
}

fn person(kit: &Kit, first: &str, last: &str, email: Option<&str>, phone: Option<&str>) -> Contact {
    let key = email
        .or(phone)
        .map_or_else(|| format!("{first} {last}"), str::to_string);
    Contact {
        first_name: s(first),
        last_name: s(last),
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
        ..kit.contact(&key)
    }
}

/// A value for the account's field named `field`.
fn value(account: &Account, field: &str, value: Value) -> FieldValue {
    let id = account
        .custom_fields
        .iter()
        .find(|f| f.name == field)
        .unwrap_or_else(|| panic!("scenario field {field:?} is missing"))
        .id
        .clone();
    FieldValue { id, value }
}

/// Adds an opportunity on the account's `contact` (by index), at `pipeline`/`stage`.
fn deal(
    kit: &Kit,
    a: &mut Account,
    name: &str,
    contact: usize,
    at: (&str, &str),
    status: OpportunityStatus,
) {
    let pipeline = a
        .pipelines
        .iter()
        .find(|p| p.name == at.0)
        .expect("scenario pipeline");
    let o = kit.opportunity(name, &a.contacts[contact], (pipeline, at.1), status);
    a.opportunities.push(o);
}

fn sales(kit: &Kit) -> ghl_migrate::model::Pipeline {
    kit.pipeline("Sales", &["New", "Qualified", "Won", "Lost"])
}

fn type_conflict() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Type conflict (source)");
    source.custom_fields = vec![
        src.field("Region", DataType::Text, &[]),
        src.field("Budget", DataType::Monetory, &[]),
    ];
    let mut ana = person(&src, "Ana", "Silva", Some("ana.silva@acme.test"), None);
    ana.custom_fields = vec![
        value(&source, "Region", json!("North")),
        value(&source, "Budget", json!(5000.0)),
    ];
    let mut ben = person(&src, "Ben", "Okafor", Some("ben.okafor@acme.test"), None);
    ben.custom_fields = vec![value(&source, "Region", json!("South"))];
    source.contacts = vec![ana, ben];
    let mut target = account(&tgt, "Type conflict (target)");
    target.custom_fields = vec![
        tgt.field("Region", DataType::Numerical, &[]),
        tgt.field("Budget", DataType::Monetory, &[]),
    ];
    (source, target)
}

fn missing_stage() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Missing stage (source)");
    source.pipelines = vec![src.pipeline("Sales", &["New", "Negotiation", "Won"])];
    source.contacts = vec![
        person(&src, "Cara", "Brooks", Some("cara.brooks@acme.test"), None),
        person(&src, "Dan", "Ito", Some("dan.ito@acme.test"), None),
    ];
    deal(
        &src,
        &mut source,
        "Brooks - Annual Plan",
        0,
        ("Sales", "Negotiation"),
        OpportunityStatus::Open,
    );
    deal(
        &src,
        &mut source,
        "Ito - Starter Bundle",
        1,
        ("Sales", "New"),
        OpportunityStatus::Open,
    );
    let mut target = account(&tgt, "Missing stage (target)");
    target.pipelines = vec![tgt.pipeline("Sales", &["New", "Won"])];
    (source, target)
}

fn missing_pipeline() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Missing pipeline (source)");
    source.pipelines = vec![
        sales(&src),
        src.pipeline("Renewals", &["Upcoming", "Renewed"]),
    ];
    source.contacts = vec![
        person(&src, "Eve", "Moreau", Some("eve.moreau@acme.test"), None),
        person(&src, "Finn", "Walsh", Some("finn.walsh@acme.test"), None),
    ];
    deal(
        &src,
        &mut source,
        "Moreau - Renewal 2025",
        0,
        ("Renewals", "Upcoming"),
        OpportunityStatus::Open,
    );
    deal(
        &src,
        &mut source,
        "Walsh - Renewal 2024",
        1,
        ("Renewals", "Renewed"),
        OpportunityStatus::Won,
    );
    deal(
        &src,
        &mut source,
        "Walsh - Website Redesign",
        1,
        ("Sales", "Qualified"),
        OpportunityStatus::Open,
    );
    let mut target = account(&tgt, "Missing pipeline (target)");
    target.pipelines = vec![sales(&tgt)];
    (source, target)
}

fn duplicate_in_source() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Duplicate in source (source)");
    let mut first = person(
        &src,
        "Sam",
        "Rivera",
        Some("sam.rivera@acme.test"),
        Some("+15550100201"),
    );
    first.tags = vec!["customer".into()];
    let mut second = person(&src, "Samuel", "Rivera", Some("Sam.Rivera@ACME.test"), None);
    second.tags = vec!["webinar-2024".into()];
    let other = person(&src, "Gia", "Park", Some("gia.park@acme.test"), None);
    source.contacts = vec![first, second, other];
    (source, account(&tgt, "Duplicate in source (target)"))
}

fn no_natural_key() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "No natural key (source)");
    source.pipelines = vec![sales(&src)];
    let mut walk_in = person(&src, "Walk-in", "Visitor", None, None);
    walk_in.company_name = s("Harbor View Realty");
    walk_in.tags = vec!["trade-show".into()];
    source.contacts = vec![
        walk_in,
        person(&src, "Hana", "Sato", Some("hana.sato@acme.test"), None),
    ];
    deal(
        &src,
        &mut source,
        "Harbor View - Consulting Block",
        0,
        ("Sales", "New"),
        OpportunityStatus::Open,
    );
    let mut target = account(&tgt, "No natural key (target)");
    target.pipelines = vec![sales(&tgt)];
    (source, target)
}

/// Shared by merge-existing, overwrite-existing and skip-existing: Jane exists in the target
/// (email in another case) with values and tags of her own; Noah is new.
fn existing_contact() -> (Account, Account) {
    let (src, tgt) = kits();
    let fields = |k: &Kit| {
        vec![
            k.field("Job Title", DataType::Text, &[]),
            k.field(
                "Interests",
                DataType::MultipleOptions,
                &["Ads", "SEO", "Email"],
            ),
            k.field("Lead Score", DataType::Numerical, &[]),
        ]
    };
    let mut source = account(&src, "Existing contact (source)");
    source.custom_fields = fields(&src);
    let mut jane = person(
        &src,
        "Jane",
        "Doe",
        Some("jane.doe@acme.test"),
        Some("+15550100111"),
    );
    jane.company_name = s("Doe Designs");
    jane.tags = vec!["vip".into(), "newsletter".into()];
    jane.custom_fields = vec![
        value(&source, "Job Title", json!("Owner")),
        value(&source, "Interests", json!(["Ads", "SEO"])),
        value(&source, "Lead Score", json!(80)),
    ];
    let noah = person(&src, "Noah", "Berg", Some("noah.berg@acme.test"), None);
    source.contacts = vec![jane, noah];
    let mut target = account(&tgt, "Existing contact (target)");
    target.custom_fields = fields(&tgt);
    let mut jane = person(&tgt, "Jane", "Doe-Smith", Some("Jane.Doe@acme.test"), None);
    jane.tags = vec!["existing-client".into(), "newsletter".into()];
    jane.custom_fields = vec![value(&target, "Job Title", json!("Founder"))];
    target.contacts = vec![jane];
    (source, target)
}

fn explicit_mappings() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Explicit mappings (source)");
    source.custom_fields = vec![
        src.field("Company Size", DataType::Numerical, &[]),
        src.field("Region", DataType::Text, &[]),
    ];
    source.pipelines = vec![sales(&src)];
    source.users = vec![src.user("Old Rep", "old.rep@acme.test")];
    let mut ivy = person(&src, "Ivy", "Chen", Some("ivy.chen@acme.test"), None);
    ivy.custom_fields = vec![
        value(&source, "Company Size", json!(42)),
        value(&source, "Region", json!("West")),
    ];
    ivy.assigned_to = Some(source.users[0].id.clone());
    source.contacts = vec![ivy];
    deal(
        &src,
        &mut source,
        "Chen - SEO Retainer",
        0,
        ("Sales", "Won"),
        OpportunityStatus::Won,
    );
    deal(
        &src,
        &mut source,
        "Chen - Ads Management",
        0,
        ("Sales", "New"),
        OpportunityStatus::Open,
    );
    source.opportunities[0].assigned_to = Some(source.users[0].id.clone());
    let mut target = account(&tgt, "Explicit mappings (target)");
    target.custom_fields = vec![
        tgt.field("Employees", DataType::Numerical, &[]),
        tgt.field("Region", DataType::Numerical, &[]),
        tgt.field("Sales Region", DataType::Text, &[]),
    ];
    target.pipelines =
        vec![tgt.pipeline("Deals", &["New", "Qualified", "Closed Won", "Closed Lost"])];
    target.users = vec![tgt.user("New Rep", "new.rep@acme-holdings.test")];
    (source, target)
}

fn filters() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Filters (source)");
    source.pipelines = vec![sales(&src), src.pipeline("Internal", &["Todo", "Done"])];
    let tagged = |first: &str, email: &str, tags: &[&str]| Contact {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..person(&src, first, "Filter", Some(email), None)
    };
    source.contacts = vec![
        tagged("Keep", "keep@acme.test", &["customer"]),
        tagged("Test", "test.user@acme.test", &["Test"]),
        tagged("Spam", "spam.bot@acme.test", &["spam", "lead"]),
        tagged("Plain", "plain@acme.test", &[]),
    ];
    use OpportunityStatus::*;
    deal(
        &src,
        &mut source,
        "Keep - Open deal",
        0,
        ("Sales", "New"),
        Open,
    );
    deal(
        &src,
        &mut source,
        "Keep - Won deal",
        0,
        ("Sales", "Won"),
        Won,
    );
    deal(
        &src,
        &mut source,
        "Keep - Lost deal",
        0,
        ("Sales", "Lost"),
        Lost,
    );
    deal(
        &src,
        &mut source,
        "Plain - Abandoned deal",
        3,
        ("Sales", "Qualified"),
        Abandoned,
    );
    deal(
        &src,
        &mut source,
        "Plain - Internal task",
        3,
        ("Internal", "Todo"),
        Open,
    );
    deal(
        &src,
        &mut source,
        "Test - Open deal",
        1,
        ("Sales", "New"),
        Open,
    );
    let mut target = account(&tgt, "Filters (target)");
    target.pipelines = vec![sales(&tgt), tgt.pipeline("Internal", &["Todo", "Done"])];
    (source, target)
}

fn empty_target() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Empty target (source)");
    source.custom_fields = vec![
        src.field("Job Title", DataType::Text, &[]),
        src.field(
            "Tier",
            DataType::SingleOptions,
            &["Bronze", "Silver", "Gold"],
        ),
    ];
    source.pipelines = vec![sales(&src)];
    source.users = vec![src.user("Ava Thompson", "ava.thompson@acme.test")];
    let mut kim = person(
        &src,
        "Kim",
        "Lopez",
        Some("kim.lopez@acme.test"),
        Some("+15550100301"),
    );
    kim.custom_fields = vec![
        value(&source, "Job Title", json!("Owner")),
        value(&source, "Tier", json!("Gold")),
    ];
    kim.assigned_to = Some(source.users[0].id.clone());
    source.contacts = vec![
        kim,
        person(&src, "Leo", "Grant", None, Some("+15550100302")),
        person(&src, "Mae", "Fox", Some("mae.fox@acme.test"), None),
    ];
    deal(
        &src,
        &mut source,
        "Lopez - Annual Plan",
        0,
        ("Sales", "Qualified"),
        OpportunityStatus::Open,
    );
    deal(
        &src,
        &mut source,
        "Grant - Starter Bundle",
        1,
        ("Sales", "Won"),
        OpportunityStatus::Won,
    );
    (source, account(&tgt, "Empty target (target)"))
}

fn unicode() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Unicode (source)");
    source.custom_fields = vec![src.field("Größe", DataType::Text, &[])];
    source.pipelines = vec![src.pipeline("Ventas", &["Nuevo", "Propuesta enviada", "Ganado"])];
    let mut jose = person(&src, "José", "Núñez", Some("jose.nunez@example.com"), None);
    jose.tags = vec!["café".into(), "日本".into()];
    jose.custom_fields = vec![value(&source, "Größe", json!("groß"))];
    jose.city = s("São Paulo");
    source.contacts = vec![
        jose,
        person(
            &src,
            "Zoë",
            "Whitfield",
            Some("zoe.whitfield@example.org"),
            None,
        ),
        person(&src, "雷", "李", Some("li.lei@example.net"), None),
        person(&src, "Øyvind", "Ødegård", None, Some("+4791234567")),
        person(
            &src,
            "Александра",
            "Петрова",
            Some("a.petrova@example.org"),
            None,
        ),
    ];
    deal(
        &src,
        &mut source,
        "Café Zoë - Ampliación",
        1,
        ("Ventas", "Propuesta enviada"),
        OpportunityStatus::Open,
    );
    let mut target = account(&tgt, "Unicode (target)");
    target.custom_fields = vec![
        tgt.field("GRÖSSE", DataType::Text, &[]),
        tgt.field("größe", DataType::Text, &[]),
    ];
    target.pipelines = vec![tgt.pipeline("Ventas", &["Nuevo", "Propuesta enviada", "Ganado"])];
    let mut jose = person(&tgt, "Jose", "Nunez", Some("Jose.Nunez@Example.com"), None);
    jose.tags = vec!["cliente".into()];
    target.contacts = vec![jose];
    (source, target)
}

fn phone_only_match() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Phone-only match (source)");
    let raw = [
        ("Rosa", "(555) 010-1234"),
        ("Tomás", "+1 555 010 1235"),
        ("Wei", "555.010.1236"),
        ("Uma", "+1-555-010-1237"),
        ("Vic", "5550101238"),
        ("Sven", "+44 20 7946 0958"),
        ("Priya", "555-010-1299"),
    ];
    source.contacts = raw
        .iter()
        .map(|(first, phone)| person(&src, first, "Phone", None, Some(phone)))
        .collect();
    let mut target = account(&tgt, "Phone-only match (target)");
    let e164 = [
        ("Rosa", "+15550101234", Some("rosa@example.org")),
        ("Tomas", "+15550101235", Some("tomas@example.net")),
        ("Wei", "+15550101236", None),
        ("Uma", "+15550101237", Some("uma@example.com")),
        ("Vic", "+15550101238", None),
        ("Sven", "+442079460958", Some("sven@example.com")),
    ];
    target.contacts = e164
        .iter()
        .map(|(first, phone, email)| {
            let mut c = person(&tgt, first, "Phone", *email, Some(phone));
            c.tags = vec!["existing-client".into()];
            c
        })
        .collect();
    (source, target)
}

fn dangling_contact() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Dangling opportunity contact (source)");
    source.pipelines = vec![sales(&src)];
    source.contacts = vec![person(
        &src,
        "Olga",
        "Novak",
        Some("olga.novak@acme.test"),
        None,
    )];
    let ghost = person(&src, "Ghost", "Contact", Some("deleted@acme.test"), None);
    let o = src.opportunity(
        "Ghost - Annual Plan",
        &ghost,
        (&source.pipelines[0], "New"),
        OpportunityStatus::Open,
    );
    source.opportunities = vec![o];
    let mut target = account(&tgt, "Dangling opportunity contact (target)");
    target.pipelines = vec![sales(&tgt)];
    (source, target)
}

fn dangling_stage() -> (Account, Account) {
    let (src, tgt) = kits();
    let mut source = account(&src, "Dangling opportunity stage (source)");
    source.pipelines = vec![sales(&src)];
    source.contacts = vec![person(
        &src,
        "Pia",
        "Lund",
        Some("pia.lund@acme.test"),
        None,
    )];
    let removed = src.pipeline("Sales", &["Removed Stage"]);
    let mut o = src.opportunity(
        "Lund - Annual Plan",
        &source.contacts[0],
        (&removed, "Removed Stage"),
        OpportunityStatus::Open,
    );
    o.pipeline_id = source.pipelines[0].id.clone();
    source.opportunities = vec![o];
    let mut target = account(&tgt, "Dangling opportunity stage (target)");
    target.pipelines = vec![sales(&tgt)];
    (source, target)
}
