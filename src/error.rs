//! Every user-facing error, in one place: what is wrong, where (file, line, column, step id),
//! and the exit code it maps to. Messages never contain a secret.

use std::path::PathBuf;

use crate::ghl::ApiError;

/// Exit codes: a contract that outside tests rely on (see README).
pub mod exit {
    /// Success; for `plan --detailed-exitcode`: no changes.
    pub const OK: i32 = 0;
    /// Bad input, bad credentials, stale plan: anything a person must fix.
    pub const ERROR: i32 = 1;
    /// `plan --detailed-exitcode`: the plan has changes; `diff --exit-code`: the plans differ.
    pub const CHANGES: i32 = 2;
    /// `apply` finished, but the API rejected some objects.
    pub const PARTIAL: i32 = 4;
    /// `apply` stopped early and can be resumed with `--resume` (EX_TEMPFAIL).
    pub const RESUMABLE: i32 = 75;
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A YAML or JSON document that does not parse or does not fit its schema.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A document that parses but says something invalid.
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A token variable named by `token_env` is missing or empty.
    #[error("{side}: the environment variable {var} (named by `token_env`) is not set or empty")]
    MissingToken { side: String, var: String },
    /// A token variable holds a control character inside its value (a token pasted across two
    /// lines): it cannot go in a header, and which variable holds it must be said.
    #[error(
        "{side}: the environment variable {var} (named by `token_env`) holds a line break or \
         another control character inside its value; set it to the token alone"
    )]
    BadToken { side: String, var: String },
    /// A call to an account failed; `side` is `source` or `target`.
    #[error("{side}: {source}")]
    Api { side: String, source: ApiError },
    /// The target changed since the plan was made.
    #[error(
        "stale plan: the target changed since the plan was made{changes} (planned {planned}, now {actual}); re-run plan"
    )]
    StalePlan {
        planned: String,
        actual: String,
        /// What changed (`: contact: 2 added (...)`), when the ledger kept the plan's view.
        changes: String,
    },
    /// A plan whose content cannot be executed (dangling reference, cycle, wrong format).
    #[error("plan {}: {message}", path.display())]
    Plan { path: PathBuf, message: String },
    /// The checkpoint database refused what was asked of it.
    #[error("state {}: {message}", path.display())]
    State { path: PathBuf, message: String },
    /// A dependency cycle among steps, named step by step.
    #[error("dependency cycle: {0}")]
    Cycle(String),
    /// Anything else a person must fix, already phrased for them.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// The process exit code this error maps to outside `apply`: always 1. (Only `apply`
    /// can be resumed, so only it turns a [`Error::is_resumable`] error into 75.)
    pub fn exit_code(&self) -> i32 {
        exit::ERROR
    }

    /// The run stopped for a reason that goes away by itself (rate limit, daily budget,
    /// network down): an `apply` can be resumed later unchanged.
    pub fn is_resumable(&self) -> bool {
        matches!(self, Error::Api { source, .. } if source.is_resumable_stop())
    }

    /// Builds a [`Error::Syntax`] from a serde_yaml error, keeping its line and column.
    pub fn yaml(path: impl Into<PathBuf>, err: &serde_yaml::Error) -> Self {
        let path = path.into();
        let message = strip_location(&err.to_string());
        match err.location() {
            Some(loc) => Error::Syntax {
                path,
                line: loc.line(),
                column: loc.column(),
                message,
            },
            None => Error::Invalid { path, message },
        }
    }

    /// Builds a [`Error::Syntax`] from a serde_json error, keeping its line and column.
    pub fn json(path: impl Into<PathBuf>, err: &serde_json::Error) -> Self {
        let message = strip_location(&err.to_string());
        Error::Syntax {
            path: path.into(),
            line: err.line(),
            column: err.column(),
            message,
        }
    }
}

/// serde's messages end in " at line L column C"; we print the location up front instead.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
