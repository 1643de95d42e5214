//! The fake WeChat's HTTP surface: each handler counts the call, suffers the fault switched on
//! for it, then lets the [`World`](super::World) answer.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;
use wxlogin_server::into_axum;

use super::bodies::{self, ErrCode};
use super::{Api, FakeWeChat, Fault};
use crate::lab::link::severed;

type Shared = State<Arc<FakeWeChat>>;
type QueryMap = Query<HashMap<String, String>>;

pub(super) fn router(fake: Arc<FakeWeChat>) -> Router {
    Router::new()
        .route("/sns/jscode2session", get(code2session))
        .route("/cgi-bin/stable_token", post(stable_token))
        .route("/wxa/checksession", get(check_session))
        .route("/_fake/wx/login", post(wx_login))
        .with_state(fake)
}

async fn code2session(State(fake): Shared, Query(query): QueryMap) -> Response {
    fake.with_world(|w| w.count_code2session(query.get("js_code").map(String::as_str)));
    if let Some(answer) = suffer(&fake, Api::Code2Session).await {
        return answer;
    }
    let body = fake.with_world(|w| w.code2session(&query, Instant::now()));
    fake.log(format!("code2Session -> {}", summary(&body)));
    json_response(&body)
}

async fn stable_token(State(fake): Shared, body: Bytes) -> Response {
    if let Some(answer) = suffer(&fake, Api::StableToken).await {
        return answer;
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let body = fake.with_world(|w| w.stable_token(&request, Instant::now()));
    fake.log(format!("stable_token -> {}", summary(&body)));
    json_response(&body)
}

async fn check_session(State(fake): Shared, Query(query): QueryMap) -> Response {
    if let Some(answer) = suffer(&fake, Api::CheckSession).await {
        return answer;
    }
    let body = fake.with_world(|w| w.check_session(&query, Instant::now()));
    fake.log(format!("checksession -> {}", summary(&body)));
    json_response(&body)
}

#[derive(Deserialize)]
struct WxLoginRequest {
    user: String,
}

/// Not a WeChat API: what the WeChat app does on the phone when the mini program calls
/// `wx.login`. Answers `{"code": "…"}`.
async fn wx_login(State(fake): Shared, body: Bytes) -> Response {
    if let Some(answer) = suffer(&fake, Api::WxLogin).await {
        return answer;
    }
    let Ok(WxLoginRequest { user }) = serde_json::from_slice(&body) else {
        return json_response(&json!({"errMsg": "login:fail bad request"}));
    };
    let code = fake.with_world(|w| w.issue_code(&user, Instant::now()));
    fake.log(format!("wx.login for {user} -> a new code"));
    match code {
        Some(code) => json_response(&json!({ "code": code })),
        None => json_response(&json!({"errMsg": "login:fail no randomness"})),
    }
}

/// The fault switched on for this call, if any: an error answer, a dropped connection, or a
/// delay after which the call is answered normally.
async fn suffer(fake: &FakeWeChat, api: Api) -> Option<Response> {
    let fault = fake.faults.draw(api)?;
    fake.log(format!("{api:?}: injected fault {fault:?}"));
    let code = match fault {
        Fault::Slow(delay) => {
            tokio::time::sleep(delay).await;
            return None;
        }
        Fault::DropConnection => return Some(severed()),
        Fault::SystemBusy => ErrCode::SystemBusy,
        Fault::MinuteQuota => ErrCode::MinuteQuota,
        Fault::HighRiskUser => ErrCode::HighRiskUser,
    };
    Some(json_response(&bodies::error(code)))
}

fn json_response(body: &Value) -> Response {
    into_axum(bodies::response(body))
}

/// One redacted line about an answer: the errcode, or which user got what. Never a key,
/// code or token.
fn summary(body: &Value) -> String {
    match body.get("errcode").and_then(Value::as_i64) {
        Some(code) if code != 0 => format!("errcode {code}"),
        _ => match (body.get("openid"), body.get("expires_in")) {
            (Some(openid), _) => format!(
                "ok, openid {} (session_key not shown)",
                openid.as_str().unwrap_or_default()
            ),
            (None, Some(expires_in)) => {
                format!("access_token (not shown), expires_in {expires_in}")
            }
            (None, None) => "ok".into(),
        },
    }
}
