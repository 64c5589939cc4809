//! The old strategy, re-implemented honestly as the baseline: one contact at a time, `POST
//! /contacts/` with the contact's own fields and tags (as the seed system sent them), a fixed
//! 0.2 s sleep after each, on 429 a retry after 1, 2 then 4 s, and after the third retry the
//! contact is given up (lost). It never migrated opportunities.

use std::path::Path;
use std::time::{Duration, Instant};

use ghl_migrate::ghl::payload::ContactWrite;
use ghl_migrate::model::{Account, Contact};
use ghl_migrate::sandbox::{self, LatencyRange, Options, RateLimit, TokenConfig};

use crate::proxy;
use crate::trace;
use crate::workspace::{TOKEN, Workspace};

const SLEEP: Duration = Duration::from_millis(200);
const BACKOFF_S: [u64; 3] = [1, 2, 4];

pub struct Case<'a> {
    pub slug: &'a str,
    pub source: &'a Path,
    pub target: &'a Path,
    pub rate: RateLimit,
    pub latency: Option<LatencyRange>,
}

#[derive(Debug, Clone)]
pub struct Measured {
    pub rate: RateLimit,
    pub latency: Option<LatencyRange>,
    pub wall_s: f64,
    pub attempted: usize,
    pub moved: usize,
    /// Given up after three 429 retries.
    pub lost: usize,
    /// Refused for another reason (a 4xx other than 429, or no answer).
    pub rejected: usize,
    pub requests: usize,
    pub too_many: usize,
}

impl Measured {
    pub fn objects_per_s(&self) -> f64 {
        self.moved as f64 / self.wall_s
    }
}

pub fn run(case: &Case<'_>, runtime: &tokio::runtime::Runtime) -> Measured {
    let ws = Workspace::new(case.slug);
    let source = ghl_migrate::fixture::load(case.source).expect("source fixture");
    let target: Account = ghl_migrate::fixture::load(case.target).expect("target fixture");
    let options = Options {
        tokens: vec![TokenConfig::new(TOKEN)],
        rate: case.rate,
        latency: case.latency,
        seed: 7,
        ..Options::default()
    };
    let location = target.location.id.clone();
    let sandbox = sandbox::start(target, options).expect("sandbox");
    let proxy = runtime
        .block_on(proxy::start(sandbox.url()))
        .expect("proxy");
    let url = format!("{}/contacts/", proxy.url());
    let started = Instant::now();
    let tally = runtime.block_on(migrate(&url, &location, &source.contacts));
    let wall_s = started.elapsed().as_secs_f64();
    let log = proxy.take();
    trace::write_csv(&ws.path("trace.csv"), &log);
    Measured {
        rate: case.rate,
        latency: case.latency,
        wall_s,
        attempted: source.contacts.len(),
        moved: tally.moved,
        lost: tally.lost,
        rejected: tally.rejected,
        requests: log.len(),
        too_many: log.iter().filter(|e| e.status == 429).count(),
    }
}

#[derive(Default)]
struct Tally {
    moved: usize,
    lost: usize,
    rejected: usize,
}

async fn migrate(url: &str, location: &str, contacts: &[Contact]) -> Tally {
    let client = reqwest::Client::new();
    let mut tally = Tally::default();
    for contact in contacts {
        let body = body(contact, location);
        let mut retries = 0;
        loop {
            let answer = client
                .post(url)
                .bearer_auth(TOKEN)
                .header("Version", "2021-07-28")
                .json(&body)
                .send()
                .await;
            match answer.map(|a| a.status().as_u16()) {
                Ok(s) if (200..300).contains(&s) => tally.moved += 1,
                Ok(429) if retries < BACKOFF_S.len() => {
                    tokio::time::sleep(Duration::from_secs(BACKOFF_S[retries])).await;
                    retries += 1;
                    continue;
                }
                Ok(429) => tally.lost += 1,
                _ => tally.rejected += 1,
            }
            break;
        }
        tokio::time::sleep(SLEEP).await;
    }
    tally
}

/// The contact's standard fields and tags; custom values and the owner are left out (their
/// ids differ between locations, and the seed system did not map them).
fn body(c: &Contact, location: &str) -> serde_json::Value {
    let write = ContactWrite {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        company_name: c.company_name.clone(),
        address1: c.address1.clone(),
        city: c.city.clone(),
        state: c.state.clone(),
        postal_code: c.postal_code.clone(),
        country: c.country.clone(),
        website: c.website.clone(),
        timezone: c.timezone.clone(),
        source: c.source.clone(),
        date_of_birth: c.date_of_birth.clone(),
        dnd: c.dnd,
        tags: c.tags.clone(),
        ..ContactWrite::default()
    };
    let mut value = serde_json::to_value(write).expect("contact body");
    value["locationId"] = serde_json::Value::String(location.to_string());
    value
}
