//! What applying a plan costs against the target's daily budget: the requests its steps send
//! (a merge may send two: the values, then the tags; a stage added to a pipeline two: the
//! pipeline read, then its whole stage list written; an undo's contact delete three: its notes
//! and tasks read first) and the days they need at a daily limit,
//! less the reserve kept for other uses of the location. Pure counting, for `plan` to print.

use super::{Action, ContactUpdate, Plan};

/// GoHighLevel's default daily budget per location, shared by all its tokens (ghl-api.md §3).
pub const DEFAULT_DAILY: u64 = 200_000;

/// The writes a plan's apply sends, and the days they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    pub requests: u64,
    /// Requests a day: the daily limit less the reserve.
    pub per_day: u64,
    /// Days the requests need (at least 1 when there are any).
    pub days: u64,
}

/// The requests one step sends when nothing goes wrong.
pub fn requests_of(action: &Action) -> u64 {
    match action {
        Action::MergeContact(u) | Action::OverwriteContact(u) => update_requests(u),
        Action::AddStage(_) => 2,
        // Its notes and tasks are read first: a contact holding one a person added is kept.
        Action::Delete(d) if d.what.kind() == "contact" => 3,
        _ => 1,
    }
}

fn update_requests(u: &ContactUpdate) -> u64 {
    let body = !u.fields.is_empty() || !u.custom_fields.is_empty() || u.assigned_to.is_some();
    u64::from(body) + u64::from(!u.add_tags.is_empty())
}

/// The plan's writes at `daily` requests a day, keeping `reserve` of them.
pub fn estimate(plan: &Plan, daily: u64, reserve: u64) -> Estimate {
    let requests = plan.steps.iter().map(|s| requests_of(&s.action)).sum();
    let per_day = daily.saturating_sub(reserve).max(1);
    Estimate {
        requests,
        per_day,
        days: requests.div_ceil(per_day),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_with_values_and_tags_is_two_requests_and_days_round_up() {
        let update = |tags: &[&str], fields: &[(&str, &str)]| ContactUpdate {
            into: "t".into(),
            into_contact: String::new(),
            source_id: "s".into(),
            matched_by: "email".into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            custom_fields: Vec::new(),
            add_tags: tags.iter().map(|t| t.to_string()).collect(),
            assigned_to: None,
            assigned_to_email: None,
            changes: Vec::new(),
        };
        assert_eq!(
            requests_of(&Action::MergeContact(update(&["vip"], &[("city", "X")]))),
            2
        );
        assert_eq!(requests_of(&Action::MergeContact(update(&["vip"], &[]))), 1);
        assert_eq!(requests_of(&Action::MergeContact(update(&[], &[]))), 0);
        let demo = include_str!("../../plans/demo.plan.yaml");
        let plan = crate::plan::file::parse(std::path::Path::new("demo.plan.yaml"), demo)
            .expect("demo plan");
        let e = estimate(&plan, DEFAULT_DAILY, 1_000);
        assert!(e.requests >= plan.steps.len() as u64 / 2, "{e:?}");
        assert_eq!((e.per_day, e.days), (199_000, 1));
        // One request a day: as many days as requests.
        assert_eq!(estimate(&plan, 10, 9).days, e.requests);
    }
}
