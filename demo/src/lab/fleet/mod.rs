//! The multi-replica run: several replicas of the developer server (`wxlogin-server` on one
//! `redis-server` the run starts itself), a round-robin front on the client side, many
//! clients, WeChat faults from the fake, lost login answers on the link, **one replica killed
//! mid-run and Redis restarted** (stopped and started on the same port, its append-only file
//! kept), then a [summary](FleetReport) whose invariants decide the exit status:
//!
//! - no session lost (see [`user`] for the definition: a `401` while the token lives),
//! - no 40163: neither WeChat's (a code exchanged twice) nor a replica's `code_used`,
//! - no code sent to code2Session again after WeChat exchanged it.
//!
//! The kill and the restart are triggered by progress (after a third and two thirds of the
//! clients have logged in), not by the clock, so every run has them mid-run.
//!
//! | file | concern |
//! |---|---|
//! | `replica.rs` | a replica on its own runtime, so that a kill is a crash |
//! | `front.rs` | the round-robin [`Route`](crate::drive::http_client::Route) the clients send through |
//! | `user.rs` | one simulated user: log in, business requests, what "lost" means |
//! | `report.rs` | the summary and its invariants |

mod front;
mod replica;
mod report;
pub mod user;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use wxlogin::client::CodeReuse;
use wxlogin_server::{LocalRedis, LocalRedisError, SealKeys};

pub use front::{FRONT, RoundRobin};
pub use replica::{Replica, ReplicaSetup};
pub use report::{Events, FleetReport};
use user::{UserPlan, UserRun};

use crate::drive::client::DriverReport;
use crate::drive::random;
use crate::lab::stack::{FaultRates, Stack, StackOptions};

/// What to run.
#[derive(Clone, Debug)]
pub struct FleetPlan {
    /// Simulated users, each its own client machine.
    pub clients: usize,
    /// Replicas of the developer server (a kill needs two or more).
    pub replicas: usize,
    /// The faults drawn at a rate (a lost login answer is resent with the same code, often
    /// to another replica).
    pub faults: FaultRates,
    /// What each user does.
    pub user: UserPlan,
    /// Keep the trace lines (off by default: thousands of lines).
    pub keep_trace: bool,
}

impl Default for FleetPlan {
    /// The run: 1,000 clients, three replicas, 10% of WeChat calls -1, 5% of login
    /// answers lost.
    fn default() -> Self {
        Self {
            clients: 1_000,
            replicas: 3,
            faults: FaultRates::default(),
            user: UserPlan {
                business_requests: 3,
                between_requests: Duration::from_millis(100),
                patience: Duration::from_secs(60),
            },
            keep_trace: false,
        }
    }
}

