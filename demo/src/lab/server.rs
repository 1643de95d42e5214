//! The developer server of the lab: `wxlogin-server` itself, no glue of the demo's own. Its
//! [`router`](wxlogin_server::router) on a [`LoginService`], one business route (`GET /me`,
//! behind the [`WxSession`] extractor), and what only the lab adds around it: counters of the
//! requests and answers ([`ServerStats`]), a store that remembers which tokens it issued
//! ([`RecordingStore`], for the checks and the secret scan), and the faulty link.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use wxlogin::secret::SessionToken;
use wxlogin::server::session::SessionRecord;
use wxlogin::wire::{ErrorBody, ErrorKind, MAX_BODY_BYTES};
use wxlogin_server::{
    LoginService, LoginServiceBuilder, SessionStore, StartError, StoreFuture, WxSession,
};

use crate::drive::listen::Listening;
use crate::lab::link::LinkFaults;
use crate::lab::trace::Trace;

/// The business route every lab server has: the caller's openid, or the extractor's answer.
pub const BUSINESS_PATH: &str = "/me";

/// What the developer server did, counted at its HTTP surface and at its store.
#[derive(Debug, Default)]
pub struct ServerStats {
    login_requests: AtomicU64,
    session_checks: AtomicU64,
    sessions_created: AtomicU64,
    granted: AtomicU64,
    refused: AtomicU64,
    code_used: AtomicU64,
    unavailable: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// `POST /login` requests received.
    pub login_requests: u64,
    /// `GET /session` requests received.
    pub session_checks: u64,
    /// Sessions written to the store.
    pub sessions_created: u64,
    /// Login answers that granted a session (`200`; replays of a remembered code included).
    pub granted: u64,
    /// Login answers that carried an error.
    pub refused: u64,
    /// Login answers `400 code_used`: the server's 40163 (a code it, or WeChat, saw used).
    pub code_used: u64,
    /// Answers `503` to any route (the session store, or WeChat, unavailable).
    pub unavailable: u64,
}

impl ServerStats {
    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StatsSnapshot {
            login_requests: load(&self.login_requests),
            session_checks: load(&self.session_checks),
            sessions_created: load(&self.sessions_created),
            granted: load(&self.granted),
            refused: load(&self.refused),
            code_used: load(&self.code_used),
            unavailable: load(&self.unavailable),
        }
    }
}

/// A [`SessionStore`] around another that remembers every token it was given (only the lab
/// may: the secret scan and the ownership checks need them) and counts the sessions written.
#[derive(Clone)]
pub struct RecordingStore {
    inner: Arc<dyn SessionStore>,
    tokens: Arc<Mutex<Vec<SessionToken>>>,
    stats: Arc<ServerStats>,
}

impl std::fmt::Debug for RecordingStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingStore").finish_non_exhaustive()
    }
}

impl RecordingStore {
    fn new(inner: impl SessionStore, stats: Arc<ServerStats>) -> Self {
        Self {
            inner: Arc::new(inner),
            tokens: Arc::default(),
            stats,
        }
    }

    /// Every token the store was given, whether its session still lasts or not.
    pub fn issued(&self) -> Vec<SessionToken> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every session the store still holds under a token it was given, as the store says.
    pub async fn snapshot(&self) -> Vec<(SessionToken, SessionRecord)> {
        let mut held = Vec::new();
        for token in self.issued() {
            if let Ok(Some(session)) = self.inner.get(&token).await {
                held.push((token, session));
            }
        }
        held
    }

    /// Forgets every session, as a restart of a server without a shared store would.
    pub async fn clear(&self) {
        for token in self.issued() {
            let _ = self.inner.remove(&token).await;
        }
    }
}

impl SessionStore for RecordingStore {
    fn insert<'a>(
        &'a self,
        token: &'a SessionToken,
        session: &'a SessionRecord,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.inner.insert(token, session).await?;
            self.tokens
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(token.clone());
            self.stats.sessions_created.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
    }

    fn get<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, Option<SessionRecord>> {
        self.inner.get(token)
    }

    fn remove<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, ()> {
        self.inner.remove(token)
    }
}

/// What the counting layer needs.
#[derive(Clone)]
struct Counting {
    stats: Arc<ServerStats>,
    trace: Arc<Trace>,
    login_path: String,
    session_path: String,
}

/// A developer server being served; dropping it stops accepting connections.
#[derive(Debug)]
pub struct LabServer {
    stats: Arc<ServerStats>,
    store: RecordingStore,
    listening: Listening,
}

impl LabServer {
    /// Starts the service `builder` sets up, on `store` (wrapped in a [`RecordingStore`]),
    /// and serves its routes and `GET /me` on a loopback port, behind `link`.
    pub async fn start(
        builder: LoginServiceBuilder,
        store: impl SessionStore,
        link: &Arc<LinkFaults>,
        trace: Arc<Trace>,
    ) -> io::Result<Self> {
        let stats = Arc::new(ServerStats::default());
        let store = RecordingStore::new(store, Arc::clone(&stats));
        let service = builder
            .store(store.clone())
            .start()
            .map_err(|e: StartError| io::Error::other(e.to_string()))?;
        let app = app(service, Arc::clone(&stats), trace);
        let listening = Listening::serve(link.wrap(app)).await?;
        Ok(Self {
            stats,
            store,
            listening,
        })
    }

    /// `http://127.0.0.1:<port>`: the base URL for the clients' `LoginConfig`.
    pub fn base_url(&self) -> &str {
        self.listening.base_url()
    }

    /// What the server has done so far.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// The session store, as the lab sees it.
    pub fn store(&self) -> &RecordingStore {
        &self.store
    }
}

/// The crate's routes, `GET /me`, and the counters around them.
pub fn app(service: LoginService, stats: Arc<ServerStats>, trace: Arc<Trace>) -> Router {
    let config = service.config();
    let counting = Counting {
        stats,
        trace,
        login_path: config.login_path.clone(),
        session_path: config.session_path.clone(),
    };
    Router::new()
        .route(BUSINESS_PATH, get(me))
        .with_state(service.clone())
        .merge(wxlogin_server::router(service))
        .layer(middleware::from_fn_with_state(counting, count))
}

/// `GET /me`: who the session belongs to.
async fn me(session: WxSession) -> axum::Json<HashMap<&'static str, String>> {
    axum::Json(HashMap::from([("openid", session.openid().to_owned())]))
}

/// Counts logins and session checks and traces their answers (statuses only: bodies carry
/// tokens).
async fn count(State(counting): State<Counting>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let stats = &counting.stats;
    let login = path == counting.login_path;
    if login {
        stats.login_requests.fetch_add(1, Ordering::Relaxed);
    } else if path == counting.session_path {
        stats.session_checks.fetch_add(1, Ordering::Relaxed);
    }
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    if status == 503 {
        stats.unavailable.fetch_add(1, Ordering::Relaxed);
    }
    if login && status == 200 {
        stats.granted.fetch_add(1, Ordering::Relaxed);
    } else if login {
        stats.refused.fetch_add(1, Ordering::Relaxed);
        let (parts, body) = response.into_parts();
        // An error body is small; a body that breaks off is passed on as empty.
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .unwrap_or_default();
        if serde_json::from_slice::<ErrorBody>(&bytes).is_ok_and(|b| b.error == ErrorKind::CodeUsed)
        {
            stats.code_used.fetch_add(1, Ordering::Relaxed);
        }
        response = Response::from_parts(parts, Body::from(bytes));
    }
    counting.trace.log("server", format!("{path} -> {status}"));
    response
}
