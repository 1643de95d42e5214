//! How a [`LoginMachine`](super::LoginMachine) talks to the developer server, how long it waits
//! and how it retries.

use time::Duration;

use crate::backoff::Backoff;
use crate::http::HttpRequest;
use crate::rng::SplitMix64;
use crate::secret::{LoginCode, SessionToken};
use crate::wire::{TokenHeader, encode_login_request};

/// Everything a [`LoginMachine`](super::LoginMachine) needs to know up front.
///
/// `LoginConfig::new(base_url)` gives the defaults below; change any field afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Retries of transient failures.
    pub retry: RetryPolicy,
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
            retry: RetryPolicy::default(),
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
    format!("{base}/{path}")
}

/// How long the machine waits for each kind of effect. A driver should pass the same values to
/// its own APIs (`wx.login({timeout})`, `wx.request({timeout})`); the machine's deadline is what
/// counts either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// Retries of transient failures (timeouts, transport errors, 5xx, a failed `wx.login`) with
/// capped exponential backoff and seeded jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per step, the first one included; at least 1. Default 3.
    pub attempts: u32,
    /// The delay before the first retry. Default 500 ms.
    pub base_delay: Duration,
    /// No delay is longer. Default 8 s.
    pub max_delay: Duration,
    /// Seed of the jitter; pass a random value per app launch so clients spread out, or a
    /// constant to replay a run exactly.
    pub jitter_seed: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::milliseconds(500),
            max_delay: Duration::seconds(8),
            jitter_seed: 0,
        }
    }
}

impl RetryPolicy {
    /// Whether a step that has failed `failures` times may run again.
    pub(crate) fn allows_retry(&self, failures: u32) -> bool {
        failures < self.attempts.max(1)
    }

    /// The delay after the `failures`-th failure: `base * 2^(failures-1)` capped at `max_delay`,
    /// of which the upper half is jitter.
    pub(crate) fn delay(&self, failures: u32, rng: &mut SplitMix64) -> Duration {
        let backoff = Backoff {
            initial: self.base_delay,
            max: self.max_delay,
            max_attempts: self.attempts,
        };
        backoff.delay(failures, rng)
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

    // The arithmetic is `Backoff`'s, tested there; this checks the mapping of the fields.
    #[test]
    fn delays_follow_the_policy_fields() {
        let policy = RetryPolicy::default();
        let mut rng = SplitMix64::new(policy.jitter_seed);
        let first = policy.delay(1, &mut rng);
        assert!(first >= Duration::milliseconds(250) && first <= Duration::milliseconds(500));
        assert!(policy.delay(u32::MAX, &mut rng) <= policy.max_delay);
        assert!(policy.allows_retry(2) && !policy.allows_retry(3));
        let never = RetryPolicy {
            attempts: 0,
            ..policy
        };
        assert!(
            !never.allows_retry(1),
            "zero attempts still means one try, no retry"
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
