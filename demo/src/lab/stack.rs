//! The three parties started together on loopback for one scenario or run: the fake WeChat,
//! the developer server behind a faulty link, and a temporary directory for the clients'
//! storage files. Dropping the stack stops everything and removes the directory.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wxlogin::client::LoginConfig;
use wxlogin::secret::AppSecret;
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{CoordinatorConfig, ExchangeConfig};
use wxlogin_server::{LoginService, MemoryStore, ServerConfig};

use crate::drive::client::{Client, ClientConfig};
use crate::drive::clock::Clock;
use crate::drive::http_client::HttpClient;
use crate::drive::random;
use crate::lab::link::{LinkFault, LinkFaults};
use crate::lab::server::{LabServer, RecordingStore};
use crate::lab::trace::Trace;
use crate::lab::wechat::{Api, AppCredentials, FakeWeChat, Fault, RunningWeChat};

/// The demo mini program's appid.
pub const APPID: &str = "wxd0e0m0o0a0p0p0i0";

/// How a stack is set up.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// Keep trace lines (off for the load run).
    pub keep_trace: bool,
    /// How long the developer server waits for one code2Session call.
    pub wechat_call_timeout: Duration,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            keep_trace: true,
            wechat_call_timeout: Duration::from_secs(10),
        }
    }
}

/// The faults of a load run, drawn at a rate: code2Session calls answered -1, and login
/// answers lost on the link after the server made the session (the client resends the code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultRates {
    /// code2Session calls answered -1, per mille.
    pub busy_per_mille: u32,
    /// Login answers lost on the link, per mille.
    pub lost_answers_per_mille: u32,
}

impl Default for FaultRates {
    /// The rates: 10% of WeChat calls -1, 5% of login answers lost.
    fn default() -> Self {
        Self {
            busy_per_mille: 100,
            lost_answers_per_mille: 50,
        }
    }
}

impl std::fmt::Display for FaultRates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1}% of code2Session calls answer -1; {:.1}% of login answers lost",
            f64::from(self.busy_per_mille) / 10.0,
            f64::from(self.lost_answers_per_mille) / 10.0
        )
    }
}

/// A temporary directory, removed on drop.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> io::Result<Self> {
        let suffix = random::text(8, random::URL_SAFE).map_err(io::Error::other)?;
        let path =
            std::env::temp_dir().join(format!("wxlogin-demo-{}-{suffix}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Everything one scenario runs against.
#[derive(Debug)]
pub struct Stack {
    /// The shared trace.
    pub trace: Arc<Trace>,
    /// The fake WeChat.
    pub wechat: RunningWeChat,
    /// The developer server (`wxlogin-server` on a `MemoryStore`).
    pub server: LabServer,
    /// The link between clients and the developer server.
    pub link: Arc<LinkFaults>,
    /// One HTTP client (one connection pool) for every party of the stack.
    pub http: HttpClient,
    /// The app secret, random per stack, so tests can check it never leaks.
    pub app_secret: String,
    config: ServerConfig,
    dir: TempDir,
    next_client: AtomicU64,
}

impl Stack {
    /// Starts the fake WeChat and the developer server on ports the OS chooses.
    pub async fn start(options: StackOptions) -> io::Result<Self> {
        let clock = Clock::start();
        let trace = if options.keep_trace {
            Trace::new(clock)
        } else {
            Trace::quiet(clock)
        };
        let app_secret = random::text(32, random::URL_SAFE).map_err(io::Error::other)?;
        let app = AppCredentials {
            appid: APPID.into(),
            secret: app_secret.clone(),
        };
        let wechat = FakeWeChat::start(app, Arc::clone(&trace)).await?;

        let seed = random::seed().map_err(io::Error::other)?;
        let mut code2session = Code2SessionApi::new(APPID, AppSecret::new(app_secret.clone()));
        code2session.base_url = wechat.base_url().to_owned();
        let mut login = ExchangeConfig::new(code2session, seed);
        login.call_timeout =
            time::Duration::try_from(options.wechat_call_timeout).map_err(io::Error::other)?;
        let config = ServerConfig::new(CoordinatorConfig::new(login));
        let link = LinkFaults::new(seed.rotate_left(17), Arc::clone(&trace));
        let server = LabServer::start(
            LoginService::builder(config.clone()),
            MemoryStore::new(),
            &link,
            Arc::clone(&trace),
        )
        .await?;

        Ok(Self {
            trace,
            wechat,
            server,
            link,
            http: HttpClient::new(),
            app_secret,
            config,
            dir: TempDir::create()?,
            next_client: AtomicU64::new(1),
        })
    }

    /// Switches `rates` on: the fake WeChat's -1 answers and the link's lost answers.
    pub fn inject(&self, rates: FaultRates) {
        let faults = self.fake().faults();
        faults.at_rate(Api::Code2Session, Fault::SystemBusy, rates.busy_per_mille);
        self.link.at_rate(
            "/login",
            LinkFault::LoseAnswer,
            rates.lost_answers_per_mille,
        );
    }

    /// The fake WeChat's state and switches.
    pub fn fake(&self) -> &FakeWeChat {
        &self.wechat.fake
    }

    /// The developer server's configuration (code2Session against this stack's fake WeChat),
    /// for more servers of the same mini program.
    pub fn server_config(&self) -> &ServerConfig {
        &self.config
    }

    /// The developer server's session store.
    pub fn store(&self) -> &RecordingStore {
        self.server.store()
    }

    /// Where the clients' storage files live.
    pub fn dir(&self) -> &Path {
        &self.dir.0
    }

    /// A configuration for a new client (a new phone and user), with the machine's defaults
    /// and a random jitter seed. Spawn two clients from one configuration to model a relaunch.
    pub fn client_config(&self) -> ClientConfig {
        let n = self.next_client.fetch_add(1, Ordering::Relaxed);
        let mut login = LoginConfig::new(self.server.base_url());
        login.seed = random::seed().unwrap_or(n);
        ClientConfig {
            name: format!("client {n}"),
            login,
            storage: self.dir().join(format!("client-{n}.json")),
            user: format!("user{n:04}"),
            grace: Duration::from_secs(2),
        }
    }

    /// Starts a client driver against this stack.
    pub fn spawn_client(&self, config: ClientConfig) -> Client {
        self.spawn_routed_client(config, &self.http)
    }

    /// Starts a client driver whose requests go through `http` (a routed client: a front).
    pub fn spawn_routed_client(&self, config: ClientConfig, http: &HttpClient) -> Client {
        Client::spawn(
            config,
            self.wechat.base_url(),
            http.clone(),
            Arc::<Trace>::clone(&self.trace),
        )
    }
}
