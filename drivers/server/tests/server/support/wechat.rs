//! A fake WeChat `jscode2session` on loopback: counts calls per code, answers 40163 to a
//! second use (as WeChat does), and can hold answers behind a gate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde_json::json;
use tokio::sync::Semaphore;

use super::{APP_SECRET, SESSION_KEY, Served, serve};

#[derive(Default)]
pub struct WeChatState {
    calls: Mutex<HashMap<String, u32>>,
    /// stable_token calls.
    token_fetches: std::sync::atomic::AtomicU32,
    /// When set, every answer waits for a permit.
    gate: Mutex<Option<Arc<Semaphore>>>,
}

pub struct FakeWeChat {
    pub state: Arc<WeChatState>,
    served: Served,
}

impl FakeWeChat {
    pub async fn start() -> Self {
        let state = Arc::new(WeChatState::default());
        let app = Router::new()
            .route("/sns/jscode2session", get(jscode2session))
            .route("/cgi-bin/stable_token", axum::routing::post(stable_token))
            .with_state(Arc::clone(&state));
        Self {
            state,
            served: serve(app).await,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.served.base_url
    }

    /// code2Session calls made with `code`.
    pub fn calls(&self, code: &str) -> u32 {
        let calls = self.state.calls.lock().expect("calls");
        calls.get(code).copied().unwrap_or(0)
    }

    /// stable_token calls made so far.
    pub fn token_fetches(&self) -> u32 {
        self.state
            .token_fetches
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every call made so far.
    pub fn total_calls(&self) -> u32 {
        self.state.calls.lock().expect("calls").values().sum()
    }

    /// Holds every answer until [`release`](Self::release).
    pub fn hold(&self) -> Arc<Semaphore> {
        let gate = Arc::new(Semaphore::new(0));
        *self.state.gate.lock().expect("gate") = Some(Arc::clone(&gate));
        gate
    }

    /// Lets every held and future answer through.
    pub fn release(&self) {
        if let Some(gate) = self.state.gate.lock().expect("gate").take() {
            gate.add_permits(Semaphore::MAX_PERMITS / 2);
        }
    }
}

async fn jscode2session(
    State(state): State<Arc<WeChatState>>,
    Query(query): Query<HashMap<String, String>>,
) -> axum::Json<serde_json::Value> {
    let code = query.get("js_code").cloned().unwrap_or_default();
    if query.get("secret").map(String::as_str) != Some(APP_SECRET) {
        return axum::Json(json!({"errcode": 40125, "errmsg": "invalid appsecret"}));
    }
    let uses = {
        let mut calls = state.calls.lock().expect("calls");
        let n = calls.entry(code.clone()).or_default();
        *n += 1;
        *n
    };
    let gate = state.gate.lock().expect("gate").clone();
    if let Some(gate) = gate {
        let _ = gate.acquire().await;
    }
    if code.starts_with("bad") {
        return axum::Json(json!({"errcode": 40029, "errmsg": "invalid code"}));
    }
    if uses > 1 {
        return axum::Json(json!({"errcode": 40163, "errmsg": "code been used"}));
    }
    // The openid is derived from the code without containing it (the code is a log marker).
    let openid = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    axum::Json(json!({"openid": format!("o-{openid:016x}"), "session_key": SESSION_KEY}))
}

async fn stable_token(State(state): State<Arc<WeChatState>>) -> axum::Json<serde_json::Value> {
    let n = state
        .token_fetches
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        + 1;
    axum::Json(json!({"access_token": format!("ACCESS-{n}"), "expires_in": 7200}))
}
