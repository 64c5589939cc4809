//! The bundled demo pair (`fixtures/demo/`), sized like the old system's test account:
//! 35 custom fields covering every data type, 2 pipelines with 19 stages, 198 contacts and
//! 40 opportunities in the source, and a target that overlaps it with every edge case a
//! migration meets (see `fixtures/demo/README.md` for where each one lives).

use super::kit::Kit;
use super::{demo_contacts, demo_history};
use ghl_migrate::model::{Account, CustomField, DataType, Pipeline, User, Workflow};

/// The seed every demo id derives from.
pub const DEMO_SEED: u64 = 198;

/// A custom field of the demo: (model, name, type, picklist options).
type FieldSpec = (
    &'static str,
    &'static str,
    DataType,
    &'static [&'static str],
);

const SOURCE_FIELDS: &[FieldSpec] = &[
    ("contact", "Lead Source Detail", DataType::Text, &[]),
    ("contact", "Region", DataType::Text, &[]),
    ("contact", "Job Title", DataType::Text, &[]),
    ("contact", "Referral Code", DataType::Text, &[]),
    ("contact", "Notes Summary", DataType::LargeText, &[]),
    ("contact", "Project Description", DataType::LargeText, &[]),
    ("contact", "Employees", DataType::Numerical, &[]),
    ("contact", "Lead Score", DataType::Numerical, &[]),
    ("contact", "Emergency Phone", DataType::Phone, &[]),
    ("contact", "Office Phone", DataType::Phone, &[]),
    ("contact", "Annual Revenue", DataType::Monetory, &[]),
    ("contact", "Budget", DataType::Monetory, &[]),
    (
        "contact",
        "Newsletter Topics",
        DataType::Checkbox,
        &["Product Updates", "Webinars", "Case Studies", "Promotions"],
    ),
    ("contact", "Marketing Consent", DataType::Checkbox, &["Yes"]),
    (
        "contact",
        "Industry",
        DataType::SingleOptions,
        &[
            "SaaS",
            "Retail",
            "Healthcare",
            "Manufacturing",
            "Education",
            "Hospitality",
            "Other",
        ],
    ),
    (
        "contact",
        "Customer Tier",
        DataType::SingleOptions,
        &["Bronze", "Silver", "Gold", "Platinum"],
    ),
    (
        "contact",
        "Interests",
        DataType::MultipleOptions,
        &["Ads", "SEO", "Email", "Social", "Events"],
    ),
    (
        "contact",
        "Services Used",
        DataType::MultipleOptions,
        &["Consulting", "Implementation", "Support", "Training"],
    ),
    ("contact", "Discount Rate", DataType::Float, &[]),
    ("contact", "Satisfaction Score", DataType::Float, &[]),
    ("contact", "Preferred Contact Time", DataType::Time, &[]),
    ("contact", "Contract Start", DataType::Date, &[]),
    ("contact", "Last Purchase Date", DataType::Date, &[]),
    ("contact", "Renewal Date", DataType::Date, &[]),
    ("contact", "Social Profiles", DataType::TextboxList, &[]),
    ("contact", "Signed Contract", DataType::FileUpload, &[]),
    ("contact", "Profile Photo", DataType::FileUpload, &[]),
    ("contact", "Customer Signature", DataType::Signature, &[]),
    (
        "contact",
        "Preferred Language",
        DataType::Radio,
        &["English", "Spanish", "French", "German", "Mandarin"],
    ),
    (
        "contact",
        "Contact Method",
        DataType::Radio,
        &["Email", "Phone", "SMS"],
    ),
    ("contact", "Billing Email", DataType::Email, &[]),
    ("contact", "Secondary Email", DataType::Email, &[]),
    (
        "opportunity",
        "Deal Source",
        DataType::SingleOptions,
        &["Inbound", "Outbound", "Partner", "Referral"],
    ),
    ("opportunity", "Expected Close", DataType::Date, &[]),
    ("opportunity", "Probability", DataType::Numerical, &[]),
];

/// Source fields the target does not have (the plan creates them).
const MISSING_IN_TARGET: &[&str] = &["Referral Code", "Satisfaction Score", "Secondary Email"];

/// The same-named field of another type: TEXT in the source, NUMERICAL in the target.
pub const TYPE_CONFLICT_FIELD: &str = "Region";
/// The field whose target name differs only in case and spaces (and whose key differs).
pub const CASE_SPACE_FIELD: (&str, &str) = ("Annual Revenue", "annual  Revenue ");
/// The picklist option the target's `Customer Tier` lacks.
pub const MISSING_OPTION: (&str, &str) = ("Customer Tier", "Platinum");

