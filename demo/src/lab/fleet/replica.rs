//! One replica of the developer server: a [`LoginService`] on the shared Redis (sessions in a
//! `RedisStore` read through a `SessionCache`, codes joined with a `CodeJoin` under its own
//! replica id), served on its own loopback port, on **its own tokio runtime**, so that
//! [`Replica::kill`] is a crash: the runtime is shut down and every task of the replica goes
//! with it (listener, connections, the login task, code2Session calls and store writes in
//! flight).

use std::io;
use std::sync::Arc;

use tokio::runtime::Runtime;
use wxlogin_server::{
    CodeJoin, LoginService, Redis, RedisOptions, RedisStore, SealKeys, ServerConfig, SessionCache,
};

use crate::lab::link::LinkFaults;
use crate::lab::server::{LabServer, StatsSnapshot};
use crate::lab::trace::Trace;

/// What a replica is started with.
#[derive(Clone, Debug)]
pub struct ReplicaSetup {
    /// The service's configuration (code2Session against the fake WeChat).
    pub config: ServerConfig,
    /// `redis://127.0.0.1:<port>/` of the shared Redis.
    pub redis_url: String,
    /// The sealing keys every replica shares.
    pub keys: SealKeys,
    /// The link's faults in front of the replica.
    pub link: Arc<LinkFaults>,
    /// The shared trace.
    pub trace: Arc<Trace>,
}

/// A running replica; dropping it kills it.
#[derive(Debug)]
pub struct Replica {
    /// `replica-1`, …: its id in the code join and in the summary.
    pub id: String,
    base_url: String,
    server: Option<LabServer>,
    runtime: Option<Runtime>,
}

impl Replica {
    /// Starts replica `id` on a runtime of its own with one worker thread.
    pub async fn start(id: String, setup: ReplicaSetup) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(id.clone())
            .enable_all()
            .build()?;
        let replica = id.clone();
        let server = runtime
            .spawn(async move { serve(replica, setup).await })
            .await
            .map_err(io::Error::other)??;
        Ok(Self {
            id,
            base_url: server.base_url().to_owned(),
            server: Some(server),
            runtime: Some(runtime),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What the replica counted (frozen at its kill).
    pub fn stats(&self) -> StatsSnapshot {
        self.server
            .as_ref()
            .map(|s| s.stats().snapshot())
            .unwrap_or_default()
    }

    /// Crashes the replica: its runtime stops at once with every task on it. Its counters
    /// remain readable.
    pub fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Never blocks, so it is safe within the lab's own runtime.
            runtime.shutdown_background();
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn serve(id: String, setup: ReplicaSetup) -> io::Result<LabServer> {
    let connect = |session_cache| {
        let options = RedisOptions {
            session_cache,
            ..RedisOptions::default()
        };
        Redis::with_options(&setup.redis_url, options).map_err(|e| io::Error::other(e.to_string()))
    };
    // Sessions read through a cache Redis invalidates, so the faults exercise it too.
    let store = RedisStore::new(connect(Some(SessionCache::default()))?, setup.keys.clone());
    let join = CodeJoin::new(connect(None)?, setup.keys.clone(), id);
    let builder = LoginService::builder(setup.config).code_join(join);
    LabServer::start(builder, store, &setup.link, setup.trace).await
}
