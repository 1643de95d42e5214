//! Serving an axum router on `127.0.0.1` with a port the operating system chooses.

use std::io;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A router being served; dropping it stops accepting connections (open ones end when their
/// clients close them, or with the runtime).
#[derive(Debug)]
pub struct Listening {
    base_url: String,
    task: JoinHandle<()>,
}

impl Listening {
    /// Binds `127.0.0.1:0` and serves `router` on it.
    pub async fn serve(router: Router) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            // Only accept errors end this; the demo has nothing better to do with them.
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { base_url, task })
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}
