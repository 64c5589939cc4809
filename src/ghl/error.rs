//! Errors at the network boundary, classified so callers can decide: retry, look up, record, stop.
//! Messages name the endpoint and status, never a token.

use std::fmt;

/// What a failed call means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// The server cannot have acted (429, connection refused): safe to resend as is.
    Retryable,
    /// The server may have acted (timeout, reset, 5xx after sending): look up before resending.
    Ambiguous,
    /// The server refused this object (4xx other than auth and 429): record and go on.
    Permanent,
    /// Bad or insufficient credentials (401, 403) or wrong location: a person must fix it.
    Auth,
    /// The burst limit kept answering 429 beyond the retry budget: stop and resume later.
    RateLimited,
    /// The daily budget is down to the configured reserve: stop and resume tomorrow.
    DailyBudget,
    /// The server answered something that is not the API's shape.
    Protocol,
}

/// One failed call across the network boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ApiErrorKind,
    /// e.g. `POST /contacts/`.
    pub endpoint: String,
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// The server's message or the transport failure, with secrets already removed.
    pub message: String,
    /// For a duplicate-contact refusal: the existing contact's id (`meta.contactId`).
    pub existing_id: Option<String>,
}

impl ApiError {
    pub fn new(
        kind: ApiErrorKind,
        endpoint: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            kind,
            endpoint: endpoint.into(),
            status: None,
            message: message.into(),
            existing_id: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Resending as is cannot create a duplicate.
    pub fn is_retryable(&self) -> bool {
        self.kind == ApiErrorKind::Retryable
    }

    /// The write may have happened: the object must be looked up before it is sent again.
    pub fn is_ambiguous(&self) -> bool {
        self.kind == ApiErrorKind::Ambiguous
    }

    /// The run must stop now and can be resumed later unchanged: the limits are spent, or the
    /// server stayed unreachable or in doubt beyond the retries (a retryable error that reaches
    /// the caller has exhausted them).
    pub fn is_resumable_stop(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::RateLimited
                | ApiErrorKind::DailyBudget
                | ApiErrorKind::Ambiguous
                | ApiErrorKind::Retryable
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.endpoint)?;
        if let Some(status) = self.status {
            write!(f, " answered HTTP {status}")?;
        } else {
            write!(f, " failed")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
