//! The token request (stable or plain) and the parser of WeChat's answer.
//!
//! ```text
//! POST {base}/cgi-bin/stable_token  {"grant_type":"client_credential","appid":…,"secret":…,"force_refresh":false}
//! GET  {base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…
//! -> {"access_token":"…","expires_in":7200}
//! ```

use serde::{Deserialize, Serialize};

use super::config::{AccessTokenConfig, TokenEndpoint};
use crate::http::{HttpRequest, HttpResponse, TransportFailure};
use crate::secret::AccessToken;
use crate::server::code2session::percent_encode;
use crate::server::errcode::{ApiFailure, parse_api_response};
use crate::server::scrub::Scrub;
use crate::wire::to_json;

/// The token request. `force` sends `force_refresh: true` to the stable endpoint; the plain
/// endpoint has no such flag (every call issues a new token).
pub fn token_request(config: &AccessTokenConfig, force: bool) -> HttpRequest {
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
            HttpRequest::post_json(format!("{}/cgi-bin/stable_token", config.base_url), body)
        }
        TokenEndpoint::Plain => HttpRequest::get(format!(
            "{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
            config.base_url,
            percent_encode(&config.appid),
            percent_encode(config.secret.expose_secret()),
        )),
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

/// Parses WeChat's answer to the token request (either endpoint), or the transport error the
/// driver got instead.
///
/// Success is a 200 JSON object with `errcode` absent or 0, a non-empty `access_token` and an
/// `expires_in` of at least 1. Everything else is an [`ApiFailure`] keeping what WeChat said.
pub fn parse_token_response(
    result: &Result<HttpResponse, TransportFailure>,
) -> Result<GrantedToken, ApiFailure> {
    let granted: GrantedToken = parse_api_response(result)?;
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

/// The one scrub ([`Scrub`]) with the app secret known: every world text the error keeps
/// (an HTTP client's message naming the plain endpoint's URL, an errmsg of any status) loses
/// the secret, raw or percent-encoded, and anything shaped like a credential.
pub(crate) fn scrub(error: ApiFailure, config: &AccessTokenConfig) -> ApiFailure {
    Scrub::new([config.secret.expose_secret()]).api_error(error)
}
