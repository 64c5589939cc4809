//! The demo's contacts and opportunities: hand-placed edge cases (overlaps by email in another
//! case, by phone only in raw national formats, a source duplicate, unicode names, contacts with
//! no email or with neither email nor phone) and generated people around them.

use std::collections::HashSet;

use serde_json::json;

use super::demo::{MISSING_STAGE, RENEWAL_STAGES, RENEWALS, SALES, SALES_STAGES};
use super::kit::{Kit, s};
use super::names::{
    CITIES, COMPANIES, DEAL_WORDS, FIRST_NAMES, LAST_NAMES, LEAD_SOURCES, STREETS, TAGS, TIMEZONES,
};
use super::rng::Rng;
use super::values::value_for;
use ghl_migrate::model::{
    Account, Contact, CustomField, FieldValue, Opportunity, OpportunityFieldValue,
    OpportunityStatus, Pipeline,
};

/// How many contacts the demo source holds.
pub const SOURCE_CONTACTS: usize = 198;

/// A hand-placed person: (first, last, email, phone).
type Person = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

/// In both accounts with the very same email.
const SAME_EMAIL: &[Person] = &[
    (
        "Olivia",
        "Martin",
        Some("olivia.martin@example.com"),
        Some("+17375550101"),
    ),
    (
        "Ethan",
        "Clark",
        Some("ethan.clark@example.org"),
        Some("+17375550102"),
    ),
    ("Grace", "Walker", Some("grace.walker@acme.test"), None),
    (
        "Henry",
        "Scott",
        Some("henry.scott@example.net"),
        Some("+17375550104"),
    ),
    ("Nora", "Young", Some("nora.young@example.com"), None),
    (
        "Caleb",
        "Wright",
        Some("caleb.wright@example.com"),
        Some("+17375550106"),
    ),
];

/// In both accounts; the target spells the email in another case (`OTHER_CASE_TARGET`).
const OTHER_CASE: &[Person] = &[
    (
        "Liam",
        "Nguyen",
        Some("liam.nguyen@example.com"),
        Some("+17375550107"),
    ),
    ("Harper", "Lewis", Some("Harper.Lewis@example.org"), None),
    (
        "Mia",
        "Torres",
        Some("mia.torres@acme.test"),
        Some("+17375550109"),
    ),
    ("Owen", "Hill", Some("owen.hill@example.net"), None),
    // A trailing space, as some imports leave it: matching trims.
    ("Samuel", "King", Some("samuel.king@example.com "), None),
    ("Zoë", "Whitfield", Some("zoe.whitfield@example.org"), None),
];
const OTHER_CASE_TARGET: &[&str] = &[
    "Liam.Nguyen@Example.com",
    "harper.lewis@example.org",
    "MIA.TORRES@ACME.TEST",
    "Owen.Hill@example.net",
    "Samuel.King@example.com",
    "Zoe.Whitfield@Example.org",
];

/// Matched by phone only: raw national formats in the source, E.164 in the target
/// (`PHONE_ONLY_TARGET`: first, last, email, phone).
const PHONE_ONLY: &[Person] = &[
    ("Rosa", "Delgado", None, Some("(555) 010-1234")),
    ("Tomás", "Herrera", None, Some("+1 555 010 1235")),
    ("Wei", "Chen", None, Some("555.010.1236")),
    (
        "Ken",
        "Adams",
        Some("ken.adams@example.com"),
        Some("+15550101237"),
    ),
];
const PHONE_ONLY_TARGET: &[Person] = &[
    (
        "Rosa",
        "Delgado",
        Some("rosa.delgado@example.org"),
        Some("+15550101234"),
    ),
    (
        "Tomas",
        "Herrera",
        Some("t.herrera@example.net"),
        Some("+15550101235"),
    ),
    ("Wei", "Chen", None, Some("+15550101236")),
    (
        "Kenneth",
        "Adams",
        Some("kadams@oldmail.example.com"),
        Some("+15550101237"),
    ),
];

