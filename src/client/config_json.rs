//! [`LoginConfig`] from JSON, as a JavaScript driver writes it: camelCase keys, every field
//! optional but `baseUrl`, durations in whole milliseconds.
//!
//! ```json
//! {"baseUrl":"https://api.example.com","loginPath":"/login","sessionPath":"/session",
//!  "tokenHeader":{"name":"Authorization","scheme":"Bearer"},"storageKey":"wxlogin.session",
//!  "timeouts":{"storageMs":5000,"checkSessionMs":10000,"wxLoginMs":10000,"requestMs":15000},
//!  "backoff":{"initialMs":500,"maxMs":8000,"maxAttempts":3},"seed":42,
//!  "verify":"confirmWithServer","codeReuse":"never","codeMaxAgeMs":300000,"reloginWindowMs":60000}
//! ```
//!
//! `verify` is `"confirmWithServer"`, `"trustUntilExpiry"` or `{"confirmIfOlderThanMs": n}`;
//! `codeReuse` is `"never"` or `"withinCodeLife"`. Unknown keys are refused, so a misspelt
//! option is an error instead of a silent default.

use serde::{Deserialize, Deserializer};
use time::Duration;

use super::config::{CodeReuse, LoginConfig, VerifyPolicy};
use crate::wire::TokenHeader;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigJson {
    base_url: String,
    login_path: Option<String>,
    session_path: Option<String>,
    token_header: Option<TokenHeader>,
    storage_key: Option<String>,
    #[serde(default)]
    timeouts: TimeoutsJson,
    #[serde(default)]
    backoff: BackoffJson,
    seed: Option<u64>,
    verify: Option<VerifyJson>,
    code_reuse: Option<CodeReuseJson>,
    code_max_age_ms: Option<u64>,
    relogin_window_ms: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TimeoutsJson {
    storage_ms: Option<u64>,
    check_session_ms: Option<u64>,
    wx_login_ms: Option<u64>,
    request_ms: Option<u64>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BackoffJson {
    initial_ms: Option<u64>,
    max_ms: Option<u64>,
    max_attempts: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum VerifyJson {
    ConfirmWithServer,
    TrustUntilExpiry,
    ConfirmIfOlderThanMs(u64),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum CodeReuseJson {
    Never,
    WithinCodeLife,
}

/// Whole milliseconds as a `Duration`, or the default when absent.
fn millis<E: serde::de::Error>(ms: Option<u64>, default: Duration) -> Result<Duration, E> {
    match ms {
        None => Ok(default),
        Some(ms) => i64::try_from(ms)
            .map(Duration::milliseconds)
            .map_err(|_| E::custom(format!("{ms} ms is out of range"))),
    }
}

impl<'de> Deserialize<'de> for LoginConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = ConfigJson::deserialize(deserializer)?;
        let mut config = LoginConfig::new(json.base_url);
        let or = |value: Option<String>, default: &mut String| {
            if let Some(value) = value {
                *default = value;
            }
        };
        or(json.login_path, &mut config.login_path);
        or(json.session_path, &mut config.session_path);
        or(json.storage_key, &mut config.storage_key);
        config.token_header = json.token_header.unwrap_or(config.token_header);

        let t = &mut config.timeouts;
        t.storage = millis(json.timeouts.storage_ms, t.storage)?;
        t.check_session = millis(json.timeouts.check_session_ms, t.check_session)?;
        t.wx_login = millis(json.timeouts.wx_login_ms, t.wx_login)?;
        t.request = millis(json.timeouts.request_ms, t.request)?;

        let b = &mut config.backoff;
        b.initial = millis(json.backoff.initial_ms, b.initial)?;
        b.max = millis(json.backoff.max_ms, b.max)?;
        b.max_attempts = json.backoff.max_attempts.unwrap_or(b.max_attempts);
        config.seed = json.seed.unwrap_or(config.seed);

        config.verify = match json.verify {
            None => config.verify,
            Some(VerifyJson::ConfirmWithServer) => VerifyPolicy::ConfirmWithServer,
            Some(VerifyJson::TrustUntilExpiry) => VerifyPolicy::TrustUntilExpiry,
            Some(VerifyJson::ConfirmIfOlderThanMs(ms)) => {
                VerifyPolicy::ConfirmIfOlderThan(millis(Some(ms), Duration::ZERO)?)
            }
        };
        config.code_reuse = match json.code_reuse {
            None => config.code_reuse,
            Some(CodeReuseJson::Never) => CodeReuse::Never,
            Some(CodeReuseJson::WithinCodeLife) => CodeReuse::WithinCodeLife,
        };
        config.code_max_age = millis(json.code_max_age_ms, config.code_max_age)?;
        config.relogin_window = millis(json.relogin_window_ms, config.relogin_window)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<LoginConfig, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn only_the_base_url_is_required() {
        let config = parse(r#"{"baseUrl":"https://api.example.com"}"#).unwrap();
        assert_eq!(config, LoginConfig::new("https://api.example.com"));
        let missing = parse("{}").unwrap_err().to_string();
        assert!(missing.contains("baseUrl"), "{missing}");
    }

    #[test]
    fn every_field_is_read() {
        let config = parse(
            r#"{"baseUrl":"https://a.example","loginPath":"/l","sessionPath":"/s",
            "tokenHeader":{"name":"X-Token","scheme":null},"storageKey":"k",
            "timeouts":{"storageMs":1,"checkSessionMs":2,"wxLoginMs":3,"requestMs":4},
            "backoff":{"initialMs":6,"maxMs":7,"maxAttempts":5},"seed":8,
            "verify":{"confirmIfOlderThanMs":9},"codeReuse":"withinCodeLife",
            "codeMaxAgeMs":10,"reloginWindowMs":11}"#,
        )
        .unwrap();
        let ms = Duration::milliseconds;
        assert_eq!(
            (config.login_path.as_str(), config.session_path.as_str()),
            ("/l", "/s")
        );
        assert_eq!(config.token_header.name(), "X-Token");
        assert_eq!(config.token_header.scheme(), None);
        assert_eq!(config.storage_key, "k");
        let t = config.timeouts;
        assert_eq!(
            [t.storage, t.check_session, t.wx_login, t.request],
            [ms(1), ms(2), ms(3), ms(4)]
        );
        let b = config.backoff;
        assert_eq!(
            (b.max_attempts, b.initial, b.max, config.seed),
            (5, ms(6), ms(7), 8)
        );
        assert_eq!(config.verify, VerifyPolicy::ConfirmIfOlderThan(ms(9)));
        assert_eq!(config.code_reuse, CodeReuse::WithinCodeLife);
        assert_eq!(
            (config.code_max_age, config.relogin_window),
            (ms(10), ms(11))
        );
    }

    #[test]
    fn misspelt_and_out_of_range_options_are_refused() {
        let typo = parse(r#"{"baseUrl":"u","storagekey":"k"}"#)
            .unwrap_err()
            .to_string();
        assert!(typo.contains("storagekey"), "{typo}");
        let nested = parse(r#"{"baseUrl":"u","timeouts":{"wxLogin":1}}"#).unwrap_err();
        assert!(nested.to_string().contains("wxLogin"), "{nested}");
        let old = parse(r#"{"baseUrl":"u","retry":{"jitterSeed":1}}"#).unwrap_err();
        assert!(
            old.to_string().contains("retry"),
            "the old retry form is refused: {old}"
        );
        let backoff = parse(r#"{"baseUrl":"u","backoff":{"attempts":1}}"#).unwrap_err();
        assert!(backoff.to_string().contains("attempts"), "{backoff}");
        let huge = parse(r#"{"baseUrl":"u","codeMaxAgeMs":18446744073709551615}"#).unwrap_err();
        assert!(huge.to_string().contains("out of range"), "{huge}");
        let header = parse(r#"{"baseUrl":"u","tokenHeader":{"name":"X Token","scheme":null}}"#);
        assert!(header.is_err(), "a header name that is not an HTTP token");
        let verify = parse(r#"{"baseUrl":"u","verify":"sometimes"}"#).unwrap_err();
        assert!(verify.to_string().contains("sometimes"), "{verify}");
        let named = parse(r#"{"baseUrl":"u","verify":"trustUntilExpiry","codeReuse":"never"}"#);
        assert_eq!(named.unwrap().verify, VerifyPolicy::TrustUntilExpiry);
    }
}
