//! Forced refreshes: 30 s apart, 20 per Beijing day (and the 21st refused until Beijing
//! midnight), joined while one runs, queued behind a normal fetch; time going backwards.
#![allow(clippy::unwrap_used)]

use crate::access_token_support;
use crate::clock::t0;

use access_token_support::*;
use time::{Duration, OffsetDateTime};
use wxlogin::WaiterId;
use wxlogin::server::access_token::{
    AccessTokenCache, Command, ForceLedger, ForceRefused, TokenFailure,
};

/// Forces once at `now` and answers with `token`; returns the commands of both steps.
fn forced(
    cache: &mut AccessTokenCache,
    waiter: u64,
    token: &str,
    now: OffsetDateTime,
) -> Vec<Command> {
    cache.handle(force(waiter), now).applied();
    let mut commands = drain(cache);
    if let Some((id, is_forced)) = fetches(&commands).first().copied() {
        assert!(is_forced);
        cache
            .handle(answer(id, granted(token, 7200)), now)
            .applied();
        commands.extend(drain(cache));
    }
    commands
}

fn refusal(commands: &[Command]) -> Option<ForceRefused> {
    failed(commands).into_iter().find_map(|(_, e)| match e {
        TokenFailure::ForceRefused(r) => Some(r),
        _ => None,
    })
}

#[test]
fn a_forced_refresh_sends_force_refresh_true_and_serves_the_new_token() {
    let mut cache = cache_with("T1", 7200, t0());
    cache.handle(force(1), t0() + secs(5)).applied();
    let commands = drain(&mut cache);
    let Command::Fetch {
        request,
        force: is_forced,
        ..
    } = &commands[1]
    else {
        panic!("{commands:?}")
    };
    assert!(is_forced);
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["force_refresh"], true);
    let Command::Publish { state } = &commands[0] else {
        panic!("the count is published before the request goes out")
    };
    assert_eq!(state.forced.count, 1);

    // Normal waiters meanwhile still get the old token; a second force joins.
    cache.handle(need(2), t0() + secs(6)).applied();
    cache.handle(force(3), t0() + secs(6)).applied();
    let commands = drain(&mut cache);
    assert_eq!(served(&commands), vec![(WaiterId(2), "T1".to_owned())]);
    assert!(fetches(&commands).is_empty());

    let id = cache.outstanding().unwrap();
    cache
        .handle(answer(id, granted("T2", 7200)), t0() + secs(7))
        .applied();
    assert_eq!(
        served(&drain(&mut cache)),
        vec![
            (WaiterId(1), "T2".to_owned()),
            (WaiterId(3), "T2".to_owned())
        ]
    );
}

#[test]
fn forced_refreshes_must_be_30_seconds_apart() {
    let mut cache = cache_with("T1", 7200, t0());
    let start = t0() + secs(100);
    assert!(refusal(&forced(&mut cache, 1, "T2", start)).is_none());

    let before = cache.clone();
    let commands = forced(&mut cache, 2, "never", start + secs(29));
    assert!(fetches(&commands).is_empty(), "nothing WeChat would ignore");
    assert_eq!(
        refusal(&commands),
        Some(ForceRefused::TooSoon {
            retry_at: start + secs(30)
        })
    );
    assert_eq!(
        failed(&commands)[0].0,
        WaiterId(2),
        "the refused waiter is told"
    );
    assert_eq!(cache.export(), before.export(), "nothing was counted");

    let commands = forced(&mut cache, 3, "T3", start + secs(30));
    assert_eq!(refusal(&commands), None);
    assert_eq!(served(&commands), vec![(WaiterId(3), "T3".to_owned())]);
}

