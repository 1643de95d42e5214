//! checkSessionKey and resetUserSessionKey (feature `crypto`): ask WeChat whether a user's
//! `session_key` is still valid, or have it replaced.
//!
//! ```text
//! GET {base}/wxa/checksession?access_token=…&openid=…&signature=…&sig_method=hmac_sha256
//! GET {base}/wxa/resetusersessionkey?access_token=…&openid=…&signature=…&sig_method=hmac_sha256
//! ```
//!
//! The signature is the lowercase hex HMAC-SHA256 whose **key is the session key's base64 text
//! as bytes** (not decoded) and whose **message is the empty string** ([`signature`]). The reset
//! answers with the openid and the new `session_key`, which keeps the old one's expiry; do not
//! reset one user's key often.
//!
//! Errors: 87009 (the signature does not match), 87007 (the session key is missing or expired),
//! 87008 (the signature method is refused), 45011 (quota), and the token errors
//! 40001 / 40014 / 42001, which the driver reports to its
//! [`AccessTokenCache`](crate::server::access_token::AccessTokenCache) with
//! [`SessionKeyFailure::rejected_token_errcode`].

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::http::{HttpRequest, HttpResult};
use crate::secret::{AccessToken, SessionKey};
use crate::server::wechat_api::{self, ApiFailure, DEFAULT_BASE_URL, Url, WeChatFailure};

/// The `signature` of both APIs: lowercase hex of HMAC-SHA256 keyed with the session key's
/// base64 text (its bytes as they are, not decoded) over the empty message.
///
/// The result is a credential for this user's key: it appears in request URLs, whose `Debug`
/// redacts it, and must not be logged.
///
/// ```
/// use wxlogin::secret::SessionKey;
/// use wxlogin::server::session_key::signature;
///
/// let sig = signature(&SessionKey::new("tiihtNczf5v6AKRyjwEUhQ=="));
/// assert_eq!(sig.len(), 64);
/// assert!(sig.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
/// ```
pub fn signature(session_key: &SessionKey) -> String {
    // HMAC takes keys of any length (longer ones are hashed first): this cannot fail.
    #[allow(clippy::expect_used)]
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(session_key.expose_secret().as_bytes())
        .expect("hmac accepts keys of any length");
    let digest = mac.finalize().into_bytes();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// What resetUserSessionKey gives: the user and the new key. `Debug` hides the key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ResetSessionKey {
    /// The user's id within this mini program.
    pub openid: String,
    /// The new session key (the old one's expiry is kept); store it in the user's session.
    pub session_key: SessionKey,
}

/// Why checkSessionKey or resetUserSessionKey failed. Messages never contain the key, the
/// signature or the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionKeyFailure {
    /// 87009: the signature does not match the user's current session key.
    #[error("the signature does not match the user's session key: {0}")]
    InvalidSignature(WeChatFailure),
    /// 87007: WeChat has no session key for the user, or it expired.
    #[error("the user's session key is missing or expired: {0}")]
    SessionKeyExpired(WeChatFailure),
    /// 87008: WeChat refused the signature method.
    #[error("wechat refused the signature method: {0}")]
    InvalidSigMethod(WeChatFailure),
    /// Any other failure: no response, a status, garbage, another errcode (45011, the token
    /// errors, unknown codes), all kept as WeChat said them.
    #[error(transparent)]
    Api(ApiFailure),
}

impl SessionKeyFailure {
    /// The errcode to report with
    /// [`Event::TokenRejected`](crate::server::access_token::Event::TokenRejected) when WeChat
    /// refused the access token (40001, 40014, 42001).
    pub fn rejected_token_errcode(&self) -> Option<i64> {
        match self {
            SessionKeyFailure::Api(e) => e.rejected_token_errcode(),
            SessionKeyFailure::InvalidSignature(_)
            | SessionKeyFailure::SessionKeyExpired(_)
            | SessionKeyFailure::InvalidSigMethod(_) => None,
        }
    }

    fn from_api(error: ApiFailure) -> Self {
        match error {
            ApiFailure::WeChat(e) => match e.errcode {
                87009 => SessionKeyFailure::InvalidSignature(e),
                87007 => SessionKeyFailure::SessionKeyExpired(e),
                87008 => SessionKeyFailure::InvalidSigMethod(e),
                _ => SessionKeyFailure::Api(ApiFailure::WeChat(e)),
            },
            other => SessionKeyFailure::Api(other),
        }
    }
}

/// checkSessionKey: asks WeChat whether a user's `session_key` is still the valid one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckSessionKeyApi {
    /// WeChat's host, [`DEFAULT_BASE_URL`] unless changed; trailing slashes are ignored.
    pub base_url: String,
}

impl CheckSessionKeyApi {
    /// The API on WeChat's host.
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
        }
    }

    /// The request for `openid`'s `session_key`. Its `Debug` hides the token and the
    /// signature.
    pub fn request(
        &self,
        access_token: &AccessToken,
        openid: &str,
        session_key: &SessionKey,
    ) -> HttpRequest {
        signed_request(
            &self.base_url,
            "/wxa/checksession",
            access_token,
            openid,
            session_key,
        )
    }

    /// Parses the answer: `Ok(())` when the key is valid (`errcode` absent or 0).
    pub fn parse(&self, result: &HttpResult) -> Result<(), SessionKeyFailure> {
        wechat_api::parse::<serde::de::IgnoredAny>(result).map_err(SessionKeyFailure::from_api)?;
        Ok(())
    }
}

impl Default for CheckSessionKeyApi {
    fn default() -> Self {
        Self::new()
    }
}

/// resetUserSessionKey: has WeChat replace a user's `session_key`, signed with the current one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResetSessionKeyApi {
    /// WeChat's host ([`DEFAULT_BASE_URL`] by default); trailing slashes are ignored.
    pub base_url: String,
}

impl ResetSessionKeyApi {
    /// The API on WeChat's host.
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
        }
    }

    /// The request for `openid`, signed with its current `session_key`.
    pub fn request(
        &self,
        access_token: &AccessToken,
        openid: &str,
        session_key: &SessionKey,
    ) -> HttpRequest {
        let path = "/wxa/resetusersessionkey";
        signed_request(&self.base_url, path, access_token, openid, session_key)
    }

    /// Parses the answer: the openid and the new key, both non-empty.
    pub fn parse(&self, result: &HttpResult) -> Result<ResetSessionKey, SessionKeyFailure> {
        let reset: ResetSessionKey =
            wechat_api::parse(result).map_err(SessionKeyFailure::from_api)?;
        let missing = |field: &str| {
            SessionKeyFailure::Api(ApiFailure::Malformed {
                detail: format!("{field} is empty"),
            })
        };
        if reset.openid.is_empty() {
            return Err(missing("openid"));
        }
        if reset.session_key.expose_secret().is_empty() {
            return Err(missing("session_key"));
        }
        Ok(reset)
    }
}

impl Default for ResetSessionKeyApi {
    fn default() -> Self {
        Self::new()
    }
}

/// Both APIs' request: the same query, signed the same way, on two paths.
fn signed_request(
    base_url: &str,
    path: &str,
    access_token: &AccessToken,
    openid: &str,
    session_key: &SessionKey,
) -> HttpRequest {
    let url = Url::new(base_url, path)
        .query("access_token", access_token.expose_secret())
        .query("openid", openid)
        .query("signature", &signature(session_key))
        .query("sig_method", "hmac_sha256");
    HttpRequest::get(url.into_string())
}
