//! code2Session: the request that exchanges a login code for the user's `openid` and
//! `session_key`, and the parser of WeChat's answer.
//!
//! ```text
//! GET {base}/sns/jscode2session?appid=…&secret=…&js_code=…&grant_type=authorization_code
//! GET {base}/sns/component/jscode2session?appid=…&js_code=…&grant_type=authorization_code
//!     &component_appid=…&component_access_token=…            (third-party platforms)
//! ```
//!
//! No access token is needed (several SDKs wrongly fetch one first; this crate never does).

use serde::Deserialize;

use crate::http::{HttpRequest, HttpResult};
use crate::secret::{AccessToken, AppSecret, LoginCode, SessionKey};
use crate::server::wechat_api::{ApiFailure, DEFAULT_BASE_URL, Scrub, Url, parse_scrubbed};

/// Who asks WeChat: the mini program itself, or a third-party platform on its behalf.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// The mini program's own appid and secret.
    MiniProgram {
        /// The mini program's appid.
        appid: String,
        /// The mini program's AppSecret.
        secret: AppSecret,
    },
    /// A third-party platform acting for the mini program.
    Component {
        /// The mini program's appid.
        appid: String,
        /// The platform's appid.
        component_appid: String,
        /// The platform's `component_access_token` (the caller keeps it fresh with
        /// [`Code2SessionApi::set_component_access_token`]).
        component_access_token: AccessToken,
    },
}

/// The code2Session API: builds its requests and reads its answers. `Debug` never shows the
/// secret or the platform token.
///
/// ```
/// use wxlogin::secret::{AppSecret, LoginCode};
/// use wxlogin::server::code2session::Code2SessionApi;
///
/// let mut api = Code2SessionApi::new("wx1", AppSecret::new("s"));
/// api.base_url = "http://127.0.0.1:9/proxy/".into();
/// let request = api.request(&LoginCode::new("c"));
/// assert!(request.url.starts_with("http://127.0.0.1:9/proxy/sns/jscode2session?appid=wx1&"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Code2SessionApi {
    /// WeChat's host, [`DEFAULT_BASE_URL`] unless changed (a test server, a proxy); trailing
    /// slashes are ignored.
    pub base_url: String,
    /// The credentials requests carry.
    pub credentials: Credentials,
}

impl Code2SessionApi {
    /// The API for a mini program's own appid and secret, on WeChat's host.
    pub fn new(appid: impl Into<String>, secret: AppSecret) -> Self {
        Self::with_credentials(Credentials::MiniProgram {
            appid: appid.into(),
            secret,
        })
    }

    /// The API for a third-party platform acting for the mini program `appid`.
    pub fn component(
        appid: impl Into<String>,
        component_appid: impl Into<String>,
        component_access_token: AccessToken,
    ) -> Self {
        Self::with_credentials(Credentials::Component {
            appid: appid.into(),
            component_appid: component_appid.into(),
            component_access_token,
        })
    }

