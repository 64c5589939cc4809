//! Starting and stopping a sandbox: binds 127.0.0.1, builds the router (API routes behind the
//! pipeline, admin routes beside it) and serves it on its own tokio runtime, so tests and the
//! CLI get a running server from a plain function call.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware;

use super::app::{App, lock};
use super::conn::{KillSwitch, KillableListener};
use super::faults::FaultRule;
use super::options::Options;
use super::stats::Stats;
use super::{admin, deletes, history, pipeline, reply, v1, v2};
use crate::ghl::memory::{MemoryAccount, MemoryOptions};
use crate::model::Account;

/// A running sandbox. Dropping it stops the server and every connection.
pub struct Handle {
    pub addr: SocketAddr,
    /// The account being served, live: read it back to check what a run wrote.
    pub memory: Arc<MemoryAccount>,
    app: Arc<App>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Handle {
    /// `http://127.0.0.1:PORT`, the V2 base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/v1`, the V1 base URL.
    pub fn v1_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn account(&self) -> Account {
        self.memory.snapshot()
    }

    pub fn stats(&self) -> Stats {
        lock(&self.app.stats).clone()
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        lock(&self.app.faults).replace(rules);
    }

    /// Blocks the calling (non-async) thread until Ctrl-C.
    pub fn wait(mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.block_on(async {
                let _ = tokio::signal::ctrl_c().await;
            });
            runtime.shutdown_background();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Serves `account` on 127.0.0.1 (`options.port`, 0 for a free one) until the handle drops.
pub fn start(account: Account, options: Options) -> io::Result<Handle> {
    let memory = Arc::new(MemoryAccount::new(
        account,
        MemoryOptions {
            forbid_duplicates: options.forbid_duplicates,
        },
    ));
    let app = Arc::new(App::new(memory.clone(), &options));
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("sandbox")
        .enable_all()
        .build()?;
    let router = router(app.clone());
    runtime.spawn(async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        let service = router.into_make_service_with_connect_info::<KillSwitch>();
        let _ = axum::serve(KillableListener(listener), service).await;
    });
    Ok(Handle {
        addr,
        memory,
        app,
        runtime: Some(runtime),
    })
}

fn router(app: Arc<App>) -> Router {
    let api = v2::routes()
        .merge(v1::routes())
        .merge(history::routes())
        .merge(deletes::routes())
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            pipeline::pipeline,
        ));
    api.merge(admin::routes())
        .fallback(|request: Request| async move {
            reply::not_found(request.method().as_str(), request.uri().path())
        })
        .with_state(app)
}
