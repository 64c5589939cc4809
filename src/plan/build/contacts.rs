//! Planning contacts: create, merge, overwrite or skip each one, and say what was left out.

use super::*;
use crate::matching::contacts::ContactDecision;

impl Builder<'_> {
    pub(super) fn contacts(&mut self, users: &UserMap) -> HashMap<String, ContactLink> {
        let cfg = self.input.config;
        let (source, target) = (&self.input.source.contacts, &self.input.target.contacts);
        let stamp_id = stamp_field(self.input.target).map(|f| f.id.clone());
        let decisions = match_contacts(
            source,
            target,
            ContactMatchOptions {
                filter: &cfg.filters.contacts,
                default_country: &cfg.phone_country_code,
                stamp_field_id: stamp_id.as_deref(),
                ledger: self.ledger.mapped.get("contact"),
            },
        );
        let migrate = self.wants(ObjectKind::Contacts);
        let mut links: HashMap<String, ContactLink> = HashMap::with_capacity(source.len());
        let mut dropped: BTreeMap<String, (u64, String)> = BTreeMap::new();
        let mut unmapped_users: BTreeMap<String, u64> = BTreeMap::new();
        let policy = if migrate {
            cfg.existing_contacts
        } else {
            ExistingPolicy::Skip
        };
        let v1_target = cfg.target.api == crate::config::ApiKind::V1;
        let no_key = |d: &ContactDecision| matches!(d.identity, Identity::SourceId(_));
        // V1 creates are upserts on email or phone: a second new contact with the phone of an
        // earlier one would overwrite it. Such contacts are blocked for V1 targets.
        let v1_phone_taken = if v1_target {
            phones_taken_by_earlier_creates(&decisions, source, &cfg.phone_country_code)
        } else {
            HashMap::new()
        };
        let creatable = |d: &ContactDecision| {
            migrate
                && matches!(d.outcome, ContactOutcome::New)
                && !(no_key(d) && v1_target)
                && !v1_phone_taken.contains_key(&d.source)
        };
        let stamp = decisions
            .iter()
            .any(|d| creatable(d) && no_key(d))
            .then(|| self.stamp_ref());
        // Each payload depends on its contact alone: build them all on every core first.
        let ctx = ContactContext {
            fields: &self.field_targets,
            users,
            source: self.input.source,
            target_users: &self.input.target.users,
            phone_country: &cfg.phone_country_code,
            tag_migrated: cfg.tag_migrated.as_deref().filter(|t| !t.trim().is_empty()),
        };
        let mut built: Vec<Option<Built>> = crate::parallel::map(&decisions, 2_000, |d| {
            let c = &source[d.source];
            match &d.outcome {
                ContactOutcome::New if creatable(d) => Some(Built::Create(contact_steps::create(
                    c,
                    &d.identity,
                    stamp.as_deref(),
                    &ctx,
                ))),
                ContactOutcome::Existing { target: t, by } if policy != ExistingPolicy::Skip => {
                    Some(Built::Update(contact_steps::update(
                        c,
                        &target[*t],
                        by,
                        policy,
                        &ctx,
                    )))
                }
                _ => None,
            }
        });
        let mut no_key_created = 0u64;
        let mut order: Vec<usize> = (0..decisions.len()).collect();
        order.sort_by(|a, b| decisions[*a].identity.cmp(&decisions[*b].identity));
        for i in order {
            let d = &decisions[i];
            let c = &source[d.source];
            let step_id = d.identity.step_id();
            let link = match &d.outcome {
                ContactOutcome::Filtered(why) => {
                    count(&mut self.summary.contacts, "filtered");
                    // Listed under the id its step would have: a filter change reads as a change.
                    self.not_done.push(NotDone {
                        id: step_id.clone(),
                        outcome: "filtered".into(),
                        reason: format!("{}: {why}", c.display_name()),
                    });
                    ContactLink::Filtered {
                        step: step_id.clone(),
                        why: why.clone(),
                    }
                }
                ContactOutcome::DuplicateInSource { kept } => {
                    count(&mut self.summary.contacts, "duplicate_in_source");
                    let kept_c = &source[*kept];
                    self.not_done.push(NotDone {
                        id: format!("{step_id}#{}", c.id),
                        outcome: "duplicate_in_source".into(),
                        reason: format!(
                            "source contact {} ({}) has the same {} as source contact {} ({}), which is migrated; \
                             its own values and tags are not: merge the two in the source, then re-plan",
                            c.id,
                            c.display_name(),
                            d.identity.kind(),
                            kept_c.id,
                            kept_c.display_name()
                        ),
                    });
                    // Its opportunities follow the person: resolved after the loop.
                    continue;
                }
                ContactOutcome::SameTarget { other, target: t } => {
                    count(&mut self.summary.contacts, "duplicate_in_source");
                    let other_c = &source[*other];
                    self.not_done.push(NotDone {
                        id: format!("{step_id}#{}", c.id),
                        outcome: "duplicate_in_source".into(),
                        reason: format!(
                            "source contact {} ({}) matches the same target contact {} as source contact {} ({}); \
                             only that one is merged",
                            c.id,
                            c.display_name(),
                            target[*t].id,
                            other_c.id,
                            other_c.display_name()
                        ),
                    });
                    ContactLink::Existing {
                        target_id: target[*t].id.clone(),
                        step: None,
                    }
                }
                ContactOutcome::New if !migrate => {
                    count(&mut self.summary.contacts, "not_in_scope");
                    ContactLink::NotMigrated("contacts are not in `objects`".into())
                }
                ContactOutcome::New
                    if matches!(d.identity, Identity::SourceId(_))
                        && cfg.target.api == crate::config::ApiKind::V1 =>
                {
                    count(&mut self.summary.contacts, "blocked");
                    let why = "the V1 API cannot create a contact with neither email nor phone";
                    self.not_done.push(NotDone {
                        id: step_id.clone(),
                        outcome: "blocked".into(),
                        reason: format!("source contact {} ({}): {why}", c.id, c.display_name()),
                    });
                    ContactLink::NotMigrated(why.into())
                }
                ContactOutcome::New if v1_phone_taken.contains_key(&d.source) => {
                    count(&mut self.summary.contacts, "blocked");
                    let earlier = &source[v1_phone_taken[&d.source]];
                    let why = format!(
                        "the V1 API creates by upsert on phone: this contact would overwrite source \
                         contact {} ({}), which has the same phone",
                        earlier.id,
                        earlier.display_name()
                    );
                    self.not_done.push(NotDone {
                        id: step_id.clone(),
                        outcome: "blocked".into(),
                        reason: format!("source contact {} ({}): {why}", c.id, c.display_name()),
                    });
                    ContactLink::NotMigrated(why)
                }
                ContactOutcome::New => {
                    let outcome = self.create_outcome("contact", &c.id, &step_id);
                    count(&mut self.summary.contacts, outcome);
                    if no_key(d) {
                        no_key_created += 1;
                    }
                    let Some(Built::Create(built)) = built[i].take() else {
                        unreachable!("a payload was built for every contact to create")
                    };
                    tally(
                        &mut dropped,
                        &mut unmapped_users,
                        &built.dropped,
                        &built.unmapped_user,
                    );
                    let id = self.unique_id(step_id);
                    self.steps.push(Step {
                        id: id.clone(),
                        action: Action::CreateContact(built.payload),
                        after: vec![],
                    });
                    ContactLink::Created { step: id }
                }
                ContactOutcome::Existing { target: t, .. } => {
                    let t = &target[*t];
                    let step = if policy == ExistingPolicy::Skip {
                        count(&mut self.summary.contacts, "skip");
                        None
                    } else {
                        let Some(Built::Update(built)) = built[i].take() else {
                            unreachable!("a payload was built for every contact to update")
                        };
                        tally(
                            &mut dropped,
                            &mut unmapped_users,
                            &built.dropped,
                            &built.unmapped_user,
                        );
                        match built.update {
                            None => {
                                count(&mut self.summary.contacts, "unchanged");
                                None
                            }
                            Some(update) => {
                                let (name, action) = match policy {
                                    ExistingPolicy::Overwrite => {
                                        ("overwrite", Action::OverwriteContact(update))
                                    }
                                    _ => ("merge", Action::MergeContact(update)),
                                };
                                count(&mut self.summary.contacts, name);
                                let id = self.unique_id(step_id);
                                self.steps.push(Step {
                                    id: id.clone(),
                                    action,
                                    after: vec![],
                                });
                                Some(id)
                            }
                        }
                    };
                    ContactLink::Existing {
                        target_id: t.id.clone(),
                        step,
                    }
                }
            };
            links.insert(c.id.clone(), link);
        }
        // A duplicate's opportunities belong to the person it duplicates.
        for d in &decisions {
            if let ContactOutcome::DuplicateInSource { kept } = d.outcome
                && let Some(link) = links.get(&source[kept].id).cloned()
            {
                links.insert(source[d.source].id.clone(), link);
            }
        }
        if no_key_created > 0 {
            self.warnings.push(format!(
                "{no_key_created} contact(s) have neither email nor phone: they are identified by their source id, \
                 stamped into the target field `{STAMP_FIELD_NAME}`"
            ));
        }
        self.extension_warning();
        self.value_warnings(dropped, unmapped_users, "contact");
        links
    }

    /// Says which planned phones lose an extension (E.164 has no place for one).
    fn extension_warning(&mut self) {
        let with_extension: HashMap<&str, &str> = self
            .input
            .source
            .contacts
            .iter()
            .filter_map(|c| {
                let raw = c.phone.as_deref()?;
                crate::normalize::phone_extension(raw).map(|_| (c.id.as_str(), raw))
            })
            .collect();
        if with_extension.is_empty() {
            return;
        }
        let mut examples = vec![];
        for step in &self.steps {
            let (fields, source_id) = match &step.action {
                Action::CreateContact(c) => (&c.fields, &c.source_id),
                Action::MergeContact(u) | Action::OverwriteContact(u) => (&u.fields, &u.source_id),
                _ => continue,
            };
            if let Some(raw) = with_extension.get(source_id.as_str())
                && fields.contains_key("phone")
            {
                examples.push(format!("{} ({raw:?})", step.id));
            }
        }
        if examples.is_empty() {
            return;
        }
        let n = examples.len();
        let more = if n > 5 { ", ..." } else { "" };
        examples.truncate(5);
        self.warnings.push(format!(
            "{n} phone number(s) have an extension, which a phone in E.164 cannot hold: it is \
             left out of the phone written to the target ({}{more})",
            examples.join(", ")
        ));
    }

    pub(super) fn value_warnings(
        &mut self,
        dropped: BTreeMap<String, (u64, String)>,
        unmapped_users: BTreeMap<String, u64>,
        kind: &str,
    ) {
        let plural = |n: u64| match (kind, n) {
            (_, 1) => kind.to_string(),
            ("opportunity", _) => "opportunities".to_string(),
            _ => format!("{kind}s"),
        };
        for (field, (n, example)) in dropped {
            self.warnings.push(format!(
                "custom field `{field}`: values of {n} {} are not copied (e.g. {example})",
                plural(n)
            ));
        }
        for (user, n) in unmapped_users {
            self.warnings.push(format!(
                "user {user} has no counterpart in the target: {n} {} left unassigned",
                plural(n)
            ));
        }
    }
}

/// A contact's payload, built ahead of the sequential pass.
enum Built {
    Create(contact_steps::BuiltCreate),
    Update(contact_steps::BuiltUpdate),
}

/// New contacts whose phone an earlier new contact (in identity order) already has: source
/// index -> the earlier one's source index.
fn phones_taken_by_earlier_creates(
    decisions: &[ContactDecision],
    source: &[crate::model::Contact],
    country: &str,
) -> HashMap<usize, usize> {
    let mut new: Vec<&ContactDecision> = decisions
        .iter()
        .filter(|d| matches!(d.outcome, ContactOutcome::New))
        .collect();
    new.sort_by(|a, b| a.identity.cmp(&b.identity));
    let mut first_by_phone: HashMap<String, usize> = HashMap::new();
    let mut taken = HashMap::new();
    for d in new {
        let Some(phone) = source[d.source]
            .phone
            .as_deref()
            .and_then(|p| crate::normalize::phone(p, country))
        else {
            continue;
        };
        match first_by_phone.get(&phone) {
            Some(&earlier) => {
                taken.insert(d.source, earlier);
            }
            None => {
                first_by_phone.insert(phone, d.source);
            }
        }
    }
    taken
}
