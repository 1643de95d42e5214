//! `parsers`: arbitrary bytes into every parser: the code2Session body, the token endpoint,
//! the phone number and session key answers, WeChat's error envelope, the wire bodies of both
//! sides, the client's storage record and the token header.
//!
//! Invariants:
//! 1. Each parser returns a value or its typed error; nothing panics, whatever the size.
//! 2. An error's message never echoes the input (a body may carry a code, a token or a key):
//!    a marker planted anywhere in the input never appears in it. WeChat's own `errmsg`, kept
//!    on purpose for support, is the one exception, and even there:
//! 3. a marker planted as a credential's value (`secret=…`, `"session_key":"…"`) never appears
//!    in any error, whatever the status, the errcode or where the 512-byte cut falls; and
//! 4. a kept request id always has WeChat's shape (1 to 64 bytes of letters, digits and
//!    dashes, at least one dash), whatever text preceded it.

use time::OffsetDateTime;
use wxlogin::http::HttpResponse;
use wxlogin::secret::AppSecret;
use wxlogin::server::access_token::AccessTokenConfig;
use wxlogin::server::code2session::Code2SessionApi;
use wxlogin::server::phone::PhoneApi;
use wxlogin::server::wechat_api::{self, ApiFailure};
use wxlogin::test_support::{StoredSession, TokenApi};
use wxlogin::wire::{
    TokenHeader, decode_login_request, decode_login_response, decode_session_response,
};

use super::Bytes;
use crate::markers::TOKEN;

/// Planted as a credential's value: plain ASCII, like a real one.
const MARKER: &str = TOKEN;

pub(crate) fn parsers(data: &[u8]) {
    let mut bytes = Bytes::new(data);
    let status = bytes.u16();
    let at = usize::from(bytes.u16());
    let body = bytes.slice(usize::MAX).to_vec();
    // The body as given, and with the marker planted at a fuzz-chosen place, bare or as a
    // credential's value.
    let at = at.min(body.len());
    let plant = |text: &str| {
        let mut planted = body.clone();
        planted.splice(at..at, text.bytes());
        planted
    };
    let shaped = [
        plant(&format!("secret={MARKER}")),
        plant(&format!(r#"session_key\":\"{MARKER}"#)),
    ];
    parse_all(status, &plant(MARKER), false);
    parse_all(status, &body, false);
    for body in shaped {
        parse_all(status, &body, true);
    }
    // A request id is no credential: WeChat's errmsg keeps it, so only its shape is checked.
    parse_all(status, &plant(&format!("rid: {MARKER}-1")), false);
}

/// Invariants 3 and 4 for every WeChat error a parser kept.
fn check_wechat(error: &ApiFailure, shaped: bool) {
    let Some(wechat) = error.wechat() else {
        return;
    };
    if shaped {
        assert_quiet("a scrubbed errmsg", format!("{error:?} {error}"));
    }
    if let Some(rid) = &wechat.rid {
        let shape = rid.len() <= 64
            && rid.contains('-')
            && rid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        assert!(shape, "a rid not in WeChat's shape: {rid:?}");
    }
}

fn assert_quiet(what: &str, message: String) {
    assert!(
        !message.contains(MARKER),
        "{what} echoed its input: {message}"
    );
}

fn parse_all(status: u16, body: &[u8], shaped: bool) {
    let response = HttpResponse::json(status, body.to_vec());
    let code2session = Code2SessionApi::new("wx0123456789abcdef", AppSecret::new("s"));
    match code2session.parse(&Ok(response.clone())) {
        Ok(session) => {
            assert!((1..=64).contains(&session.openid.len()));
            assert!(session.unionid.is_none_or(|u| (1..=64).contains(&u.len())));
        }
        Err(error @ ApiFailure::WeChat(_)) => check_wechat(&error, shaped),
        Err(error) => {
            check_wechat(&error, shaped);
            assert_quiet("code2Session", error.to_string());
        }
    }
    let token = AccessTokenConfig::new("wx0123456789abcdef", AppSecret::new("s"), 0);
    match TokenApi::new(&token).parse(&Ok(response.clone())) {
        Ok(token) => assert!(!token.access_token.expose_secret().is_empty()),
        Err(error @ ApiFailure::WeChat(_)) => check_wechat(&error, shaped),
        Err(error) => {
            check_wechat(&error, shaped);
            assert_quiet("the token endpoint", error.to_string());
        }
    }
    let phone = PhoneApi::new("wx0123456789abcdef").parse(&Ok(response.clone()));
    if let Err(error) = phone {
        if let wxlogin::server::phone::PhoneFailure::Api(api) = &error {
            check_wechat(api, shaped);
        }
        if !matches!(
            error,
            wxlogin::server::phone::PhoneFailure::Api(ApiFailure::WeChat(_))
        ) {
            assert_quiet("the phone number answer", error.to_string());
        }
    }
    #[cfg(feature = "crypto")]
    {
        use wxlogin::server::session_key::{CheckSessionKeyApi, ResetSessionKeyApi};
        let _ = CheckSessionKeyApi::new().parse(&Ok(response.clone()));
        let _ = ResetSessionKeyApi::new().parse(&Ok(response.clone()));
    }
    match wechat_api::parse::<serde_json::Value>(&Ok(response.clone())) {
        Ok(_) => {}
        Err(error @ ApiFailure::WeChat(_)) => check_wechat(&error, shaped),
        Err(error) => {
            check_wechat(&error, shaped);
            assert_quiet("the errcode envelope", error.to_string());
        }
    }
    if let Err(error) = decode_login_request(body) {
        assert_quiet("the login request", error.to_string());
    }
    if let Err(error) = decode_login_response(&response) {
        assert_quiet("the login response", error.to_string());
    }
    if let Err(error) = decode_session_response(&response) {
        assert_quiet("the session response", error.to_string());
    }
    let text = String::from_utf8_lossy(body);
    let _ = StoredSession::lookup(Some(&text), OffsetDateTime::UNIX_EPOCH);
    let headers = [("Authorization".to_owned(), text.into_owned())];
    for header in [
        TokenHeader::default(),
        TokenHeader::new("X-Token", None).expect("a valid header name"),
    ] {
        if let Err(error) = header.decode(&headers) {
            assert_quiet("the token header", error.to_string());
        }
    }
}
