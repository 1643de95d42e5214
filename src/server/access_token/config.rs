//! How an [`AccessTokenCache`](super::AccessTokenCache) gets its token and when it refreshes.

use time::Duration;

use crate::backoff::Backoff;
use crate::secret::AppSecret;
use crate::server::wechat_api::DEFAULT_BASE_URL;

/// The early-refresh margin used by default: five minutes before expiry, the moment WeChat
/// itself starts handing out the next stable token.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::minutes(5);

/// Which WeChat endpoint a fetch calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenEndpoint {
    /// `POST /cgi-bin/stable_token` with a JSON body (the default). In normal mode repeated
    /// calls return the same token, so processes fetching on their own do not overwrite each
    /// other; `force_refresh: true` is sent only for [`ForceRefresh`](super::Event::ForceRefresh).
    #[default]
    Stable,
    /// `GET /cgi-bin/token`. Every call issues a new token and invalidates the previous one
    /// (after a 5-minute overlap): only one process of an app may use it (see the module docs).
    Plain,
}

/// Where a cache takes fresh tokens from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenSource {
    /// From WeChat, with [`Command::Fetch`](super::Command::Fetch)
    /// (the default; the refreshing process).
    #[default]
    WeChat,
    /// From a store shared with the refreshing process, with
    /// [`Command::LoadShared`](super::Command::LoadShared). The cache
    /// never calls WeChat and refuses forced refreshes.
    Shared,
}

/// Configuration of an [`AccessTokenCache`](super::AccessTokenCache).
///
/// `AccessTokenConfig::new(appid, secret, seed)` gives the defaults below; change any field
/// afterwards (`let mut c = AccessTokenConfig::new(..); c.source = TokenSource::Shared;`).
/// `Debug` never shows the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessTokenConfig {
    /// The mini program's appid.
    pub appid: String,
    /// The mini program's AppSecret (sent in the token request only).
    pub secret: AppSecret,
    /// WeChat's host, [`DEFAULT_BASE_URL`] unless overridden (tests, proxies); a trailing `/`
    /// is ignored.
    pub base_url: String,
    /// Which endpoint fetches call. Default: [`TokenEndpoint::Stable`].
    pub endpoint: TokenEndpoint,
    /// Where fresh tokens come from. Default: [`TokenSource::WeChat`].
    pub source: TokenSource,
    /// How long before expiry the cache refreshes on its own. Default: 300 s. The refresh never
    /// starts before half of the token's lifetime has passed, so a short-lived token cannot
    /// make the cache fetch in a loop.
    pub refresh_margin: Duration,
    /// How long a fetch (or a shared load) may take before it counts as a transport timeout.
    /// Default: 10 s.
    pub call_timeout: Duration,
    /// How transient failures (`-1`, 5xx, transport errors, timeouts) are retried.
    pub backoff: Backoff,
    /// After a refresh failed for good, how long the cache waits before refreshing ahead again
    /// (a waiter that needs a token still starts a fetch at once). Default: 60 s; a quota error
    /// waits until the quota resets.
    pub failure_cooldown: Duration,
    /// Waiters held at most; more are failed at once with
    /// [`TokenFailure::Busy`](super::TokenFailure::Busy). Default: 65,536.
    pub max_waiters: usize,
    /// The seed of the backoff jitter.
    pub seed: u64,
}

impl AccessTokenConfig {
    /// The defaults for a mini program's appid and secret, with a jitter seed the caller drew.
    pub fn new(appid: impl Into<String>, secret: AppSecret, seed: u64) -> Self {
        Self {
            appid: appid.into(),
            secret,
            base_url: DEFAULT_BASE_URL.to_owned(),
            endpoint: TokenEndpoint::Stable,
            source: TokenSource::WeChat,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            call_timeout: Duration::seconds(10),
            backoff: Backoff::default(),
            failure_cooldown: Duration::seconds(60),
            max_waiters: 65_536,
            seed,
        }
    }
}
