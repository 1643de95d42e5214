//! How a [`LoginMachine`](super::LoginMachine) talks to the developer server, how long it waits
//! and how it retries.

use time::Duration;

use crate::backoff::Backoff;
use crate::http::HttpRequest;
use crate::secret::{LoginCode, SessionToken};
use crate::wire::{TokenHeader, encode_login_request};

/// Everything a [`LoginMachine`](super::LoginMachine) needs to know up front.
///
/// `LoginConfig::new(base_url)` gives the defaults below; change any field afterwards:
/// ```
/// use wxlogin::client::LoginConfig;
/// let mut config = LoginConfig::new("https://api.example.com");
/// config.backoff.max_attempts = 5;
/// config.seed = 0x5eed; // a random value per app launch spreads clients apart
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginConfig {
    /// The developer server: `https://api.example.com` (a trailing slash is fine; base and
    /// path are joined with exactly one slash).
    pub base_url: String,
    /// Path of the login call (`POST`, body `{"code": …}`). Default `/login`.
    pub login_path: String,
    /// Path of the session check (`GET` with the token header). Default `/session`.
    pub session_path: String,
    /// Header and scheme that carry the token. Default `Authorization: Bearer <token>`.
    pub token_header: TokenHeader,
    /// The storage key of the session record. Default `wxlogin.session`.
    pub storage_key: String,
    /// How long each effect may take before the machine gives up on it.
    pub timeouts: Timeouts,
    /// Retries of transient failures (timeouts, transport errors, 5xx, a failed `wx.login`):
    /// capped exponential backoff with seeded jitter. `max_attempts` counts the tries of each
    /// step, the first one included (0 counts as 1). Default 500 ms doubling up to 8 s, 3
    /// tries.
    pub backoff: Backoff,
    /// Seed of the backoff jitter; pass a random value per app launch so clients spread out,
    /// or a constant to replay a run exactly. Default 0.
    pub seed: u64,
    /// Whether a stored token is confirmed with the server at launch.
    pub verify: VerifyPolicy,
    /// Whether a login code may be sent again after its request got no answer.
    pub code_reuse: CodeReuse,
    /// A code older than this is never sent. WeChat's codes live 5 minutes.
    pub code_max_age: Duration,
    /// After a re-login caused by a rejected token, another rejection of the new token within
    /// this window is reported as [`LoginFailure::RejectedAfterRelogin`](super::LoginFailure)
    /// instead of logging in again, and so is every later rejection of that token until a new
    /// one exists. Default 60 seconds.
    pub relogin_window: Duration,
}

impl LoginConfig {
    /// The defaults, talking to `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            login_path: "/login".into(),
            session_path: "/session".into(),
            token_header: TokenHeader::default(),
            storage_key: "wxlogin.session".into(),
            timeouts: Timeouts::default(),
            backoff: Backoff {
                initial: Duration::milliseconds(500),
                max: Duration::seconds(8),
                max_attempts: 3,
            },
            seed: 0,
            verify: VerifyPolicy::default(),
            code_reuse: CodeReuse::default(),
            code_max_age: Duration::minutes(5),
            relogin_window: Duration::seconds(60),
        }
    }

    /// The login request for `code`.
    pub(crate) fn login_request(&self, code: &LoginCode) -> HttpRequest {
        let url = join_url(&self.base_url, &self.login_path);
        HttpRequest::post_json(url, encode_login_request(code))
    }

    /// The session-check request for `token`.
    pub(crate) fn session_request(&self, token: &SessionToken) -> HttpRequest {
        let mut request = HttpRequest::get(join_url(&self.base_url, &self.session_path));
        request.headers.push(self.token_header.encode(token));
        request
    }
}

/// `base` and `path` with exactly one slash between them: `https://x/` and `/login` give
/// `https://x/login`, not `https://x//login`.
fn join_url(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    let path = path.trim_start_matches('/');
    let mut url = String::with_capacity(base.len() + 1 + path.len());
    url.push_str(base);
    url.push('/');
    url.push_str(path);
    url
}

/// How long the machine waits for each kind of effect. A driver should pass the same values to
/// its own APIs (`wx.login({timeout})`, `wx.request({timeout})`); the machine's deadline is what
/// counts either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Reading the storage record. Default 5 s.
    pub storage: Duration,
    /// `wx.checkSession`. Default 10 s.
    pub check_session: Duration,
    /// `wx.login`. Default 10 s.
    pub wx_login: Duration,
    /// Each request to the developer server. Default 15 s.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            storage: Duration::seconds(5),
            check_session: Duration::seconds(10),
            wx_login: Duration::seconds(10),
            request: Duration::seconds(15),
        }
    }
}

/// Whether a stored token is confirmed with the developer server when the app starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum VerifyPolicy {
    /// `wx.checkSession`, then the server's session check (the tutorial's behaviour).
    #[default]
    ConfirmWithServer,
    /// Trust the stored token until its local expiry; a 401 on a business call still triggers
    /// a re-login through [`Event::SessionRejected`](super::Event::SessionRejected).
    TrustUntilExpiry,
    /// Trust a token younger than this age, confirm an older one.
    ConfirmIfOlderThan(Duration),
}

/// What happens to a code whose login request got no answer (timeout, transport error, 5xx).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CodeReuse {
    /// Every retry gets a fresh code from `wx.login`: a code is sent at most once.
    #[default]
    Never,
    /// Send the same code again while it is younger than `code_max_age`. Only for servers that
    /// join duplicate exchanges of one code, such as this crate's `LoginCoordinator`: the
    /// retry then gets the session the lost answer carried, without a new `wx.login` (which may
    /// rotate the user's `session_key`). A server without that answers 40163 `code_used`, and
    /// the machine then falls back to a fresh code.
    WithinCodeLife,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_backoff_is_the_clients_own() {
        let config = LoginConfig::new("https://x");
        let b = config.backoff;
        assert_eq!(
            (b.initial, b.max, b.max_attempts, config.seed),
            (Duration::milliseconds(500), Duration::seconds(8), 3, 0)
        );
    }

    #[test]
    fn base_and_path_are_joined_with_one_slash() {
        for base in ["https://x", "https://x/", "https://x//"] {
            for path in ["login", "/login", "//login"] {
                assert_eq!(join_url(base, path), "https://x/login", "{base} + {path}");
            }
        }
        assert_eq!(
            join_url("https://x/api/", "/v1/login"),
            "https://x/api/v1/login"
        );
    }
}
