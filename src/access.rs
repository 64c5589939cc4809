//! What the target's token may change beyond records: whether it can create pipelines and add
//! stages (scopes `pipelines.create`, `pipelines.write`). Found out by `plan` (live V2: a
//! harmless probe of each route; V1: never; a fixture: always) and used to decide whether a
//! missing pipeline or stage is planned as a create or blocked.

/// One permission: allowed, or refused with the reason and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    Allowed,
    Refused { reason: String, fix: String },
}

impl Permission {
    pub fn allowed(&self) -> bool {
        *self == Permission::Allowed
    }

    /// `reason: fix` for a refusal; empty when allowed.
    pub fn explain(&self) -> String {
        match self {
            Permission::Allowed => String::new(),
            Permission::Refused { reason, fix } => format!("{reason}: {fix}"),
        }
    }
}

/// The scope that creates pipelines.
pub const CREATE_SCOPE: &str = "pipelines.create";
/// The scope that changes pipelines (adds stages).
pub const WRITE_SCOPE: &str = "pipelines.write";

/// What the token may do to the target's pipelines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// `POST /opportunities/pipelines`.
    pub create_pipelines: Permission,
    /// `PUT /opportunities/pipelines/{id}` (adding stages).
    pub change_pipelines: Permission,
}

impl Default for Access {
    /// A fixture account: everything the API allows.
    fn default() -> Self {
        Access {
            create_pipelines: Permission::Allowed,
            change_pipelines: Permission::Allowed,
        }
    }
}

impl Access {
    /// A V1 target: its API has no pipeline routes.
    pub fn v1() -> Self {
        let refused = || Permission::Refused {
            reason: "the V1 API cannot create or change pipelines".into(),
            fix: "migrate to a V2 target (a Private Integration Token), or create it in the \
                  target by hand, then re-plan"
                .into(),
        };
        Access {
            create_pipelines: refused(),
            change_pipelines: refused(),
        }
    }

    /// A V2 token that lacks `scope`.
    pub fn missing_scope(scope: &str, detail: &str) -> Permission {
        Permission::Refused {
            reason: format!("the target token may not use `{scope}` ({detail})"),
            fix: format!(
                "give the token the scope `{scope}`, or create it in the target by hand, then re-plan"
            ),
        }
    }
}
