//! [`TokenLease`]: one access-token refresher among the replicas, elected by a Redis lease with
//! a fencing token.
//!
//! - `<prefix>token:lease` holds `<replica>:<fence>` for the lease time; the holder renews it
//!   every third of that time; when the holder dies, the lease expires and the next replica to
//!   try takes it, with a new fence from `<prefix>token:fence` (`INCR`, never reused).
//! - `<prefix>token:state` holds the cache's shared state (the token and the forced-refresh
//!   count), sealed with [`SealKeys`]. It is written only while the writer's exact
//!   `<replica>:<fence>` is the lease (one Lua script): a refresher that paused past its lease
//!   cannot overwrite the state its successor wrote.

use std::time::Duration;

use redis::{AsyncCommands, Script};

use crate::redis_conn::Redis;
use crate::store::seal::SealKeys;

/// Take the lease if free, renew it if ours; the fence we hold, or 0.
const ACQUIRE: &str = r"
local v = redis.call('GET', KEYS[1])
local mine = ARGV[1] .. ':'
if v then
  if string.sub(v, 1, #mine) == mine then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(string.sub(v, #mine + 1))
  end
  return 0
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], mine .. fence, 'PX', ARGV[2])
return fence";

/// Write the state only under our exact lease.
const PUBLISH: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1";

/// The lease and the shared state of one app's access token.
#[derive(Clone, Debug)]
pub struct TokenLease {
    redis: Redis,
    keys: SealKeys,
    replica: String,
    lease: Duration,
}

impl TokenLease {
    /// A lease named `replica` (unique among the replicas) held for `lease` at a time (say
    /// 10 s: the longest a dead refresher goes unnoticed), the state sealed with `keys`.
    pub fn new(redis: Redis, keys: SealKeys, replica: impl Into<String>, lease: Duration) -> Self {
        Self {
            redis,
            keys,
            replica: replica.into(),
            lease,
        }
    }

    /// How long the lease lasts.
    pub fn lease_time(&self) -> Duration {
        self.lease
    }

    /// Takes or renews the lease: `Some(fence)` while this replica is the refresher.
    pub async fn acquire(&self) -> Result<Option<u64>, redis::RedisError> {
        let mut conn = self.redis.conn();
        let millis = u64::try_from(self.lease.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let fence: u64 = Script::new(ACQUIRE)
            .key(self.redis.key("token:lease"))
            .key(self.redis.key("token:fence"))
            .arg(&self.replica)
            .arg(millis)
            .invoke_async(&mut conn)
            .await?;
        Ok((fence > 0).then_some(fence))
    }

    /// Writes `state` (JSON) if this replica still holds the lease with `fence`; `false` when
    /// it does not (the write is refused).
    pub async fn publish(&self, fence: u64, state: &[u8]) -> Result<bool, redis::RedisError> {
        let key = self.redis.key("token:state");
        let Ok(sealed) = self.keys.seal(state, key.as_bytes()) else {
            return Ok(false);
        };
        let mut conn = self.redis.conn();
        let written: i64 = Script::new(PUBLISH)
            .key(self.redis.key("token:lease"))
            .key(&key)
            .arg(format!("{}:{fence}", self.replica))
            .arg(sealed)
            .invoke_async(&mut conn)
            .await?;
        Ok(written == 1)
    }

    /// The shared state (JSON), if any is stored and readable with this replica's keys.
    pub async fn load(&self) -> Result<Option<Vec<u8>>, redis::RedisError> {
        let key = self.redis.key("token:state");
        let mut conn = self.redis.conn();
        let sealed: Option<String> = conn.get(&key).await?;
        Ok(sealed.and_then(|s| self.keys.open(&s, key.as_bytes()).ok()))
    }
}
