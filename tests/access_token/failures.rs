//! What each of WeChat's failures does to the access token cache: busy answers and resets are
//! retried with capped backoff, a configuration error cools down, a quota waits for its reset,
//! a fetch past its deadline is transient and its answer late.
#![allow(clippy::unwrap_used)]

use crate::access_token_support;
use crate::clock::t0;

use access_token_support::*;
use wxlogin::Handled;
use wxlogin::backoff::Backoff;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::server::access_token::{AccessTokenCache, AccessTokenError, StateKind, TokenFailure};
use wxlogin::server::wechat_api::ApiFailure;
use wxlogin::{EffectId, WaiterId};

#[test]
fn busy_is_retried_with_capped_backoff_then_fails() {
    let mut cache = AccessTokenCache::new(config());
    cache.handle(need(1), t0()).applied();
    let mut now = t0();
    let backoff = Backoff::default();
    for attempt in 1..=backoff.max_attempts {
        let commands = drain(&mut cache);
        let fetched = fetches(&commands);
        assert_eq!(fetched.len(), 1, "attempt {attempt}");
        cache
            .handle(answer(fetched[0].0, errcode(-1, "system busy")), now)
            .applied();
        if attempt < backoff.max_attempts {
            assert_eq!(cache.state(), StateKind::BackingOff);
            let at = cache.poll_timeout().unwrap();
            assert!(at > now && at - now <= backoff.max, "capped delay");
            now = at;
            cache.handle_timeout(now);
        }
    }
    let commands = drain(&mut cache);
    let failures = failed(&commands);
    assert_eq!(failures.len(), 1);
    let TokenFailure::Unavailable { attempts, last } = &failures[0].1 else {
        panic!("unavailable: {:?}", failures[0].1)
    };
    assert_eq!(*attempts, backoff.max_attempts);
    assert_eq!(last.wechat().unwrap().errcode, -1);
    assert_eq!(cache.state(), StateKind::Idle);
}

/// The first fetch fails with `first`, a transient failure; the retry, once its backoff has
/// passed, is granted and serves the waiter.
fn transient_then_success(first: Result<HttpResponse, TransportFailure>) {
    let (mut cache, id) = cold_fetch(t0());
    cache.handle(answer(id, first), t0()).applied();
    assert_eq!(cache.state(), StateKind::BackingOff);
    let at = cache.poll_timeout().unwrap();
    cache.handle_timeout(at);
    let (id, _) = fetches(&drain(&mut cache))[0];
    cache.handle(answer(id, granted("T1", 7200)), at).applied();
    assert_eq!(
        served(&drain(&mut cache)),
        vec![(WaiterId(1), "T1".to_owned())]
    );
}

#[test]
fn a_busy_answer_then_success_serves_the_waiter() {
    transient_then_success(errcode(-1, "system error"));
}

#[test]
fn a_connection_reset_then_success_serves_the_waiter() {
    transient_then_success(Err(TransportFailure::Connection {
        message: "reset".into(),
    }));
}

#[test]
fn a_configuration_error_fails_at_once_and_cools_down() {
    let due = t0() + secs(6900);
    let (mut cache, id) = refreshing(due);
    cache
        .handle(
            answer(id, errcode(40125, "invalid appsecret rid: 65a-b")),
            due,
        )
        .applied();
    assert_eq!(cache.state(), StateKind::Idle);
    assert_eq!(cache.poll_timeout(), Some(due + secs(60)), "cooldown");
    // The cached token still serves meanwhile.
    cache.handle(need(1), due + secs(1)).applied();
    assert_eq!(served(&drain(&mut cache))[0].1, "T1");
}

