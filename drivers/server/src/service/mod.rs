//! [`LoginService`]: the login flow on tokio. One task owns the core's
//! [`LoginCoordinator`](wxlogin::server::login::LoginCoordinator); routes hold a cloneable handle.
//!
//! ```text
//! route --Login--> login task (owns the LoginCoordinator) --CallWeChat--> effect task (reqwest)
//!   ^                  |   ^                               --CreateSession--> store write (here if ready,
//!   |                  |   |                                                    else a task)
//!   +---- Complete ----+   +----- WeChatAnswered / SessionStored (same inbox) -----+
//! ```
//! Deadlines are tokio sleeps; the HTTP client's timeout is longer than the machine's, so the
//! machine decides; an answer that comes after is logged and ignored.

mod effects;
mod task;

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use wxlogin::http::HttpResponse;
use wxlogin::secret::SessionToken;
use wxlogin::server::login::LoginCoordinator;
use wxlogin::server::session::SessionRecord;

use crate::answers;
use crate::config::ServerConfig;
use crate::store::{MemoryStore, SessionStore, StoreError};
use crate::wechat_http::WeChatHttp;
use effects::Effects;
use task::{Input, LoginTask};

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The HTTPS client for WeChat could not be built (no usable TLS roots, for example).
    #[error("the https client could not be built: {0}")]
    HttpClient(String),
}

/// The login service: a cloneable handle to the task that owns the coordinator, and the
/// session store. This is all a route needs; the task stops when the last handle is dropped.
#[derive(Clone)]
pub struct LoginService {
    shared: Arc<Shared>,
}

struct Shared {
    inbox: mpsc::Sender<Input>,
    store: Arc<dyn SessionStore>,
    config: ServerConfig,
    task: JoinHandle<()>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for LoginService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginService")
            .field("login_path", &self.shared.config.login_path)
            .field("session_path", &self.shared.config.session_path)
            .finish_non_exhaustive()
    }
}

/// Sets a [`LoginService`] up: the store (memory by default), and with feature `redis` the
/// join of duplicate codes across replicas.
pub struct LoginServiceBuilder {
    config: ServerConfig,
    store: Option<Arc<dyn SessionStore>>,
    #[cfg(feature = "redis")]
    join: Option<crate::join::CodeJoin>,
}

impl LoginServiceBuilder {
    /// Keeps sessions in `store` instead of a [`MemoryStore`].
    pub fn store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Joins duplicate codes with the other replicas sharing `join`'s Redis.
    #[cfg(feature = "redis")]
    pub fn code_join(mut self, join: crate::join::CodeJoin) -> Self {
        self.join = Some(join);
        self
    }

    /// Starts the login task on the current tokio runtime.
    pub fn start(self) -> Result<LoginService, StartError> {
        let http = WeChatHttp::new().map_err(|e| StartError::HttpClient(e.to_string()))?;
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::new()) as Arc<dyn SessionStore>);
        let effects = Arc::new(Effects {
            http,
            store: Arc::clone(&store),
            call_grace: std_duration(self.config.call_grace),
            store_write_patience: std_duration(self.config.store_write_patience),
            #[cfg(feature = "redis")]
            join: self.join,
        });
        let (sender, inbox) = mpsc::channel(self.config.inbox_capacity.max(1));
        let task = LoginTask::new(
            LoginCoordinator::new(self.config.coordinator.clone()),
            inbox,
            sender.clone(),
            effects,
            self.config.store_retry_after,
        );
        let task = tokio::spawn(task.run());
        Ok(LoginService {
            shared: Arc::new(Shared {
                inbox: sender,
                store,
                config: self.config,
                task,
            }),
        })
    }
}

/// A configured duration for tokio; a negative one is none.
fn std_duration(duration: time::Duration) -> std::time::Duration {
    std::time::Duration::try_from(duration).unwrap_or_default()
}

impl LoginService {
    /// A service with its sessions in a [`MemoryStore`], started on the current runtime.
    pub fn start(config: ServerConfig) -> Result<Self, StartError> {
        Self::builder(config).start()
    }

    /// A builder, to choose the store (and the code join).
    pub fn builder(config: ServerConfig) -> LoginServiceBuilder {
        LoginServiceBuilder {
            config,
            store: None,
            #[cfg(feature = "redis")]
            join: None,
        }
    }

    /// The configuration the service and its routes follow.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// Answers one `POST /login` body: the grant, or the wire contract's error.
    pub async fn login(&self, body: Vec<u8>) -> HttpResponse {
        let (reply, answer) = oneshot::channel();
        if self
            .shared
            .inbox
            .send(Input::Login { body, reply })
            .await
            .is_err()
        {
            return answers::service_gone();
        }
        answer.await.unwrap_or_else(|_| answers::service_gone())
    }

    /// The live session under `token`: `Ok(None)` when unknown or ended, `Err` when the store
    /// cannot answer (answer that with a 503, never a 401).
    pub async fn session(&self, token: &SessionToken) -> Result<Option<SessionRecord>, StoreError> {
        let session = self.shared.store.get(token).await?;
        let now = OffsetDateTime::now_utc();
        Ok(session.filter(|s| !s.is_expired(now)))
    }

    /// Ends the session under `token` (a logout).
    pub async fn logout(&self, token: &SessionToken) -> Result<(), StoreError> {
        self.shared.store.remove(token).await
    }
}
