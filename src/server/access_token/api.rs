//! The one place the cache calls the token API ([`TokenApi`]): the request a fetch sends, and
//! its answer parsed (scrubbed by the API's parse) and turned into a lifetime.

use time::Duration;

use super::config::AccessTokenConfig;
use super::fetch::TokenApi;
use crate::http::{HttpRequest, HttpResult};
use crate::secret::AccessToken;
use crate::server::wechat_api::ApiFailure;

/// The token request; `force` asks WeChat for a new token.
pub(crate) fn request(config: &AccessTokenConfig, force: bool) -> HttpRequest {
    TokenApi::new(config).request(force)
}

/// WeChat's answer: the token and how long it lives, or the failure with every world text
/// scrubbed of the secret.
pub(crate) fn parse(
    result: &HttpResult,
    config: &AccessTokenConfig,
) -> Result<(AccessToken, Duration), ApiFailure> {
    let granted = TokenApi::new(config).parse(result)?;
    Ok((
        granted.access_token,
        crate::time_util::seconds(granted.expires_in),
    ))
}
