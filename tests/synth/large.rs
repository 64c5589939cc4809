//! Large account pairs for benchmarks: N source and M target contacts with a configurable
//! overlap (by email, some in another case, and by phone only), custom-field values at a
//! realistic rate, tags, and opportunities across three pipelines. Built in one pass per side,
//! with no intermediate collections beyond the accounts themselves.

use super::ids::{id20, uuid};
use super::names::{DEAL_WORDS, DOMAINS, FIRST_NAMES, LAST_NAMES, LEAD_SOURCES, TAGS};
use super::rng::Rng;
use super::values::value_for;
use ghl_migrate::model::{
    Account, Contact, CustomField, DataType, FieldValue, Location, Opportunity, OpportunityStatus,
    Pipeline, Stage, User,
};

/// What to generate. `overlap` is capped at the smaller of the two contact counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeOptions {
    pub seed: u64,
    pub source_contacts: usize,
    pub target_contacts: usize,
    /// Target contacts that are copies of source contacts.
    pub overlap: usize,
    /// Percent of the overlap that can only be matched by phone (another email, or none).
    pub phone_only_percent: u32,
    /// Percent of the email overlap whose target email is spelled in another case.
    pub other_case_percent: u32,
    /// Source opportunities; about a tenth of those on overlapping contacts exist in the target.
    pub opportunities: usize,
    /// Contact custom fields in the source, cycling through every data type; the target lacks
    /// the last tenth of them (the plan creates those).
    pub custom_fields: usize,
    /// Percent of (contact, field) pairs that hold a value (a tenth of that for the rarely
    /// filled FILE_UPLOAD and SIGNATURE fields).
    pub value_percent: u32,
}

impl Default for LargeOptions {
    fn default() -> Self {
        LargeOptions {
            seed: 1,
            source_contacts: 1_000,
            target_contacts: 1_000,
            overlap: 300,
            phone_only_percent: 10,
            other_case_percent: 25,
            opportunities: 400,
            custom_fields: 32,
            value_percent: 25,
        }
    }
}

const TYPES: &[DataType] = &[
    DataType::Text,
    DataType::LargeText,
    DataType::Numerical,
    DataType::Phone,
    DataType::Monetory,
    DataType::Checkbox,
    DataType::SingleOptions,
    DataType::MultipleOptions,
    DataType::Float,
    DataType::Time,
    DataType::Date,
    DataType::TextboxList,
    DataType::FileUpload,
    DataType::Signature,
    DataType::Radio,
    DataType::Email,
];

/// (pipeline, stages); the target's first pipeline lacks its stage `Verbal Commit`.
const PIPELINES: &[(&str, &[&str])] = &[
    (
        "Sales",
        &[
            "New Lead",
            "Qualified",
            "Proposal Sent",
            "Negotiation",
            "Verbal Commit",
            "Closed Won",
            "Closed Lost",
        ],
    ),
    (
        "Renewals",
        &["Upcoming", "Contacted", "Quote Sent", "Renewed", "Churned"],
    ),
    ("Partners", &["Applied", "Review", "Approved", "Live"]),
];
const TARGET_MISSING_STAGE: &str = "Verbal Commit";

/// One side's generator: its own random stream and the lowercase name lists.
struct Gen {
    rng: Rng,
    first: Vec<String>,
    last: Vec<String>,
}

