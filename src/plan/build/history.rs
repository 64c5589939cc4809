//! Planning notes and tasks: each one of a migrated contact that its target contact lacks is
//! created after that contact. A note carries its original date and author in a header line
//! (the API stamps "now" and cannot be told otherwise); a task keeps its title, text, due
//! date, completion and (mapped) assignee.

use super::*;
use crate::ghl::history::HistoryScope;
use crate::model::Task;
use crate::plan::history::{header, note_body, original_text, same_task, same_text};
use crate::plan::{NoteCreate, TaskCreate};

/// Where a source contact's notes and tasks go: the contact reference, the step to wait for,
/// the target contact id whose existing history is compared, and the step id's middle part.
struct Dest {
    contact: String,
    after: Vec<String>,
    existing: Option<String>,
    key: String,
}

fn dest(link: Option<&ContactLink>) -> Option<Dest> {
    let key = |step: &str| step.trim_start_matches("contact/").to_string();
    match link? {
        ContactLink::Created { step } => Some(Dest {
            contact: step.clone(),
            after: vec![step.clone()],
            existing: None,
            key: key(step),
        }),
        // The contact already exists: its history does not wait for its merge, so a merge the
        // API refuses cannot block it.
        ContactLink::Existing { target_id, step } => Some(Dest {
            contact: target_id.clone(),
            after: vec![],
            existing: Some(target_id.clone()),
            key: step.as_deref().map_or_else(|| target_id.clone(), key),
        }),
        ContactLink::NotMigrated(_) | ContactLink::Filtered { .. } => None,
    }
}

