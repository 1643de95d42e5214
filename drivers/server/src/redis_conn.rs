//! [`Redis`]: one connection to the Redis the replicas share, reconnecting by itself
//! (redis-rs's `ConnectionManager`), with timeouts so that a Redis that is down is an error
//! within a second, never a hang.

use std::fmt;
use std::time::Duration;

use std::num::NonZeroUsize;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::caching::{CacheConfig, CacheMode, CacheStatistics};
use redis::{IntoConnectionInfo, ProtocolVersion};

/// How the connection is made.
#[derive(Clone, Debug)]
pub struct RedisOptions {
    /// Prepended to every key this crate writes. Default: `wxlogin:`.
    pub prefix: String,
    /// How long one command may take. Default: 1 s.
    pub response_timeout: Duration,
    /// How long connecting may take. Default: 1 s.
    pub connection_timeout: Duration,
    /// Keep session reads in this process, invalidated by Redis itself. Default: `None`
    /// (every session read asks Redis). See [`SessionCache`].
    pub session_cache: Option<SessionCache>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: "wxlogin:".into(),
            response_timeout: Duration::from_secs(1),
            connection_timeout: Duration::from_secs(1),
            session_cache: None,
        }
    }
}

/// Server-assisted client-side caching of session reads (Redis 6 or later; redis-rs's
/// `cache-aio`, over RESP3).
///
/// A [`RedisStore`](crate::RedisStore) read that hits the cache costs no round trip. Redis
/// tracks the keys this connection read and pushes an invalidation when any replica changes or
/// removes one, so a removal is seen by every replica once that push arrives (one round trip
/// after the removal; at once on the replica that removed it). A reconnection drops the whole
/// cache (redis-rs starts a new epoch), so pushes lost with a broken connection cost nothing.
///
/// What it trades: a replica whose link to Redis breaks *without the connection closing* (a
/// partition, not a Redis restart) keeps serving the sessions it holds for up to `ttl`,
/// removals included. Only session reads are cached; code claims, answers and the access token
/// always ask Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionCache {
    /// How many sessions to keep (least recently used ones leave first). Default: 10,000.
    pub capacity: NonZeroUsize,
    /// The longest a session stays cached, whatever its life in Redis (the shorter of the two
    /// applies). Default: 60 s.
    pub ttl: Duration,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self {
            capacity: NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN),
            ttl: Duration::from_secs(60),
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
        let mut info = url.into_connection_info()?;
        let mut config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(options.response_timeout))
            .set_connection_timeout(Some(options.connection_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        if let Some(cache) = options.session_cache {
            // Invalidation pushes need RESP3; only commands that opt in are cached.
            let settings = info.redis_settings().clone();
            info = info.set_redis_settings(settings.set_protocol(ProtocolVersion::RESP3));
            config = config.set_cache_config(
                CacheConfig::new()
                    .set_mode(CacheMode::OptIn)
                    .set_size(cache.capacity)
                    .set_default_client_ttl(cache.ttl),
            );
        }
        let manager = ConnectionManager::new_lazy_with_config(redis::Client::open(info)?, config)?;
        Ok(Self {
            manager,
            prefix: options.prefix,
        })
    }

    /// Hits, misses and invalidations of the [`SessionCache`], if this connection has one.
    pub fn session_cache_statistics(&self) -> Option<CacheStatistics> {
        self.manager.get_cache_statistics()
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
