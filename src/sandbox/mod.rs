//! The local GoHighLevel sandbox: one in-memory location ([`MemoryAccount`]) served over the
//! V1 and V2 routes the tool uses, on 127.0.0.1, with the real rate limits, headers, auth
//! rules, body validation and error shapes, plus injectable faults. Tests start it with
//! [`start`]; people run `ghl-migrate sandbox --account FILE`.
//!
//! # Routes
//! V2 (base `/`, headers `Authorization: Bearer <token>` and `Version: 2021-07-28`):
//! `GET /locations/{id}`, `GET|POST /locations/{id}/customFields` (`?model=` defaults to all),
//! `GET /opportunities/pipelines?locationId`, `GET /users/?locationId`, `POST /contacts/`,
//! `POST /contacts/search` (`{locationId, pageLimit<=500, searchAfter?, page?, query?}` ->
//! `{contacts:[..each with searchAfter:[ts,id]], total}`, ordered by (`dateAdded`, id)),
//! `GET /contacts/search/duplicate?locationId&email|number` -> `{contact|null}`,
//! `POST /contacts/upsert` -> `{new, contact, traceId}`, `GET|PUT /contacts/{id}` (PUT ->
//! `{succeded: true, contact}`), `POST /contacts/{id}/tags` -> `{tags}` (all tags),
//! `GET /opportunities/search?location_id&pipeline_id&contact_id&limit<=100&startAfter&startAfterId`
//! -> `{opportunities, meta:{total, nextPageUrl, startAfterId, startAfter, ..}}`,
//! `POST /opportunities/`. Creates answer 201 with `{contact}`, `{customField}`, `{opportunity}`.
//! Pipelines (live docs, not in the vendored spec; scopes `pipelines.create` for the POST,
//! `pipelines.write` for the rest): `POST /opportunities/pipelines` (`{name, locationId, stages:
//! [{name, position?, stageWinProbability?}], useOpportunityProbability?}` -> 201 `{pipeline}`),
//! `GET|PUT|DELETE /opportunities/pipelines/{id}`: the PUT (`{name, stages:[{id?, ..}]}`, no
//! `locationId`) replaces the whole stage list (a stage with its id is kept, one without is
//! created, one left out is deleted and its opportunities move to the first remaining stage; an
//! empty list is refused); a stage without `stageWinProbability` makes every stage's probability
//! recomputed by position; names are unique case-insensitively (pipelines per location, stages
//! per pipeline); DELETE removes the pipeline's opportunities. `GET /workflows/?locationId`
//! (scope `workflows.readonly`) lists the fixture's `workflows`.
//! Notes and tasks: `GET|POST /contacts/{id}/notes` (`{notes}`, newest first; `{note}`),
//! `GET|POST /contacts/{id}/tasks` (`{tasks}`; `{task}`), `POST /locations/{id}/tasks/search`
//! (`{limit<=100, skip, contactId[], completed}` -> `{tasks, total}`); see `history`.
//!
//! V1 (base `/v1`, `Authorization: Bearer <api key>`, no Version): `GET|POST /v1/contacts/`
//! (list: `customField:[{id,value}]`, `meta:{total, startAfterId, startAfter, nextPageUrl}`,
//! limit <= 100, oldest first; create upserts on an email or phone match, takes
//! `customField:{id: value}`, answers `{contact}`), `GET /v1/contacts/lookup?email&phone` ->
//! `{contacts}` (empty list when none), `GET|PUT /v1/contacts/{id}`, `POST
//! /v1/contacts/{id}/tags/`, `GET|POST /v1/custom-fields/` (POST answers the bare field),
//! `GET /v1/pipelines/`, `GET /v1/pipelines/{pid}/opportunities` (`{opportunities, meta}`,
//! each with an embedded `contact`), `POST /v1/pipelines/{pid}/opportunities/` (answers the
//! bare opportunity; without `contactId` the contact is upserted from email/phone), `GET
//! /v1/users/`, `GET /v1/locations/{id}` (bare location object: V1 has no location read for a
//! location key, so this stands in for one; 403 for another id), `GET|POST
//! /v1/contacts/{id}/notes/` and `GET|POST /v1/contacts/{id}/tasks/` (tasks with `description`
//! and `status`; creates answer the bare record).
//!
//! # Choices and deviations (documented, since the real API is partly unknown)
//! - Auth, as observed live: a missing/unknown token -> 401; a missing `Version` (V2) -> 401
//!   `version header was not found.`; a `Version` outside the accepted set (default: every
//!   published one, `2021-04-15`, `2021-07-28`, `2023-02-21`, `v3`, as the live API accepts
//!   them; `--version-header` narrows it) -> 401 `version header is invalid`; a token without
//!   the route's scope -> 401 `The token is not authorized for this scope.` (checked before the
//!   location). Bodies are `{statusCode, message, error:"Unauthorized"}`. The responses are
//!   2021-07-28 shapes whatever the version, except that `GET /opportunities/search` takes
//!   camelCase parameters under `v3`. Any location id (path, query or body) other than the
//!   account's -> 403 `{"statusCode":403,"message":"The token does not have access to this
//!   location."}` (match on the status: another live source shows `Forbidden resource`).
//!   Unknown V2 query parameters and body properties -> 422 (e.g. `locationId` instead of
//!   `location_id` on opportunity search under 2021-07-28).
//! - Rate limits: a fixed-window burst counter per (token as presented, location) and a
//!   daily counter per location shared by its tokens (a 24 h fixed window from the first
//!   request). Limits apply before auth, so every API response (401s, 429s, faults too)
//!   carries `x-ratelimit-max`, `-remaining`, `-interval-milliseconds`, `-limit-daily`,
//!   `-daily-remaining`. A refused request is not counted. 429 body
//!   `{"statusCode":429,"message":"Too Many Requests"}`, no `Retry-After`.
//! - Accepted beyond the spec: `companyName` on `PUT /contacts/{id}`; `options` (picklist)
//!   on custom-field creation. `filters`/`sort` in contact search are accepted and ignored.
//! - Not-found contacts answer 400 `{statusCode, message:"Contact with id X not found"}`.
//! - A location forbidding duplicates (`--forbid-duplicates`, or `forbidDuplicates` at run
//!   time) refuses `POST /contacts/` (and a `PUT` onto another contact's email/phone) with 400
//!   `{statusCode, message:"This location does not allow duplicated contacts.",
//!   meta:{contactId, contactName, matchingField}}`; email (case-insensitive) is checked
//!   before phone (exact). Upserts match instead of refusing.
//! - Custom values are written `{id | key, field_value}` (`key` as `contact.x` or bare `x`);
//!   values for unknown fields are dropped; an empty value clears one. Tags de-duplicate
//!   case-insensitively and keep their first spelling (the live API may lowercase them; unverified).
//! - New records get deterministic 20-character ids; new contacts a `dateAdded` from a
//!   logical clock (one second apart, after the fixture's latest). An opportunity created
//!   without a stage goes to the pipeline's first stage.
//! - Opportunities have no date in the model: their paging key is creation order.
//! - V1 DATE custom values are returned as stored (no epoch-ms conversion).
//!
//! # Faults and admin
//! Fault kinds: `429`, `401`, `500` (before acting), `504` and `422` (after committing), `drop` (socket closed
//! without a response after committing), `hang` (never answers), `malformed` (body cut in
//! half), each for the next N matching requests or with a probability, targeted by method and
//! path prefix. Admin routes (no auth): `GET /_sandbox/account`, `GET /_sandbox/stats`,
//! `POST /_sandbox/reset-stats`, `POST /_sandbox/reset-limits`, `GET|POST /_sandbox/faults`
//! (`{faults?:[{kind, method?, pathPrefix?, count?, probability?}], forbidDuplicates?,
//! latencyMs?: "A..B"|"off", wrongWrites?: ["options"|"date"|"textbox-list"]}`): a wrong write
//! is stored other than sent, so `apply`'s canary writes can be tested.
//!
//! Answers are in the live API's shapes (`sandbox::live`: the contact search's `address` and
//! epoch-ms `dateOfBirth`, typed opportunity values), unless `--spec-shapes`. Users are served
//! by `GET /users/search?companyId` (the `companyId` of `GET /locations/{id}`) and by the
//! deprecated `GET /users/`.
//!
//! # Running it
//! ```text
//! GHL_SANDBOX_TOKEN=secret ghl-migrate sandbox --account fixtures/target.json \
//!     --token-env GHL_SANDBOX_TOKEN --rate-max 25 --rate-interval-ms 1000 \
//!     --latency-ms 20..80 --seed 7 --fault '504,method=POST,path=/contacts/,p=0.05'
//! sandbox listening on http://127.0.0.1:41234
//! ```
//! Point the V2 client at `http://127.0.0.1:41234` and the V1 client at `.../v1`. Tokens come
//! only from the named variables; `--token-scopes NAME=contacts,opportunities` (families:
//! locations, custom-fields, contacts, opportunities, users, v1, workflows, or GoHighLevel scope
//! names like `contacts.write`, `pipelines.create`, `pipelines.write`) and `--token-rate
//! NAME=MAX/MS` configure one token.
//!
//! [`MemoryAccount`]: crate::ghl::memory::MemoryAccount

// Handlers answer refusals as `Err(Response)`, the axum idiom; the size does not matter here.
#![allow(clippy::result_large_err)]

mod admin;
mod app;
mod conn;
mod deletes;
mod faults;
mod history;
mod limiter;
mod live;
mod options;
mod paging;
mod pipeline;
mod reply;
mod search_lag;
mod server;
mod shapes;
mod stats;
mod v1;
mod v2;
mod validate;
mod wrong_writes;

pub use faults::{FaultKind, FaultRule};
pub use options::{LatencyRange, Options, RateLimit, Scope, TokenConfig, WindowKind};
pub use pipeline::{API_VERSION, PUBLISHED_VERSIONS};
pub use server::{Handle, start};
pub use stats::Stats;
pub use wrong_writes::WrongWrite;
