//! Users, for `assignedTo`: by email (case-insensitive), or as mapped explicitly. Never created.

use std::collections::{BTreeMap, HashMap};

use crate::model::User;
use crate::normalize;

/// Source user id -> target user (absent: no counterpart).
#[derive(Debug, Clone, Default)]
pub struct UserMap {
    pub by_source_id: HashMap<String, Option<User>>,
    /// How each source user was matched (`email`, `explicit`, `missing`), by source user id.
    pub by: HashMap<String, &'static str>,
}

impl UserMap {
    /// The target user id for a source user id, when there is one.
    pub fn target_id(&self, source_id: &str) -> Option<&str> {
        self.target(source_id).map(|u| u.id.as_str())
    }

    /// The target user for a source user id, when there is one.
    pub fn target(&self, source_id: &str) -> Option<&User> {
        self.by_source_id.get(source_id).and_then(|u| u.as_ref())
    }
}

/// Maps every source user to a target user by email; `explicit` maps source email -> target email.
pub fn match_users(
    source: &[User],
    target: &[User],
    explicit: &BTreeMap<String, String>,
) -> UserMap {
    let explicit: HashMap<String, String> = explicit
        .iter()
        .filter_map(|(a, b)| Some((normalize::email(a)?, normalize::email(b)?)))
        .collect();
    let by_email: HashMap<String, &User> = target
        .iter()
        .filter_map(|u| Some((normalize::email(u.email.as_deref()?)?, u)))
        .collect();
    let mut map = UserMap::default();
    for u in source {
        let email = u.email.as_deref().and_then(normalize::email);
        let (wanted, by) = match email.as_ref().and_then(|e| explicit.get(e)) {
            Some(t) => (Some(t.clone()), "explicit"),
            None => (email, "email"),
        };
        let hit = wanted.and_then(|e| by_email.get(&e).map(|u| (*u).clone()));
        map.by
            .insert(u.id.clone(), if hit.is_some() { by } else { "missing" });
        map.by_source_id.insert(u.id.clone(), hit);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, email: &str) -> User {
        User {
            id: id.into(),
            name: id.into(),
            email: Some(email.into()),
        }
    }

    #[test]
    fn users_match_by_email_whatever_the_case() {
        let m = match_users(
            &[user("s1", "Ann@Acme.test")],
            &[user("t9", "ann@acme.test")],
            &BTreeMap::new(),
        );
        assert_eq!(m.target_id("s1"), Some("t9"));
    }

    #[test]
    fn explicit_mapping_and_missing_users() {
        let explicit = BTreeMap::from([("old@acme.test".to_string(), "new@acme.test".to_string())]);
        let m = match_users(
            &[user("s1", "old@acme.test"), user("s2", "gone@acme.test")],
            &[user("t1", "new@acme.test")],
            &explicit,
        );
        assert_eq!(m.target_id("s1"), Some("t1"));
        assert_eq!(m.by["s1"], "explicit");
        assert_eq!(m.target_id("s2"), None);
        assert_eq!(m.by["s2"], "missing");
    }
}
