//! The tests' `redis-server`: the crate's [`LocalRedis`] (shared with the demo), whose errors
//! fail the test (a missing `redis-server` names the Debian package to install); never a skip.

use std::time::Duration;

use wxlogin_server::{LocalRedis, Redis, RedisOptions, SealKeys, SessionCache};

pub struct RedisServer(LocalRedis);

impl RedisServer {
    pub async fn start() -> Self {
        Self(LocalRedis::start().await.unwrap_or_else(|e| panic!("{e}")))
    }

    pub fn url(&self) -> String {
        self.0.url()
    }

    /// A connection with short timeouts, for the tests.
    pub fn connect(&self) -> Redis {
        self.0.connect().expect("redis url")
    }

    /// A connection like [`connect`](Self::connect) that keeps session reads in a
    /// [`SessionCache`], as a replica configured for it does.
    pub fn connect_cached(&self) -> Redis {
        let options = RedisOptions {
            response_timeout: Duration::from_millis(500),
            connection_timeout: Duration::from_millis(500),
            session_cache: Some(SessionCache::default()),
            ..RedisOptions::default()
        };
        Redis::with_options(&self.url(), options).expect("redis url")
    }

    /// Stops the server (an outage).
    pub fn stop(&mut self) {
        self.0.stop();
    }

    /// Starts it again on the same port (empty: nothing is saved).
    pub async fn restart(&mut self) {
        self.0.restart().await.unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The sealing keys every replica of a test shares.
pub fn keys() -> SealKeys {
    SealKeys::new("k1", [7; 32]).expect("keys")
}

/// Every key in Redis with its value (strings only), for at-rest assertions.
pub async fn dump(redis: &RedisServer) -> Vec<(String, String)> {
    let client = redis::Client::open(redis.url()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .expect("keys");
    let mut out = Vec::new();
    for key in keys {
        let value: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap_or(None);
        out.push((key, value.unwrap_or_default()));
    }
    out
}