/// Email matches one target contact, phone another (`EMAIL_VS_PHONE_TARGET`): email wins.
const EMAIL_VS_PHONE: Person = (
    "Ella",
    "Fischer",
    Some("ella.fischer@example.com"),
    Some("+15550101238"),
);
const EMAIL_VS_PHONE_TARGET: &[Person] = &[
    ("Ella", "Fischer", Some("ella.fischer@example.com"), None),
    (
        "Front",
        "Desk",
        Some("frontdesk@example.net"),
        Some("+15550101238"),
    ),
];

/// The same person twice in the source (same email in another case).
const DUPLICATE: &[Person] = &[
    (
        "Jordan",
        "Lee",
        Some("jordan.lee@acme.test"),
        Some("+17375550120"),
    ),
    ("Jordan", "Lee", Some("Jordan.Lee@ACME.test"), None),
];

const UNICODE: &[Person] = &[
    (
        "José",
        "Núñez",
        Some("jose.nunez@example.com"),
        Some("+17375550121"),
    ),
    ("雷", "李", Some("li.lei@example.net"), None),
    (
        "Øyvind",
        "Ødegård",
        Some("oyvind.odegard@example.com"),
        Some("+4791234567"),
    ),
    (
        "François",
        "Lefèvre",
        Some("francois.lefevre@acme.test"),
        None,
    ),
    (
        "Siobhán",
        "Ó Briain",
        Some("siobhan.obriain@example.com"),
        None,
    ),
    ("Александра", "Петрова", Some("a.petrova@example.org"), None),
    ("Thảo", "Đặng", None, Some("+17375550127")),
];

/// Phone but no email; two phones in raw formats that match nothing in the target.
const NO_EMAIL: &[Person] = &[
    ("Marco", "Rossi", None, Some("+17375550131")),
    ("Aisha", "Bello", None, Some("+17375550132")),
    ("Sven", "Larsen", None, Some("+44 20 7946 0958")),
    ("Priya", "Shah", None, Some("555-010-1299")),
];

/// Neither email nor phone: no natural key.
const NEITHER: &[Person] = &[
    ("Walk-in", "Visitor", None, None),
    ("Unknown", "Caller", None, None),
    ("", "Front Office", None, None),
];

/// Every hand-placed group, in the order the source lists them (generated people follow).
const PLACED: [&[Person]; 8] = [
    SAME_EMAIL,
    OTHER_CASE,
    PHONE_ONLY,
    &[EMAIL_VS_PHONE],
    DUPLICATE,
    UNICODE,
    NO_EMAIL,
    NEITHER,
];

/// Fills contacts and opportunities of both demo accounts.
pub fn fill(source: &mut Account, target: &mut Account, kits: (&Kit, &Kit)) {
    let (src, tgt) = kits;
    let mut rng = Rng::new(super::demo::DEMO_SEED);
    let fields = contact_fields(source);
    let mut contacts = Vec::with_capacity(SOURCE_CONTACTS);
    for group in PLACED {
        for p in group {
            let mut c = person(src, p);
            dress(&mut c, &fields, &mut rng, &source.users);
            contacts.push(c);
        }
    }
    // The second duplicate carries tags of its own, so a silent merge would be visible.
    if let Some(dup) = contacts
        .iter_mut()
        .find(|c| c.email == s("Jordan.Lee@ACME.test"))
    {
        dup.tags = vec!["webinar-2024".into(), "hot".into()];
    }
    let mut emails: HashSet<String> = contacts
        .iter()
        .filter_map(|c| c.email.as_deref().map(|e| e.trim().to_lowercase()))
        .collect();
    let mut i = 0;
    while contacts.len() < SOURCE_CONTACTS {
        let mut c = generated(src, &mut rng, &mut emails, i);
        dress(&mut c, &fields, &mut rng, &source.users);
        contacts.push(c);
        i += 1;
    }
    source.contacts = contacts;
    target.contacts = target_contacts(tgt, target, &mut rng);
    source.opportunities = source_opportunities(src, source, &mut rng);
    target.opportunities = target_opportunities(tgt, target, source);
}

