//! How a [`LoginMachine`](super::LoginMachine) talks to the developer server, how long it waits
//! and how it retries.

use time::Duration;

use crate::http::HttpRequest;
use crate::secret::{LoginCode, SessionToken};
use crate::wire::{TokenHeader, encode_login_request};

/// Everything a [`LoginMachine`](super::LoginMachine) needs to know up front.
///
/// `LoginConfig::new(base_url)` gives the defaults below; change any field afterwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginConfig {
    /// The developer server, without a trailing slash: `https://api.example.com`.
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
    /// instead of logging in again. Default 60 seconds.
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
        let url = format!("{}{}", self.base_url, self.login_path);
        HttpRequest::post_json(url, encode_login_request(code))
    }

    /// The session-check request for `token`.
    pub(crate) fn session_request(&self, token: &SessionToken) -> HttpRequest {
        let mut request = HttpRequest::get(format!("{}{}", self.base_url, self.session_path));
        request.headers.push(self.token_header.encode(token));
        request
    }
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
    /// then "equal jitter": half of it fixed, half drawn from `random`.
    pub(crate) fn delay(&self, failures: u32, random: u64) -> Duration {
        let base = self.base_delay.whole_milliseconds().max(0);
        // Clamped so that every value below fits an i64 of milliseconds.
        let max = self
            .max_delay
            .whole_milliseconds()
            .clamp(0, i128::from(i64::MAX));
        let shift = failures.saturating_sub(1).min(62);
        let capped = base.saturating_mul(1i128 << shift).min(max);
        let half = capped / 2;
        // `half + 1` fits in u64 and the sum in i64, because `capped` is at most i64::MAX.
        let jitter = i128::from(random % (half as u64 + 1));
        Duration::milliseconds((capped - half + jitter) as i64)
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

/// A deterministic generator for jitter (splitmix64): no randomness is drawn by the crate.
pub(crate) fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, 0), Duration::milliseconds(250));
        assert_eq!(policy.delay(1, 250), Duration::milliseconds(500));
        assert_eq!(policy.delay(2, 0), Duration::milliseconds(500));
        assert_eq!(policy.delay(5, 0), Duration::milliseconds(4000));
        assert_eq!(
            policy.delay(60, u64::MAX - 1),
            policy.delay(60, u64::MAX - 1)
        );
        assert!(policy.delay(u32::MAX, u64::MAX) <= policy.max_delay);
    }

    #[test]
    fn absurd_policies_do_not_overflow() {
        let policy = RetryPolicy {
            attempts: 0,
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            jitter_seed: 0,
        };
        assert!(policy.delay(u32::MAX, u64::MAX) > Duration::ZERO);
        assert!(!policy.allows_retry(1));
        let negative = RetryPolicy {
            base_delay: Duration::MIN,
            max_delay: Duration::MIN,
            ..policy
        };
        assert_eq!(negative.delay(3, 7), Duration::ZERO);
    }

    #[test]
    fn jitter_sequence_is_deterministic() {
        let (mut a, mut b) = (42, 42);
        let first: Vec<u64> = (0..4).map(|_| next_random(&mut a)).collect();
        let second: Vec<u64> = (0..4).map(|_| next_random(&mut b)).collect();
        assert_eq!(first, second);
        assert_ne!(first[0], first[1]);
    }
}
