//! A `redis-server` of the test's own on a free loopback port, stopped on drop. A missing
//! `redis-server` fails the test with the Debian package to install; it never skips.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use wxlogin_server::{Redis, RedisOptions, SealKeys};

pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

impl RedisServer {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let mut server = Self { port, child: None };
        server.restart().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A connection with short timeouts, for the tests.
    pub fn connect(&self) -> Redis {
        let options = RedisOptions {
            response_timeout: Duration::from_millis(500),
            connection_timeout: Duration::from_millis(500),
            ..RedisOptions::default()
        };
        Redis::with_options(&self.url(), options).expect("redis url")
    }

    /// Stops the server (an outage).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: nothing is saved).
    pub async fn restart(&mut self) {
        self.stop();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): install the Debian package \
                     `redis-server` (apt-get install -y redis-server)"
                )
            });
        self.child = Some(child);
        let port = self.port;
        super::eventually("redis-server accepts connections", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        })
        .await;
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
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