fn contact_fields(account: &Account) -> Vec<CustomField> {
    account
        .custom_fields
        .iter()
        .filter(|f| f.model() == "contact")
        .cloned()
        .collect()
}

fn person(kit: &Kit, p: &Person) -> Contact {
    let (first, last, email, phone) = *p;
    let key = email
        .or(phone)
        .map_or_else(|| format!("{first} {last}"), str::to_string);
    Contact {
        first_name: (!first.is_empty()).then(|| first.to_string()),
        last_name: (!last.is_empty()).then(|| last.to_string()),
        email: email.map(str::to_string),
        phone: phone.map(str::to_string),
        ..kit.contact(&key)
    }
}

/// Standard fields, tags, custom values and an owner, at realistic rates.
fn dress(
    c: &mut Contact,
    fields: &[CustomField],
    rng: &mut Rng,
    users: &[ghl_migrate::model::User],
) {
    if rng.percent(45) {
        c.company_name = Some(rng.pick(COMPANIES).to_string());
    }
    if rng.percent(50) {
        let (city, state, zip) = *rng.pick(CITIES);
        c.address1 = Some(format!("{} {}", rng.range(10, 9899), rng.pick(STREETS)));
        c.city = s(city);
        c.state = s(state);
        c.postal_code = s(zip);
        c.country = s("US");
    }
    if rng.percent(50) {
        c.timezone = Some(rng.pick(TIMEZONES).to_string());
    }
    if rng.percent(70) {
        c.source = Some(rng.pick(LEAD_SOURCES).to_string());
    }
    if rng.percent(10) {
        c.date_of_birth = Some(format!(
            "{}-{:02}-{:02}",
            rng.range(1960, 2000),
            rng.range(1, 12),
            rng.range(1, 28)
        ));
    }
    if rng.percent(45) {
        c.assigned_to = Some(rng.pick(users).id.clone());
    }
    if rng.percent(4) {
        c.dnd = Some(true);
    }
    let n_tags = rng.below(4) as usize;
    for _ in 0..n_tags {
        let tag = rng.pick(TAGS).to_string();
        if !c.tags.contains(&tag) {
            c.tags.push(tag);
        }
    }
    c.custom_fields = values(fields, rng, 30);
    c.date_added = Some(date_added(rng));
}

fn values(fields: &[CustomField], rng: &mut Rng, percent: u32) -> Vec<FieldValue> {
    let mut out = Vec::new();
    for f in fields {
        if rng.percent(percent) {
            out.push(FieldValue {
                id: f.id.clone(),
                value: value_for(f, rng),
            });
        }
    }
    out
}

fn date_added(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        rng.range(2022, 2025),
        rng.range(1, 12),
        rng.range(1, 28),
        rng.range(0, 23),
        rng.range(0, 59),
        rng.range(0, 59),
        rng.range(0, 999)
    )
}

/// A generated person with a unique email (5% have none) and a unique fictional phone.
fn generated(kit: &Kit, rng: &mut Rng, emails: &mut HashSet<String>, i: usize) -> Contact {
    use super::names::{AREA_CODES, DOMAINS};
    let first = *rng.pick(FIRST_NAMES);
    let last = *rng.pick(LAST_NAMES);
    let phone = (!rng.percent(15)).then(|| {
        format!(
            "+1{}55501{:02}",
            AREA_CODES[(i / 100) % AREA_CODES.len()],
            i % 100
        )
    });
    let email = (phone.is_none() || !rng.percent(6)).then(|| {
        let domain = rng.pick(DOMAINS);
        let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
        let mut email = format!("{base}@{domain}");
        let mut n = 2;
        while !emails.insert(email.clone()) {
            email = format!("{base}{n}@{domain}");
            n += 1;
        }
        email
    });
    let key = email.clone().or(phone.clone()).unwrap_or_default();
    Contact {
        first_name: s(first),
        last_name: s(last),
        email,
        phone,
        ..kit.contact(&key)
    }
}