impl Gen {
    fn new(seed: u64, stream: u64) -> Gen {
        Gen {
            rng: Rng::new(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
            first: FIRST_NAMES.iter().map(|s| s.to_lowercase()).collect(),
            last: LAST_NAMES.iter().map(|s| s.to_lowercase()).collect(),
        }
    }
}

/// A large source and target pair, deterministic from `opts.seed`.
pub fn large_pair(opts: &LargeOptions) -> (Account, Account) {
    let fields = fields(opts, &mut Gen::new(opts.seed, 1));
    let n_target_fields = opts.custom_fields - opts.custom_fields / 10;
    let mut g = Gen::new(opts.seed, 2);
    let mut source = Account {
        location: location(&mut g.rng, "Large source"),
        custom_fields: fields.clone(),
        pipelines: pipelines(&mut g.rng, None),
        users: users(&mut g.rng),
        contacts: Vec::new(),
        opportunities: Vec::new(),
        ..Default::default()
    };
    source.contacts = source_contacts(opts, &source, &mut g);
    let mut tg = Gen::new(opts.seed, 3);
    let mut target_fields = fields;
    target_fields.truncate(n_target_fields);
    for f in &mut target_fields {
        f.id = id20(&mut tg.rng);
    }
    let mut target = Account {
        location: location(&mut tg.rng, "Large target"),
        custom_fields: target_fields,
        pipelines: pipelines(&mut tg.rng, Some(TARGET_MISSING_STAGE)),
        users: users(&mut tg.rng),
        contacts: Vec::new(),
        opportunities: Vec::new(),
        ..Default::default()
    };
    let mirror = target_contacts(opts, &source, &mut target, &mut tg);
    let mut og = Gen::new(opts.seed, 4);
    source.opportunities = opportunities(opts, &source, &mut og);
    target.opportunities = existing_opportunities(&source, &target, &mirror, &mut og);
    (source, target)
}

/// The `migration.yaml` that goes beside a generated pair (`source.json`, `target.json`).
pub fn migration_yaml(name: &str, opts: &LargeOptions) -> String {
    format!(
        "# Generated by `cargo run --example gen_account`: seed {}, {} source and {} target \
         contacts ({} overlapping), {} opportunities.\n\
         name: {name}\nsource:\n  api: fixture\n  path: source.json\n\
         target:\n  api: fixture\n  path: target.json\n",
        opts.seed, opts.source_contacts, opts.target_contacts, opts.overlap, opts.opportunities
    )
}

fn location(rng: &mut Rng, name: &str) -> Location {
    Location {
        id: id20(rng),
        name: name.to_string(),
    }
}

fn fields(opts: &LargeOptions, g: &mut Gen) -> Vec<CustomField> {
    (0..opts.custom_fields)
        .map(|i| {
            let data_type = TYPES[i % TYPES.len()].clone();
            let name = format!("{} {}", type_label(&data_type), i / TYPES.len() + 1);
            let options: Vec<String> = if data_type.has_options() {
                ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                Vec::new()
            };
            CustomField {
                id: id20(&mut g.rng),
                field_key: Some(format!("contact.{}", super::kit::snake(&name))),
                name,
                data_type,
                picklist_options: options,
                model: Some("contact".into()),
                placeholder: None,
                position: Some(i as i64 * 50),
            }
        })
        .collect()
}

fn type_label(t: &DataType) -> &'static str {
    match t {
        DataType::Text => "Notes",
        DataType::LargeText => "Description",
        DataType::Numerical => "Count",
        DataType::Phone => "Alt Phone",
        DataType::Monetory => "Budget",
        DataType::Checkbox => "Topics",
        DataType::SingleOptions => "Tier",
        DataType::MultipleOptions => "Interests",
        DataType::Float => "Rate",
        DataType::Time => "Best Time",
        DataType::Date => "Renewal Date",
        DataType::TextboxList => "Profiles",
        DataType::FileUpload => "Attachment",
        DataType::Signature => "Signature",
        DataType::Radio => "Preference",
        DataType::Email => "Billing Email",
        DataType::Unknown => "Unknown",
    }
}

fn pipelines(rng: &mut Rng, missing_stage: Option<&str>) -> Vec<Pipeline> {
    PIPELINES
        .iter()
        .map(|(name, stages)| Pipeline {
            id: id20(rng),
            name: name.to_string(),
            // Every live stage has a win probability (the server sets one when none is sent).
            stages: stages
                .iter()
                .filter(|s| Some(**s) != missing_stage)
                .enumerate()
                .map(|(i, s)| Stage {
                    id: uuid(rng),
                    name: s.to_string(),
                    stage_win_probability: Some(ghl_migrate::ghl::memory::position_probability(
                        i,
                        stages.len(),
                    )),
                })
                .collect(),
            use_opportunity_probability: None,
        })
        .collect()
}

fn users(rng: &mut Rng) -> Vec<User> {
    (0..10)
        .map(|i| User {
            id: id20(rng),
            name: format!("{} {}", FIRST_NAMES[i], LAST_NAMES[i]),
            email: Some(format!(
                "{}.{}@acme.test",
                FIRST_NAMES[i].to_lowercase(),
                LAST_NAMES[i].to_lowercase()
            )),
        })
        .collect()
}

