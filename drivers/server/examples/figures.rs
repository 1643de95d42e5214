//! The figures of `drivers/server/README.md`, over loopback HTTP (benchmarks, not tests):
//!
//! 1. logins per second through `router(service)` against an axum handler that makes the same
//!    two round trips (client to server, server to a fake WeChat) and answers fixed JSON;
//! 2. a business route with the `WxSession` extractor against a fixed-JSON route;
//! 3. with `--features redis` and `redis-server` on the PATH: the same logins and extractor
//!    with sessions in Redis and codes joined across replicas, then again with a
//!    `SessionCache` on the connection.
//!
//! With Redis, two more rows: the **floor**, an axum handler doing the fewest Redis round trips
//! a joined login needs on its path (claim, session) and a route doing one `GET`, each against
//! the same baseline: what Redis costs on this machine before any of this crate's code runs.
//!
//! `cargo run --release -p wxlogin-server --all-features --example figures [seconds] [clients] [all|memory|redis]`
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use wxlogin::secret::AppSecret;
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{CoordinatorConfig, ExchangeConfig};
use wxlogin_server::{
    LoginService, LoginServiceBuilder, MemoryStore, ServerConfig, WxSession, router,
};

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(3), |s| s.parse())?;
    let clients: usize = args.next().map_or(Ok(16), |s| s.parse())?;
    let which = args.next().unwrap_or_else(|| "all".into());
    let run = Duration::from_secs(seconds);
    let wechat = serve(fake_wechat()).await?;
    println!("{clients} clients, {seconds} s per figure, loopback HTTP/1.1");

    let baseline = serve(baseline(wechat.clone())).await?;
    // Room for every session the run creates: a figure measures logins, not a full store
    // (the default bound, 100,000, fills within two rounds and turns logins into 503s).
    if which != "redis" {
        let memory =
            LoginService::builder(config(&wechat)).store(MemoryStore::with_capacity(usize::MAX));
        measure("memory store", memory, &baseline, None, run, clients).await?;
    }
    if which != "memory" {
        redis_figures(&wechat, &baseline, run, clients).await?;
    }
    Ok(())
}

#[cfg(feature = "redis")]
async fn redis_figures(
    wechat: &str,
    baseline: &str,
    run: Duration,
    clients: usize,
) -> Result<(), Error> {
    use wxlogin_server::{CodeJoin, Redis, RedisOptions, RedisStore, SealKeys, SessionCache};
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = std::process::Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("redis-server ({e}): install the Debian package redis-server"))?;
    let _ = REDIS_PID.set(child.id());
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = format!("redis://127.0.0.1:{port}/");
    let redis = Redis::open(&url)?;
    let keys = SealKeys::new("k1", [7; 32])?;
    let floor = serve(redis_floor(wechat.to_owned(), &url).await?).await?;
    let builder = LoginService::builder(config(wechat))
        .store(RedisStore::new(redis.clone(), keys.clone()))
        .code_join(CodeJoin::new(redis, keys.clone(), "figures"));
    let label = "redis store + code join";
    let mut result = measure(label, builder, baseline, Some(&floor), run, clients).await;
    if result.is_ok() {
        // The same with session reads kept in process (RESP3, invalidated by Redis).
        let options = RedisOptions {
            session_cache: Some(SessionCache::default()),
            ..RedisOptions::default()
        };
        let cached = Redis::with_options(&url, options)?;
        let builder = LoginService::builder(config(wechat))
            .store(RedisStore::new(cached.clone(), keys.clone()))
            .code_join(CodeJoin::new(cached, keys, "figures-cached"));
        let label = "redis store + code join + session cache";
        result = measure(label, builder, baseline, None, run, clients).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[cfg(not(feature = "redis"))]
async fn redis_figures(_: &str, _: &str, _: Duration, _: usize) -> Result<(), Error> {
    println!("(build with --features redis for the Redis figures)");
    Ok(())
}

/// The Redis floor: the baseline's handlers plus the Redis round trips they cannot do without,
/// through the same kind of connection the crate uses (redis-rs's `ConnectionManager`): a
/// login claims its code (`SET NX PX`) before the call and stores a session (`SET PX`) after
/// it; the fixed-JSON route first reads a session-sized value (`GET`).
#[cfg(feature = "redis")]
async fn redis_floor(wechat: String, url: &str) -> Result<Router, Error> {
    use redis::AsyncCommands;
    let conn = redis::aio::ConnectionManager::new(redis::Client::open(url)?).await?;
    let record = "x".repeat(200);
    conn.clone()
        .set::<_, _, ()>("floor:session", &record)
        .await?;
    let (client, login_conn) = (http(), conn.clone());
    Ok(Router::new()
        .route(
            "/login",
            post(move |body: axum::body::Bytes| {
                let (client, wechat, mut conn) = (client.clone(), wechat.clone(), login_conn.clone());
                let record = record.clone();
                async move {
                    let claim = format!("floor:claim:{}", String::from_utf8_lossy(&body));
                    let options = redis::SetOptions::default()
                        .conditional_set(redis::ExistenceCheck::NX)
                        .with_expiration(redis::SetExpiry::PX(300_000));
                    let _: Option<String> = conn.set_options(&claim, "floor", options).await.ok().flatten();
                    let url = format!("{wechat}/sns/jscode2session?appid=a&secret=s&js_code=c&grant_type=authorization_code");
                    let answer = client.get(url).send().await.ok();
                    let _ = match answer { Some(a) => a.bytes().await.ok(), None => None };
                    let options = redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(7_200_000));
                    let session = format!("floor:session:{}", String::from_utf8_lossy(&body));
                    let _: Option<()> = conn.set_options(&session, record, options).await.ok();
                    Json(json!({"token": "fixed-token-fixed-token-fixed-token-fixed00", "expires_in": 7200}))
                }
            }),
        )
        .route(
            "/fixed",
            get(move || {
                let mut conn = conn.clone();
                async move {
                    let _: Option<String> = conn.get("floor:session").await.ok().flatten();
                    Json(json!({"openid": "oFIGURES"}))
                }
            }),
        ))
}

