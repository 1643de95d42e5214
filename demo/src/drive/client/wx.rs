//! A fake `wx`: `wx.login` asks the fake WeChat for a code over HTTP (on a phone, the WeChat
//! app does that); `wx.checkSession` answers from a switch. Failures can be queued.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use wxlogin::client::WxFailure;
use wxlogin::http::HttpRequest;
use wxlogin::secret::LoginCode;

use crate::drive::http_client::HttpClient;

/// Switches a test flips on one client's `wx`.
#[derive(Debug, Default)]
pub struct WxSwitches {
    wechat_session_expired: AtomicBool,
    login_failures: Mutex<VecDeque<WxFailure>>,
}

impl WxSwitches {
    /// `wx.checkSession` fails from now on, as when WeChat's session has expired.
    pub fn expire_wechat_session(&self) {
        self.wechat_session_expired.store(true, Ordering::SeqCst);
    }

    /// The next `wx.login` fails with `error` (queued failures apply in order).
    pub fn fail_next_login(&self, error: WxFailure) {
        self.failures().push_back(error);
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, VecDeque<WxFailure>> {
        self.login_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// One phone's `wx` for one WeChat user.
#[derive(Clone, Debug)]
pub struct FakeWx {
    http: HttpClient,
    login_url: String,
    user: String,
    switches: Arc<WxSwitches>,
}

#[derive(Deserialize)]
struct CodeAnswer {
    code: String,
}

impl FakeWx {
    /// `wx` for `user`, getting codes from the fake WeChat at `wechat_base_url`.
    pub fn new(http: HttpClient, wechat_base_url: &str, user: impl Into<String>) -> Self {
        Self {
            http,
            login_url: format!("{wechat_base_url}/_fake/wx/login"),
            user: user.into(),
            switches: Arc::default(),
        }
    }

    /// The switches of this `wx`.
    pub fn switches(&self) -> Arc<WxSwitches> {
        Arc::clone(&self.switches)
    }

    /// `wx.login({timeout})`.
    pub async fn login(&self, timeout: Duration) -> Result<LoginCode, WxFailure> {
        if let Some(error) = self.switches.failures().pop_front() {
            return Err(error);
        }
        let body = json!({ "user": self.user }).to_string().into_bytes();
        let request = HttpRequest::post_json(self.login_url.clone(), body);
        let response = self
            .http
            .send(&request, timeout)
            .await
            .map_err(|e| WxFailure::new(format!("login:fail {e}")))?;
        serde_json::from_slice::<CodeAnswer>(&response.body)
            .map(|answer| LoginCode::new(answer.code))
            .map_err(|_| WxFailure::new("login:fail no code in the answer"))
    }

    /// `wx.checkSession()`.
    pub async fn check_session(&self) -> Result<(), WxFailure> {
        if self.switches.wechat_session_expired.load(Ordering::SeqCst) {
            Err(WxFailure::new("checkSession:fail session expired"))
        } else {
            Ok(())
        }
    }
}