pub const SALES: &str = "Sales Pipeline";
pub const SALES_STAGES: &[&str] = &[
    "New Lead",
    "Contacted",
    "Qualified",
    "Discovery Call",
    "Needs Analysis",
    "Proposal Sent",
    "Negotiation",
    "Contract Sent",
    "Verbal Commit",
    "Closed Won",
    "Closed Lost",
    "On Hold",
];
/// The stage of the sales pipeline that the target lacks.
pub const MISSING_STAGE: &str = "Verbal Commit";
/// The pipeline the target lacks entirely.
pub const RENEWALS: &str = "Renewals";
pub const RENEWAL_STAGES: &[&str] = &[
    "Upcoming Renewal",
    "Renewal Contacted",
    "Renewal Quote Sent",
    "Renewal Negotiation",
    "Renewed",
    "Churn Risk",
    "Churned",
];

/// (name, email) of the source users; the last one has left and is not in the target.
pub const SOURCE_USERS: &[(&str, &str)] = &[
    ("Ava Thompson", "ava.thompson@acme.test"),
    ("Marcus Reed", "marcus.reed@acme.test"),
    ("Priya Nair", "priya.nair@acme.test"),
    ("Olaf Berg", "olaf.berg@acme.test"),
];

/// The demo source and target accounts.
pub fn demo_pair() -> (Account, Account) {
    let src = Kit::new(DEMO_SEED, "source");
    let tgt = Kit::new(DEMO_SEED, "target");
    let mut source = Account {
        location: src.location("Acme Marketing (old account)"),
        custom_fields: source_fields(&src),
        pipelines: vec![
            src.pipeline(SALES, SALES_STAGES),
            src.pipeline(RENEWALS, RENEWAL_STAGES),
        ],
        users: SOURCE_USERS.iter().map(|(n, e)| src.user(n, e)).collect(),
        ..Account::default()
    };
    let mut target = Account {
        location: tgt.location("Acme Holdings (parent account)"),
        custom_fields: target_fields(&tgt),
        pipelines: target_pipelines(&tgt),
        users: target_users(&tgt),
        workflows: Some(target_workflows(&tgt)),
        ..Account::default()
    };
    demo_contacts::fill(&mut source, &mut target, (&src, &tgt));
    demo_history::fill(&mut source, &mut target, (&src, &tgt));
    (source, target)
}

/// The target's workflows: two that creating records fires, one draft that fires nothing.
fn target_workflows(kit: &Kit) -> Vec<Workflow> {
    [
        ("Welcome email on Contact Created", "published"),
        ("New deal SMS to owner", "published"),
        ("Win-back sequence (draft)", "draft"),
    ]
    .iter()
    .map(|(name, status)| Workflow {
        id: kit.id("workflow", name),
        name: name.to_string(),
        status: status.to_string(),
    })
    .collect()
}

fn source_fields(kit: &Kit) -> Vec<CustomField> {
    SOURCE_FIELDS
        .iter()
        .enumerate()
        .map(|(i, (model, name, data_type, options))| CustomField {
            position: Some(i as i64 * 50),
            ..kit.model_field(model, name, data_type.clone(), options)
        })
        .collect()
}

fn target_fields(kit: &Kit) -> Vec<CustomField> {
    let mut fields: Vec<CustomField> = SOURCE_FIELDS
        .iter()
        .filter(|(_, name, _, _)| !MISSING_IN_TARGET.contains(name))
        .map(|(model, name, data_type, options)| {
            let mut field = kit.model_field(model, name, data_type.clone(), options);
            if *name == TYPE_CONFLICT_FIELD {
                field.data_type = DataType::Numerical;
            }
            if *name == CASE_SPACE_FIELD.0 {
                field.name = CASE_SPACE_FIELD.1.to_string();
                field.field_key = Some("contact.annualrevenue".to_string());
            }
            if *name == MISSING_OPTION.0 {
                field.picklist_options.retain(|o| o != MISSING_OPTION.1);
            }
            field
        })
        .collect();
    fields.push(kit.field("Account Manager Notes", DataType::LargeText, &[]));
    fields.push(kit.field("Parent Account Id", DataType::Text, &[]));
    for (i, f) in fields.iter_mut().enumerate() {
        f.position = Some(i as i64 * 50);
    }
    fields
}

fn target_pipelines(kit: &Kit) -> Vec<Pipeline> {
    let sales: Vec<&str> = SALES_STAGES
        .iter()
        .copied()
        .filter(|s| *s != MISSING_STAGE)
        .collect();
    vec![
        kit.pipeline(SALES, &sales),
        kit.pipeline(
            "Partner Onboarding",
            &["Application", "Review", "Approved", "Live"],
        ),
    ]
}

/// The same people by email (one in another case), other ids, plus one target-only user.
fn target_users(kit: &Kit) -> Vec<User> {
    let mut users: Vec<User> = SOURCE_USERS[..3]
        .iter()
        .map(|(name, email)| {
            let email = if *name == "Priya Nair" {
                "Priya.Nair@acme.test".to_string()
            } else {
                email.to_string()
            };
            kit.user(name, &email)
        })
        .collect();
    users.push(kit.user("Dana Cole", "dana.cole@acme.test"));
    users
}
