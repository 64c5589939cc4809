//! Custom-field values shaped as the V2 API returns them on a contact (`{id, value}`):
//! a string for text-like and single-choice types, a number for NUMERICAL, MONETORY and FLOAT,
//! `string[]` for CHECKBOX and MULTIPLE_OPTIONS, an object keyed by uuid for FILE_UPLOAD, and
//! epoch milliseconds for DATE (as V1 returns them).

use serde_json::{Value, json};

use super::ids::{id20, uuid};
use super::names::{AREA_CODES, COMPANIES, DOMAINS};
use super::rng::Rng;
use ghl_migrate::model::{CustomField, DataType};

/// 2023-01-01T00:00:00Z in epoch milliseconds; DATE values fall in the three years after it.
const EPOCH_2023_MS: i64 = 1_672_531_200_000;
const DAY_MS: i64 = 86_400_000;

const TEXTS: &[&str] = &[
    "Spring campaign",
    "Booth 14 visitor",
    "Asked for a callback",
    "Prefers mornings",
    "Met at the expo",
    "Second location planned",
    "Budget approved in Q3",
    "Evaluating competitors",
];

const JOB_TITLES: &[&str] = &[
    "Owner",
    "Office Manager",
    "Marketing Director",
    "Operations Lead",
    "CEO",
    "Practice Manager",
    "Sales Manager",
];

const REGIONS: &[&str] = &["North", "South", "East", "West", "Central"];

const SENTENCES: &[&str] = &[
    "Interested in the annual plan; wants a demo with the whole team before deciding.",
    "Came in through the spring webinar. Asked about integrations with their booking tool.",
    "Long-time customer of the previous agency; migrating after their contract ends.",
    "Needs a quote for two locations. Decision maker is the owner, reachable after 4pm.",
    "Requested case studies from similar businesses in the area.",
];

/// A value for `field`, in the shape the V2 API returns for its data type.
pub fn value_for(field: &CustomField, rng: &mut Rng) -> Value {
    match field.data_type {
        DataType::Text => Value::String(text_for(&field.name, rng)),
        DataType::LargeText => Value::String((*rng.pick(SENTENCES)).to_string()),
        DataType::Numerical => json!(numerical_for(&field.name, rng)),
        DataType::Phone => Value::String(phone(rng)),
        DataType::Monetory => json!(rng.range(5, 2_000) as f64 * 50.0),
        DataType::Float => json!(rng.range(0, 1_000) as f64 / 100.0),
        DataType::Checkbox | DataType::MultipleOptions => {
            Value::Array(subset(&field.picklist_options, rng))
        }
        DataType::SingleOptions | DataType::Radio => match field.picklist_options.as_slice() {
            [] => Value::Null,
            options => Value::String(rng.pick(options).clone()),
        },
        DataType::Time => Value::String(format!(
            "{:02}:{:02}",
            rng.range(8, 17),
            rng.pick(&[0, 15, 30, 45])
        )),
        DataType::Date => json!(EPOCH_2023_MS + rng.range(0, 3 * 365) * DAY_MS),
        DataType::TextboxList => json!([
            format!("https://www.linkedin.com/in/{}", id20(rng).to_lowercase()),
            format!("https://x.com/{}", &id20(rng).to_lowercase()[..10]),
        ]),
        DataType::FileUpload => file_upload(rng),
        DataType::Signature => Value::String(format!(
            "https://services.leadconnectorhq.com/documents/download/{}",
            id20(rng)
        )),
        DataType::Email => {
            Value::String(format!("billing{}@{}", rng.range(1, 99), rng.pick(DOMAINS)))
        }
        DataType::Unknown => Value::Null,
    }
}

fn text_for(name: &str, rng: &mut Rng) -> String {
    match name {
        "Job Title" => (*rng.pick(JOB_TITLES)).to_string(),
        "Region" => (*rng.pick(REGIONS)).to_string(),
        "Referral Code" => format!("REF-{:05}", rng.range(1, 99_999)),
        "Company Name Override" => (*rng.pick(COMPANIES)).to_string(),
        _ => (*rng.pick(TEXTS)).to_string(),
    }
}

fn numerical_for(name: &str, rng: &mut Rng) -> i64 {
    match name {
        "Probability" => rng.range(1, 9) * 10,
        "Lead Score" => rng.range(0, 100),
        _ => rng.range(1, 250),
    }
}

/// A US number in the fictional 555-01xx range, E.164 as V2 returns it.
pub fn phone(rng: &mut Rng) -> String {
    format!("+1{}55501{:02}", rng.pick(AREA_CODES), rng.below(100))
}

/// A non-empty subset of `options`, in their order.
fn subset(options: &[String], rng: &mut Rng) -> Vec<Value> {
    if options.is_empty() {
        return Vec::new();
    }
    let first = rng.index(options.len());
    options
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == first || rng.percent(30))
        .map(|(_, o)| Value::String(o.clone()))
        .collect()
}

fn file_upload(rng: &mut Rng) -> Value {
    let key = uuid(rng);
    let document = id20(rng);
    let field = id20(rng);
    let (name, mime) = *rng.pick(&[
        ("signed-contract.pdf", "application/pdf"),
        ("IMG_2024_0412.jpg", "image/jpeg"),
        ("proposal-v2.pdf", "application/pdf"),
    ]);
    json!({
        key.clone(): {
            "meta": {
                "fieldname": field,
                "originalname": name,
                "encoding": "7bit",
                "mimetype": mime,
                "size": rng.range(20_000, 2_000_000),
                "uuid": key,
            },
            "url": format!("https://services.leadconnectorhq.com/documents/download/{document}"),
            "documentId": document,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(data_type: DataType, options: &[&str]) -> CustomField {
        CustomField {
            id: "f".into(),
            name: "F".into(),
            data_type,
            picklist_options: options.iter().map(|s| s.to_string()).collect(),
            ..CustomField::default()
        }
    }

    #[test]
    fn values_have_the_v2_shape_of_their_type() {
        let mut rng = Rng::new(5);
        let opts = ["A", "B", "C"];
        assert!(value_for(&field(DataType::Text, &[]), &mut rng).is_string());
        assert!(value_for(&field(DataType::Numerical, &[]), &mut rng).is_number());
        assert!(value_for(&field(DataType::Monetory, &[]), &mut rng).is_number());
        let many = value_for(&field(DataType::MultipleOptions, &opts), &mut rng);
        let many = many.as_array().unwrap();
        assert!(!many.is_empty());
        assert!(many.iter().all(|v| opts.contains(&v.as_str().unwrap())));
        let one = value_for(&field(DataType::SingleOptions, &opts), &mut rng);
        assert!(opts.contains(&one.as_str().unwrap()));
        assert!(value_for(&field(DataType::FileUpload, &[]), &mut rng).is_object());
        assert!(value_for(&field(DataType::Date, &[]), &mut rng).is_i64());
        assert!(
            value_for(&field(DataType::Phone, &[]), &mut rng)
                .as_str()
                .unwrap()
                .starts_with("+1")
        );
    }
}
