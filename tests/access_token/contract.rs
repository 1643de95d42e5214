//! The machine contract of the access token cache: refused events leave it exactly as it was,
//! spurious timeouts are no-ops, and under random event sequences every waiter gets exactly
//! one answer, at most one effect is ever out, and nothing panics.
#![allow(clippy::unwrap_used)]

use crate::access_token_support;
use crate::clock::t0;

use std::collections::BTreeMap;
use wxlogin::{EffectId, WaiterId};

use access_token_support::*;
use proptest::prelude::*;
use wxlogin::Handled;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::AccessToken;

use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenError, Command, Event, EventKind, StateKind, TokenSource,
};

/// A cache in each phase.
fn caches() -> Vec<AccessTokenCache> {
    let idle = cache_with("T1", 7200, t0());
    let mut fetching = AccessTokenCache::new(config());
    fetching.handle(need(1), t0()).applied();
    drain(&mut fetching);
    let mut backing_off = fetching.clone();
    let id = backing_off.outstanding().unwrap();
    backing_off
        .handle(answer(id, errcode(-1, "busy")), t0())
        .applied();
    drain(&mut backing_off);
    let mut shared = config();
    shared.source = TokenSource::Shared;
    let mut loading = AccessTokenCache::new(shared);
    loading.handle(need(1), t0()).applied();
    drain(&mut loading);
    vec![idle, fetching, backing_off, loading]
}

#[test]
fn refused_events_change_nothing() {
    for cache in caches() {
        let phase = cache.state();
        let stale = EffectId(999);
        let mut bad = vec![
            (
                rejected_with("T1", 40029, None),
                AccessTokenError::NotATokenError { errcode: 40029 },
            ),
            (
                rejected_with("T1", 0, None),
                AccessTokenError::NotATokenError { errcode: 0 },
            ),
            // An id never given out, of either kind: the other source's kind is refused as
            // unexpected in every phase, ours as unknown.
            (
                answer(stale, granted("X", 7200)),
                match phase {
                    StateKind::Loading => AccessTokenError::UnexpectedEvent {
                        state: phase,
                        expected: phase.expected(),
                        got: EventKind::FetchAnswered,
                    },
                    _ => AccessTokenError::UnknownId { id: stale },
                },
            ),
            (
                Event::SharedLoaded {
                    id: stale,
                    state: None,
                },
                match phase {
                    StateKind::Loading => AccessTokenError::UnknownId { id: stale },
                    _ => AccessTokenError::UnexpectedEvent {
                        state: phase,
                        expected: phase.expected(),
                        got: EventKind::SharedLoaded,
                    },
                },
            ),
        ];
        if cache.waiting() > 0 {
            bad.push((
                need(1),
                AccessTokenError::DuplicateWaiter {
                    waiter: WaiterId(1),
                },
            ));
            bad.push((
                force(1),
                AccessTokenError::DuplicateWaiter {
                    waiter: WaiterId(1),
                },
            ));
            bad.push((
                rejected_with("T1", 42001, Some(1)),
                AccessTokenError::DuplicateWaiter {
                    waiter: WaiterId(1),
                },
            ));
        }
        for (event, expected) in bad {
            let mut copy = cache.clone();
            let err = copy.handle(event.clone(), t0()).unwrap_err();
            assert_eq!(err, expected, "{phase:?} {event:?}");
            assert_eq!(copy, cache, "{phase:?} unchanged after {err}");
            assert!(!err.to_string().is_empty());
        }
    }
}

/// An answer to an id the cache gave out but no longer waits for is late in every phase:
/// `Ok(Handled::Late)`, nothing changed, nothing emitted.
#[test]
fn late_answers_change_nothing_in_any_phase() {
    for cache in caches() {
        let outstanding = cache.outstanding();
        // Idle and backing off: fetch #0 was answered already.
        let given_out = match cache.state() {
            StateKind::Idle | StateKind::BackingOff => vec![EffectId(0)],
            _ => Vec::new(),
        };
        for id in given_out {
            let event = match cache.config().source {
                TokenSource::Shared => Event::SharedLoaded { id, state: None },
                _ => answer(id, granted("LATE", 7200)),
            };
            let mut copy = cache.clone();
            assert_eq!(
                copy.handle(event, t0()),
                Ok(Handled::Late),
                "{:?}",
                cache.state()
            );
            assert_eq!(copy, cache);
            assert!(drain(&mut copy).is_empty());
        }
        // The outstanding effect's own answer is late at its deadline.
        if let (Some(id), Some(deadline)) = (outstanding, cache.poll_timeout()) {
            let event = match cache.config().source {
                TokenSource::Shared => Event::SharedLoaded { id, state: None },
                _ => answer(id, granted("LATE", 7200)),
            };
            let mut copy = cache.clone();
            assert_eq!(copy.handle(event, deadline), Ok(Handled::Late));
            assert_eq!(copy, cache);
        }
    }
}

#[test]
fn spurious_timeouts_are_no_ops() {
    for cache in caches() {
        let mut copy = cache.clone();
        copy.handle_timeout(t0());
        copy.handle_timeout(t0() - secs(3600));
        if let Some(at) = cache.poll_timeout() {
            copy.handle_timeout(at - secs(1));
        }
        assert_eq!(copy, cache, "{:?}", cache.state());
    }
}

