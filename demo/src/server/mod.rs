//! The developer server on axum: `POST /login` and `GET /session` of the wire contract, with
//! `wxlogin`'s [`LoginCoordinator`] deciding every login and sessions in a [`SessionStore`].
//!
//! ```text
//! axum handler --Received--> login task (owns the LoginCoordinator) --CallWeChat--> HTTP client
//!      ^                          |  ^                                  --CreateSession--> store
//!      +------- Complete ---------+  +------ WeChatAnswered / SessionCreated ------+
//! ```
//!
//! The coordinator is a plain value with one owner: a task that feeds it events from a channel
//! and carries out its commands. Handlers only send the request body and await the answer.

mod login_task;
mod routes;
mod stats;
mod store;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wxlogin::server::login::{CoordinatorConfig, LoginCoordinator};
use wxlogin::wire::TokenHeader;

pub use stats::{ServerStats, StatsSnapshot};
pub use store::{MemoryStore, SessionStore, StoreError};

use crate::clock::Clock;
use crate::http_client::HttpClient;
use crate::listen::Listening;
use crate::trace::Trace;

/// How the developer server is set up.
#[derive(Clone, Debug)]
pub struct DevServerConfig {
    /// The coordinator: code2Session credentials and base URL, timeouts, memory bounds.
    pub coordinator: CoordinatorConfig,
    /// Where clients put their token. Must match the clients' `LoginConfig`.
    pub token_header: TokenHeader,
    /// Path of the login call. Default `/login`.
    pub login_path: String,
    /// Path of the session check. Default `/session`.
    pub session_path: String,
    /// Extra time the HTTP client gives a WeChat call beyond the coordinator's own timeout,
    /// so that the coordinator's deadline, not the client's, decides.
    pub call_grace: Duration,
}

impl DevServerConfig {
    /// The defaults around a coordinator configuration.
    pub fn new(coordinator: CoordinatorConfig) -> Self {
        Self {
            coordinator,
            token_header: TokenHeader::default(),
            login_path: "/login".into(),
            session_path: "/session".into(),
            call_grace: Duration::from_secs(5),
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
pub struct DevServer<S> {
    store: Arc<S>,
    logins: mpsc::Sender<login_task::Input>,
    token_header: TokenHeader,
    stats: ServerStats,
    clock: Clock,
    trace: Arc<Trace>,
}

/// A running developer server; dropping it stops the server and its login task.
#[derive(Debug)]
pub struct RunningServer<S> {
    /// The handlers' shared state: the store and the counters.
    pub server: Arc<DevServer<S>>,
    listening: Listening,
    login_task: JoinHandle<()>,
}

impl<S> RunningServer<S> {
    /// `http://127.0.0.1:<port>`: the base URL for the clients' `LoginConfig`.
    pub fn base_url(&self) -> &str {
        self.listening.base_url()
    }
}

impl<S> Drop for RunningServer<S> {
    fn drop(&mut self) {
        self.login_task.abort();
    }
}

impl<S: SessionStore> DevServer<S> {
    /// Starts the server on a port the OS chooses; `wrap` may add layers (the demo's faulty
    /// link) around its router.
    pub async fn start(
        config: DevServerConfig,
        store: S,
        trace: Arc<Trace>,
        wrap: impl FnOnce(Router) -> Router,
    ) -> io::Result<RunningServer<S>> {
        let (logins, inbox) = mpsc::channel(1024);
        let server = Arc::new(DevServer {
            store: Arc::new(store),
            logins: logins.clone(),
            token_header: config.token_header.clone(),
            stats: ServerStats::default(),
            clock: trace.clock(),
            trace,
        });
        let task = login_task::LoginTask {
            coordinator: LoginCoordinator::new(config.coordinator.clone()),
            inbox,
            outbox: logins,
            server: Arc::clone(&server),
            http: HttpClient::new(),
            call_grace: config.call_grace,
            replies: Default::default(),
            next_request: 0,
        };
        let login_task = tokio::spawn(task.run());
        let router = routes::router(Arc::clone(&server), &config);
        let listening = Listening::serve(wrap(router)).await?;
        Ok(RunningServer {
            server,
            listening,
            login_task,
        })
    }

    /// The session store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// What the server has done so far.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }
}