#[test]
fn a_daily_quota_waits_for_beijing_midnight() {
    let (mut cache, id) = cold_fetch(t0());
    cache
        .handle(
            answer(id, errcode(45009, "reach max api daily quota limit")),
            t0(),
        )
        .applied();
    let failures = failed(&drain(&mut cache));
    let TokenFailure::Unavailable { last, .. } = &failures[0].1 else {
        panic!("unavailable")
    };
    assert!(matches!(last, ApiFailure::WeChat(e) if e.errcode == 45009));
    // No token cached: nothing to refresh ahead. A waiter still starts a fetch.
    assert_eq!(cache.poll_timeout(), None);
    cache.handle(need(2), t0() + secs(1)).applied();
    assert_eq!(fetches(&drain(&mut cache)).len(), 1);
}

#[test]
fn a_quota_error_on_refresh_ahead_waits_until_the_quota_resets() {
    let due = t0() + secs(6900);
    let (mut cache, id) = refreshing(due);
    cache
        .handle(answer(id, errcode(45009, "quota")), due)
        .applied();
    // t0 is 08:00 Beijing; the next Beijing midnight is 16:00 UTC.
    assert_eq!(cache.poll_timeout(), Some(t0() + time::Duration::hours(16)));
}

#[test]
fn a_fetch_timeout_counts_as_transient_and_ignores_the_late_answer() {
    let (mut cache, id) = cold_fetch(t0());
    assert_eq!(cache.poll_timeout(), Some(t0() + secs(10)));
    cache.handle_timeout(t0() + secs(10));
    assert_eq!(cache.state(), StateKind::BackingOff);
    assert_eq!(
        cache.last_failure(),
        Some(&TokenFailure::Unavailable {
            attempts: 1,
            last: ApiFailure::Transport(TransportFailure::Timeout)
        })
    );
    let before = cache.clone();
    assert_eq!(
        cache.handle(answer(id, granted("LATE", 7200)), t0() + secs(11)),
        Ok(Handled::Late)
    );
    assert_eq!(cache, before);
    assert!(drain(&mut cache).is_empty());
}

/// An answer at its deadline is late even before `handle_timeout` ran: the deadline, not the
/// driver's timer, decides. Nothing changes; the timeout then fires as usual.
#[test]
fn an_answer_at_its_deadline_is_late_before_the_timer_fires() {
    let (mut cache, id) = cold_fetch(t0());
    let before = cache.clone();
    assert_eq!(
        cache.handle(answer(id, granted("T1", 7200)), t0() + secs(10)),
        Ok(Handled::Late)
    );
    assert!(cache == before && drain(&mut cache).is_empty());
    // Just before the deadline the same answer is applied.
    let mut on_time = before.clone();
    on_time
        .handle(
            answer(id, granted("T1", 7200)),
            t0() + secs(10) - time::Duration::nanoseconds(1),
        )
        .applied();
    assert_eq!(served(&drain(&mut on_time)).len(), 1);
    // A second answer to the same id is late too.
    assert_eq!(
        on_time.handle(answer(id, granted("T2", 7200)), t0() + secs(9)),
        Ok(Handled::Late)
    );
    // An id never given out is a broken contract.
    assert_eq!(
        on_time.handle(answer(EffectId(7), granted("T2", 7200)), t0() + secs(9)),
        Err(AccessTokenError::UnknownId { id: EffectId(7) })
    );
}

/// Found by the `access_token` fuzz target: at the last representable instant a granted
/// token's expiry saturated to `now` and it was handed out already expired. Its deadline
/// saturates to the same instant, so that answer is now late; the waiter is still told.
#[test]
fn a_token_that_would_end_before_it_starts_is_not_handed_out() {
    let end = time::PrimitiveDateTime::MAX.assume_utc();
    let (mut cache, id) = cold_fetch(end - secs(5));
    assert_eq!(
        cache.handle(answer(id, granted("T1", 7200)), end),
        Ok(Handled::Late)
    );
    cache.handle_timeout(end);
    let commands = drain(&mut cache);
    assert!(served(&commands).is_empty());
    assert_eq!(
        failed(&commands).len(),
        1,
        "the waiter is told, not left waiting"
    );
    assert!(cache.token(end).is_none());
}