fn rejected_with(token: &str, errcode: i64, waiter: Option<u64>) -> Event {
    Event::TokenRejected {
        token: AccessToken::new(token),
        generation: 1,
        errcode,
        waiter: waiter.map(WaiterId),
    }
}

#[derive(Clone, Debug)]
enum Step {
    Need,
    Force,
    RejectCurrent,
    RejectOld,
    Answer(u8),
    Advance(u16),
    Timeout,
    Stale,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Need),
        1 => Just(Step::Force),
        2 => Just(Step::RejectCurrent),
        1 => Just(Step::RejectOld),
        4 => (0u8..6).prop_map(Step::Answer),
        3 => (0u16..8000).prop_map(Step::Advance),
        2 => Just(Step::Timeout),
        1 => Just(Step::Stale),
    ]
}

fn wechat(kind: u8, serial: u64) -> Result<HttpResponse, TransportFailure> {
    match kind {
        0 | 1 => granted(&format!("T{serial}"), 7200),
        2 => errcode(-1, "busy"),
        3 => Err(TransportFailure::Timeout),
        4 => errcode(40125, "bad secret"),
        _ => Ok(HttpResponse::json(502, b"bad gateway".to_vec())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_walks_keep_the_invariants(steps in prop::collection::vec(step(), 1..120)) {
        let mut cache = AccessTokenCache::new(config());
        let mut now = t0();
        let mut next_waiter = 0u64;
        let mut open: BTreeMap<WaiterId, ()> = BTreeMap::new();
        let mut outstanding: Option<EffectId> = None;
        let mut serial = 0u64;
        let mut last_token: Option<String> = None;
        let apply = |cache: &mut AccessTokenCache,
                         open: &mut BTreeMap<WaiterId, ()>,
                         outstanding: &mut Option<EffectId>| {
            let mut fetched = 0;
            for command in drain(cache) {
                match command {
                    Command::Fetch { id, .. } => {
                        // A new fetch only replaces one that was just answered or timed out.
                        fetched += 1;
                        assert_eq!(fetched, 1, "one effect at a time");
                        assert_ne!(*outstanding, Some(id), "ids are never reused");
                        *outstanding = Some(id);
                    }
                    Command::Complete { waiters, .. } => {
                        for w in waiters {
                            assert!(open.remove(&w).is_some(), "{w} answered once");
                        }
                    }
                    Command::LoadShared { .. } => panic!("no loads here"),
                    Command::Publish { .. } => {}
                }
            }
            if cache.outstanding().is_none() {
                *outstanding = None;
            }
            assert_eq!(cache.outstanding(), *outstanding);
            assert_eq!(cache.waiting(), open.len());
        };
        for s in steps {
            let before = cache.clone();
            let result = match s {
                Step::Need | Step::Force => {
                    let w = WaiterId(next_waiter);
                    next_waiter += 1;
                    open.insert(w, ());
                    let event = if matches!(s, Step::Need) { need(w.0) } else { force(w.0) };
                    cache.handle(event, now)
                }
                Step::RejectCurrent | Step::RejectOld => {
                    let token = match (&s, cache.token(now)) {
                        (Step::RejectCurrent, Some(t)) => t.access_token.expose_secret().to_owned(),
                        _ => "T-old".to_owned(),
                    };
                    let w = WaiterId(next_waiter);
                    next_waiter += 1;
                    open.insert(w, ());
                    let generation = cache.token(now).map_or(0, |t| t.generation);
                    cache.handle(rejected(&token, generation, Some(w.0)), now)
                }
                Step::Answer(kind) => match cache.outstanding() {
                    Some(id) => {
                        serial += 1;
                        cache.handle(answer(id, wechat(kind, serial)), now)
                    }
                    None => Ok(Handled::Applied),
                },
                Step::Advance(seconds) => {
                    now += secs(i64::from(seconds));
                    Ok(Handled::Applied)
                }
                Step::Timeout => {
                    if let Some(at) = cache.poll_timeout() {
                        now = now.max(at);
                    }
                    cache.handle_timeout(now);
                    Ok(Handled::Applied)
                }
                Step::Stale => cache.handle(answer(EffectId(u64::MAX), granted("S", 1)), now),
            };
            if result != Ok(Handled::Applied) {
                prop_assert_eq!(&cache, &before, "unchanged on Err or Late: {:?}", result);
            }
            apply(&mut cache, &mut open, &mut outstanding);
            if let Some(t) = cache.token(now) {
                last_token = Some(t.access_token.expose_secret().to_owned());
            }
        }
        // Let every deadline pass with WeChat silent or failing: everyone is answered.
        for _ in 0..200 {
            if open.is_empty() { break; }
            match cache.outstanding() {
                Some(id) if serial % 2 == 0 => {
                    serial += 1;
                    // Late (and ignored) if the walk let its deadline pass.
                    let _late = cache.handle(answer(id, granted(&format!("T{serial}"), 7200)), now).unwrap();
                }
                _ => {
                    if let Some(at) = cache.poll_timeout() { now = now.max(at); }
                    serial += 1;
                    cache.handle_timeout(now);
                }
            }
            apply(&mut cache, &mut open, &mut outstanding);
        }
        prop_assert!(open.is_empty(), "waiters left: {:?}", open);
        let _ = last_token;
    }
}
