//! The access token cache's rules, one scenario each: single flight, early refresh from the
//! cache's own deadline, compare-and-expire under a storm, stale rejections. What WeChat's
//! failures do is in `failures.rs`.
#![allow(clippy::unwrap_used)]

use crate::access_token_support;
use crate::clock::t0;
use crate::markers::{APP_SECRET, head};
use crate::wechat::app::{APPID, BASE_URL};

use access_token_support::*;
use wxlogin::WaiterId;
use wxlogin::http::Method;
use wxlogin::server::access_token::{AccessTokenCache, Command, StateKind, TokenEndpoint};

#[test]
fn five_hundred_waiters_during_one_fetch_get_one_fetch() {
    let mut cache = AccessTokenCache::new(config());
    let mut commands = Vec::new();
    for w in 0..500 {
        cache.handle(need(w), t0()).applied();
        commands.extend(drain(&mut cache));
    }
    let fetched = fetches(&commands);
    assert_eq!(fetched.len(), 1, "one fetch for 500 waiters");
    assert!(served(&commands).is_empty());
    assert_eq!(cache.waiting(), 500);

    cache
        .handle(answer(fetched[0].0, granted("T1", 7200)), t0() + secs(1))
        .applied();
    let commands = drain(&mut cache);
    let got = served(&commands);
    assert_eq!(got.len(), 500);
    assert!(
        got.iter()
            .enumerate()
            .all(|(i, (w, t))| *w == WaiterId(i as u64) && t == "T1"),
        "every waiter, in arrival order, gets the token"
    );
    assert_eq!(
        commands
            .iter()
            .filter(|c| matches!(c, Command::Complete { outcome: Ok(_), .. }))
            .count(),
        1
    );
    assert!(fetches(&commands).is_empty());
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Publish { .. }))
    );
    assert_eq!(cache.waiting(), 0);
}

#[test]
fn stable_request_by_default_plain_as_an_option() {
    let mut cache = AccessTokenCache::new(config());
    cache.handle(need(1), t0()).applied();
    let Command::Fetch { request, force, .. } = &drain(&mut cache)[0] else {
        panic!("a fetch")
    };
    assert!(!force);
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, format!("{BASE_URL}/cgi-bin/stable_token"));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"grant_type":"client_credential","appid":APPID,"secret":APP_SECRET,"force_refresh":false})
    );

    let mut plain_config = config();
    plain_config.endpoint = TokenEndpoint::Plain;
    let mut plain = AccessTokenCache::new(plain_config);
    plain.handle(need(1), t0()).applied();
    let Command::Fetch { request, .. } = &drain(&mut plain)[0] else {
        panic!("a fetch")
    };
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.url,
        format!(
            "{BASE_URL}/cgi-bin/token?grant_type=client_credential&appid={APPID}&secret={}%2B%2F%3D",
            head(APP_SECRET)
        )
    );
    assert!(request.body.is_empty());
}

#[test]
fn early_refresh_fires_from_the_cache_deadline() {
    let mut cache = cache_with("T1", 7200, t0());
    let due = t0() + secs(7200 - 300);
    assert_eq!(cache.poll_timeout(), Some(due));

    // Early and spurious timeouts do nothing.
    let before = cache.clone();
    cache.handle_timeout(due - secs(1));
    cache.handle_timeout(t0());
    assert_eq!(cache, before);

    cache.handle_timeout(due);
    let commands = drain(&mut cache);
    let fetched = fetches(&commands);
    assert_eq!(fetched.len(), 1, "the refresh starts at the deadline");
    assert_eq!(cache.state(), StateKind::Fetching);

    // While it runs, waiters are served at once with the still-valid token.
    cache.handle(need(7), due + secs(2)).applied();
    assert_eq!(
        served(&drain(&mut cache)),
        vec![(WaiterId(7), "T1".to_owned())]
    );

    cache
        .handle(answer(fetched[0].0, granted("T2", 7200)), due + secs(3))
        .applied();
    drain(&mut cache);
    assert_eq!(cache.poll_timeout(), Some(due + secs(3) + secs(6900)));
    cache.handle(need(8), due + secs(4)).applied();
    assert_eq!(served(&drain(&mut cache))[0].1, "T2");
}

