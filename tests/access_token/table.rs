//! Every (state kind, event kind) pair of the access token cache, for both token sources:
//! `StateKind::expected()` lists exactly the events `handle` applies. Any other event is
//! refused (`UnexpectedEvent` naming the state and what it accepts) or, for an answer of the
//! cache's own kind to an id it no longer waits for, late; either way the cache is `==` its
//! clone from before.

use crate::access_token_support::*;
use crate::clock::t0;
use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenError, Event, EventKind, StateKind, TokenSource,
};
use wxlogin::{EffectId, Handled};

/// A cache of `source` in `state`, if that source can reach it.
fn cache_in(state: StateKind, source: TokenSource) -> Option<AccessTokenCache> {
    let mut config = config();
    config.source = source;
    let mut cache = AccessTokenCache::new(config);
    let outstanding = matches!(
        (state, source),
        (StateKind::Fetching, TokenSource::WeChat) | (StateKind::Loading, TokenSource::Shared)
    );
    match state {
        StateKind::Idle => {}
        _ if outstanding => {
            cache.handle(need(1), t0()).applied();
        }
        StateKind::BackingOff => {
            cache.handle(need(1), t0()).applied();
            let id = cache.outstanding().unwrap();
            let failed = match source {
                TokenSource::Shared => Event::SharedLoaded { id, state: None },
                _ => answer(id, errcode(-1, "busy")),
            };
            cache.handle(failed, t0()).applied();
        }
        _ => return None,
    }
    drain(&mut cache);
    assert_eq!(cache.state(), state, "could not reach {state:?}");
    Some(cache)
}

/// An event of `kind`: an answer carries the outstanding id, or the first id given out.
fn event_of(kind: EventKind, cache: &AccessTokenCache) -> Event {
    let id = cache.outstanding().unwrap_or(EffectId(0));
    match kind {
        EventKind::TokenNeeded => need(99),
        EventKind::FetchAnswered => answer(id, granted("TABLE", 7200)),
        EventKind::SharedLoaded => Event::SharedLoaded { id, state: None },
        EventKind::TokenRejected => rejected("not-cached", 0, Some(98)),
        EventKind::ForceRefresh => force(97),
        EventKind::Imported => Event::Imported {
            state: cache.export(),
        },
        other => panic!("a kind the table does not know: {other:?}"),
    }
}

#[test]
fn expected_lists_exactly_what_handle_applies() {
    let mut checked = 0;
    for source in [TokenSource::WeChat, TokenSource::Shared] {
        for state in StateKind::ALL {
            let Some(cache) = cache_in(state, source) else {
                continue;
            };
            for kind in EventKind::ALL {
                let mut copy = cache.clone();
                let result = copy.handle(event_of(kind, &cache), t0());
                let listed = state.expected().contains(&kind);
                assert_eq!(
                    result == Ok(Handled::Applied),
                    listed,
                    "{source:?} {state:?} {kind:?}: {result:?}"
                );
                if !listed {
                    assert_eq!(copy, cache, "{source:?} {state:?} {kind:?} changed it");
                    assert!(copy.poll_command().is_none());
                }
                if let Err(AccessTokenError::UnexpectedEvent {
                    state: named,
                    expected,
                    got,
                }) = result
                {
                    assert_eq!((named, expected, got), (state, state.expected(), kind));
                }
                checked += 1;
            }
        }
    }
    // WeChat: idle, fetching, backing off; shared: idle, loading, backing off.
    assert_eq!(checked, 6 * EventKind::ALL.len());
}

/// The other source's answer is refused in every state with the state's own list; ours, to
/// an id no longer waited for, is late.
#[test]
fn an_answer_of_the_wrong_source_is_unexpected_everywhere() {
    for state in StateKind::ALL {
        let Some(cache) = cache_in(state, TokenSource::WeChat) else {
            continue;
        };
        let mut copy = cache.clone();
        let event = event_of(EventKind::SharedLoaded, &cache);
        assert_eq!(
            copy.handle(event, t0()),
            Err(AccessTokenError::UnexpectedEvent {
                state,
                expected: state.expected(),
                got: EventKind::SharedLoaded,
            })
        );
        assert_eq!(copy, cache);
    }
    let backing_off = cache_in(StateKind::BackingOff, TokenSource::WeChat).unwrap();
    let mut copy = backing_off.clone();
    let late = answer(EffectId(0), granted("LATE", 7200));
    assert_eq!(copy.handle(late, t0()), Ok(Handled::Late));
    assert_eq!(copy, backing_off);
}
