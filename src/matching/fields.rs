//! Custom fields: by field key, then by normalised name within the same model; the data type
//! must agree. Explicit mappings override, and may name a field to create.

use std::collections::BTreeMap;

use crate::model::{CustomField, DataType};
use crate::normalize;

/// What a source field is in the target.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldOutcome {
    /// An existing target field carries the values.
    Mapped {
        target: CustomField,
        by: &'static str,
    },
    /// The plan creates the field (with this name) in the target.
    Create { name: String },
    /// A same-named (or explicitly mapped) target field has a type that cannot hold the values.
    Conflict { target: CustomField, reason: String },
    /// The field's type cannot be migrated (e.g. file uploads); its values are not copied.
    Unsupported { reason: String },
}

/// The decision for one source field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecision {
    pub source: CustomField,
    pub outcome: FieldOutcome,
    /// Picklist options of the source that the mapped target field lacks.
    pub missing_options: Vec<String>,
}

impl FieldDecision {
    /// True when values of this field can be written to the target.
    pub fn carries_values(&self) -> bool {
        matches!(
            self.outcome,
            FieldOutcome::Mapped { .. } | FieldOutcome::Create { .. }
        )
    }

    /// The target data type values are written as, when they are written.
    pub fn target_type(&self) -> Option<&DataType> {
        match &self.outcome {
            FieldOutcome::Mapped { target, .. } => Some(&target.data_type),
            FieldOutcome::Create { .. } => Some(&self.source.data_type),
            _ => None,
        }
    }
}

/// True when values of `from` can be written to a field of type `to` and mean the same thing.
pub fn compatible(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    from == to
        || matches!(
            (from, to),
            (Text, LargeText)
                | (LargeText, Text)
                | (Numerical, Monetory)
                | (Monetory, Numerical)
                | (Numerical, Float)
                | (Float, Numerical)
                | (SingleOptions, Radio)
                | (Radio, SingleOptions)
                | (Checkbox, MultipleOptions)
                | (MultipleOptions, Checkbox)
        )
}

/// True when values of the type are never copied (they point at files in the source account).
fn unsupported(t: &DataType) -> Option<&'static str> {
    match t {
        DataType::FileUpload | DataType::Signature => Some(
            "file and signature values point at the source account's storage and are not copied",
        ),
        DataType::Unknown => Some("its data type is not one this tool knows"),
        _ => None,
    }
}

/// Decides every source field. `explicit` maps a source name or key to a target name or key;
/// a target that does not exist means "create it under that name".
pub fn match_fields(
    source: &[CustomField],
    target: &[CustomField],
    explicit: &BTreeMap<String, String>,
) -> Vec<FieldDecision> {
    let mut out: Vec<FieldDecision> = source.iter().map(|s| decide(s, target, explicit)).collect();
    out.sort_by(|a, b| {
        (
            a.source.model(),
            normalize::name(&a.source.name),
            &a.source.id,
        )
            .cmp(&(
                b.source.model(),
                normalize::name(&b.source.name),
                &b.source.id,
            ))
    });
    out
}