impl Builder<'_> {
    /// Where the history of `contact` goes, when it is planned at all. The history of a
    /// contact that is not migrated, or of a kind left out of `objects`, is not counted: a
    /// live plan does not even read it (see [`history_scope`]), and a plan on a fixture or an
    /// export must say the same.
    fn dest(
        &self,
        kind: ObjectKind,
        links: &HashMap<String, ContactLink>,
        contact: &str,
    ) -> Option<Dest> {
        dest(links.get(contact)).filter(|_| self.wants(kind))
    }

    pub(super) fn notes(&mut self, links: &HashMap<String, ContactLink>, users: &UserMap) {
        let (source, target) = (self.input.source, self.input.target);
        let existing = by_contact(&target.notes, |n| &n.contact_id);
        let mut wanted = vec![];
        for n in &source.notes {
            let Some(d) = self.dest(ObjectKind::Notes, links, &n.contact_id) else {
                continue;
            };
            let id = format!("note/{}/{}", d.key, n.id);
            if n.body.trim().is_empty() {
                count(&mut self.summary.notes, "blocked");
                self.not_done.push(NotDone {
                    id,
                    outcome: "blocked".into(),
                    reason: format!(
                        "source note {} is empty (the API refuses an empty note)",
                        n.id
                    ),
                });
                continue;
            }
            let author = n.user_id.as_deref().map(|u| author(source, u));
            let body = note_body(&header(n.date_added.as_deref(), author.as_deref()), &n.body);
            wanted.push((n, d, id, body));
        }
        // Each note on the target stands for one source note: two source notes with the same
        // text ("Left a voicemail.") need two on the target. First the notes this migration
        // wrote (the same header and text), then copies made by hand (the same text).
        let mut claimed = HashSet::new();
        let mut present = vec![false; wanted.len()];
        let on_target = |d: &Dest| d.existing.as_deref().and_then(|t| existing.get(t));
        for (i, (_, d, _, body)) in wanted.iter().enumerate() {
            if let Some(ns) = on_target(d) {
                present[i] = claim(ns, &mut claimed, |t| same_text(&t.body, body));
            }
        }
        for (i, (n, d, _, _)) in wanted.iter().enumerate() {
            if let Some(ns) = on_target(d).filter(|_| !present[i]) {
                present[i] = claim(ns, &mut claimed, |t| {
                    same_text(original_text(&t.body), &n.body)
                });
            }
        }
        let mut planned: Vec<(String, Step)> = vec![];
        for ((n, d, id, body), present) in wanted.into_iter().zip(present) {
            if present {
                count(&mut self.summary.notes, "exists");
                continue;
            }
            let outcome = self.create_outcome("note", &n.id, &id);
            count(&mut self.summary.notes, outcome);
            let user_id = n
                .user_id
                .as_deref()
                .and_then(|u| users.target_id(u).map(String::from));
            planned.push((
                id,
                Step {
                    id: String::new(),
                    action: Action::CreateNote(NoteCreate {
                        contact: d.contact,
                        body,
                        user_id,
                        source_id: n.id.clone(),
                    }),
                    after: d.after,
                },
            ));
        }
        self.push_planned(planned);
    }

    pub(super) fn tasks(&mut self, links: &HashMap<String, ContactLink>, users: &UserMap) {
        let (source, target) = (self.input.source, self.input.target);
        let existing = by_contact(&target.tasks, |t| &t.contact_id);
        let mut unmapped_users: BTreeMap<String, u64> = BTreeMap::new();
        let mut claimed = HashSet::new();
        let mut planned: Vec<(String, Step)> = vec![];
        for t in &source.tasks {
            let Some(d) = self.dest(ObjectKind::Tasks, links, &t.contact_id) else {
                continue;
            };
            let id = format!("task/{}/{}", d.key, t.id);
            if let Some(problem) = task_problem(t) {
                count(&mut self.summary.tasks, "blocked");
                self.not_done.push(NotDone {
                    id,
                    outcome: "blocked".into(),
                    reason: format!("source task {} ({:?}): {problem}", t.id, t.title),
                });
                continue;
            }
            let due_date = t.due_date.clone().unwrap_or_default();
            let present = d.existing.as_deref().and_then(|c| existing.get(c));
            // As for notes: each task on the target stands for one source task.
            let same = |x: &Task| same_task(&x.title, x.due_date.as_deref(), &t.title, &due_date);
            if present.is_some_and(|ts| claim(ts, &mut claimed, same)) {
                count(&mut self.summary.tasks, "exists");
                continue;
            }
            let outcome = self.create_outcome("task", &t.id, &id);
            count(&mut self.summary.tasks, outcome);
            let assigned_to = t.assigned_to.as_deref().and_then(|u| {
                let mapped = users.target_id(u).map(String::from);
                if mapped.is_none() {
                    *unmapped_users.entry(user_label(source, u)).or_default() += 1;
                }
                mapped
            });
            planned.push((
                id,
                Step {
                    id: String::new(),
                    action: Action::CreateTask(TaskCreate {
                        contact: d.contact,
                        title: t.title.clone(),
                        body: t.body.clone().filter(|b| !b.trim().is_empty()),
                        due_date,
                        completed: t.completed,
                        assigned_to,
                        source_id: t.id.clone(),
                    }),
                    after: d.after,
                },
            ));
        }
        self.push_planned(planned);
        self.value_warnings(BTreeMap::new(), unmapped_users, "task");
    }

    /// Steps sorted by their base id, each given a unique id. Twins (two creates the target
    /// cannot tell apart: one contact, one note text, or one task title and due date) run one
    /// after the other, each after all its earlier twins, so that a lookup of one in doubt
    /// never races another's write and knows which ids its twins own.
    fn push_planned(&mut self, mut planned: Vec<(String, Step)>) {
        planned.sort_by(|a, b| a.0.cmp(&b.0));
        let mut twins: HashMap<String, Vec<String>> = HashMap::new();
        for (base, mut step) in planned {
            step.id = self.unique_id(base);
            if let Some(key) = twin_key(&step.action) {
                let earlier = twins.entry(key).or_default();
                step.after.extend(earlier.iter().cloned());
                earlier.push(step.id.clone());
            }
            self.steps.push(step);
        }
    }
}

