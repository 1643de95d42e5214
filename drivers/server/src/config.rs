//! How a [`LoginService`](crate::LoginService) and its routes are set up.

use time::Duration;

use wxlogin::server::login::CoordinatorConfig;
use wxlogin::wire::{MAX_BODY_BYTES, TokenHeader};

use crate::compat::WeRequestCompat;

/// Configuration of the service and of [`router`](crate::router).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The login flow (code2Session credentials, base URL, timeouts) and its memory bounds.
    pub coordinator: CoordinatorConfig,
    /// Where clients put their token. Must match the clients' `LoginConfig`.
    pub token_header: TokenHeader,
    /// Path of the login call. Default `/login`.
    pub login_path: String,
    /// Path of the session check. Default `/session`.
    pub session_path: String,
    /// The largest request body the routes accept. Default: the wire contract's 64 KiB.
    pub body_limit: usize,
    /// Extra time the HTTP client gives a WeChat call beyond the machine's own deadline, so
    /// that the machine, not the client, decides when a call has timed out. Default: 5 s.
    pub call_grace: Duration,
    /// The `retry_after` of the `503 upstream_unavailable` answered while the session store is
    /// down; on the wire in whole seconds, rounded up (at least 1). Default: 2 s.
    pub store_retry_after: Duration,
    /// How long writing a new session keeps retrying a store that is down (a Redis restart or
    /// failover) before the login answers `503`. Keep it well under the coordinator's
    /// `create_session_timeout`: WeChat has taken the code by then, so a login that fails here
    /// spends it. Default: 2 s.
    pub store_write_patience: Duration,
    /// Requests the login task may queue before callers wait for room. Default: 4096.
    pub inbox_capacity: usize,
    /// weRequest 1.x compatibility (off by default).
    pub werequest: WeRequestCompat,
}

impl ServerConfig {
    /// The defaults around a coordinator configuration.
    pub fn new(coordinator: CoordinatorConfig) -> Self {
        Self {
            coordinator,
            token_header: TokenHeader::default(),
            login_path: "/login".into(),
            session_path: "/session".into(),
            body_limit: MAX_BODY_BYTES,
            call_grace: Duration::seconds(5),
            store_retry_after: Duration::seconds(2),
            store_write_patience: Duration::seconds(2),
            inbox_capacity: 4096,
            werequest: WeRequestCompat::default(),
        }
    }
}