/// The target's contacts: the overlaps (with tags and values of their own) and its own people.
fn target_contacts(kit: &Kit, target: &Account, rng: &mut Rng) -> Vec<Contact> {
    let fields = contact_fields(target);
    let field = |name: &str| fields.iter().find(|f| f.name == name).map(|f| f.id.clone());
    let own_values = |rng: &mut Rng| -> Vec<FieldValue> {
        let mut v = vec![
            FieldValue {
                id: field("Job Title").unwrap_or_default(),
                value: json!(rng.pick(&["Founder", "Director", "Consultant"])),
            },
            FieldValue {
                id: field("Customer Tier").unwrap_or_default(),
                value: json!("Gold"),
            },
        ];
        if rng.percent(50) {
            v.push(FieldValue {
                id: field("Account Manager Notes").unwrap_or_default(),
                value: json!("Managed by the parent account team."),
            });
        }
        v
    };
    let mut contacts = Vec::new();
    let overlaps = SAME_EMAIL
        .iter()
        .copied()
        .chain(OTHER_CASE.iter().zip(OTHER_CASE_TARGET).map(|(p, e)| {
            let first = if p.0 == "Zoë" { "Zoe" } else { p.0 };
            (first, p.1, Some(*e), None)
        }))
        .chain(PHONE_ONLY_TARGET.iter().copied())
        .chain(EMAIL_VS_PHONE_TARGET.iter().copied());
    for p in overlaps {
        let mut c = person(kit, &p);
        c.tags = vec!["existing-client".into(), rng.pick(TAGS).to_string()];
        c.tags.dedup();
        c.custom_fields = own_values(rng);
        c.date_added = Some(date_added(rng));
        contacts.push(c);
    }
    for i in 0..10 {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let email = format!(
            "{}.{}{i}@acme-holdings.test",
            first.to_lowercase(),
            last.to_lowercase()
        );
        let mut c = Contact {
            first_name: s(first),
            last_name: s(last),
            email: Some(email.clone()),
            phone: Some(format!("+1415555010{i}")),
            tags: vec!["parent-account".into()],
            date_added: Some(date_added(rng)),
            ..kit.contact(&email)
        };
        c.custom_fields = values(&fields, rng, 20);
        contacts.push(c);
    }
    contacts
}

/// Where each of the 40 source opportunities sits: (pipeline, stage, status).
fn opportunity_slots() -> Vec<(&'static str, &'static str, OpportunityStatus)> {
    use OpportunityStatus::*;
    let counts = [4, 3, 3, 2, 2, 3, 3, 2, 3, 4, 3, 1];
    let mut slots = Vec::new();
    for (stage, n) in SALES_STAGES.iter().zip(counts) {
        for k in 0..n {
            let status = match *stage {
                "Closed Won" => Won,
                "Closed Lost" => Lost,
                "On Hold" => Abandoned,
                "Needs Analysis" if k == 1 => Abandoned,
                _ => Open,
            };
            slots.push((SALES, *stage, status));
        }
    }
    for stage in RENEWAL_STAGES {
        let status = match *stage {
            "Renewed" => Won,
            "Churned" => Lost,
            _ => Open,
        };
        slots.push((RENEWALS, *stage, status));
    }
    slots
}

/// Source contacts (by email or name) that get the first opportunities, each edge case once.
const OPPORTUNITY_OWNERS: &[&str] = &[
    "olivia.martin@example.com", // also in the target under the same name: exists
    "ethan.clark@example.org",   // also in the target under the same name: exists
    "liam.nguyen@example.com",
    "(555) 010-1234",
    "Walk-in Visitor",
    "Jordan.Lee@ACME.test",
    "jose.nunez@example.com",
    "zoe.whitfield@example.org",
];