#[test]
fn a_token_shorter_than_the_margin_refreshes_at_half_its_life() {
    let cache = cache_with("T1", 300, t0());
    assert_eq!(cache.poll_timeout(), Some(t0() + secs(150)));
    let cache = cache_with("T1", 1, t0());
    assert_eq!(
        cache.poll_timeout(),
        Some(t0() + time::Duration::milliseconds(500))
    );
}

/// WeChat grants every fetch among `commands` at once, each a two-hour `T<serial>`: how many.
fn grant_all(
    cache: &mut AccessTokenCache,
    commands: &[Command],
    now: time::OffsetDateTime,
    serial: &mut u32,
) -> u32 {
    let mut granted_now = 0;
    for (id, _) in fetches(commands) {
        let token = format!("T{serial}");
        cache
            .handle(answer(id, granted(&token, 7200)), now)
            .applied();
        *serial += 1;
        granted_now += 1;
        drain(cache);
    }
    granted_now
}

/// Over three simulated days with a waiter every ten minutes and a WeChat that answers at once,
/// no waiter ever waits for a fetch: every one is served in the call that asked.
#[test]
fn no_waiter_waits_on_a_refresh_that_could_have_been_done_ahead() {
    let mut cache = cache_with("T0", 7200, t0());
    let mut now = t0();
    let end = t0() + time::Duration::days(3);
    let mut next_waiter = 0u64;
    let mut next_need = t0();
    let mut refreshes = 0;
    let mut serial = 1;
    while now < end {
        let wake = cache.poll_timeout().unwrap().min(next_need);
        now = wake;
        if now == next_need {
            cache.handle(need(next_waiter), now).applied();
            let commands = drain(&mut cache);
            assert_eq!(
                served(&commands),
                vec![(WaiterId(next_waiter), format!("T{}", serial - 1))],
                "waiter {next_waiter} at {now} served at once"
            );
            // A refresh due at this very instant starts in the same call, after the waiter
            // was served.
            refreshes += grant_all(&mut cache, &commands, now, &mut serial);
            next_waiter += 1;
            next_need = now + time::Duration::minutes(10);
        } else {
            cache.handle_timeout(now);
            let commands = drain(&mut cache);
            refreshes += grant_all(&mut cache, &commands, now, &mut serial);
        }
    }
    assert_eq!(refreshes, 3 * 24 * 3600 / 6900, "one refresh per 6900 s");
    assert!(next_waiter >= 3 * 24 * 6);
}

#[test]
fn a_storm_of_rejections_of_one_token_makes_exactly_one_refresh() {
    let mut cache = cache_with("T1", 7200, t0());
    let mut commands = Vec::new();
    for w in 0..1000 {
        cache
            .handle(rejected("T1", 1, Some(w)), t0() + secs(60))
            .applied();
        commands.extend(drain(&mut cache));
    }
    let fetched = fetches(&commands);
    assert_eq!(fetched.len(), 1);
    assert!(!fetched[0].1, "a rejection refreshes in normal mode");
    assert!(
        served(&commands).is_empty(),
        "nobody gets the rejected token"
    );

    cache
        .handle(answer(fetched[0].0, granted("T2", 7200)), t0() + secs(61))
        .applied();
    let got = served(&drain(&mut cache));
    assert_eq!(got.len(), 1000);
    assert!(got.iter().all(|(_, t)| t == "T2"));

    // The stragglers of the storm, arriving after the refresh, change nothing.
    for w in 1000..1100 {
        cache
            .handle(rejected("T1", 1, None), t0() + secs(62))
            .applied();
        cache
            .handle(rejected("T1", 1, Some(w)), t0() + secs(62))
            .applied();
    }
    let commands = drain(&mut cache);
    assert!(fetches(&commands).is_empty());
    assert_eq!(served(&commands).len(), 100);
    assert!(served(&commands).iter().all(|(_, t)| t == "T2"));
}