    fn with_credentials(credentials: Credentials) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials,
        }
    }

    /// Replaces the platform's `component_access_token` (it expires; the caller refreshes it).
    /// Does nothing for [`Credentials::MiniProgram`].
    pub fn set_component_access_token(&mut self, token: AccessToken) {
        if let Credentials::Component {
            component_access_token,
            ..
        } = &mut self.credentials
        {
            *component_access_token = token;
        }
    }

    /// The `GET` request exchanging `code`, every query value percent-encoded.
    pub fn request(&self, code: &LoginCode) -> HttpRequest {
        let js_code = code.expose_secret();
        let url = match &self.credentials {
            Credentials::MiniProgram { appid, secret } => {
                Url::new(&self.base_url, "/sns/jscode2session")
                    .query("appid", appid)
                    .query("secret", secret.expose_secret())
                    .query("js_code", js_code)
                    .query("grant_type", "authorization_code")
            }
            Credentials::Component {
                appid,
                component_appid,
                component_access_token,
            } => Url::new(&self.base_url, "/sns/component/jscode2session")
                .query("appid", appid)
                .query("js_code", js_code)
                .query("grant_type", "authorization_code")
                .query("component_appid", component_appid)
                .query(
                    "component_access_token",
                    component_access_token.expose_secret(),
                ),
        };
        HttpRequest::get(url.into_string())
    }

    /// Parses WeChat's answer to code2Session (or the transport error the driver got instead).
    ///
    /// Success is a 200 JSON object whose `errcode` is absent or 0, with an `openid` of 1 to
    /// [`MAX_USER_ID_BYTES`] printable ASCII bytes, a non-empty `session_key` and an optional
    /// `unionid` of the same shape as `openid` (an empty one counts as absent); `expires_in` is
    /// not required (WeChat removed it). Everything else is an [`ApiFailure`] that keeps what
    /// WeChat said, scrubbed of this API's secret and of anything shaped like a credential.
    pub fn parse(&self, result: &HttpResult) -> Result<WeChatSession, ApiFailure> {
        let fast = result.as_ref().ok().and_then(fast::parse);
        let session = match fast {
            Some(fast::Answer::Session(session)) => session,
            Some(fast::Answer::Refused { errcode, errmsg }) => {
                let scrub = Scrub::new([self.secret_text()]);
                return Err(ApiFailure::WeChat(scrub.failure(errcode, &errmsg)));
            }
            None => parse_scrubbed::<WeChatSession>(result, &[self.secret_text()])?,
        };
        checked(session)
    }

    /// The secret this API puts into every request (the app secret, or the platform's
    /// token): what must be scrubbed from a message that may quote the URL.
    pub(crate) fn secret_text(&self) -> &str {
        match &self.credentials {
            Credentials::MiniProgram { secret, .. } => secret.expose_secret(),
            Credentials::Component {
                component_access_token,
                ..
            } => component_access_token.expose_secret(),
        }
    }
}

/// The longest `openid` or `unionid` accepted, in bytes. WeChat's are 28 characters; the
/// bound leaves room for other formats while keeping what a coordinator remembers per code
/// small (see [`LoginCoordinator`](crate::server::login::LoginCoordinator)'s memory figures).
pub const MAX_USER_ID_BYTES: usize = 64;

/// What code2Session gives on success.
///
/// `Debug` shows the openid and unionid (identifiers, not credentials) and hides the key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WeChatSession {
    /// The user's id within this mini program: 1 to [`MAX_USER_ID_BYTES`] bytes of printable
    /// ASCII.
    pub openid: String,
    /// WeChat's session key for this user; it never leaves the developer server.
    pub session_key: SessionKey,
    /// The user's id across the Open Platform account, when the app is bound to one; checked
    /// as `openid` is.
    #[serde(default)]
    pub unionid: Option<String>,
}

/// The fields' shapes, whichever path parsed them.
fn checked(mut session: WeChatSession) -> Result<WeChatSession, ApiFailure> {
    let malformed = |detail: &str| ApiFailure::Malformed {
        detail: detail.to_owned(),
    };
    if session.openid.is_empty() {
        return Err(malformed("openid is empty"));
    }
    if !is_user_id(&session.openid) {
        return Err(malformed("openid is not 1 to 64 printable ascii bytes"));
    }
    if session.unionid.as_deref() == Some("") {
        session.unionid = None;
    }
    if session.unionid.as_deref().is_some_and(|id| !is_user_id(id)) {
        return Err(malformed("unionid is not 1 to 64 printable ascii bytes"));
    }
    if session.session_key.expose_secret().is_empty() {
        return Err(malformed("session_key is empty"));
    }
    Ok(session)
}

/// 1 to [`MAX_USER_ID_BYTES`] bytes of printable ASCII, no spaces.
fn is_user_id(id: &str) -> bool {
    // The length first; then every byte without a branch per byte.
    (1..=MAX_USER_ID_BYTES).contains(&id.len())
        && id.bytes().fold(true, |ok, b| ok & b.is_ascii_graphic())
}