#[test]
fn the_21st_forced_refresh_of_a_beijing_day_is_refused_until_midnight() {
    // 15:45 UTC is 23:45 in Beijing; Beijing midnight is 16:00 UTC.
    let start = t0() + Duration::hours(15) + Duration::minutes(45);
    let midnight = t0() + Duration::hours(16);
    let mut cache = cache_with("T0", 7200, start);
    // WeChat's limit: 20 forced refreshes per Beijing day.
    for n in 0..20_u32 {
        let now = start + secs(30 * i64::from(n));
        let commands = forced(&mut cache, u64::from(n), &format!("T{}", n + 1), now);
        assert_eq!(refusal(&commands), None, "force {}", n + 1);
    }
    assert_eq!(cache.export().forced.count, 20);

    let last = start + secs(30 * 19);
    for now in [last + secs(30), midnight - secs(1)] {
        let commands = forced(&mut cache, 100, "never", now);
        assert_eq!(
            refusal(&commands),
            Some(ForceRefused::DailyLimit {
                retry_at: Some(midnight)
            }),
            "at {now}"
        );
        assert!(fetches(&commands).is_empty());
    }

    // Across the boundary, a new day's count starts.
    let commands = forced(&mut cache, 101, "NEW-DAY", midnight);
    assert_eq!(refusal(&commands), None);
    assert_eq!(served(&commands)[0].1, "NEW-DAY");
    assert_eq!(cache.export().forced.count, 1);
}

#[test]
fn a_force_during_a_normal_fetch_goes_next() {
    let (mut cache, id) = cold_fetch(t0());
    cache.handle(force(2), t0()).applied();
    assert!(drain(&mut cache).is_empty(), "one flight at a time");

    cache
        .handle(answer(id, granted("T1", 7200)), t0())
        .applied();
    let commands = drain(&mut cache);
    assert_eq!(served(&commands), vec![(WaiterId(1), "T1".to_owned())]);
    let fetched = fetches(&commands);
    assert_eq!(fetched.len(), 1);
    assert!(fetched[0].1, "the forced fetch follows");
    cache
        .handle(answer(fetched[0].0, granted("T2", 7200)), t0())
        .applied();
    assert_eq!(
        served(&drain(&mut cache)),
        vec![(WaiterId(2), "T2".to_owned())]
    );
}

#[test]
fn a_busy_forced_fetch_is_retried_no_sooner_than_30_seconds() {
    let mut cache = cache_with("T1", 7200, t0());
    cache.handle(force(1), t0()).applied();
    let (id, _) = fetches(&drain(&mut cache))[0];
    cache
        .handle(answer(id, errcode(-1, "busy")), t0())
        .applied();
    let retry = cache.poll_timeout().unwrap();
    assert_eq!(retry, t0() + secs(30));
    cache.handle_timeout(retry);
    let fetched = fetches(&drain(&mut cache));
    assert_eq!(fetched, vec![(fetched[0].0, true)]);
    assert_eq!(cache.export().forced.count, 2, "each forced request counts");
}

#[test]
fn the_clock_going_backwards_never_panics_and_refuses_safely() {
    let mut cache = cache_with("T1", 7200, t0());
    // Far back: the token is still "valid" by its expiry, served as is, and its refresh time
    // does not move.
    let past = t0() - Duration::days(400);
    cache.handle(need(1), past).applied();
    assert_eq!(served(&drain(&mut cache))[0].1, "T1");
    assert_eq!(cache.poll_timeout(), Some(t0() + secs(6900)));
    cache.handle_timeout(past);
    assert!(drain(&mut cache).is_empty());

    // A force, then the clock steps back 10 s: the 30 s spacing counts from the later send.
    let commands = forced(&mut cache, 2, "T2", t0() + secs(100));
    assert_eq!(refusal(&commands), None);
    let commands = forced(&mut cache, 3, "never", t0() + secs(90));
    assert_eq!(
        refusal(&commands),
        Some(ForceRefused::TooSoon {
            retry_at: t0() + secs(130)
        })
    );
    // Backwards across a Beijing midnight keeps the later day's count.
    let mut full = cache_with("T1", 7200, t0());
    let day2 = t0() + Duration::hours(16) + secs(60);
    for n in 0..20 {
        let commands = forced(&mut full, n, "T", day2 + secs(30 * n as i64));
        assert_eq!(refusal(&commands), None);
    }
    let commands = forced(&mut full, 99, "never", t0() + Duration::hours(15));
    assert!(refusal(&commands).is_some(), "refused");
    assert!(fetches(&commands).is_empty());
    let mut state = full.export();
    assert_eq!(state.forced.count, 20);
    state.forced.last = None;
    let day_count_only = AccessTokenCache::from_state(config(), state).unwrap();
    assert!(matches!(
        day_count_only.check_force(t0() + Duration::hours(15)),
        Err(ForceRefused::DailyLimit { .. })
    ));
}