/// Issue 11: the stable endpoint re-issues the same text. Ten callers rejected with fetch #1's
/// token cause one refresh, even though it returns the same text again: compare-and-expire
/// compares the fetch (text and generation), not the text.
#[test]
fn ten_rejections_of_a_reissued_identical_token_make_one_fetch() {
    let mut cache = cache_with("SAME", 7200, t0());
    let now = t0() + secs(60);
    let mut fetched = 0;
    for w in 0..10 {
        cache.handle(rejected("SAME", 1, Some(w)), now).applied();
        for (id, _) in fetches(&drain(&mut cache)) {
            fetched += 1;
            // The stable endpoint answers with the same text at once.
            cache
                .handle(answer(id, granted("SAME", 7200)), now)
                .applied();
            let commands = drain(&mut cache);
            let generations: Vec<u64> = commands
                .iter()
                .filter_map(|c| match c {
                    Command::Complete {
                        outcome: Ok(granted),
                        ..
                    } => Some(granted.generation),
                    _ => None,
                })
                .collect();
            assert_eq!(generations, [2], "the re-issue is a new fetch");
        }
    }
    assert_eq!(fetched, 1, "one refresh for one rejected fetch");
    assert_eq!(cache.token(now).map(|t| t.generation), Some(2));

    // A rejection of the token from the later fetch still refreshes, once.
    let mut later = 0;
    for _ in 0..10 {
        cache.handle(rejected("SAME", 2, None), now).applied();
        later += fetches(&drain(&mut cache)).len();
    }
    assert_eq!(later, 1);
    assert!(cache.token(now).is_none(), "generation 2 was dropped");
}

#[test]
fn a_rejection_of_an_old_token_after_a_refresh_changes_nothing() {
    let mut cache = cache_with("T1", 7200, t0());
    cache.handle_timeout(t0() + secs(6900));
    let (id, _) = fetches(&drain(&mut cache))[0];
    cache
        .handle(answer(id, granted("T2", 7200)), t0() + secs(6900))
        .applied();
    drain(&mut cache);

    let before = cache.clone();
    cache
        .handle(rejected("T1", 1, None), t0() + secs(6901))
        .applied();
    assert!(drain(&mut cache).is_empty());
    assert_eq!(cache, before, "an old token's rejection is a no-op");

    // With a waiter, it gets the current token without any fetch.
    cache
        .handle(rejected("T1", 1, Some(5)), t0() + secs(6901))
        .applied();
    let commands = drain(&mut cache);
    assert_eq!(served(&commands), vec![(WaiterId(5), "T2".to_owned())]);
    assert!(fetches(&commands).is_empty());

    // A rejection of the current token does expire it.
    cache
        .handle(rejected("T2", 2, None), t0() + secs(6902))
        .applied();
    assert_eq!(fetches(&drain(&mut cache)).len(), 1);
    assert!(cache.token(t0() + secs(6902)).is_none());
}

#[test]
fn a_rejection_during_an_early_refresh_joins_it() {
    let mut cache = cache_with("T1", 7200, t0());
    cache.handle_timeout(t0() + secs(6900));
    let (id, _) = fetches(&drain(&mut cache))[0];
    cache
        .handle(rejected("T1", 1, Some(1)), t0() + secs(6901))
        .applied();
    cache.handle(need(2), t0() + secs(6901)).applied();
    assert!(drain(&mut cache).is_empty(), "both wait on the flight");
    cache
        .handle(answer(id, granted("T2", 7200)), t0() + secs(6902))
        .applied();
    assert_eq!(
        served(&drain(&mut cache)),
        vec![
            (WaiterId(1), "T2".to_owned()),
            (WaiterId(2), "T2".to_owned())
        ]
    );
}
