//! [`RedisStore`]: sessions in the Redis the replicas share.
//!
//! - The key is `<prefix>session:<hex SHA-256 of the token>`: a dump of Redis holds no token.
//! - The value is a versioned JSON record whose session key is sealed with [`SealKeys`]
//!   (AES-256-GCM, key id for rotation, bound to the record's key).
//! - The TTL is the session's remaining life, so Redis drops it when it ends.
//! - Redis down (refused, timed out) is [`StoreError::Unavailable`]: a `503`, never a `401`.

use redis::{AsyncCommands, CommandCacheConfig};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use wxlogin::secret::{SessionKey, SessionToken};
use wxlogin::server::session::SessionRecord;

use super::seal::SealKeys;
use super::{SessionStore, StoreError, StoreFuture};
use crate::redact::{digest, hex};
use crate::redis_conn::Redis;

/// The record's format version.
const VERSION: u32 = 1;

/// Sessions in Redis, shared by every replica; cheap to clone.
#[derive(Clone, Debug)]
pub struct RedisStore {
    redis: Redis,
    keys: SealKeys,
}

#[derive(Serialize, Deserialize)]
struct Record {
    v: u32,
    openid: String,
    unionid: Option<String>,
    /// Milliseconds since the Unix epoch.
    created_at: i64,
    expires_at: i64,
    /// `<key id>.<hex>`: the sealed session key.
    session_key: String,
}

impl RedisStore {
    /// Sessions in `redis`, session keys sealed with `keys`.
    pub fn new(redis: Redis, keys: SealKeys) -> Self {
        Self { redis, keys }
    }

    /// The Redis key a token's session lives under.
    fn key(&self, token: &SessionToken) -> String {
        self.redis
            .key(&format!("session:{}", hex(&digest(token.expose_secret()))))
    }

    async fn insert_now(
        &self,
        token: &SessionToken,
        session: &SessionRecord,
    ) -> Result<(), StoreError> {
        let ttl_ms = millis(session.expires_at) - millis(OffsetDateTime::now_utc());
        let Ok(ttl_ms) = u64::try_from(ttl_ms) else {
            return Ok(()); // already ended: nothing to keep
        };
        if ttl_ms == 0 {
            return Ok(());
        }
        let key = self.key(token);
        let sealed = self
            .keys
            .seal(
                session.session_key.expose_secret().as_bytes(),
                key.as_bytes(),
            )
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let record = Record {
            v: VERSION,
            openid: session.openid.clone(),
            unionid: session.unionid.clone(),
            created_at: millis(session.created_at),
            expires_at: millis(session.expires_at),
            session_key: sealed,
        };
        let value =
            serde_json::to_string(&record).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let options = redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(ttl_ms));
        let mut conn = self.redis.conn();
        conn.set_options::<_, _, ()>(&key, value, options)
            .await
            .map_err(unavailable)
    }

    async fn get_now(&self, token: &SessionToken) -> Result<Option<SessionRecord>, StoreError> {
        let key = self.key(token);
        let mut conn = self.redis.conn();
        // Answered from the connection's `SessionCache` when it has one and holds the key.
        let value: Option<String> = redis::cmd("GET")
            .arg(&key)
            .set_cache_config(CommandCacheConfig::new())
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        value.map(|v| self.decode(&key, &v)).transpose()
    }

    fn decode(&self, key: &str, value: &str) -> Result<SessionRecord, StoreError> {
        let record: Record = serde_json::from_str(value)
            .map_err(|_| StoreError::Unreadable("not a session record".into()))?;
        if record.v != VERSION {
            return Err(StoreError::Unreadable(format!(
                "record version {}",
                record.v
            )));
        }
        let session_key = self
            .keys
            .open(&record.session_key, key.as_bytes())
            .map_err(|e| StoreError::Unreadable(e.to_string()))?;
        let session_key = String::from_utf8(session_key)
            .map_err(|_| StoreError::Unreadable("session key not text".into()))?;
        Ok(SessionRecord {
            openid: record.openid,
            unionid: record.unionid,
            session_key: SessionKey::new(session_key),
            created_at: from_millis(record.created_at)?,
            expires_at: from_millis(record.expires_at)?,
        })
    }

    async fn remove_now(&self, token: &SessionToken) -> Result<(), StoreError> {
        let mut conn = self.redis.conn();
        conn.del::<_, ()>(self.key(token))
            .await
            .map_err(unavailable)
    }
}

impl SessionStore for RedisStore {
    fn insert<'a>(
        &'a self,
        token: &'a SessionToken,
        session: &'a SessionRecord,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.insert_now(token, session))
    }

    fn get<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, Option<SessionRecord>> {
        Box::pin(self.get_now(token))
    }

    fn remove<'a>(&'a self, token: &'a SessionToken) -> StoreFuture<'a, ()> {
        Box::pin(self.remove_now(token))
    }
}

/// A Redis failure as the store's error. redis-rs's messages name the command's kind and the
/// server's reply, never the values sent (ours are hashes and sealed records anyway).
pub(crate) fn unavailable(error: redis::RedisError) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

/// Milliseconds since the Unix epoch (saturating: an absurd instant cannot panic).
pub(crate) fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn from_millis(ms: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| StoreError::Unreadable("time out of range".into()))
}