/// Logins per second and extractor requests per second through a service, each against the
/// baseline (and the Redis floor, when there is one), in five interleaved rounds (the
/// machine's load drifts); prints the medians.
async fn measure(
    label: &str,
    builder: LoginServiceBuilder,
    baseline: &str,
    floor: Option<&str>,
    run: Duration,
    clients: usize,
) -> Result<(), Error> {
    let service = builder.start()?;
    let app = Router::new()
        .route(
            "/me",
            get(|me: WxSession| async move { Json(json!({"openid": me.openid()})) }),
        )
        .with_state(service.clone())
        .merge(router(service));
    let base = serve(app).await?;
    let body = http()
        .post(format!("{base}/login"))
        .body(r#"{"code":"warm-up-code"}"#)
        .send()
        .await?
        .text()
        .await?;
    let token: serde_json::Value = serde_json::from_str(&body)?;
    let auth = format!("Bearer {}", token["token"].as_str().ok_or("no token")?);
    let (mut logins, mut routes) = (Vec::new(), Vec::new());
    let (mut login_floors, mut route_floors) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let ours = rate(run, clients, login_load(&base)).await?;
        let theirs = rate(run, clients, login_load(baseline)).await?;
        logins.push((ours, theirs));
        if let Some(floor) = floor {
            let floor = rate(run, clients, login_load(floor)).await?;
            login_floors.push((floor, theirs));
        }
        let ours = rate(run, clients, get_load(&base, "/me", Some(auth.clone()))).await?;
        let theirs = rate(run, clients, get_load(baseline, "/fixed", None)).await?;
        routes.push((ours, theirs));
        if let Some(floor) = floor {
            let floor = rate(run, clients, get_load(floor, "/fixed", None)).await?;
            route_floors.push((floor, theirs));
        }
    }
    report(label, "logins/s", "two-round-trip fixed JSON", logins);
    report(
        "redis floor",
        "logins/s (claim + session SET)",
        "the same",
        login_floors,
    );
    report(label, "WxSession route/s", "fixed-JSON route", routes);
    report(
        "redis floor",
        "GET route/s",
        "fixed-JSON route",
        route_floors,
    );
    Ok(())
}

/// Prints the median round of a figure, by throughput, and the median ratio of CPU per
/// request (nothing when it was not measured).
fn report(label: &str, what: &str, against: &str, mut rounds: Vec<(Rate, Rate)>) {
    if rounds.is_empty() {
        return;
    }
    let middle = rounds.len() / 2;
    rounds.sort_by(|a, b| {
        let ratio = |(ours, theirs): &(Rate, Rate)| ours.per_second / theirs.per_second;
        ratio(a).total_cmp(&ratio(b))
    });
    let (ours, theirs) = rounds[middle];
    let ratio = 100.0 * ours.per_second / theirs.per_second;
    rounds.sort_by(|a, b| (a.1.cpu_us / a.0.cpu_us).total_cmp(&(b.1.cpu_us / b.0.cpu_us)));
    let (cpu_ours, cpu_theirs) = rounds[middle];
    println!(
        "{label}: {what} {:.0} vs {against} {:.0}: {ratio:.0}% \
         (CPU per request {:.0} us vs {:.0} us: {:.0}%)",
        ours.per_second,
        theirs.per_second,
        cpu_ours.cpu_us,
        cpu_theirs.cpu_us,
        100.0 * cpu_theirs.cpu_us / cpu_ours.cpu_us,
    );
}

