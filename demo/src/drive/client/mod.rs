//! The client side over real HTTP: a task drives one `LoginMachine` (see the driver loop in `client/driver.rs`)
//! with a JSON file for storage and a fake `wx`; the app talks to it through a
//! [`ClientHandle`] (`login().await`, `session_rejected(token).await`, `logout()`).

mod describe;
mod driver;
mod storage;
mod wx;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use wxlogin::client::{LoginConfig, LoginFailure, LoginMachine, Session};
use wxlogin::secret::SessionToken;

pub use describe::failure as describe_failure;
pub use storage::FileStorage;
pub use wx::{FakeWx, WxSwitches};

use crate::drive::http_client::HttpClient;
use crate::drive::log::Log;

/// One client (one phone, one WeChat user).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The name in the trace: `client 1`.
    pub name: String,
    /// The machine's configuration (developer server URL, timeouts, retries, code reuse).
    pub login: LoginConfig,
    /// The storage file.
    pub storage: PathBuf,
    /// The WeChat user this phone belongs to.
    pub user: String,
    /// Extra time the HTTP client and `wx` get beyond the machine's timeouts.
    pub grace: Duration,
}

/// Why a request for a session got none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// The machine completed the request with this failure.
    Login(LoginFailure),
    /// The driver task is gone (it panicked or was shut down).
    DriverStopped,
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Login(failure) => f.write_str(&describe_failure(failure)),
            ClientError::DriverStopped => f.write_str("the client driver stopped"),
        }
    }
}

impl std::error::Error for ClientError {}

/// What the driver saw, returned when it stops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DriverReport {
    /// `wx.login` calls made.
    pub wx_login_calls: u64,
    /// Requests sent to the developer server (logins and session checks).
    pub requests_sent: u64,
    /// Answers that arrived after their deadline or to an abandoned effect (`Handled::Late`).
    pub stale_answers: u64,
    /// Any other refusal by the machine: a bug in this driver. Always empty.
    pub contract_errors: Vec<String>,
}

type LoginReply = oneshot::Sender<Result<Session, ClientError>>;

enum AppRequest {
    Login {
        reply: LoginReply,
    },
    Rejected {
        token: SessionToken,
        reply: LoginReply,
    },
    Logout,
    Shutdown,
}

/// How the app asks the driver for a session; cheap to clone.
#[derive(Clone, Debug)]
pub struct ClientHandle {
    requests: mpsc::UnboundedSender<AppRequest>,
}

impl ClientHandle {
    /// A session: from memory, from storage after checks, or from a fresh login.
    pub async fn login(&self) -> Result<Session, ClientError> {
        self.ask(|reply| AppRequest::Login { reply }).await
    }

    /// A business request sent with `token` got 401: the session to replay it with (once).
    pub async fn session_rejected(&self, token: SessionToken) -> Result<Session, ClientError> {
        self.ask(|reply| AppRequest::Rejected { token, reply })
            .await
    }

    /// The user logs out; requests in flight fail with `LoggedOut`.
    pub fn logout(&self) {
        let _ = self.requests.send(AppRequest::Logout);
    }

    async fn ask(
        &self,
        request: impl FnOnce(LoginReply) -> AppRequest,
    ) -> Result<Session, ClientError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(request(reply))
            .map_err(|_| ClientError::DriverStopped)?;
        answer.await.unwrap_or(Err(ClientError::DriverStopped))
    }
}

/// A running client: its handle and its driver task.
#[derive(Debug)]
pub struct Client {
    handle: ClientHandle,
    task: JoinHandle<DriverReport>,
    switches: Arc<WxSwitches>,
}

impl Client {
    /// Starts a driver for `config`; `wechat_base_url` is where its fake `wx` gets codes.
    pub fn spawn(
        config: ClientConfig,
        wechat_base_url: &str,
        http: HttpClient,
        trace: Arc<dyn Log>,
    ) -> Self {
        let wx = FakeWx::new(http.clone(), wechat_base_url, config.user);
        let switches = wx.switches();
        let (requests, inbox) = mpsc::unbounded_channel();
        let driver = driver::Driver {
            name: config.name,
            machine: LoginMachine::new(config.login),
            wx,
            storage: FileStorage::new(config.storage),
            http,
            clock: trace.clock(),
            trace,
            grace: config.grace,
            replies: HashMap::new(),
            next_waiter: 0,
            effects: JoinSet::new(),
            report: DriverReport::default(),
        };
        Self {
            handle: ClientHandle { requests },
            task: tokio::spawn(driver.run(inbox)),
            switches,
        }
    }

    /// The handle the app uses.
    pub fn handle(&self) -> &ClientHandle {
        &self.handle
    }

    /// The switches of this client's fake `wx`.
    pub fn wx(&self) -> &WxSwitches {
        &self.switches
    }

    /// Lets requests in flight finish, stops the driver and returns what it saw.
    pub async fn shutdown(self) -> DriverReport {
        let _ = self.handle.requests.send(AppRequest::Shutdown);
        self.task.await.unwrap_or_else(|e| DriverReport {
            contract_errors: vec![format!("the driver task failed: {e}")],
            ..DriverReport::default()
        })
    }
}
