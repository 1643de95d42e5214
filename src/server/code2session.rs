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

use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::secret::{AccessToken, AppSecret, LoginCode, SessionKey};
use crate::server::errcode::{ApiError, parse_api_response};

/// WeChat's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

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
        /// [`Code2Session::set_component_access_token`]).
        component_access_token: AccessToken,
    },
}

/// Builds code2Session requests. `Debug` never shows the secret or the platform token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code2Session {
    base_url: String,
    credentials: Credentials,
}

impl Code2Session {
    /// The request builder for a mini program's own appid and secret, against WeChat's host.
    pub fn new(appid: impl Into<String>, secret: AppSecret) -> Self {
        Self::with_credentials(Credentials::MiniProgram {
            appid: appid.into(),
            secret,
        })
    }

    /// The request builder for a third-party platform acting for the mini program `appid`.
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

    /// The request builder for any credentials, against WeChat's host.
    pub fn with_credentials(credentials: Credentials) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials,
        }
    }

    /// Sends requests to another host (a test server, a proxy). A trailing `/` is ignored.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        self.base_url = base_url;
        self
    }

    /// The host requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The credentials requests carry.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
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
            Credentials::MiniProgram { appid, secret } => format!(
                "{}/sns/jscode2session?appid={}&secret={}&js_code={}&grant_type=authorization_code",
                self.base_url,
                percent_encode(appid),
                percent_encode(secret.expose_secret()),
                percent_encode(js_code),
            ),
            Credentials::Component {
                appid,
                component_appid,
                component_access_token,
            } => format!(
                "{}/sns/component/jscode2session?appid={}&js_code={}&grant_type=authorization_code&component_appid={}&component_access_token={}",
                self.base_url,
                percent_encode(appid),
                percent_encode(js_code),
                percent_encode(component_appid),
                percent_encode(component_access_token.expose_secret()),
            ),
        };
        HttpRequest::get(url)
    }

    /// Every secret text this builder puts into a request, raw and percent-encoded: what must
    /// be scrubbed from a message that may quote the URL (an HTTP client's error, say).
    pub(crate) fn secret_texts(&self) -> Vec<String> {
        let secret = match &self.credentials {
            Credentials::MiniProgram { secret, .. } => secret.expose_secret(),
            Credentials::Component {
                component_access_token,
                ..
            } => component_access_token.expose_secret(),
        };
        vec![secret.to_owned(), percent_encode(secret)]
    }
}

/// What code2Session gives on success.
///
/// `Debug` shows the openid and unionid (identifiers, not credentials) and hides the key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WeChatSession {
    /// The user's id within this mini program.
    pub openid: String,
    /// WeChat's session key for this user; it never leaves the developer server.
    pub session_key: SessionKey,
    /// The user's id across the Open Platform account, when the app is bound to one.
    #[serde(default)]
    pub unionid: Option<String>,
}

/// Parses WeChat's answer to code2Session (or the transport error the driver got instead).
///
/// Success is a 200 JSON object whose `errcode` is absent or 0, with a non-empty `openid` and
/// `session_key` and an optional `unionid`; `expires_in` is not required (WeChat removed it).
/// Everything else is an [`ApiError`] that keeps what WeChat said.
pub fn parse_response(
    result: &Result<HttpResponse, TransportError>,
) -> Result<WeChatSession, ApiError> {
    let session: WeChatSession = parse_api_response(result)?;
    let missing = |field: &str| ApiError::Malformed {
        detail: format!("{field} is empty"),
    };
    if session.openid.is_empty() {
        return Err(missing("openid"));
    }
    if session.session_key.expose_secret().is_empty() {
        return Err(missing("session_key"));
    }
    Ok(session)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding() {
        assert_eq!(percent_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(percent_encode("a b&c=d+é"), "a%20b%26c%3Dd%2B%C3%A9");
    }

    #[test]
    fn secret_texts_cover_both_forms() {
        let c = Code2Session::new("wx", AppSecret::new("a+b"));
        assert_eq!(c.secret_texts(), vec!["a+b".to_owned(), "a%2Bb".to_owned()]);
    }
}