/// What the target tells a note or task create apart by (its in-doubt lookup's key).
fn twin_key(action: &Action) -> Option<String> {
    match action {
        Action::CreateNote(n) => Some(format!(
            "note {} {}",
            n.contact,
            n.body.split_whitespace().collect::<Vec<_>>().join(" ")
        )),
        Action::CreateTask(t) => Some(format!(
            "task {} {} {}",
            t.contact,
            t.due_date.trim().get(..19).unwrap_or(t.due_date.trim()),
            t.title.split_whitespace().collect::<Vec<_>>().join(" ")
        )),
        _ => None,
    }
}

/// Why a task cannot be created, if it cannot: the API requires a title and a due date.
fn task_problem(t: &Task) -> Option<&'static str> {
    if t.title.trim().is_empty() {
        Some("it has no title (the API requires one)")
    } else if t.due_date.as_deref().is_none_or(|d| d.trim().is_empty()) {
        Some("it has no due date (the API requires one)")
    } else {
        None
    }
}

/// A note's author for its header line: `Name <email>`, else what the source knows of them.
fn author(source: &Account, user_id: &str) -> String {
    match source.users.iter().find(|u| u.id == user_id) {
        Some(u) => match (u.name.trim(), u.email.as_deref()) {
            ("", Some(e)) => e.to_string(),
            (name, Some(e)) => format!("{name} <{e}>"),
            ("", None) => format!("user {user_id}"),
            (name, None) => name.to_string(),
        },
        None => format!("user {user_id}"),
    }
}

/// Takes the first item of `items` that `same` accepts and no other source object has taken;
/// whether there was one.
fn claim<T>(items: &[&T], claimed: &mut HashSet<*const T>, same: impl Fn(&T) -> bool) -> bool {
    let found = items
        .iter()
        .find(|&&item| same(item) && !claimed.contains(&(item as *const T)));
    found.is_some_and(|&item| claimed.insert(item as *const T))
}

fn by_contact<T>(items: &[T], contact: impl Fn(&T) -> &String) -> HashMap<&str, Vec<&T>> {
    let mut map: HashMap<&str, Vec<&T>> = HashMap::new();
    for item in items {
        map.entry(contact(item).as_str()).or_default().push(item);
    }
    map
}

/// The contacts whose history a plan reads, per side: every source contact that is not
/// filtered out (a duplicate's history follows the person it duplicates), and every target
/// contact one of them matches. Pure: run on the two snapshots before the history is read.
pub fn history_scope(
    config: &Config,
    source: &Account,
    target: &Account,
) -> (HistoryScope, HistoryScope) {
    let notes = config.objects.contains(&ObjectKind::Notes);
    let tasks = config.objects.contains(&ObjectKind::Tasks);
    let empty = |contacts| HistoryScope {
        contacts,
        notes,
        tasks,
    };
    if !notes && !tasks {
        return (empty(vec![]), empty(vec![]));
    }
    let stamp_id = stamp_field(target).map(|f| f.id.clone());
    let decisions = match_contacts(
        &source.contacts,
        &target.contacts,
        ContactMatchOptions {
            filter: &config.filters.contacts,
            default_country: &config.phone_country_code,
            stamp_field_id: stamp_id.as_deref(),
            ledger: None,
        },
    );
    let creates = config.objects.contains(&ObjectKind::Contacts);
    let mut from = vec![];
    let mut to = HashSet::new();
    for d in &decisions {
        match d.outcome {
            ContactOutcome::Filtered(_) => continue,
            ContactOutcome::New if !creates => continue,
            ContactOutcome::Existing { target: t, .. }
            | ContactOutcome::SameTarget { target: t, .. } => {
                to.insert(target.contacts[t].id.clone());
            }
            _ => {}
        }
        from.push(source.contacts[d.source].id.clone());
    }
    let mut to: Vec<String> = to.into_iter().collect();
    from.sort();
    to.sort();
    (empty(from), empty(to))
}
