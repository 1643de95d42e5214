//! The one place the cache calls the token API (`fetch.rs`): the request a fetch sends, and
//! its answer parsed, scrubbed and turned into a lifetime.

use time::Duration;

use super::config::AccessTokenConfig;
use super::fetch::{parse_token_response, scrub, token_request};
use crate::http::{HttpRequest, HttpResponse, TransportFailure, trim_base_url};
use crate::secret::AccessToken;
use crate::server::errcode::ApiFailure;

/// The token request; `force` asks WeChat for a new token. A `base_url` set with a trailing
/// `/` is used without it.
pub(crate) fn request(config: &AccessTokenConfig, force: bool) -> HttpRequest {
    if config.base_url.ends_with('/') {
        let mut trimmed = config.clone();
        trimmed.base_url = trim_base_url(trimmed.base_url);
        return token_request(&trimmed, force);
    }
    token_request(config, force)
}

/// WeChat's answer: the token and how long it lives, or the failure with every world text
/// scrubbed of the secret.
pub(crate) fn parse(
    result: &Result<HttpResponse, TransportFailure>,
    config: &AccessTokenConfig,
) -> Result<(AccessToken, Duration), ApiFailure> {
    match parse_token_response(result) {
        // Saturating, as the crate's one seconds helper (`time_util::seconds`) will.
        Ok(granted) => {
            let seconds = i64::try_from(granted.expires_in).unwrap_or(i64::MAX);
            Ok((granted.access_token, Duration::seconds(seconds)))
        }
        Err(error) => Err(scrub(error, config)),
    }
}