fn decide(
    s: &CustomField,
    target: &[CustomField],
    explicit: &BTreeMap<String, String>,
) -> FieldDecision {
    let mut decision = FieldDecision {
        source: s.clone(),
        outcome: FieldOutcome::Create {
            name: s.name.clone(),
        },
        missing_options: vec![],
    };
    if let Some(reason) = unsupported(&s.data_type) {
        decision.outcome = FieldOutcome::Unsupported {
            reason: reason.into(),
        };
        return decision;
    }
    let same_model = |t: &&CustomField| t.model() == s.model();
    let wanted = explicit
        .get(&s.name)
        .or_else(|| s.field_key.as_ref().and_then(|k| explicit.get(k)));
    let (found, by) = if let Some(wanted) = wanted {
        let hit = target.iter().filter(same_model).find(|t| {
            t.field_key.as_deref() == Some(wanted.as_str())
                || normalize::name(&t.name) == normalize::name(wanted)
        });
        match hit {
            Some(t) => (Some(t), "explicit"),
            None => {
                decision.outcome = FieldOutcome::Create {
                    name: wanted.clone(),
                };
                return decision;
            }
        }
    } else if let Some(t) = s.field_key.as_ref().and_then(|k| {
        target
            .iter()
            .filter(same_model)
            .find(|t| t.field_key.as_ref() == Some(k))
    }) {
        (Some(t), "key")
    } else {
        let n = normalize::name(&s.name);
        let hit = target
            .iter()
            .filter(same_model)
            .find(|t| normalize::name(&t.name) == n);
        (hit, "name")
    };
    let Some(t) = found else {
        return decision;
    };
    let writable_as_text =
        by == "explicit" && matches!(t.data_type, DataType::Text | DataType::LargeText);
    if !compatible(&s.data_type, &t.data_type) && !writable_as_text {
        decision.outcome = FieldOutcome::Conflict {
            target: t.clone(),
            reason: format!(
                "{} in the source, {} in the target; its values are not copied (map it explicitly \
                 under `mappings.custom_fields` to another field or a new name)",
                s.data_type, t.data_type
            ),
        };
        return decision;
    }
    if s.data_type.has_options() && t.data_type.has_options() {
        let have: Vec<String> = t
            .picklist_options
            .iter()
            .map(|o| normalize::name(o))
            .collect();
        decision.missing_options = s
            .picklist_options
            .iter()
            .filter(|o| !have.contains(&normalize::name(o)))
            .cloned()
            .collect();
    }
    decision.outcome = FieldOutcome::Mapped {
        target: t.clone(),
        by,
    };
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: &str, name: &str, key: Option<&str>, t: DataType) -> CustomField {
        CustomField {
            id: id.into(),
            name: name.into(),
            field_key: key.map(String::from),
            data_type: t,
            ..Default::default()
        }
    }

    fn one(s: CustomField, target: &[CustomField], explicit: &[(&str, &str)]) -> FieldDecision {
        let explicit = explicit
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        match_fields(&[s], target, &explicit).remove(0)
    }

    #[test]
    fn key_wins_over_name() {
        let s = field("s1", "Region", Some("contact.region"), DataType::Text);
        let t = [
            field("t1", "Region", Some("contact.region_old"), DataType::Text),
            field("t2", "Area", Some("contact.region"), DataType::Text),
        ];
        let d = one(s, &t, &[]);
        assert!(
            matches!(d.outcome, FieldOutcome::Mapped { ref target, by: "key" } if target.id == "t2")
        );
    }

    #[test]
    fn name_matches_ignoring_case_and_spaces() {
        let s = field("s1", "Lead Source", None, DataType::Text);
        let t = [field("t1", "leadsource", None, DataType::LargeText)];
        let d = one(s, &t, &[]);
        assert!(
            matches!(d.outcome, FieldOutcome::Mapped { ref target, by: "name" } if target.id == "t1")
        );
    }

    #[test]
    fn same_name_other_type_is_a_conflict() {
        let s = field("s1", "Region", None, DataType::Text);
        let t = [field("t1", "Region", None, DataType::Numerical)];
        let d = one(s, &t, &[]);
        match d.outcome {
            FieldOutcome::Conflict { reason, .. } => {
                assert!(reason.starts_with("TEXT in the source, NUMERICAL in the target"))
            }
            other => panic!("{other:?}"),
        }
        assert!(!one(field("s1", "Region", None, DataType::Text), &t, &[]).carries_values());
    }

    #[test]
    fn explicit_mapping_resolves_a_conflict_to_a_new_field() {
        let s = field("s1", "Region", None, DataType::Text);
        let t = [field("t1", "Region", None, DataType::Numerical)];
        let d = one(s, &t, &[("Region", "Region (text)")]);
        assert_eq!(
            d.outcome,
            FieldOutcome::Create {
                name: "Region (text)".into()
            }
        );
    }

    #[test]
    fn explicit_mapping_to_a_text_field_stringifies() {
        let s = field("s1", "Score", None, DataType::Numerical);
        let t = [field("t1", "Notes", None, DataType::Text)];
        let d = one(s, &t, &[("Score", "Notes")]);
        assert!(matches!(
            d.outcome,
            FieldOutcome::Mapped { by: "explicit", .. }
        ));
    }

    #[test]
    fn missing_picklist_options_are_reported() {
        let mut s = field("s1", "Interests", None, DataType::MultipleOptions);
        s.picklist_options = vec!["Ads".into(), "SEO".into(), "Email".into()];
        let mut t = field("t1", "Interests", None, DataType::MultipleOptions);
        t.picklist_options = vec!["ads".into(), "Email".into()];
        let d = one(s, &[t], &[]);
        assert_eq!(d.missing_options, vec!["SEO".to_string()]);
    }

    #[test]
    fn fields_of_another_model_never_match() {
        let mut s = field("s1", "Budget", None, DataType::Numerical);
        s.model = Some("opportunity".into());
        let t = [field("t1", "Budget", None, DataType::Numerical)];
        assert_eq!(
            one(s, &t, &[]).outcome,
            FieldOutcome::Create {
                name: "Budget".into()
            }
        );
    }

    #[test]
    fn file_uploads_are_not_migrated() {
        let s = field("s1", "Contract", None, DataType::FileUpload);
        assert!(matches!(
            one(s, &[], &[]).outcome,
            FieldOutcome::Unsupported { .. }
        ));
    }
}
