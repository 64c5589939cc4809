//! Small constructors for hand-described accounts (the demo and the scenarios): each object's id
//! is derived from its name and the side it lives on, so source and target ids differ and stay
//! stable when objects are added or reordered.

use super::ids::Ids;
use ghl_migrate::ghl::memory::position_probability;
use ghl_migrate::model::{
    Contact, CustomField, DataType, Location, Opportunity, OpportunityStatus, Pipeline, Stage, User,
};

/// Builds the objects of one account (`source` or `target`) from names.
#[derive(Debug, Clone, Copy)]
pub struct Kit {
    ids: Ids,
    side: &'static str,
}

impl Kit {
    pub fn new(seed: u64, side: &'static str) -> Kit {
        Kit {
            ids: Ids::new(seed),
            side,
        }
    }

    /// A 20-character id for the object of `kind` named `key` on this side.
    pub fn id(&self, kind: &str, key: &str) -> String {
        self.ids.id20(&format!("{}/{kind}", self.side), key)
    }

    pub fn location(&self, name: &str) -> Location {
        Location {
            id: self.id("location", name),
            name: name.to_string(),
        }
    }

    /// A contact custom field named `name`, with its server-style key `contact.<snake_name>`.
    pub fn field(&self, name: &str, data_type: DataType, options: &[&str]) -> CustomField {
        self.model_field("contact", name, data_type, options)
    }

    /// A custom field of `model` (`contact` or `opportunity`).
    pub fn model_field(
        &self,
        model: &str,
        name: &str,
        data_type: DataType,
        options: &[&str],
    ) -> CustomField {
        CustomField {
            id: self.id("field", &format!("{model}.{name}")),
            name: name.to_string(),
            field_key: Some(format!("{model}.{}", snake(name))),
            data_type,
            picklist_options: options.iter().map(|s| s.to_string()).collect(),
            model: Some(model.to_string()),
            placeholder: None,
            position: None,
        }
    }

    pub fn pipeline(&self, name: &str, stages: &[&str]) -> Pipeline {
        Pipeline {
            id: self.id("pipeline", name),
            name: name.to_string(),
            stages: stages
                .iter()
                .enumerate()
                .map(|(i, s)| Stage {
                    id: self
                        .ids
                        .uuid(&format!("{}/stage", self.side), &format!("{name}/{s}")),
                    name: s.to_string(),
                    stage_win_probability: Some(position_probability(i, stages.len())),
                })
                .collect(),
            use_opportunity_probability: None,
        }
    }

    pub fn user(&self, name: &str, email: &str) -> User {
        User {
            id: self.id("user", &email.to_lowercase()),
            name: name.to_string(),
            email: Some(email.to_string()),
        }
    }

    /// An empty contact whose id derives from `key` (its email, phone or a label).
    pub fn contact(&self, key: &str) -> Contact {
        Contact {
            id: self.id("contact", key),
            ..Contact::default()
        }
    }

    /// An opportunity named `name` on `contact`, in `stage` of `pipeline`.
    pub fn opportunity(
        &self,
        name: &str,
        contact: &Contact,
        at: (&Pipeline, &str),
        status: OpportunityStatus,
    ) -> Opportunity {
        let (pipeline, stage) = at;
        let stage_id = pipeline
            .stages
            .iter()
            .find(|s| s.name == stage)
            .map(|s| s.id.clone())
            .unwrap_or_else(|| panic!("pipeline {:?} has no stage {stage:?}", pipeline.name));
        Opportunity {
            id: self.id("opportunity", &format!("{}/{name}", contact.id)),
            name: name.to_string(),
            pipeline_id: pipeline.id.clone(),
            pipeline_stage_id: Some(stage_id),
            status,
            monetary_value: None,
            contact_id: contact.id.clone(),
            assigned_to: None,
            custom_fields: Vec::new(),
        }
    }
}

/// `Annual Revenue` -> `annual_revenue`, as GoHighLevel derives field keys from names.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

/// `Some(s.to_string())`, for terse literal objects.
pub fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_keys_are_snake_case_names() {
        assert_eq!(snake("Annual Revenue"), "annual_revenue");
        assert_eq!(snake(" annual  Revenue "), "annual_revenue");
        let f = Kit::new(1, "source").field("Lead Score", DataType::Numerical, &[]);
        assert_eq!(f.field_key.as_deref(), Some("contact.lead_score"));
    }

    #[test]
    fn sides_get_different_ids_for_the_same_name() {
        let (a, b) = (Kit::new(1, "source"), Kit::new(1, "target"));
        assert_ne!(a.contact("x@y.z").id, b.contact("x@y.z").id);
        assert_eq!(a.contact("x@y.z").id, a.contact("x@y.z").id);
    }
}
