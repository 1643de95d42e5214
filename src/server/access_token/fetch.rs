//! The token API (stable or plain endpoint): its request and the parser of WeChat's answer.
//!
//! ```text
//! POST {base}/cgi-bin/stable_token  {"grant_type":"client_credential","appid":…,"secret":…,"force_refresh":false}
//! GET  {base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…
//! -> {"access_token":"…","expires_in":7200}
//! ```
//!
//! Crate-internal: the cache is the one way to a token (single flight, the forced-refresh
//! guard, compare-and-expire), and its `Command::Fetch` carries the request. The `test-support`
//! feature re-exports [`TokenApi`] and [`GrantedToken`] for this workspace's parser tests, which
//! is why their items are written `pub`.
#![cfg_attr(not(feature = "test-support"), allow(unreachable_pub))]

use serde::{Deserialize, Serialize};

use super::config::{AccessTokenConfig, TokenEndpoint};
use crate::http::{HttpRequest, HttpResult};
use crate::secret::AccessToken;
use crate::server::wechat_api::{ApiFailure, Url, parse_scrubbed};
use crate::wire::to_json;

/// The token API of the mini program an [`AccessTokenConfig`] names: its appid, secret, host
/// and endpoint. A view: it borrows the configuration and copies nothing.
#[derive(Clone, Copy, Debug)]
pub struct TokenApi<'a> {
    config: &'a AccessTokenConfig,
}

impl<'a> TokenApi<'a> {
    /// The API as `config` describes it.
    pub fn new(config: &'a AccessTokenConfig) -> Self {
        Self { config }
    }

    /// The token request. `force` sends `force_refresh: true` to the stable endpoint; the plain
    /// endpoint has no such flag (every call issues a new token).
    pub fn request(&self, force: bool) -> HttpRequest {
        let config = self.config;
        match config.endpoint {
            TokenEndpoint::Stable => {
                #[derive(Serialize)]
                struct Body<'a> {
                    grant_type: &'static str,
                    appid: &'a str,
                    secret: &'a str,
                    force_refresh: bool,
                }
                let body = to_json(&Body {
                    grant_type: "client_credential",
                    appid: &config.appid,
                    secret: config.secret.expose_secret(),
                    force_refresh: force,
                });
                let url = Url::new(&config.base_url, "/cgi-bin/stable_token");
                HttpRequest::post_json(url.into_string(), body)
            }
            TokenEndpoint::Plain => HttpRequest::get(
                Url::new(&config.base_url, "/cgi-bin/token")
                    .query("grant_type", "client_credential")
                    .query("appid", &config.appid)
                    .query("secret", config.secret.expose_secret())
                    .into_string(),
            ),
        }
    }

    /// Parses WeChat's answer to the token request (either endpoint), or the transport error
    /// the driver got instead.
    ///
    /// Success is a 200 JSON object with `errcode` absent or 0, a non-empty `access_token` and
    /// an `expires_in` of at least 1. Everything else is an [`ApiFailure`] keeping what WeChat
    /// said, with the app secret (raw or percent-encoded, as an HTTP client quoting the plain
    /// endpoint's URL would show it) and anything shaped like a credential removed.
    pub fn parse(&self, result: &HttpResult) -> Result<GrantedToken, ApiFailure> {
        let secret = self.config.secret.expose_secret();
        let granted: GrantedToken = parse_scrubbed(result, &[secret])?;
        let malformed = |detail: &str| ApiFailure::Malformed {
            detail: detail.to_owned(),
        };
        if granted.access_token.expose_secret().is_empty() {
            return Err(malformed("access_token is empty"));
        }
        if granted.expires_in == 0 {
            return Err(malformed("expires_in is 0"));
        }
        Ok(granted)
    }
}

/// A token WeChat granted: the token and its lifetime in seconds.
///
/// `Debug` hides the token.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GrantedToken {
    /// The token.
    pub access_token: AccessToken,
    /// Seconds it stays valid from when WeChat answered; at least 1.
    pub expires_in: u64,
}