/// Why the run could not start.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// `redis-server` could not be started (the message names the package).
    #[error(transparent)]
    Redis(#[from] LocalRedisError),
    /// The fake WeChat, a replica or a listener could not be started.
    #[error("the lab could not start: {0}")]
    Lab(#[from] std::io::Error),
}

/// Runs `plan` and judges it.
pub async fn run(plan: &FleetPlan) -> Result<FleetReport, FleetError> {
    let mut redis = LocalRedis::start_durable().await?;
    let stack = Stack::start(StackOptions {
        keep_trace: plan.keep_trace,
        wechat_call_timeout: Duration::from_secs(2),
    })
    .await?;
    stack.inject(plan.faults);
    let mut replicas = start_replicas(&stack, &redis, plan.replicas).await?;
    let front = Arc::new(RoundRobin::new(
        replicas.iter().map(|r| r.base_url().to_owned()).collect(),
    ));
    let http = stack.http.routed(Arc::<RoundRobin>::clone(&front));

    let (logins, progress) = watch::channel(0usize);
    let started = tokio::time::Instant::now();
    let users = run_users(&stack, &http, plan, logins);
    let events = conduct(plan, progress, &mut replicas, &front, &mut redis);
    let ((runs, drivers), events) = tokio::join!(users, events);
    let elapsed = started.elapsed();

    Ok(FleetReport::judge(
        plan, elapsed, runs, drivers, events, &replicas, &stack,
    ))
}

async fn start_replicas(
    stack: &Stack,
    redis: &LocalRedis,
    count: usize,
) -> Result<Vec<Replica>, FleetError> {
    let mut config = stack.server_config().clone();
    // Short, so that a code whose claim died with its replica is given up on quickly.
    config.call_grace = time::Duration::seconds(1);
    config.store_retry_after = time::Duration::seconds(1);
    let key = random::bytes::<32>().map_err(std::io::Error::other)?;
    let keys = SealKeys::new("k1", key).map_err(std::io::Error::other)?;
    let setup = ReplicaSetup {
        config,
        redis_url: redis.url(),
        keys,
        link: Arc::clone(&stack.link),
        trace: Arc::clone(&stack.trace),
    };
    let mut replicas = Vec::with_capacity(count);
    for n in 1..=count {
        replicas.push(Replica::start(format!("replica-{n}"), setup.clone()).await?);
    }
    Ok(replicas)
}

/// Every user at once, each with its own client through the front; returns what each saw
/// and the clients' drivers summed.
async fn run_users(
    stack: &Stack,
    http: &crate::drive::http_client::HttpClient,
    plan: &FleetPlan,
    logins: watch::Sender<usize>,
) -> (Vec<UserRun>, DriverReport) {
    let logins = Arc::new(logins);
    let mut users = JoinSet::new();
    for _ in 0..plan.clients {
        let mut config = stack.client_config();
        config.login.base_url = FRONT.to_owned();
        config.login.code_reuse = CodeReuse::WithinCodeLife;
        // A code whose claim died with a replica is replaced after this, not after 5 minutes.
        config.login.code_max_age = time::Duration::seconds(10);
        let client = stack.spawn_routed_client(config, http);
        let (http, user, logins) = (http.clone(), plan.user, Arc::clone(&logins));
        users.spawn(async move {
            let run = user::live(&client, &http, user, &logins).await;
            (run, client.shutdown().await)
        });
    }
    let mut runs = Vec::with_capacity(plan.clients);
    let mut drivers = DriverReport::default();
    while let Some(joined) = users.join_next().await {
        let Ok((run, report)) = joined else {
            drivers.contract_errors.push("a user task failed".into());
            continue;
        };
        runs.push(run);
        drivers.wx_login_calls += report.wx_login_calls;
        drivers.requests_sent += report.requests_sent;
        drivers.stale_answers += report.stale_answers;
        drivers.contract_errors.extend(report.contract_errors);
    }
    (runs, drivers)
}

/// The faults of the run's middle: a replica killed after a third of the logins, Redis
/// restarted after two thirds. Ends early (with what happened) if the users end first.
async fn conduct(
    plan: &FleetPlan,
    mut progress: watch::Receiver<usize>,
    replicas: &mut [Replica],
    front: &RoundRobin,
    redis: &mut LocalRedis,
) -> Events {
    let mut events = Events::default();
    let victim = replicas.len().checked_sub(2).map(|_| 1);
    if let Some(index) = victim {
        let Ok(at) = progress
            .wait_for(|n| *n >= plan.clients / 3)
            .await
            .map(|n| *n)
        else {
            return events;
        };
        replicas[index].kill();
        front.remove(index);
        events.killed = Some((replicas[index].id.clone(), at));
    }
    let Ok(at) = progress
        .wait_for(|n| *n >= plan.clients * 2 / 3)
        .await
        .map(|n| *n)
    else {
        return events;
    };
    events.redis_restart = Some(restart_redis(redis, replicas, at).await);
    events
}

/// Stops Redis, keeps it down until a replica has answered `503` (bounded: 1 s), starts it
/// again on the same port; returns (logins before, `503`s while down, the outage).
async fn restart_redis(
    redis: &mut LocalRedis,
    replicas: &[Replica],
    at: usize,
) -> Result<(usize, u64, Duration), String> {
    let unavailable = || replicas.iter().map(|r| r.stats().unavailable).sum::<u64>();
    let before = unavailable();
    let down = tokio::time::Instant::now();
    redis.stop();
    // Pacing, not an assertion: the outage lasts until it is seen, or a second.
    while unavailable() == before && down.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let result = redis.restart().await;
    let outage = down.elapsed();
    result
        .map(|()| (at, unavailable() - before, outage))
        .map_err(|e| e.to_string())
}
