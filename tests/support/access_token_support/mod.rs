//! Helpers for the access token cache tests: a fixed clock origin, WeChat's answers, and a
//! driver that drains commands. No sleeps, no I/O.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::markers::APP_SECRET;
use crate::wechat::app::{APPID, BASE_URL};
use crate::wechat::{errcode, token};
use time::{Duration, OffsetDateTime};
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{AccessToken, AppSecret};
use wxlogin::{EffectId, WaiterId};

use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenConfig, AccessTokenError, Command, Event, TokenFailure,
};

pub(crate) fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

pub(crate) fn config() -> AccessTokenConfig {
    let mut config = AccessTokenConfig::new(APPID, AppSecret::new(APP_SECRET), 42);
    config.base_url = BASE_URL.to_owned();
    config
}

pub(crate) fn granted(token: &str, expires_in: u64) -> Result<HttpResponse, TransportFailure> {
    Ok(token::answer(token, expires_in))
}

pub(crate) fn errcode(code: i64, msg: &str) -> Result<HttpResponse, TransportFailure> {
    Ok(errcode::answer(code, msg))
}

pub(crate) fn need(waiter: u64) -> Event {
    Event::TokenNeeded {
        waiter: WaiterId(waiter),
    }
}

pub(crate) fn force(waiter: u64) -> Event {
    Event::ForceRefresh {
        waiter: WaiterId(waiter),
    }
}

/// A 40001 for a call made with `token` as fetch `generation` granted it.
pub(crate) fn rejected(token: &str, generation: u64, waiter: Option<u64>) -> Event {
    Event::TokenRejected {
        token: AccessToken::new(token),
        generation,
        errcode: 40001,
        waiter: waiter.map(WaiterId),
    }
}

/// Unwraps `handle`'s result, which must be an applied input (not a late answer, not a refusal).
pub(crate) trait Applied {
    fn applied(self);
}

impl Applied for Result<Handled, AccessTokenError> {
    #[track_caller]
    fn applied(self) {
        assert_eq!(self, Ok(Handled::Applied));
    }
}

pub(crate) fn answer(id: EffectId, result: Result<HttpResponse, TransportFailure>) -> Event {
    Event::FetchAnswered { id, result }
}

pub(crate) fn drain(cache: &mut AccessTokenCache) -> Vec<Command> {
    std::iter::from_fn(|| cache.poll_command()).collect()
}

/// The fetches among `commands`: (id, forced).
pub(crate) fn fetches(commands: &[Command]) -> Vec<(EffectId, bool)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Fetch { id, force, .. } => Some((*id, *force)),
            _ => None,
        })
        .collect()
}

/// The waiters served among `commands`, with the token text each got.
pub(crate) fn served(commands: &[Command]) -> Vec<(WaiterId, String)> {
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
pub(crate) fn failed(commands: &[Command]) -> Vec<(WaiterId, TokenFailure)> {
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

/// A new cache that waiter 1 asked at `now`: the cache and the id of its first fetch.
pub(crate) fn cold_fetch(now: OffsetDateTime) -> (AccessTokenCache, EffectId) {
    let mut cache = AccessTokenCache::new(config());
    cache.handle(need(1), now).applied();
    let (id, _) = fetches(&drain(&mut cache))[0];
    (cache, id)
}

/// A cache holding `T1` (two hours, fetched at `t0`) whose refresh ahead fired at `due`: the
/// cache and the id of the refresh.
pub(crate) fn refreshing(due: OffsetDateTime) -> (AccessTokenCache, EffectId) {
    let mut cache = cache_with("T1", 7200, t0());
    cache.handle_timeout(due);
    let (id, _) = fetches(&drain(&mut cache))[0];
    (cache, id)
}

/// A cache holding `token` (lifetime `expires_in`), fetched at `now`, with its commands drained.
pub(crate) fn cache_with(token: &str, expires_in: u64, now: OffsetDateTime) -> AccessTokenCache {
    cache_with_config(config(), token, expires_in, now)
}

pub(crate) fn cache_with_config(
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
