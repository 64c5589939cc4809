//! A configured account opened for use: [`open`] turns an `AccountConfig` into a [`Remote`]
//! (the live V1 or V2 client, with its token and its shared rate limiter), and [`Remote`]
//! implements [`Ghl`] by delegating to whichever it holds. New kinds of account (a fixture
//! or in-memory one) are one more variant and one more arm in [`delegate!`].

use std::time::Duration;

use super::http::{Http, HttpOptions, Secret};
use super::lanes::Lane;
use super::ratelimit::{self, Limits};
use super::v1::V1;
use super::v2::{self, V2};
use super::{
    ApiResult, ContactKey, ContactWrite, Ghl, NewCustomField, NewNote, NewOpportunity, NewTask,
    PipelineWrite,
};
use super::{Deleted, Doomed};
use crate::config::{AccountConfig, ApiKind, RateLimitConfig};
use crate::error::{Error, Result};
use crate::model::{
    Contact, CustomField, Location, Note, Opportunity, Pipeline, Task, User, Workflow,
};

/// Which account of the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Source,
    Target,
}

impl Side {
    pub fn as_str(&self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A live account.
#[derive(Debug)]
pub enum Remote {
    V1(V1),
    V2(V2),
}

impl Remote {
    /// The HTTP connection (and through it, the account's limiter); `None` for an account
    /// that is not reached over HTTP.
    pub fn http(&self) -> Option<&Http> {
        match self {
            Remote::V1(c) => Some(c.http()),
            Remote::V2(c) => Some(c.http()),
        }
    }

    /// The variables (never the values) of this account's tokens the server refused in this
    /// process, on this connection or another one to the same account.
    pub fn refused_tokens(&self) -> Vec<String> {
        let lanes = self.http().map(|h| h.lanes()).unwrap_or_default();
        lanes
            .iter()
            .filter(|lane| lane.is_refused() || lane.limiter.token_refused())
            .map(|lane| lane.var.clone())
            .collect()
    }

    pub fn api(&self) -> ApiKind {
        match self {
            Remote::V1(_) => ApiKind::V1,
            Remote::V2(_) => ApiKind::V2,
        }
    }

    pub fn location_id(&self) -> &str {
        match self {
            Remote::V1(c) => c.location_id(),
            Remote::V2(c) => c.location_id(),
        }
    }
}

/// The token of a live account, from the first variable its `token_env` names.
pub fn token(
    side: Side,
    cfg: &AccountConfig,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret> {
    token_in(
        side,
        &cfg.token_vars().first().cloned().unwrap_or_default(),
        vars,
    )
}

/// The token held by the variable `var`.
fn token_in(side: Side, var: &str, vars: &dyn Fn(&str) -> Option<String>) -> Result<Secret> {
    match vars(var).map(|v| v.trim().to_string()) {
        Some(v) if v.contains(char::is_control) => Err(Error::BadToken {
            side: side.as_str().to_string(),
            var: var.to_string(),
        }),
        Some(v) if !v.is_empty() && !var.is_empty() => Ok(Secret::new(v)),
        _ => Err(Error::MissingToken {
            side: side.as_str().to_string(),
            var: var.to_string(),
        }),
    }
}

/// Opens a live account as configured: its tokens from `vars` (every variable `token_env`
/// names), each with its limiter shared with every other client of the same (token,
/// location), and all of them with the location's daily budget.
pub fn open(
    side: Side,
    cfg: &AccountConfig,
    rate: &RateLimitConfig,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Remote> {
    open_with(side, cfg, &cfg.token_vars(), rate, vars)
}

/// Opens a live account with only the tokens of `token_vars` (e.g. `check` trying each).
pub fn open_with(
    side: Side,
    cfg: &AccountConfig,
    token_vars: &[String],
    rate: &RateLimitConfig,
    vars: &dyn Fn(&str) -> Option<String>,
) -> Result<Remote> {
    let location_id = cfg.location_id.clone().unwrap_or_default();
    if cfg.api == ApiKind::Fixture {
        return Err(Error::Other(format!(
            "{side}: a fixture account has no live connection"
        )));
    }
    let base_url = cfg.base_url().unwrap_or_default().to_string();
    let mut lanes = Vec::new();
    for var in token_vars {
        let token = token_in(side, var, vars)?;
        let budget = ratelimit::Budget {
            base_url: &base_url,
            token: token.expose(),
            location_id: &location_id,
        };
        let limiter = ratelimit::shared(budget, Limits::from(rate));
        lanes.push(Lane::new(var.clone(), token, limiter));
    }
    if lanes.is_empty() {
        return Err(Error::MissingToken {
            side: side.as_str().to_string(),
            var: String::new(),
        });
    }
    let headers = match cfg.api {
        ApiKind::V2 => vec![("Version", v2::VERSION)],
        _ => Vec::new(),
    };
    let http = Http::new(
        HttpOptions {
            base_url,
            headers,
            timeout: Duration::from_millis(rate.timeout_ms.max(1)),
            max_retries: rate.max_retries,
        },
        lanes,
    )
    .map_err(|source| Error::Api {
        side: side.as_str().to_string(),
        source,
    })?;
    Ok(match cfg.api {
        ApiKind::V1 => Remote::V1(V1::new(http, location_id)),
        _ => Remote::V2(V2::new(http, location_id)),
    })
}

/// One arm per variant: `delegate!(self, c => c.method(args))`.
macro_rules! delegate {
    ($self:ident, $c:ident => $call:expr) => {
        match $self {
            Remote::V1($c) => $call.await,
            Remote::V2($c) => $call.await,
        }
    };
}

impl Ghl for Remote {
    async fn location(&self) -> ApiResult<Location> {
        delegate!(self, c => c.location())
    }
    async fn custom_fields(&self) -> ApiResult<Vec<CustomField>> {
        delegate!(self, c => c.custom_fields())
    }
    async fn pipelines(&self) -> ApiResult<Vec<Pipeline>> {
        delegate!(self, c => c.pipelines())
    }
    async fn users(&self) -> ApiResult<Vec<User>> {
        delegate!(self, c => c.users())
    }
    async fn contacts(&self) -> ApiResult<Vec<Contact>> {
        delegate!(self, c => c.contacts())
    }
    async fn opportunities(&self) -> ApiResult<Vec<Opportunity>> {
        delegate!(self, c => c.opportunities())
    }
    async fn create_custom_field(&self, field: &NewCustomField) -> ApiResult<CustomField> {
        delegate!(self, c => c.create_custom_field(field))
    }
    async fn create_contact(&self, contact: &ContactWrite) -> ApiResult<Contact> {
        delegate!(self, c => c.create_contact(contact))
    }
    async fn update_contact(&self, id: &str, contact: &ContactWrite) -> ApiResult<Contact> {
        delegate!(self, c => c.update_contact(id, contact))
    }
    async fn add_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        delegate!(self, c => c.add_contact_tags(id, tags))
    }
    async fn create_opportunity(&self, opportunity: &NewOpportunity) -> ApiResult<Opportunity> {
        delegate!(self, c => c.create_opportunity(opportunity))
    }
    async fn find_contacts(&self, key: &ContactKey) -> ApiResult<Vec<Contact>> {
        delegate!(self, c => c.find_contacts(key))
    }
    async fn get_contact(&self, id: &str) -> ApiResult<Option<Contact>> {
        delegate!(self, c => c.get_contact(id))
    }
    async fn get_opportunity(&self, id: &str, pipeline_id: &str) -> ApiResult<Option<Opportunity>> {
        delegate!(self, c => c.get_opportunity(id, pipeline_id))
    }
    async fn find_opportunities(
        &self,
        contact_id: &str,
        pipeline_id: &str,
    ) -> ApiResult<Vec<Opportunity>> {
        delegate!(self, c => c.find_opportunities(contact_id, pipeline_id))
    }
    async fn create_pipeline(&self, pipeline: &PipelineWrite) -> ApiResult<Pipeline> {
        delegate!(self, c => c.create_pipeline(pipeline))
    }
    async fn update_pipeline(&self, id: &str, pipeline: &PipelineWrite) -> ApiResult<Pipeline> {
        delegate!(self, c => c.update_pipeline(id, pipeline))
    }
    async fn get_pipeline(&self, id: &str) -> ApiResult<Option<Pipeline>> {
        delegate!(self, c => c.get_pipeline(id))
    }
    async fn workflows(&self) -> ApiResult<Vec<Workflow>> {
        delegate!(self, c => c.workflows())
    }
    fn stop_sending(&self) {
        if let Some(http) = self.http() {
            http.stop_sending();
        }
    }
    async fn contact_notes(&self, contact_id: &str) -> ApiResult<Vec<Note>> {
        delegate!(self, c => c.contact_notes(contact_id))
    }
    async fn contact_tasks(&self, contact_id: &str) -> ApiResult<Vec<Task>> {
        delegate!(self, c => c.contact_tasks(contact_id))
    }
    async fn location_tasks(&self) -> ApiResult<Option<Vec<Task>>> {
        delegate!(self, c => c.location_tasks())
    }
    async fn create_note(&self, contact_id: &str, note: &NewNote) -> ApiResult<Note> {
        delegate!(self, c => c.create_note(contact_id, note))
    }
    async fn create_task(&self, contact_id: &str, task: &NewTask) -> ApiResult<Task> {
        delegate!(self, c => c.create_task(contact_id, task))
    }
    async fn delete(&self, what: &Doomed) -> ApiResult<Deleted> {
        delegate!(self, c => c.delete(what))
    }
    async fn remove_contact_tags(&self, id: &str, tags: &[String]) -> ApiResult<()> {
        delegate!(self, c => c.remove_contact_tags(id, tags))
    }
}
