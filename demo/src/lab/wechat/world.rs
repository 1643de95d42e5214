//! What the fake WeChat remembers: the codes it issued (5 minutes, usable once), each user's
//! current `session_key`, the stable access tokens, and how often it saw each code.
//!
//! Plain synchronous logic over one `now`, so the rules are tested without HTTP.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::time::Instant;

use super::bodies::{self, ErrCode};
use crate::drive::random;

/// A code lives 5 minutes (docs/protocol.md §2).
const CODE_LIFE: Duration = Duration::from_secs(300);
/// An access token lives 7200 s.
const TOKEN_LIFE: Duration = Duration::from_secs(7200);
/// In normal mode WeChat hands out a new token 5 minutes before the old one ends.
const TOKEN_EARLY_REFRESH: Duration = Duration::from_secs(300);
/// A forced refresh within 30 s of the last one refreshes nothing.
const FORCE_REFRESH_GAP: Duration = Duration::from_secs(30);

/// The mini program's credentials the fake accepts.
#[derive(Clone, Debug)]
pub struct AppCredentials {
    /// The appid.
    pub appid: String,
    /// The AppSecret.
    pub secret: String,
}

#[derive(Debug)]
struct IssuedCode {
    user: String,
    issued_at: Instant,
    exchanged: bool,
}

#[derive(Debug)]
struct IssuedToken {
    expires_at: Instant,
    superseded: bool,
}

/// What the fake saw, for assertions and the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeChatCounts {
    /// Codes handed out by the fake `wx.login`.
    pub codes_issued: u64,
    /// code2Session calls answered (faults included).
    pub code2session_calls: u64,
    /// Codes exchanged successfully.
    pub exchanges: u64,
    /// 40163 answers: a code seen again after it was used.
    pub code_used_answers: u64,
    /// The most code2Session calls any one code got.
    pub max_calls_per_code: u64,
    /// code2Session calls carrying a code that was already exchanged, faulted calls included:
    /// the "same code sent twice" bug class (docs/protocol.md §5.3). Zero in a correct deployment.
    pub calls_after_use: u64,
    /// `stable_token` calls.
    pub stable_token_calls: u64,
    /// `checksession` calls.
    pub check_session_calls: u64,
}

/// The fake's memory.
#[derive(Debug)]
pub struct World {
    app: AppCredentials,
    codes: HashMap<String, IssuedCode>,
    calls_per_code: HashMap<String, u64>,
    session_keys: HashMap<String, String>,
    tokens: HashMap<String, IssuedToken>,
    current_token: Option<String>,
    last_forced: Option<Instant>,
    counts: WeChatCounts,
}

/// The openid the fake gives a user: stable, so tests can check who got which session.
pub fn openid_of(user: &str) -> String {
    format!("o-demo-{user}")
}

fn unionid_of(user: &str) -> String {
    format!("u-demo-{user}")
}