/// Email unless `i % 20 == 7` (5%: phone only) or `i % 200 == 199` (0.5%: neither);
/// phone unless `i % 4 == 1` (and the contact has an email) or neither.
fn source_contacts(opts: &LargeOptions, account: &Account, g: &mut Gen) -> Vec<Contact> {
    let mut out = Vec::with_capacity(opts.source_contacts);
    for i in 0..opts.source_contacts {
        let neither = i % 200 == 199;
        let has_email = !neither && i % 20 != 7;
        let has_phone = !neither && (i % 4 != 1 || !has_email);
        let (fi, li) = (g.rng.index(g.first.len()), g.rng.index(g.last.len()));
        let mut c = Contact {
            id: id20(&mut g.rng),
            first_name: Some(FIRST_NAMES[fi].to_string()),
            last_name: Some(LAST_NAMES[li].to_string()),
            email: has_email.then(|| {
                let domain = g.rng.pick(DOMAINS);
                format!("{}.{}.{i}@{domain}", g.first[fi], g.last[li])
            }),
            phone: has_phone.then(|| format!("+1{}", 2_000_000_000 + i as u64)),
            ..Contact::default()
        };
        dress(&mut c, opts, account, g);
        out.push(c);
    }
    out
}

/// Tags, source, owner, custom values and a creation date.
fn dress(c: &mut Contact, opts: &LargeOptions, account: &Account, g: &mut Gen) {
    let rng = &mut g.rng;
    let n_tags = rng.below(4) as usize;
    c.tags.reserve_exact(n_tags);
    for _ in 0..n_tags {
        let tag = *rng.pick(TAGS);
        if !c.tags.iter().any(|t| t == tag) {
            c.tags.push(tag.to_string());
        }
    }
    if rng.percent(70) {
        c.source = Some(rng.pick(LEAD_SOURCES).to_string());
    }
    if rng.percent(40) {
        c.assigned_to = Some(rng.pick(&account.users).id.clone());
    }
    for f in &account.custom_fields {
        let percent = match f.data_type {
            DataType::FileUpload | DataType::Signature => opts.value_percent / 10,
            _ => opts.value_percent,
        };
        if rng.percent(percent) {
            c.custom_fields.push(FieldValue {
                id: f.id.clone(),
                value: value_for(f, rng),
            });
        }
    }
    c.date_added = Some(format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        rng.range(2021, 2025),
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 23),
        rng.range(0, 59),
        rng.range(0, 59)
    ));
}

/// Fills the target's contacts; returns, per source contact, the index of its target copy.
fn target_contacts(
    opts: &LargeOptions,
    source: &Account,
    target: &mut Account,
    g: &mut Gen,
) -> Vec<Option<u32>> {
    let n = source.contacts.len();
    let overlap = opts.overlap.min(n).min(opts.target_contacts);
    let mut mirror = vec![None; n];
    let mut contacts = Vec::with_capacity(opts.target_contacts);
    for j in 0..opts.target_contacts {
        let copy_of = (j < overlap).then(|| j * n / overlap);
        let copy = copy_of.and_then(|i| copy_contact(opts, &source.contacts[i], j, g));
        let mut c = match copy {
            Some(c) => {
                mirror[copy_of.unwrap_or_default()] = Some(j as u32);
                c
            }
            None => target_only(j, g),
        };
        c.id = id20(&mut g.rng);
        dress(&mut c, opts, target, g);
        if copy_of.is_some() {
            c.tags.push("existing-client".into());
        }
        contacts.push(c);
    }
    target.contacts = contacts;
    mirror
}

