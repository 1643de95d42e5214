//! The configuration of the code exchange and of the coordinator. Both follow the crate's one
//! style: `new` with what is required, then public fields changed in place.

use time::Duration;

use crate::backoff::Backoff;
use crate::server::code2session::Code2SessionApi;
use crate::server::session::DEFAULT_SESSION_LIFETIME;

/// Configuration of the exchange of one code, the same for every code
/// ([`CoordinatorConfig::exchange`](super::CoordinatorConfig::exchange)).
///
/// ```
/// # use wxlogin::secret::AppSecret;
/// # use wxlogin::server::code2session::Code2SessionApi;
/// use wxlogin::server::login::ExchangeConfig;
/// let code2session = Code2SessionApi::new("wx4f4bc4dec97d474b", AppSecret::new("secret"));
/// let mut config = ExchangeConfig::new(code2session, 7);
/// config.call_timeout = time::Duration::seconds(5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExchangeConfig {
    /// Builds the code2Session request (credentials, base URL).
    pub code2session: Code2SessionApi,
    /// The lifetime proposed for new sessions
    /// ([`SessionRecord::expires_at`](crate::server::session::SessionRecord::expires_at) in
    /// [`Command::CreateSession`](super::Command::CreateSession)). Default: 2 hours.
    pub session_lifetime: Duration,
    /// How long a WeChat call may take before it counts as a transport timeout. Default: 10 s.
    pub call_timeout: Duration,
    /// How long the caller may take to create a session. Default: 10 s.
    pub create_session_timeout: Duration,
    /// How failed calls are retried (never past the code's life).
    pub backoff: Backoff,
    /// The seed of the backoff jitter.
    pub seed: u64,
}

impl ExchangeConfig {
    /// The defaults around a code2Session builder and a jitter seed the caller drew.
    pub fn new(code2session: Code2SessionApi, seed: u64) -> Self {
        Self {
            code2session,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            call_timeout: Duration::seconds(10),
            create_session_timeout: Duration::seconds(10),
            backoff: Backoff::default(),
            seed,
        }
    }
}

/// Configuration of a [`LoginCoordinator`](super::LoginCoordinator): the exchange every code
/// runs and the memory bounds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CoordinatorConfig {
    /// The exchange every code runs.
    pub exchange: ExchangeConfig,
    /// Codes exchanged at the same time, at most. Default: 1024.
    pub max_in_flight: usize,
    /// Finished codes remembered, at most. Default: 16,384.
    pub max_remembered: usize,
    /// Requests joined onto one code, at most. Default: 16.
    pub max_waiters_per_code: usize,
}

impl CoordinatorConfig {
    /// The default bounds around an exchange configuration.
    pub fn new(exchange: ExchangeConfig) -> Self {
        Self {
            exchange,
            max_in_flight: 1024,
            max_remembered: 16_384,
            max_waiters_per_code: 16,
        }
    }
}