/// `signature` of checkSessionKey: lowercase hex of HMAC-SHA256 keyed with the session_key's
/// base64 text (not decoded) over the empty string.
pub fn session_key_signature(session_key: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(session_key.as_bytes())
        .expect("hmac takes any key length");
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl World {
    /// An empty world for one mini program.
    pub fn new(app: AppCredentials) -> Self {
        Self {
            app,
            codes: HashMap::new(),
            calls_per_code: HashMap::new(),
            session_keys: HashMap::new(),
            tokens: HashMap::new(),
            current_token: None,
            last_forced: None,
            counts: WeChatCounts::default(),
        }
    }

    /// What the fake saw so far.
    pub fn counts(&self) -> WeChatCounts {
        self.counts.clone()
    }

    /// Every session_key handed out, for tests asserting that none leaks.
    pub fn session_keys(&self) -> Vec<String> {
        self.session_keys.values().cloned().collect()
    }

    /// Every code issued, for tests asserting that none leaks.
    pub fn codes(&self) -> Vec<String> {
        self.codes.keys().cloned().collect()
    }

    /// The user's current session_key, if they have exchanged a code.
    pub fn session_key_of(&self, openid: &str) -> Option<String> {
        self.session_keys.get(openid).cloned()
    }

    /// `wx.login` on the user's phone: a fresh 32-character code bound to `user`.
    pub fn issue_code(&mut self, user: &str, now: Instant) -> Option<String> {
        let code = random::text(32, random::URL_SAFE).ok()?;
        self.codes.insert(
            code.clone(),
            IssuedCode {
                user: user.to_owned(),
                issued_at: now,
                exchanged: false,
            },
        );
        self.counts.codes_issued += 1;
        Some(code)
    }

    /// Counts one code2Session call, whatever it is answered; faults are counted too.
    pub fn count_code2session(&mut self, js_code: Option<&str>) {
        self.counts.code2session_calls += 1;
        if let Some(code) = js_code {
            let calls = self.calls_per_code.entry(code.to_owned()).or_default();
            *calls += 1;
            self.counts.max_calls_per_code = self.counts.max_calls_per_code.max(*calls);
            if self.codes.get(code).is_some_and(|c| c.exchanged) {
                self.counts.calls_after_use += 1;
            }
        }
    }

    /// `GET /sns/jscode2session`: checks the credentials, then uses the code up.
    pub fn code2session(&mut self, query: &HashMap<String, String>, now: Instant) -> Value {
        if let Err(code) = self.check_credentials(query) {
            return bodies::error(code);
        }
        let Some(issued) = query.get("js_code").and_then(|c| self.codes.get_mut(c)) else {
            return bodies::error(ErrCode::InvalidCode);
        };
        if now.duration_since(issued.issued_at) >= CODE_LIFE {
            return bodies::error(ErrCode::InvalidCode);
        }
        if issued.exchanged {
            self.counts.code_used_answers += 1;
            return bodies::error(ErrCode::CodeUsed);
        }
        issued.exchanged = true;
        let user = issued.user.clone();
        self.counts.exchanges += 1;
        let openid = openid_of(&user);
        // A new code acquisition may rotate the session_key (docs/protocol.md §2): this fake always does.
        let Ok(key) = random::bytes::<16>() else {
            return bodies::error(ErrCode::SystemBusy);
        };
        let session_key = base64::engine::general_purpose::STANDARD.encode(key);
        self.session_keys
            .insert(openid.clone(), session_key.clone());
        bodies::code2session(&openid, &session_key, &unionid_of(&user))
    }

    /// `POST /cgi-bin/stable_token` with its JSON body.
    pub fn stable_token(&mut self, body: &Value, now: Instant) -> Value {
        self.counts.stable_token_calls += 1;
        let field = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
        let query: HashMap<String, String> =
            [("appid", field("appid")), ("secret", field("secret"))]
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_owned(), v?)))
                .collect();
        if let Err(code) = self.check_credentials(&query) {
            return bodies::error(code);
        }
        let force = body.get("force_refresh").and_then(Value::as_bool) == Some(true);
        let forced_recently = self
            .last_forced
            .is_some_and(|at| now.duration_since(at) < FORCE_REFRESH_GAP);
        let current = self.current_token.as_ref().and_then(|t| {
            let left = self.tokens.get(t)?.expires_at.checked_duration_since(now)?;
            Some((t.clone(), left))
        });
        let (token, left) = match current {
            // Normal mode: the same token while it has more than 5 minutes left.
            Some((token, left)) if !force && left >= TOKEN_EARLY_REFRESH => (token, left),
            // A forced refresh too soon after the last one refreshes nothing.
            Some((token, left)) if force && forced_recently => (token, left),
            _ => {
                if force {
                    self.last_forced = Some(now);
                    // A forced refresh invalidates every earlier token.
                    self.tokens.values_mut().for_each(|t| t.superseded = true);
                }
                let Some(token) = self.new_token(now) else {
                    return bodies::error(ErrCode::SystemBusy);
                };
                (token, TOKEN_LIFE)
            }
        };
        bodies::access_token(&token, left.as_secs())
    }

    /// `GET /wxa/checksession`: the token, the method, then the signature over the user's key.
    pub fn check_session(&mut self, query: &HashMap<String, String>, now: Instant) -> Value {
        self.counts.check_session_calls += 1;
        let Some(token) = query.get("access_token").and_then(|t| self.tokens.get(t)) else {
            return bodies::error(ErrCode::TokenInvalid);
        };
        if token.superseded {
            return bodies::error(ErrCode::TokenNotLatest);
        }
        if token.expires_at <= now {
            return bodies::error(ErrCode::TokenExpired);
        }
        if query.get("sig_method").map(String::as_str) != Some("hmac_sha256") {
            return bodies::error(ErrCode::InvalidSigMethod);
        }
        let Some(key) = query.get("openid").and_then(|o| self.session_keys.get(o)) else {
            return bodies::error(ErrCode::SessionKeyMissing);
        };
        let expected = session_key_signature(key);
        if query.get("signature").map(String::as_str) != Some(expected.as_str()) {
            return bodies::error(ErrCode::InvalidSignature);
        }
        bodies::ok()
    }

    fn check_credentials(&self, query: &HashMap<String, String>) -> Result<(), ErrCode> {
        let appid = query.get("appid").ok_or(ErrCode::AppidMissing)?;
        let secret = query.get("secret").ok_or(ErrCode::SecretMissing)?;
        if *appid != self.app.appid {
            return Err(ErrCode::InvalidAppid);
        }
        if *secret != self.app.secret {
            return Err(ErrCode::InvalidSecret);
        }
        Ok(())
    }

    fn new_token(&mut self, now: Instant) -> Option<String> {
        // Real tokens are a little over 150 characters; callers must store at least 512.
        let token = random::text(160, random::URL_SAFE).ok()?;
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                expires_at: now + TOKEN_LIFE,
                superseded: false,
            },
        );
        self.current_token = Some(token.clone());
        Some(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn world() -> World {
        World::new(AppCredentials {
            appid: "wxdemo".into(),
            secret: "s3cret".into(),
        })
    }

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_code_is_exchanged_once_and_only_within_its_life() {
        let mut w = world();
        let now = Instant::now();
        let code = w.issue_code("alice", now).unwrap();
        let q = query(&[
            ("appid", "wxdemo"),
            ("secret", "s3cret"),
            ("js_code", &code),
        ]);
        let first = w.code2session(&q, now);
        assert_eq!(first["openid"], "o-demo-alice");
        assert_eq!(first["session_key"].as_str().unwrap().len(), 24);
        assert!(first.get("errcode").is_none());
        w.count_code2session(Some(&code));
        assert_eq!(w.code2session(&q, now)["errcode"], 40163);

        let late = w.issue_code("bob", now).unwrap();
        let q = query(&[
            ("appid", "wxdemo"),
            ("secret", "s3cret"),
            ("js_code", &late),
        ]);
        assert_eq!(w.code2session(&q, now + CODE_LIFE)["errcode"], 40029);
        let counts = w.counts();
        assert_eq!((counts.exchanges, counts.code_used_answers), (1, 1));
        assert_eq!(counts.calls_after_use, 1);
    }

    #[test]
    fn credentials_are_checked() {
        let mut w = world();
        let now = Instant::now();
        let errcode =
            |w: &mut World, q: &[(&str, &str)]| w.code2session(&query(q), now)["errcode"].clone();
        assert_eq!(errcode(&mut w, &[("secret", "s3cret")]), 41002);
        assert_eq!(errcode(&mut w, &[("appid", "wxdemo")]), 41004);
        assert_eq!(
            errcode(&mut w, &[("appid", "x"), ("secret", "s3cret")]),
            40013
        );
        assert_eq!(
            errcode(&mut w, &[("appid", "wxdemo"), ("secret", "x")]),
            40125
        );
    }

    #[test]
    fn stable_token_is_stable_and_forced_refresh_is_rate_limited() {
        let mut w = world();
        let now = Instant::now();
        let normal = json!({"grant_type": "client_credential", "appid": "wxdemo", "secret": "s3cret", "force_refresh": false});
        let forced = json!({"grant_type": "client_credential", "appid": "wxdemo", "secret": "s3cret", "force_refresh": true});
        let first = w.stable_token(&normal, now);
        assert_eq!(first["expires_in"], 7200);
        assert_eq!(
            w.stable_token(&normal, now)["access_token"],
            first["access_token"]
        );
        // Near its end, normal mode hands out a new one; expires_in is never below 300.
        let late = w.stable_token(&normal, now + TOKEN_LIFE - Duration::from_secs(299));
        assert_ne!(late["access_token"], first["access_token"]);
        let refreshed = w.stable_token(&forced, now);
        assert_ne!(refreshed["access_token"], late["access_token"]);
        let again = w.stable_token(&forced, now + Duration::from_secs(10));
        assert_eq!(again["access_token"], refreshed["access_token"]);
    }

    #[test]
    fn check_session_verifies_token_method_and_signature() {
        let mut w = world();
        let now = Instant::now();
        let code = w.issue_code("carol", now).unwrap();
        let q = query(&[
            ("appid", "wxdemo"),
            ("secret", "s3cret"),
            ("js_code", &code),
        ]);
        let key = w.code2session(&q, now)["session_key"]
            .as_str()
            .unwrap()
            .to_owned();
        let body = json!({"appid": "wxdemo", "secret": "s3cret"});
        let token = w.stable_token(&body, now)["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let signature = session_key_signature(&key);
        let check = |w: &mut World, token: &str, method: &str, openid: &str, sig: &str| {
            let q = query(&[
                ("access_token", token),
                ("sig_method", method),
                ("openid", openid),
                ("signature", sig),
            ]);
            w.check_session(&q, now)["errcode"].clone()
        };
        assert_eq!(
            check(&mut w, &token, "hmac_sha256", "o-demo-carol", &signature),
            0
        );
        assert_eq!(
            check(&mut w, &token, "hmac_sha256", "o-demo-carol", "00"),
            87009
        );
        assert_eq!(
            check(&mut w, &token, "md5", "o-demo-carol", &signature),
            87008
        );
        assert_eq!(
            check(&mut w, &token, "hmac_sha256", "o-demo-dave", &signature),
            87007
        );
        assert_eq!(
            check(&mut w, "nope", "hmac_sha256", "o-demo-carol", &signature),
            40014
        );
        let forced = json!({"appid": "wxdemo", "secret": "s3cret", "force_refresh": true});
        w.stable_token(&forced, now);
        assert_eq!(
            check(&mut w, &token, "hmac_sha256", "o-demo-carol", &signature),
            40001
        );
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // HMAC-SHA256 with key "key" over the empty message (a widely published vector).
        assert_eq!(
            session_key_signature("key"),
            "5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0"
        );
    }
}
