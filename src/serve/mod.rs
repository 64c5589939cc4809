//! `serve`: the old system's HTTP API (`/api/v1/migration/...`) and a live dashboard at `/`,
//! over the same engine as the command line: the same declaration, plan file, checkpoint and
//! lock, rate limiter and apply session (it reuses the CLI's commands, never a copy of them).
//!
//! One server serves one migration (`-c migration.yaml`); its `name` is the migration id.
//! Concerns, one file each: [`auth`] (who may call), [`origin`] (which browser pages may),
//! [`routes`] (the HTTP surface), [`runs`] (plan, apply, stop, resume), [`status`] (where the
//! run stands), [`events`] (progress as server-sent events), [`settings`] (the effective
//! configuration and its live updates), [`dashboard`] (the page), [`reply`] (errors and strict
//! bodies).

mod auth;
mod dashboard;
mod events;
mod origin;
mod reply;
mod routes;
mod runs;
mod settings;
mod status;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use ghl_migrate::config;
use ghl_migrate::error::{Error, Result, exit};
use ghl_migrate::plan::Plan;

use crate::cli;
use reply::{Refusal, Reply};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The declaration of the migration to serve.
    #[arg(short = 'c', long = "config", default_value = "migration.yaml")]
    config: PathBuf,
    /// Where to listen. A non-loopback address (anything outside 127.0.0.0/8 and ::1,
    /// 0.0.0.0 included) needs --token-env.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The environment variable holding the token every request must present
    /// (`Authorization: Bearer TOKEN`); required off loopback.
    #[arg(long = "token-env", value_name = "NAME")]
    token_env: Option<String>,
    /// The plan the server makes and applies (default: plans/<name>.plan.yaml).
    #[arg(long)]
    plan: Option<PathBuf>,
    /// The checkpoint (default: `state:` in migration.yaml, else .ghl-migrate/<name>.sqlite).
    #[arg(long)]
    state: Option<PathBuf>,
}

/// What every handler shares.
pub struct App {
    pub migration_id: String,
    pub config_path: PathBuf,
    pub plan_path: PathBuf,
    pub state_path: PathBuf,
    pub listen: SocketAddr,
    pub token_env: Option<String>,
    pub guard: Arc<auth::Guard>,
    pub settings: settings::Settings,
    pub runs: runs::Runs,
    pub hub: events::Hub,
    /// The plan file as last read, keyed by its modification time and size.
    plan_cache: Mutex<Option<(SystemTime, u64, Arc<Plan>)>>,
}

impl App {
    /// The plan file, read again only when it changed.
    pub fn plan(&self) -> Reply<Arc<Plan>> {
        let meta = std::fs::metadata(&self.plan_path).map_err(|_| {
            Refusal::not_found(format!(
                "no plan at {}: POST /api/v1/migration/plan makes one",
                self.plan_path.display()
            ))
        })?;
        let key = (
            meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            meta.len(),
        );
        let mut cache = self.plan_cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((m, l, plan)) = cache.as_ref()
            && (*m, *l) == key
        {
            return Ok(plan.clone());
        }
        let plan = Arc::new(cli::apply::read_plan(&self.plan_path).map_err(|e| Refusal::of(&e))?);
        *cache = Some((key.0, key.1, plan.clone()));
        Ok(plan)
    }
}

pub fn run(args: Args) -> Result<i32> {
    let loaded = config::load(&args.config, &cli::env_var)?;
    let guard = auth::Guard::new(&args.listen, args.token_env.as_deref(), &cli::env_var)?;
    let listener = std::net::TcpListener::bind(args.listen)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| Error::Other(format!("serve: cannot listen on {}: {e}", args.listen)))?;
    let listen = listener
        .local_addr()
        .map_err(|e| Error::Other(format!("serve: {e}")))?;
    let name = loaded.config.name.clone();
    let app = Arc::new(App {
        migration_id: name.clone(),
        config_path: args.config.clone(),
        plan_path: args
            .plan
            .clone()
            .unwrap_or_else(|| PathBuf::from("plans").join(format!("{name}.plan.yaml"))),
        state_path: args.state.clone().unwrap_or_else(|| loaded.state_path()),
        listen,
        token_env: args.token_env.clone(),
        guard: Arc::new(guard),
        settings: settings::Settings::new(loaded),
        runs: runs::Runs::default(),
        hub: events::Hub::default(),
        plan_cache: Mutex::new(None),
    });
    let runtime = cli::runtime()?;
    runtime.block_on(serve(app, listener))?;
    Ok(exit::OK)
}

async fn serve(app: Arc<App>, listener: std::net::TcpListener) -> Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| Error::Other(format!("serve: {e}")))?;
    cli::emit(&format!("serve listening on http://{}\n", app.listen));
    // The dashboard's figures move with the run even between events (objects/s, ETA).
    let ticker = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(500));
            loop {
                every.tick().await;
                if app.runs.active() {
                    app.hub.send("status", &status::status(&app));
                }
            }
        })
    };
    let router = routes::router(app.clone());
    let closing = app.clone();
    let result = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // The run starts settling now (it is waited for below), and event streams, which
            // never end by themselves, end so that the server can.
            closing.runs.raise_stop();
            closing.settings.lift_delay_for_stop();
            closing.hub.close();
        })
        .await;
    ticker.abort();
    // As Ctrl-C stops the CLI's apply: in-flight steps settle, the run stays resumable.
    let runs = app.clone();
    let _ = tokio::task::spawn_blocking(move || runs.runs.stop_and_wait()).await;
    result.map_err(|e| Error::Other(format!("serve: {e}")))
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