fn source_opportunities(kit: &Kit, source: &Account, rng: &mut Rng) -> Vec<Opportunity> {
    let pipeline = |name: &str| -> &Pipeline {
        source
            .pipelines
            .iter()
            .find(|p| p.name == name)
            .expect("demo pipeline")
    };
    let opp_fields: Vec<&CustomField> = source
        .custom_fields
        .iter()
        .filter(|f| f.model() == "opportunity")
        .collect();
    let placed: usize = PLACED.iter().map(|g| g.len()).sum();
    let generated: Vec<&Contact> = source.contacts.iter().skip(placed).collect();
    let mut used = HashSet::new();
    let mut out = Vec::new();
    for (i, (pipe, stage, status)) in opportunity_slots().into_iter().enumerate() {
        let contact = match OPPORTUNITY_OWNERS.get(i) {
            Some(owner) => find_contact(&source.contacts, owner),
            None => generated[rng.index(generated.len())],
        };
        let mut name = opportunity_name(contact, rng);
        while !used.insert((contact.id.clone(), name.clone())) {
            name = opportunity_name(contact, rng);
        }
        let mut o = kit.opportunity(&name, contact, (pipeline(pipe), stage), status);
        if rng.percent(75) {
            o.monetary_value = Some(rng.range(2, 100) as f64 * 250.0);
        }
        if rng.percent(60) {
            o.assigned_to = Some(rng.pick(&source.users).id.clone());
        }
        for f in &opp_fields {
            if rng.percent(45) {
                o.custom_fields.push(OpportunityFieldValue {
                    id: f.id.clone(),
                    field_value: value_for(f, rng),
                });
            }
        }
        out.push(o);
    }
    debug_assert!(out.iter().any(|o| {
        pipeline(SALES)
            .stages
            .iter()
            .any(|s| s.name == MISSING_STAGE && o.pipeline_stage_id.as_ref() == Some(&s.id))
    }));
    out
}

fn find_contact<'a>(contacts: &'a [Contact], key: &str) -> &'a Contact {
    contacts
        .iter()
        .find(|c| {
            c.email.as_deref() == Some(key)
                || c.phone.as_deref() == Some(key)
                || c.display_name() == key
        })
        .unwrap_or_else(|| panic!("demo contact {key} is missing"))
}

fn opportunity_name(c: &Contact, rng: &mut Rng) -> String {
    let who = c
        .company_name
        .clone()
        .or_else(|| c.last_name.clone())
        .unwrap_or_else(|| c.display_name());
    format!("{who} - {}", rng.pick(DEAL_WORDS))
}

/// The target already holds the first two demo opportunities (same contact, pipeline and
/// name, another stage), and one of its own.
fn target_opportunities(kit: &Kit, target: &Account, source: &Account) -> Vec<Opportunity> {
    let sales = target
        .pipelines
        .iter()
        .find(|p| p.name == SALES)
        .expect("sales");
    let mut out = Vec::new();
    for (email, src_opp) in OPPORTUNITY_OWNERS[..2].iter().zip(&source.opportunities) {
        let contact = find_contact(&target.contacts, email);
        let mut o = kit.opportunity(
            &src_opp.name,
            contact,
            (sales, "Qualified"),
            OpportunityStatus::Open,
        );
        o.monetary_value = src_opp.monetary_value;
        out.push(o);
    }
    let own = target
        .contacts
        .iter()
        .find(|c| c.tags.iter().any(|t| t == "parent-account"))
        .expect("a target-only contact");
    let partners = target
        .pipelines
        .iter()
        .find(|p| p.name != SALES)
        .expect("partners");
    let mut o = kit.opportunity(
        "Reseller Agreement",
        own,
        (partners, "Review"),
        OpportunityStatus::Open,
    );
    o.monetary_value = Some(4800.0);
    out.push(o);
    out
}
