//! Helpers for the access token cache tests: a fixed clock origin, WeChat's answers, and a
//! driver that drains commands. No sleeps, no I/O.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use time::{Duration, OffsetDateTime};
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{AccessToken, AppSecret};
use wxlogin::{EffectId, WaiterId};

use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenConfig, AccessTokenError, Command, Event, TokenFailure,
};

pub const APPID: &str = "wxAPPID0001";
pub const SECRET: &str = "S3CR3T-APP-MARKER";
pub const BASE: &str = "https://wechat.test";

/// 2024-01-01T00:00:00Z (08:00 in Beijing).
pub fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_704_067_200).unwrap()
}

pub fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

pub fn config() -> AccessTokenConfig {
    let mut config = AccessTokenConfig::new(APPID, AppSecret::new(SECRET), 42);
    config.base_url = BASE.to_owned();
    config
}

pub fn granted(token: &str, expires_in: u64) -> Result<HttpResponse, TransportFailure> {
    Ok(HttpResponse::json(
        200,
        format!(r#"{{"access_token":"{token}","expires_in":{expires_in}}}"#).into_bytes(),
    ))
}

pub fn errcode(code: i64, msg: &str) -> Result<HttpResponse, TransportFailure> {
    Ok(HttpResponse::json(
        200,
        format!(r#"{{"errcode":{code},"errmsg":"{msg}"}}"#).into_bytes(),
    ))
}

pub fn need(waiter: u64) -> Event {
    Event::TokenNeeded {
        waiter: WaiterId(waiter),
    }
}

pub fn force(waiter: u64) -> Event {
    Event::ForceRefresh {
        waiter: WaiterId(waiter),
    }
}

/// A 40001 for a call made with `token` as fetch `generation` granted it.
pub fn rejected(token: &str, generation: u64, waiter: Option<u64>) -> Event {
    Event::TokenRejected {
        token: AccessToken::new(token),
        generation,
        errcode: 40001,
        waiter: waiter.map(WaiterId),
    }
}

/// Unwraps `handle`'s result, which must be an applied input (not a late answer, not a refusal).
pub trait Applied {
    fn applied(self);
}

impl Applied for Result<Handled, AccessTokenError> {
    #[track_caller]
    fn applied(self) {
        assert_eq!(self, Ok(Handled::Applied));
    }
}

pub fn answer(id: EffectId, result: Result<HttpResponse, TransportFailure>) -> Event {
    Event::FetchAnswered { id, result }
}

pub fn drain(cache: &mut AccessTokenCache) -> Vec<Command> {
    std::iter::from_fn(|| cache.poll_command()).collect()
}

/// The fetches among `commands`: (id, forced).
pub fn fetches(commands: &[Command]) -> Vec<(EffectId, bool)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Fetch { id, force, .. } => Some((*id, *force)),
            _ => None,
        })
        .collect()
}

/// The waiters served among `commands`, with the token text each got.
pub fn served(commands: &[Command]) -> Vec<(WaiterId, String)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Complete {
                waiters,
                outcome: Ok(token),
            } => Some(
                waiters
                    .iter()
                    .map(|w| (*w, token.access_token.expose_secret().to_owned()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The waiters failed among `commands`, with their failure.
pub fn failed(commands: &[Command]) -> Vec<(WaiterId, TokenFailure)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Complete {
                waiters,
                outcome: Err(error),
            } => Some(
                waiters
                    .iter()
                    .map(|w| (*w, error.clone()))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A cache holding `token` (lifetime `expires_in`), fetched at `now`, with its commands drained.
pub fn cache_with(token: &str, expires_in: u64, now: OffsetDateTime) -> AccessTokenCache {
    cache_with_config(config(), token, expires_in, now)
}

pub fn cache_with_config(
    config: AccessTokenConfig,
    token: &str,
    expires_in: u64,
    now: OffsetDateTime,
) -> AccessTokenCache {
    let mut cache = AccessTokenCache::new(config);
    cache.handle(need(u64::MAX), now).applied();
    let (id, _) = fetches(&drain(&mut cache))[0];
    cache
        .handle(answer(id, granted(token, expires_in)), now)
        .applied();
    drain(&mut cache);
    cache
}