fn config(wechat: &str) -> ServerConfig {
    let mut code2session = Code2SessionApi::new("wx0000000000000001", AppSecret::new("secret"));
    code2session.base_url = wechat.to_owned();
    ServerConfig::new(CoordinatorConfig::new(ExchangeConfig::new(code2session, 1)))
}

/// The fake WeChat: a fixed session for any code.
fn fake_wechat() -> Router {
    Router::new().route(
        "/sns/jscode2session",
        get(|| async {
            Json(json!({"openid": "oFIGURES", "session_key": "U0tNQVJLLTAxMjM0NTY3OA=="}))
        }),
    )
}

/// The baseline: the same two round trips, fixed JSON, no machine, no store.
fn baseline(wechat: String) -> Router {
    let client = http();
    Router::new()
        .route(
            "/login",
            post(move |_body: axum::body::Bytes| {
                let (client, wechat) = (client.clone(), wechat.clone());
                async move {
                    let url = format!("{wechat}/sns/jscode2session?appid=a&secret=s&js_code=c&grant_type=authorization_code");
                    let answer = client.get(url).send().await.ok();
                    let _ = match answer { Some(a) => a.bytes().await.ok(), None => None };
                    Json(json!({"token": "fixed-token-fixed-token-fixed-token-fixed00", "expires_in": 7200}))
                }
            }),
        )
        .route("/fixed", get(|| async { Json(json!({"openid": "oFIGURES"})) }))
}

fn login_load(
    base: &str,
) -> impl Fn(reqwest::Client, u64) -> reqwest::RequestBuilder + Clone + use<> {
    let url = format!("{base}/login");
    move |client, n| {
        client
            .post(&url)
            .header("content-type", "application/json")
            .body(format!(r#"{{"code":"figure-{n}"}}"#))
    }
}

fn get_load(
    base: &str,
    path: &str,
    auth: Option<String>,
) -> impl Fn(reqwest::Client, u64) -> reqwest::RequestBuilder + Clone + use<> {
    let url = format!("{base}{path}");
    move |client, _| {
        let request = client.get(&url);
        match &auth {
            Some(auth) => request.header("authorization", auth),
            None => request,
        }
    }
}

/// Numbers requests across every run, so that no login code is ever used twice.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// Successful requests per second, `clients` at a time, for `run`; a failed one is an error, since a figure that counts
/// failures as fast answers would flatter (or a full store would silently zero) the result.
async fn rate<F>(run: Duration, clients: usize, request: F) -> Result<Rate, Error>
where
    F: Fn(reqwest::Client, u64) -> reqwest::RequestBuilder + Clone + Send + 'static,
{
    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (done, failed) = (done.clone(), failed.clone());
            let (next, request, client) = (&NEXT, request.clone(), http());
            tokio::spawn(async move {
                while start.elapsed() < run {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let ok = match request(client.clone(), n).send().await {
                        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    let counter = if ok { &done } else { &failed };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let failed = failed.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(format!("{failed} requests failed").into());
    }
    let done = done.load(Ordering::Relaxed) as f64;
    let per_second = done / start.elapsed().as_secs_f64();
    let cpu_us = (cpu_seconds() - cpu_before) * 1e6 / done.max(1.0);
    Ok(Rate { per_second, cpu_us })
}

/// A figure's measurement: requests per second, and the CPU time (of this process and of
/// `redis-server`, client included) each took. On a machine whose cores are busy with other
/// work, throughput follows the share of CPU the scheduler gives, which drifts by the second;
/// CPU per request does not, so it is the steadier comparison.
#[derive(Clone, Copy)]
struct Rate {
    per_second: f64,
    cpu_us: f64,
}

/// The `redis-server` the figures started, whose CPU time counts with ours.
static REDIS_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// User and system CPU seconds so far of this process and of the figures' `redis-server`
/// (Linux `/proc`, 100 ticks a second; elsewhere 0, and the CPU columns say nothing).
fn cpu_seconds() -> f64 {
    let ours = process_cpu("self");
    let redis = REDIS_PID
        .get()
        .map_or(0.0, |pid| process_cpu(&pid.to_string()));
    ours + redis
}

fn process_cpu(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn http() -> reqwest::Client {
    // reqwest is built without a default TLS provider: install ring's (once is enough).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn serve(app: Router) -> Result<String, Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(base)
}