#[test]
fn absurd_times_never_panic() {
    let min = time::PrimitiveDateTime::MIN.assume_utc();
    let max = time::PrimitiveDateTime::MAX.assume_utc();
    let events = |n: u64| {
        vec![
            need(n),
            force(n + 1),
            rejected("T1", 1, Some(n + 2)),
            rejected("T9", 9, None),
        ]
    };
    for at in [min, max, t0()] {
        for then in [min, max, t0()] {
            let mut cache = cache_with("T1", u64::MAX, t0());
            let mut n = 0;
            for now in [at, then, at] {
                for event in events(n) {
                    let _ = cache.handle(event, now);
                    n += 10;
                }
                cache.handle_timeout(now);
                for command in drain(&mut cache) {
                    if let Command::Fetch { id, .. } = command {
                        let _ = cache.handle(answer(id, granted("T2", u64::MAX)), now);
                        let _ = cache.handle(answer(id, errcode(-1, "busy")), now);
                    }
                }
                let _ = cache.poll_timeout();
                if let Some(deadline) = cache.poll_timeout() {
                    cache.handle_timeout(deadline);
                }
                drain(&mut cache);
            }
        }
    }
}

/// Found by the `access_token` fuzz target: at the last representable instant `last + 30 s`
/// saturated to `now`, so a second force at the same instant went through.
#[test]
fn forced_refreshes_at_the_end_of_time_are_still_30_seconds_apart() {
    let end = time::PrimitiveDateTime::MAX.assume_utc();
    let mut cache = AccessTokenCache::new(config());
    cache.handle(force(1), end).applied();
    let mut first = drain(&mut cache);
    // Its deadline saturates to `end` too: the driver wakes at once and the fetch times out.
    assert_eq!(cache.poll_timeout(), Some(end));
    cache.handle_timeout(end);
    first.extend(drain(&mut cache));
    assert_eq!(fetches(&first).len(), 1);
    cache.handle(force(2), end).applied();
    let second = drain(&mut cache);
    assert!(
        fetches(&second).is_empty(),
        "a second force at the same instant"
    );
    assert!(matches!(
        refusal(&second),
        Some(ForceRefused::TooSoon { .. })
    ));
}

/// Found by the access token model: the day's twenty forces were used; another process's
/// state, recorded just after Beijing midnight (a new day, a count of zero), was imported; our
/// clock then read half a second before midnight, and a 21st force of the old day went out.
#[test]
fn a_ledger_from_a_later_day_does_not_reopen_todays_quota() {
    use wxlogin::server::access_token::{AccessTokenState, Event};
    // 2024-01-01T16:00:00Z is midnight in Beijing.
    let midnight = t0() + secs(16 * 3600);
    let day = |t: time::OffsetDateTime| (t.unix_timestamp() + 8 * 3600).div_euclid(86_400);
    let used = ForceLedger {
        day: day(midnight - secs(1)),
        count: 20,
        last: Some(midnight - secs(3600)),
    };
    let state = AccessTokenState {
        v: 1,
        token: None,
        forced: used,
    };
    let mut cache = AccessTokenCache::from_state(config(), state).unwrap();
    let foreign = AccessTokenState {
        v: 1,
        token: None,
        forced: ForceLedger {
            day: day(midnight),
            count: 0,
            last: Some(midnight - secs(40)),
        },
    };
    cache
        .handle(Event::Imported { state: foreign }, midnight)
        .applied();
    drain(&mut cache);
    let before_midnight = midnight - Duration::milliseconds(500);
    cache.handle(force(2), before_midnight).applied();
    let commands = drain(&mut cache);
    assert!(
        fetches(&commands).is_empty(),
        "a 21st forced refresh of the old day was sent"
    );
    assert!(matches!(
        refusal(&commands),
        Some(ForceRefused::DailyLimit { .. })
    ));
}
