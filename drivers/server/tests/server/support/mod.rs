//! What the tests share: a fake WeChat on loopback, apps served on loopback, captured logs,
//! and (feature `redis`) a `redis-server` of their own.

#![allow(dead_code, unreachable_pub)]

pub mod logs;
#[cfg(feature = "redis")]
pub mod redis;
pub mod wechat;

use std::time::Duration;

use axum::Router;
use tokio::task::JoinHandle;
use wxlogin::secret::AppSecret;
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::login::{CoordinatorConfig, ExchangeConfig};
use wxlogin_server::ServerConfig;

/// The app secret every fake WeChat expects; tests assert it never reaches a log.
pub const APP_SECRET: &str = "APPSECRET-MARKER-5f1c";
/// The session key every fake WeChat grants (base64 of 16 bytes), a marker too.
pub const SESSION_KEY: &str = "U0tNQVJLLTAxMjM0NTY3OA==";
/// The demo appid.
pub const APPID: &str = "wx0000000000000001";

/// A server configuration against a fake WeChat at `base_url`.
pub fn config(base_url: &str) -> ServerConfig {
    let mut code2session = Code2SessionApi::new(APPID, AppSecret::new(APP_SECRET));
    code2session.base_url = base_url.to_owned();
    let mut login = ExchangeConfig::new(code2session, 7);
    login.call_timeout = time::Duration::seconds(5);
    let mut config = ServerConfig::new(CoordinatorConfig::new(login));
    config.call_grace = time::Duration::seconds(2);
    config
}

/// A server on loopback; aborted on drop.
pub struct Served {
    pub base_url: String,
    task: JoinHandle<()>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `app` on a port the OS chooses.
pub async fn serve(app: Router) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Served {
        base_url: format!("http://{addr}"),
        task,
    }
}

/// A plain HTTP client for the tests' requests.
pub fn client() -> reqwest::Client {
    // reqwest is built without a default TLS provider: install ring's (once is enough).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// `POST {base}/login {"code": code}`: status and JSON body.
pub async fn login(base: &str, code: &str) -> (u16, serde_json::Value) {
    let response = client()
        .post(format!("{base}/login"))
        .header("content-type", "application/json")
        .body(format!(r#"{{"code":"{code}"}}"#))
        .send()
        .await
        .expect("login request");
    read(response).await
}

/// `GET {base}{path}` with `headers`: status and JSON body (`Null` when not JSON).
pub async fn get(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let mut request = client().get(format!("{base}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.send().await.expect("get request")).await
}

pub async fn read(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// The token of a 200 login answer.
pub fn token_of(body: &serde_json::Value) -> String {
    body["token"].as_str().expect("a token").to_owned()
}

/// A fresh code nobody has used.
pub fn fresh_code() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("code-{}-{n}", std::process::id())
}

/// Waits (bounded) until `check` holds; panics with `what` if it never does.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("never happened: {what}");
}

/// The test app: the service's routes and one business route, `GET /me`, answering the
/// caller's openid.
pub fn app(service: wxlogin_server::LoginService) -> Router {
    use axum::routing::get;
    Router::new()
        .route("/me", get(me).post(me))
        .layer(axum::middleware::from_fn_with_state(
            service.clone(),
            wxlogin_server::werequest_token,
        ))
        .with_state(service.clone())
        .merge(wxlogin_server::router(service))
}

async fn me(session: wxlogin_server::WxSession) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"openid": session.openid()}))
}
