//! Planning definitions: custom fields (mapped, created, conflicting), users and the stamp field
//! (pipelines and stages: `pipelines.rs`).

use super::*;

impl Builder<'_> {
    /// Explicit mappings and filters that name nothing in the source are almost always typos:
    /// each is a warning, so the reviewer sees it before the mapping silently does nothing.
    pub(super) fn unused_declarations(&mut self) {
        let (cfg, source) = (self.input.config, self.input.source);
        let n = |s: &str| normalize::name(s);
        let mut unused = |what: &str, key: &String, known: bool| {
            if !known {
                self.warnings.push(format!(
                    "{what}: `{key}` names nothing in the source; check its spelling"
                ));
            }
        };
        for key in cfg.mappings.custom_fields.keys() {
            let known = source
                .custom_fields
                .iter()
                .any(|f| &f.name == key || f.field_key.as_ref() == Some(key));
            unused("mappings.custom_fields", key, known);
        }
        for key in cfg.mappings.pipelines.keys() {
            unused(
                "mappings.pipelines",
                key,
                source.pipelines.iter().any(|p| &p.name == key),
            );
        }
        for key in cfg.mappings.stages.keys() {
            let known = source.pipelines.iter().any(|p| {
                p.stages
                    .iter()
                    .any(|s| &format!("{} / {}", p.name, s.name) == key)
            });
            unused("mappings.stages (\"Pipeline / Stage\")", key, known);
        }
        for key in cfg.mappings.users.keys() {
            let known = source
                .users
                .iter()
                .any(|u| u.email.as_deref().and_then(normalize::email) == normalize::email(key));
            unused("mappings.users", key, known);
        }
        for key in &cfg.filters.opportunities.skip_pipelines {
            let known = source.pipelines.iter().any(|p| n(&p.name) == n(key));
            unused("filters.opportunities.skip_pipelines", key, known);
        }
    }

    pub(super) fn fields(&mut self) {
        let cfg = self.input.config;
        let decisions = match_fields(
            &self.input.source.custom_fields,
            &self.input.target.custom_fields,
            &cfg.mappings.custom_fields,
        );
        let create = self.wants(ObjectKind::CustomFields);
        let v1_target = cfg.target.api == crate::config::ApiKind::V1;
        for mut d in decisions {
            if v1_target && d.source.model() == "opportunity" {
                d.outcome = FieldOutcome::Unsupported {
                    reason:
                        "the V1 API has no opportunity custom fields; its values are not copied"
                            .into(),
                };
            }
            self.field(d, create);
        }
    }

    fn field(&mut self, d: FieldDecision, create: bool) {
        let s = &d.source;
        let label = format!("{} ({})", s.name, s.model());
        let counts = &mut self.summary.custom_fields;
        match &d.outcome {
            FieldOutcome::Mapped { target, by } => {
                count(counts, "map");
                self.mapping.fields_mapped += 1;
                self.mapping.fields.push(MapEntry {
                    source: label.clone(),
                    target: Some(target.name.clone()),
                    by: by.to_string(),
                });
                if !d.missing_options.is_empty() {
                    self.warnings.push(format!(
                        "custom field `{}`: the target lacks the options {}; values using them are not copied",
                        s.name,
                        quote_list(&d.missing_options)
                    ));
                }
                self.field_targets.insert(
                    s.id.clone(),
                    FieldTarget {
                        reference: target.id.clone(),
                        name: target.name.clone(),
                        data_type: target.data_type.clone(),
                        options: target.picklist_options.clone(),
                    },
                );
            }
            FieldOutcome::Create { name } if create => {
                count(counts, "create");
                // A fixture holds V2 shapes: it stands for a V2 account.
                let v2_target = self.input.config.target.api != crate::config::ApiKind::V1;
                let (data_type, changed) = created_type(&s.data_type, v2_target);
                if let Some(why) = changed {
                    self.warnings
                        .push(format!("custom field `{}`: {why}", s.name));
                }
                self.mapping.fields_mapped += 1;
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: Some(name.clone()),
                    by: "create".into(),
                });
                let id = self.unique_id(format!(
                    "custom_field/{}.{}",
                    s.model(),
                    normalize::slug(name)
                ));
                self.steps.push(Step {
                    id: id.clone(),
                    action: Action::CreateField(NewCustomField {
                        name: name.clone(),
                        data_type: data_type.clone(),
                        model: Some(s.model().to_string()),
                        placeholder: s.placeholder.clone(),
                        position: s.position,
                        options: s.picklist_options.clone(),
                    }),
                    after: vec![],
                });
                self.field_targets.insert(
                    s.id.clone(),
                    FieldTarget {
                        reference: id,
                        name: name.clone(),
                        data_type,
                        options: s.picklist_options.clone(),
                    },
                );
            }
            FieldOutcome::Create { .. } => {
                count(counts, "missing");
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: None,
                    by: "missing".into(),
                });
                self.warnings.push(format!(
                    "custom field `{}` has no counterpart and custom_fields are not in `objects`; its values are not copied",
                    s.name
                ));
            }
            FieldOutcome::Conflict { target, reason } => {
                count(counts, "conflict");
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: Some(target.name.clone()),
                    by: "conflict".into(),
                });
                self.warnings
                    .push(format!("custom field `{}`: {reason}", s.name));
                self.not_done.push(NotDone {
                    id: format!("custom_field/{}.{}", s.model(), normalize::slug(&s.name)),
                    outcome: "conflict".into(),
                    reason: reason.clone(),
                });
            }
            FieldOutcome::Unsupported { reason } => {
                count(counts, "unsupported");
                self.mapping.fields.push(MapEntry {
                    source: label,
                    target: None,
                    by: "unsupported".into(),
                });
                self.warnings
                    .push(format!("custom field `{}`: {reason}", s.name));
            }
        }
    }

    pub(super) fn users(&mut self) -> UserMap {
        let map = match_users(
            &self.input.source.users,
            &self.input.target.users,
            &self.input.config.mappings.users,
        );
        let mut users: Vec<_> = self.input.source.users.iter().collect();
        users.sort_by(|a, b| (&a.email, &a.id).cmp(&(&b.email, &b.id)));
        for u in users {
            let by = map.by[&u.id];
            let label = u.email.clone().unwrap_or_else(|| u.name.clone());
            count(
                &mut self.summary.users,
                if by == "missing" { "missing" } else { "map" },
            );
            self.mapping.users.push(MapEntry {
                source: label,
                target: map.by_source_id[&u.id]
                    .as_ref()
                    .map(|t| t.email.clone().unwrap_or_else(|| t.name.clone())),
                by: by.into(),
            });
        }
        map
    }

    /// The stamp field's reference, creating it in the plan on first use.
    pub(super) fn stamp_ref(&mut self) -> String {
        if let Some(s) = &self.stamp {
            return s.clone();
        }
        let existing = stamp_field(self.input.target).map(|f| f.id.clone());
        let reference = match existing {
            Some(id) => id,
            None => {
                let id = self.unique_id("custom_field/contact.ghl_migrate_source_id".into());
                self.steps.push(Step {
                    id: id.clone(),
                    action: Action::CreateField(NewCustomField {
                        name: STAMP_FIELD_NAME.into(),
                        data_type: DataType::Text,
                        model: Some("contact".into()),
                        placeholder: Some(
                            "set by ghl-migrate for contacts with no email or phone".into(),
                        ),
                        position: None,
                        options: vec![],
                    }),
                    after: vec![],
                });
                count(&mut self.summary.custom_fields, "create");
                id
            }
        };
        self.stamp = Some(reference.clone());
        reference
    }
}

/// The type a field is created with. A V2 target's field create documents only some types
/// (custom-fields.json): FLOAT becomes NUMERICAL (the same numbers) and TIME becomes TEXT (its
/// values copied as text), each said in a warning. (SIGNATURE is never copied.)
fn created_type(source: &DataType, v2_target: bool) -> (DataType, Option<String>) {
    let instead = match source {
        DataType::Float if v2_target => DataType::Numerical,
        DataType::Time if v2_target => DataType::Text,
        _ => return (source.clone(), None),
    };
    let why = format!(
        "the V2 API does not document {source} for a new field; it is created as {instead} \
         (its values copied as {})",
        if instead == DataType::Text {
            "text"
        } else {
            "numbers"
        }
    );
    (instead, Some(why))
}
