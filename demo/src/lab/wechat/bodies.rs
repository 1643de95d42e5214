//! The bodies the fake WeChat answers with, in the shapes of docs/protocol.md §3: the
//! `{"errcode": N, "errmsg": "…"}` envelope (HTTP 200, with `rid: …` in the message) and each
//! API's success object.
//!
//! The codes and shapes are WeChat's; the message texts follow docs/protocol.md's "meaning" column,
//! since no client may depend on them.

use serde_json::{Value, json};
use wxlogin::http::HttpResponse;

use crate::drive::random;

/// An error code the fake answers with, named after docs/protocol.md §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrCode {
    /// -1: system busy; retry with backoff.
    SystemBusy,
    /// 40029: invalid or expired code.
    InvalidCode,
    /// 40163: code been used.
    CodeUsed,
    /// 45011: minute quota reached.
    MinuteQuota,
    /// 40226: high-risk user, login blocked.
    HighRiskUser,
    /// 40013: invalid appid.
    InvalidAppid,
    /// 40125: invalid appsecret.
    InvalidSecret,
    /// 41002: appid missing.
    AppidMissing,
    /// 41004: appsecret missing.
    SecretMissing,
    /// 40001: access_token invalid or not the latest.
    TokenNotLatest,
    /// 40014: invalid access_token.
    TokenInvalid,
    /// 42001: access_token expired.
    TokenExpired,
    /// 87007: session_key missing or expired.
    SessionKeyMissing,
    /// 87008: invalid sig_method.
    InvalidSigMethod,
    /// 87009: invalid signature.
    InvalidSignature,
}

impl ErrCode {
    /// The number on the wire.
    pub fn code(self) -> i64 {
        match self {
            ErrCode::SystemBusy => -1,
            ErrCode::InvalidCode => 40029,
            ErrCode::CodeUsed => 40163,
            ErrCode::MinuteQuota => 45011,
            ErrCode::HighRiskUser => 40226,
            ErrCode::InvalidAppid => 40013,
            ErrCode::InvalidSecret => 40125,
            ErrCode::AppidMissing => 41002,
            ErrCode::SecretMissing => 41004,
            ErrCode::TokenNotLatest => 40001,
            ErrCode::TokenInvalid => 40014,
            ErrCode::TokenExpired => 42001,
            ErrCode::SessionKeyMissing => 87007,
            ErrCode::InvalidSigMethod => 87008,
            ErrCode::InvalidSignature => 87009,
        }
    }

    fn message(self) -> &'static str {
        match self {
            ErrCode::SystemBusy => "system busy",
            ErrCode::InvalidCode => "invalid code",
            ErrCode::CodeUsed => "code been used",
            ErrCode::MinuteQuota => "minute quota reached",
            ErrCode::HighRiskUser => "high risk user, login blocked",
            ErrCode::InvalidAppid => "invalid appid",
            ErrCode::InvalidSecret => "invalid appsecret",
            ErrCode::AppidMissing => "appid missing",
            ErrCode::SecretMissing => "appsecret missing",
            ErrCode::TokenNotLatest => "access_token is invalid or not latest",
            ErrCode::TokenInvalid => "invalid credential, access_token is invalid",
            ErrCode::TokenExpired => "access_token expired",
            ErrCode::SessionKeyMissing => "session_key is missing or expired",
            ErrCode::InvalidSigMethod => "invalid sig_method",
            ErrCode::InvalidSignature => "invalid signature",
        }
    }
}

/// The error envelope: `{"errcode": N, "errmsg": "…, rid: xxxxxxxx-xxxxxxxx-xxxxxxxx"}`.
pub(super) fn error(code: ErrCode) -> Value {
    json!({
        "errcode": code.code(),
        "errmsg": format!("{}, rid: {}", code.message(), request_id()),
    })
}

/// The success envelope of APIs that return nothing else (checksession).
pub(super) fn ok() -> Value {
    json!({"errcode": 0, "errmsg": "ok"})
}

/// code2Session's success: no `errcode`, no `expires_in` (removed in 2018).
pub(super) fn code2session(openid: &str, session_key: &str, unionid: &str) -> Value {
    json!({"openid": openid, "session_key": session_key, "unionid": unionid})
}

/// The access token answer of `/cgi-bin/stable_token`.
pub(super) fn access_token(token: &str, expires_in: u64) -> Value {
    json!({"access_token": token, "expires_in": expires_in})
}

/// WeChat answers errors with HTTP 200 too; only the envelope tells.
pub(super) fn response(body: &Value) -> HttpResponse {
    HttpResponse::json(200, body.to_string().into_bytes())
}

/// A request id in WeChat's `xxxxxxxx-xxxxxxxx-xxxxxxxx` form.
fn request_id() -> String {
    let bytes = random::bytes::<12>().unwrap_or([0; 12]);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}", &hex[..8], &hex[8..16], &hex[16..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxlogin::server::wechat_api::WeChatFailure;

    #[test]
    fn errors_carry_a_rid_the_crate_extracts() {
        let body = error(ErrCode::CodeUsed);
        assert_eq!(body["errcode"], 40163);
        let errmsg = body["errmsg"].as_str().unwrap();
        let rid = WeChatFailure::new(40163, errmsg).rid.unwrap();
        assert_eq!(rid.len(), 26, "{errmsg}");
    }
}
