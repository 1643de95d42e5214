//! [`Redis`]: one connection to the Redis the replicas share, reconnecting by itself
//! (redis-rs's `ConnectionManager`), with timeouts so that a Redis that is down is an error
//! within a second, never a hang.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How the connection is made.
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// Prepended to every key this crate writes. Default: `wxlogin:`.
    pub prefix: String,
    /// How long one command may take. Default: 1 s.
    pub response_timeout: Duration,
    /// How long connecting may take. Default: 1 s.
    pub connection_timeout: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: "wxlogin:".into(),
            response_timeout: Duration::from_secs(1),
            connection_timeout: Duration::from_secs(1),
        }
    }
}

/// A shared, cloneable connection to Redis and the key prefix. Opening it does not connect:
/// the first command does, and a command after an outage reconnects.
#[derive(Clone)]
pub struct Redis {
    pub(crate) manager: ConnectionManager,
    pub(crate) prefix: String,
}

impl fmt::Debug for Redis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Opens `url` (`redis://host:port/db`) with the default options. Call it within a tokio
    /// runtime.
    pub fn open(url: &str) -> Result<Self, redis::RedisError> {
        Self::with_options(url, RedisOptions::default())
    }

    /// Opens `url` with `options`.
    pub fn with_options(url: &str, options: RedisOptions) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(options.response_timeout))
            .set_connection_timeout(Some(options.connection_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let manager = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            manager,
            prefix: options.prefix,
        })
    }

    /// The prefixed key for `name`.
    pub(crate) fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A handle for one command (cheap: the manager is shared).
    pub(crate) fn conn(&self) -> ConnectionManager {
        self.manager.clone()
    }
}
