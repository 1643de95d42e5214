//! [`LocalRedis`]: a `redis-server` of the caller's own on a free loopback port, for tests,
//! demos and development (never production). The crate's tests and the demo's multi-replica
//! run share it, so that there is one way to start, stop and restart one.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::redis_conn::{Redis, RedisOptions};

/// How long a started `redis-server` may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// Why a local `redis-server` could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocalRedisError {
    /// The program could not be run: it is most likely not installed.
    #[error(
        "cannot start redis-server ({0}): install the Debian package `redis-server` \
         (apt-get install -y redis-server)"
    )]
    Missing(std::io::Error),
    /// It started but did not accept connections in time.
    #[error("redis-server on port {0} did not accept connections within 10 s")]
    NotReady(u16),
    /// No free loopback port, or no directory for its files.
    #[error("cannot prepare redis-server: {0}")]
    Setup(std::io::Error),
}

/// A `redis-server` child process on `127.0.0.1`, stopped (killed) on drop.
///
/// [`start`](Self::start) keeps nothing across a [`restart`](Self::restart) (as after a
/// flush); [`start_durable`](Self::start_durable) writes every command to an append-only file
/// before answering (`appendfsync always`), so that a restart, even after a kill, keeps every
/// key, as a production Redis with persistence would.
#[derive(Debug)]
pub struct LocalRedis {
    port: u16,
    dir: Option<PathBuf>,
    child: Option<Child>,
}

impl LocalRedis {
    /// Starts one on a free loopback port, without persistence.
    pub async fn start() -> Result<Self, LocalRedisError> {
        Self::launch(false).await
    }

    /// Starts one on a free loopback port, with every write in an append-only file in a
    /// temporary directory (removed on drop).
    pub async fn start_durable() -> Result<Self, LocalRedisError> {
        Self::launch(true).await
    }

    async fn launch(durable: bool) -> Result<Self, LocalRedisError> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(LocalRedisError::Setup)?
            .port();
        let dir = if durable {
            let dir =
                std::env::temp_dir().join(format!("wxlogin-redis-{}-{port}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(LocalRedisError::Setup)?;
            Some(dir)
        } else {
            None
        };
        let mut server = Self {
            port,
            dir,
            child: None,
        };
        server.restart().await?;
        Ok(server)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A connection with short timeouts (500 ms), so that an outage is seen quickly.
    pub fn connect(&self) -> Result<Redis, redis::RedisError> {
        let options = RedisOptions {
            response_timeout: Duration::from_millis(500),
            connection_timeout: Duration::from_millis(500),
            ..RedisOptions::default()
        };
        Redis::with_options(&self.url(), options)
    }

    /// Kills it (an outage). Nothing happens if it is not running.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (stopping it first if it runs), and waits until it
    /// accepts connections.
    pub async fn restart(&mut self) -> Result<(), LocalRedisError> {
        self.stop();
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", ""])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match &self.dir {
            Some(dir) => command.arg("--dir").arg(dir).args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ]),
            None => command.args(["--appendonly", "no"]),
        };
        self.child = Some(command.spawn().map_err(LocalRedisError::Missing)?);
        // Polls the port: the server says nothing else when it is ready.
        let give_up = tokio::time::Instant::now() + READY_WITHIN;
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            if tokio::time::Instant::now() >= give_up {
                return Err(LocalRedisError::NotReady(self.port));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(())
    }
}

impl Drop for LocalRedis {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