/// The target's copy of a source contact, reachable by email (maybe in another case) or, for
/// `phone_only_percent` of them, by phone only. None when the source contact has no key.
fn copy_contact(opts: &LargeOptions, src: &Contact, j: usize, g: &mut Gen) -> Option<Contact> {
    let phone_only =
        src.phone.is_some() && (src.email.is_none() || g.rng.percent(opts.phone_only_percent));
    let email = match (&src.email, phone_only) {
        (_, true) => j
            .is_multiple_of(2)
            .then(|| format!("other.{j}@acme-holdings.test")),
        (Some(e), false) if g.rng.percent(opts.other_case_percent) => Some(other_case(e)),
        (Some(e), false) => Some(e.clone()),
        (None, false) => return None,
    };
    Some(Contact {
        first_name: src.first_name.clone(),
        last_name: src.last_name.clone(),
        email,
        phone: phone_only.then(|| src.phone.clone()).flatten(),
        ..Contact::default()
    })
}

/// `jane.doe.7@example.com` -> `Jane.Doe.7@EXAMPLE.COM`.
fn other_case(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let mut out = String::with_capacity(email.len());
    let mut upper = true;
    for ch in local.chars() {
        out.push(if upper { ch.to_ascii_uppercase() } else { ch });
        upper = ch == '.';
    }
    out.push('@');
    out.push_str(&domain.to_ascii_uppercase());
    out
}

fn target_only(j: usize, g: &mut Gen) -> Contact {
    let (fi, li) = (g.rng.index(g.first.len()), g.rng.index(g.last.len()));
    Contact {
        first_name: Some(FIRST_NAMES[fi].to_string()),
        last_name: Some(LAST_NAMES[li].to_string()),
        email: Some(format!(
            "{}.{}.{j}@acme-holdings.test",
            g.first[fi], g.last[li]
        )),
        phone: Some(format!("+1{}", 3_000_000_000 + j as u64)),
        ..Contact::default()
    }
}

fn opportunities(opts: &LargeOptions, source: &Account, g: &mut Gen) -> Vec<Opportunity> {
    let rng = &mut g.rng;
    let n = source.contacts.len();
    if n == 0 {
        return Vec::new();
    }
    (0..opts.opportunities)
        .map(|k| {
            let contact = &source.contacts[rng.index(n)];
            let pipeline = &source.pipelines[match rng.below(10) {
                0..=6 => 0,
                7 | 8 => 1,
                _ => 2,
            }];
            let si = rng.index(pipeline.stages.len());
            let status = match (rng.below(20), si + 1 == pipeline.stages.len()) {
                (_, true) => OpportunityStatus::Lost,
                (0, _) => OpportunityStatus::Abandoned,
                (1..=4, _) => OpportunityStatus::Won,
                _ => OpportunityStatus::Open,
            };
            Opportunity {
                id: id20(rng),
                name: format!(
                    "{} - {} #{k}",
                    contact.last_name.as_deref().unwrap_or("Deal"),
                    rng.pick(DEAL_WORDS)
                ),
                pipeline_id: pipeline.id.clone(),
                pipeline_stage_id: Some(pipeline.stages[si].id.clone()),
                status,
                monetary_value: rng.percent(70).then(|| rng.range(2, 400) as f64 * 125.0),
                contact_id: contact.id.clone(),
                assigned_to: rng.percent(50).then(|| rng.pick(&source.users).id.clone()),
                custom_fields: Vec::new(),
            }
        })
        .collect()
}

/// About a tenth of the source opportunities whose contact has a target copy already exist
/// there: same name, same pipeline (by name), first stage.
fn existing_opportunities(
    source: &Account,
    target: &Account,
    mirror: &[Option<u32>],
    g: &mut Gen,
) -> Vec<Opportunity> {
    let index: std::collections::HashMap<&str, usize> = source
        .contacts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for o in &source.opportunities {
        let Some(j) = index.get(o.contact_id.as_str()).and_then(|i| mirror[*i]) else {
            continue;
        };
        if !g.rng.percent(10) {
            continue;
        }
        let pi = source
            .pipelines
            .iter()
            .position(|p| p.id == o.pipeline_id)
            .unwrap_or_default();
        let pipeline = &target.pipelines[pi];
        out.push(Opportunity {
            id: id20(&mut g.rng),
            name: o.name.clone(),
            pipeline_id: pipeline.id.clone(),
            pipeline_stage_id: Some(pipeline.stages[0].id.clone()),
            status: OpportunityStatus::Open,
            monetary_value: o.monetary_value,
            contact_id: target.contacts[j as usize].id.clone(),
            assigned_to: None,
            custom_fields: Vec::new(),
        });
    }
    out
}