/// The one-pass parser: a success or a refusal without a `Map`; anything else goes the
/// general way.
mod fast;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpResponse;

    #[test]
    fn user_ids_are_bounded_printable_ascii() {
        let parse = |openid: &str, unionid: &str| {
            let body =
                serde_json::json!({"openid": openid, "session_key": "k", "unionid": unionid});
            Code2SessionApi::new("wx", AppSecret::new("s"))
                .parse(&Ok(HttpResponse::json(200, body.to_string().into_bytes())))
        };
        let max = "o".repeat(MAX_USER_ID_BYTES);
        assert_eq!(parse(&max, &max).unwrap().unionid.as_deref(), Some(&*max));
        assert_eq!(parse("o", "").unwrap().unionid, None);
        for (openid, unionid) in [
            (format!("{max}o"), "u".to_owned()),
            ("o".to_owned(), format!("{max}u")),
            ("o o".to_owned(), "u".to_owned()),
            ("o".to_owned(), "u\n".to_owned()),
            ("oé".to_owned(), "u".to_owned()),
            ("o".repeat(60_000), "u".to_owned()),
        ] {
            assert!(
                matches!(parse(&openid, &unionid), Err(ApiFailure::Malformed { .. })),
                "{openid:.80} {unionid:.80}"
            );
        }
    }

    /// The general path, as it was before the fast one: the reference the fast path must agree
    /// with whenever it answers.
    fn fast_session(response: &HttpResponse) -> Option<WeChatSession> {
        match fast::parse(response)? {
            fast::Answer::Session(session) => Some(session),
            fast::Answer::Refused { .. } => None,
        }
    }

    fn general(response: &HttpResponse) -> Option<WeChatSession> {
        let session: WeChatSession =
            crate::server::wechat_api::parse(&Ok(response.clone())).ok()?;
        let filled = !session.openid.is_empty() && !session.session_key.expose_secret().is_empty();
        filled.then_some(session)
    }

    #[test]
    fn fast_path_takes_real_answers() {
        let body = br#"{"session_key":"tiihtNczf5v6AKRyjwEUhQ==","openid":"oGZ","unionid":"ocM"}"#;
        let response = HttpResponse::json(200, body.to_vec());
        let session = fast_session(&response).expect("a plain success takes the fast path");
        assert_eq!(Some(session), general(&response));
        let with_errcode = br#"{"errcode":0,"errmsg":"ok","openid":"o","session_key":"k"}"#;
        assert!(fast_session(&HttpResponse::json(200, with_errcode.to_vec())).is_some());
        let refusal = br#"{"errcode":40029,"errmsg":"invalid code, rid: 6502a6f1-1f2e3d4c"}"#;
        let refusal = HttpResponse::json(200, refusal.to_vec());
        assert!(matches!(
            fast::parse(&refusal),
            Some(fast::Answer::Refused { errcode: 40029, .. })
        ));
    }

    #[test]
    fn fast_path_leaves_the_rest_to_the_general_path() {
        for body in [
            &br#"["o","k"]"#[..],
            br#"{"openid":"o","session_key":"k","x":1e400}"#,
            br#"{"openid":"o","session_key":"k","x":"\ud800"}"#,
            br#"{"openid":"o","session_key":"k","errcode":0.0}"#,
            br#"{"openid":"","session_key":"k"}"#,
            br#"{"openid":5,"openid":"o","session_key":"k"}"#,
            b"{\"openid\":\"o\",\"session_key\":\"k\",\"x\":\"\xff\"}",
            br#"{"openid":"o","session_key":"k"} x"#,
        ] {
            let response = HttpResponse::json(200, body.to_vec());
            let fast = fast_session(&response);
            assert!(fast.is_none() || fast == general(&response), "{body:?}");
        }
        let deep = format!(
            r#"{{"openid":"o","session_key":"k","x":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(fast::parse(&HttpResponse::json(200, deep.into_bytes())).is_none());
    }

    #[test]
    fn the_plain_reader_agrees_with_the_general_path() {
        let api = Code2SessionApi::new("wx", AppSecret::new("S3"));
        let long = "o".repeat(40);
        for body in [
            r#"{"openid":"o","session_key":"k"}"#.to_owned(),
            format!(r#"{{"openid":"{long}","session_key":"{long}","unionid":"{long}"}}"#),
            format!(r#"{{"x":"{long}	","openid":"o","session_key":"k"}}"#),
            "{\"openid\":\"o\u{7f}\",\"session_key\":\"k\"}".to_owned(),
            r#"{"openid":"oé","session_key":"k"}"#.to_owned(),
            r#"{"openid":"o\"","session_key":"k"}"#.to_owned(),
            r#"{ "openid":"o","session_key":"k"}"#.to_owned(),
            r#"{"openid":"o","session_key":"k"} "#.to_owned(),
            r#"{"openid":"o","session_key":"k""#.to_owned(),
            r#"{"openid":"o","session_key":"k","x":1}"#.to_owned(),
            r#"{"openid":"o","openid":"p","session_key":"k"}"#.to_owned(),
            r#"{"errcode":40029,"errmsg":"invalid code, rid: 6502a6f1-1f2e3d4c"}"#.to_owned(),
            r#"{"errcode":-1,"errmsg":"system error S3"}"#.to_owned(),
            r#"{"errcode":40029}"#.to_owned(),
            r#"{"errmsg":"x","errcode":40029,"openid":"o"}"#.to_owned(),
            r#"{"errcode":0,"openid":"o","session_key":"k"}"#.to_owned(),
            r#"{"errcode":-0,"openid":"o","session_key":"k"}"#.to_owned(),
            r#"{"errcode":040029,"errmsg":"x"}"#.to_owned(),
            r#"{"errcode":"40029","errmsg":"x"}"#.to_owned(),
            r#"{"errcode":40029.0,"errmsg":"x"}"#.to_owned(),
            r#"{"errcode":-,"errmsg":"x"}"#.to_owned(),
            r#"{"errcode":999999999999999999,"errmsg":"x"}"#.to_owned(),
            r#"{"errcode":9999999999999999999,"errmsg":"x"}"#.to_owned(),
            r#"{"errcode":40029,"errmsg":null}"#.to_owned(),
        ] {
            let result = Ok(HttpResponse::json(200, body.clone().into_bytes()));
            let general =
                parse_scrubbed::<WeChatSession>(&result, &[api.secret_text()]).and_then(checked);
            assert_eq!(api.parse(&result), general, "{body}");
        }
    }

    proptest::proptest! {
        /// Whatever the fast path decides, the general path decides the same: a session, a
        /// refusal scrubbed alike, or an error.
        #[test]
        fn fast_path_agrees_with_the_general_path(
            fields in proptest::collection::vec((0usize..6, 0usize..16), 0..7),
            status in proptest::sample::select(vec![200u16, 500]),
        ) {
            const KEYS: [&str; 6] =
                ["openid", "session_key", "unionid", "errcode", "errmsg", "open\\u0069d"];
            const VALUES: [&str; 16] = [
                r#""o""#, r#""k""#, r#""""#, "0", "-1", "0.0", "null", "1e400", r#""\ud800""#,
                r#"{"a":[1,{"b":null}]}"#, "18446744073709551615", r#""é\n""#, "40029",
                r#""bad S3 secret=x, rid: 6502a6f1-1f2e3d4c""#, "-0", "007",
            ];
            let body = format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|&(k, v)| format!(r#""{}":{}"#, KEYS[k], VALUES[v]))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let result = Ok(HttpResponse::json(status, body.into_bytes()));
            let api = Code2SessionApi::new("wx", AppSecret::new("S3"));
            let general = parse_scrubbed::<WeChatSession>(&result, &[api.secret_text()])
                .and_then(checked);
            proptest::prop_assert_eq!(api.parse(&result), general);
        }
    }

    #[test]
    fn the_secret_text_is_the_one_in_the_request() {
        let c = Code2SessionApi::new("wx", AppSecret::new("a+b"));
        assert_eq!(c.secret_text(), "a+b");
        let c = Code2SessionApi::component("wx", "wxc", AccessToken::new("t0"));
        assert_eq!(c.secret_text(), "t0");
    }
}
