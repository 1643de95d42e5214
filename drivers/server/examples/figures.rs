//! The figures of `drivers/server/README.md`, over loopback HTTP (benchmarks, not tests):
//!
//! 1. logins per second through `router(service)` against an axum handler that makes the same
//!    two round trips (client to server, server to a fake WeChat) and answers fixed JSON;
//! 2. a business route with the `WxSession` extractor against a fixed-JSON route;
//! 3. with `--features redis` and `redis-server` on the PATH: the same logins and extractor
//!    with sessions in Redis and codes joined across replicas.
//!
//! `cargo run --release -p wxlogin-server --all-features --example figures [seconds] [clients]`
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
    let run = Duration::from_secs(seconds);
    let wechat = serve(fake_wechat()).await?;
    println!("{clients} clients, {seconds} s per figure, loopback HTTP/1.1");

    let baseline = serve(baseline(wechat.clone())).await?;
    // Room for every session the run creates: a figure measures logins, not a full store
    // (the default bound, 100,000, fills within two rounds and turns logins into 503s).
    let memory =
        LoginService::builder(config(&wechat)).store(MemoryStore::with_capacity(usize::MAX));
    measure("memory store", memory, &baseline, run, clients).await?;
    redis_figures(&wechat, &baseline, run, clients).await?;
    Ok(())
}

#[cfg(feature = "redis")]
async fn redis_figures(
    wechat: &str,
    baseline: &str,
    run: Duration,
    clients: usize,
) -> Result<(), Error> {
    use wxlogin_server::{CodeJoin, Redis, RedisStore, SealKeys};
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
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let redis = Redis::open(&format!("redis://127.0.0.1:{port}/"))?;
    let keys = SealKeys::new("k1", [7; 32])?;
    let builder = LoginService::builder(config(wechat))
        .store(RedisStore::new(redis.clone(), keys.clone()))
        .code_join(CodeJoin::new(redis, keys, "figures"));
    let result = measure("redis store + code join", builder, baseline, run, clients).await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[cfg(not(feature = "redis"))]
async fn redis_figures(_: &str, _: &str, _: Duration, _: usize) -> Result<(), Error> {
    println!("(build with --features redis for the Redis figures)");
    Ok(())
}

/// Logins per second and extractor requests per second through a service, each against the
/// baseline, in five interleaved rounds (the machine's load drifts); prints the medians.
async fn measure(
    label: &str,
    builder: LoginServiceBuilder,
    baseline: &str,
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
    for _ in 0..5 {
        let ours = rate(run, clients, login_load(&base)).await?;
        let theirs = rate(run, clients, login_load(baseline)).await?;
        logins.push((ours / theirs, ours, theirs));
        let ours = rate(run, clients, get_load(&base, "/me", Some(auth.clone()))).await?;
        let theirs = rate(run, clients, get_load(baseline, "/fixed", None)).await?;
        routes.push((ours / theirs, ours, theirs));
    }
    let (ratio, ours, theirs) = median(logins);
    println!(
        "{label}: logins/s {ours:.0} vs two-round-trip fixed JSON {theirs:.0}: {:.0}%",
        100.0 * ratio
    );
    let (ratio, ours, theirs) = median(routes);
    println!(
        "{label}: WxSession route/s {ours:.0} vs fixed-JSON route {theirs:.0}: {:.0}%",
        100.0 * ratio
    );
    Ok(())
}

/// The round with the median ratio.
fn median(mut rounds: Vec<(f64, f64, f64)>) -> (f64, f64, f64) {
    rounds.sort_by(|a, b| a.0.total_cmp(&b.0));
    rounds[rounds.len() / 2]
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

/// Successful requests per second, `clients` at a time, for `run`.
/// Successful requests per second; a failed one is an error, since a figure that counts
/// failures as fast answers would flatter (or a full store would silently zero) the result.
async fn rate<F>(run: Duration, clients: usize, request: F) -> Result<f64, Error>
where
    F: Fn(reqwest::Client, u64) -> reqwest::RequestBuilder + Clone + Send + 'static,
{
    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
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
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
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
