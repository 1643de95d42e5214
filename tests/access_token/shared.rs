//! Sharing the cache between processes: export then import keeps the token, one process
//! refreshes and the others read, and the forced-refresh counts merge.
#![allow(clippy::unwrap_used)]

use crate::access_token_support;
use crate::clock::t0;

use access_token_support::*;
use wxlogin::WaiterId;
use wxlogin::secret::AccessToken;
use wxlogin::server::access_token::{
    AccessTokenCache, AccessTokenError, AccessTokenState, CachedToken, Command, Event,
    ForceRefused, StateKind, TokenFailure, TokenSource,
};

fn reader_config() -> wxlogin::server::access_token::AccessTokenConfig {
    let mut config = config();
    config.source = TokenSource::Shared;
    config.refresh_margin = secs(240);
    config
}

fn loads(commands: &[Command]) -> Vec<wxlogin::EffectId> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::LoadShared { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

#[test]
fn export_then_import_keeps_the_token() {
    let cache = cache_with("T1", 7200, t0());
    let json = serde_json::to_string(&cache.export()).unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"v":1,"token":{{"access_token":"T1","fetched_at":{0},"expires_at":{1},"generation":1}},"forced":{{"day":0,"count":0,"last":null}}}}"#,
            t0().unix_timestamp(),
            t0().unix_timestamp() + 7200
        )
    );
    let state: AccessTokenState = serde_json::from_str(&json).unwrap();
    assert_eq!(state, cache.export());

    // A restarted process starts from it and serves without fetching.
    let mut restarted = AccessTokenCache::from_state(config(), state.clone()).unwrap();
    restarted.handle(need(1), t0() + secs(10)).applied();
    let commands = drain(&mut restarted);
    assert_eq!(served(&commands), vec![(WaiterId(1), "T1".to_owned())]);
    assert!(fetches(&commands).is_empty());
    assert_eq!(restarted.poll_timeout(), cache.poll_timeout());

    // A running one imports it, and its waiters are served.
    let mut other = AccessTokenCache::new(config());
    other.handle(need(2), t0()).applied();
    assert_eq!(fetches(&drain(&mut other)).len(), 1);
    other
        .handle(Event::Imported { state }, t0() + secs(1))
        .applied();
    assert_eq!(
        served(&drain(&mut other)),
        vec![(WaiterId(2), "T1".to_owned())]
    );
}

#[test]
fn an_import_never_replaces_a_newer_token_nor_revives_a_rejected_one() {
    let old = cache_with("OLD", 7200, t0()).export();
    let mut cache = cache_with("NEW", 7200, t0() + secs(100));
    let before = cache.clone();
    cache
        .handle(Event::Imported { state: old.clone() }, t0() + secs(101))
        .applied();
    assert_eq!(cache, before);

    // NEW is rejected; an import carrying it again is not adopted.
    let new_state = cache.export();
    cache
        .handle(rejected("NEW", 1, None), t0() + secs(102))
        .applied();
    drain(&mut cache);
    cache
        .handle(Event::Imported { state: new_state }, t0() + secs(103))
        .applied();
    assert!(cache.token(t0() + secs(103)).is_none());
}

#[test]
fn invalid_imports_are_refused_and_change_nothing() {
    let cache = cache_with("T1", 7200, t0());
    let good = cache.export();
    let cases = [
        AccessTokenState {
            v: 2,
            ..good.clone()
        },
        AccessTokenState {
            token: Some(CachedToken {
                access_token: AccessToken::new(""),
                ..good.token.clone().unwrap()
            }),
            ..good.clone()
        },
        AccessTokenState {
            token: Some(CachedToken {
                expires_at: t0() - secs(1),
                ..good.token.clone().unwrap()
            }),
            ..good.clone()
        },
    ];
    for state in cases {
        let mut copy = cache.clone();
        let err = copy
            .handle(
                Event::Imported {
                    state: state.clone(),
                },
                t0(),
            )
            .unwrap_err();
        assert!(
            matches!(err, AccessTokenError::InvalidState { .. }),
            "{err}"
        );
        assert_eq!(copy, cache);
        assert!(AccessTokenCache::from_state(config(), state).is_err());
    }
}

#[test]
fn one_process_refreshes_the_others_read() {
    let mut refresher = cache_with("T1", 7200, t0());
    let mut store: Option<AccessTokenState> = Some(refresher.export());
    let mut reader = AccessTokenCache::new(reader_config());

    // The reader loads instead of fetching.
    reader.handle(need(1), t0() + secs(5)).applied();
    let commands = drain(&mut reader);
    assert!(fetches(&commands).is_empty());
    let id = loads(&commands)[0];
    reader
        .handle(
            Event::SharedLoaded {
                id,
                state: store.clone(),
            },
            t0() + secs(5),
        )
        .applied();
    assert_eq!(
        served(&drain(&mut reader)),
        vec![(WaiterId(1), "T1".to_owned())]
    );
    assert!(
        reader
            .poll_timeout()
            .is_some_and(|at| at > refresher.poll_timeout().unwrap()),
        "the reader looks after the refresher refreshed"
    );

    // The refresher refreshes ahead and publishes.
    let due = refresher.poll_timeout().unwrap();
    refresher.handle_timeout(due);
    let (fid, _) = fetches(&drain(&mut refresher))[0];
    refresher
        .handle(answer(fid, granted("T2", 7200)), due)
        .applied();
    for command in drain(&mut refresher) {
        if let Command::Publish { state } = command {
            store = Some(state);
        }
    }

    // The reader's own deadline loads the new token.
    let due = reader.poll_timeout().unwrap();
    reader.handle_timeout(due);
    let id = loads(&drain(&mut reader))[0];
    reader
        .handle(
            Event::SharedLoaded {
                id,
                state: store.clone(),
            },
            due,
        )
        .applied();
    reader.handle(need(2), due + secs(1)).applied();
    assert_eq!(served(&drain(&mut reader))[0].1, "T2");

    // Readers never force, and never publish.
    reader.handle(force(3), due + secs(2)).applied();
    let commands = drain(&mut reader);
    assert_eq!(
        failed(&commands),
        vec![(
            WaiterId(3),
            TokenFailure::ForceRefused(ForceRefused::NotRefresher)
        )]
    );
}

#[test]
fn a_reader_keeps_loading_until_the_store_moves_past_a_rejected_token() {
    let store = cache_with("T1", 7200, t0()).export();
    let mut reader = AccessTokenCache::from_state(reader_config(), store.clone()).unwrap();
    reader
        .handle(rejected("T1", 1, Some(1)), t0() + secs(60))
        .applied();
    let mut id = loads(&drain(&mut reader))[0];
    let mut now = t0() + secs(60);
    // The store still has T1: not adopted, retried with backoff, never served.
    for _ in 0..2 {
        reader
            .handle(
                Event::SharedLoaded {
                    id,
                    state: Some(store.clone()),
                },
                now,
            )
            .applied();
        assert!(served(&drain(&mut reader)).is_empty());
        assert_eq!(reader.state(), StateKind::BackingOff);
        now = reader.poll_timeout().unwrap();
        reader.handle_timeout(now);
        id = loads(&drain(&mut reader))[0];
    }
    let newer = cache_with("T2", 7200, t0() + secs(61)).export();
    reader
        .handle(
            Event::SharedLoaded {
                id,
                state: Some(newer),
            },
            now,
        )
        .applied();
    assert_eq!(
        served(&drain(&mut reader)),
        vec![(WaiterId(1), "T2".to_owned())]
    );
}

#[test]
fn an_empty_store_fails_the_waiters_after_the_attempts() {
    let mut reader = AccessTokenCache::new(reader_config());
    reader.handle(need(1), t0()).applied();
    let mut now = t0();
    let mut commands = drain(&mut reader);
    while let Some(id) = loads(&commands).first().copied() {
        reader
            .handle(Event::SharedLoaded { id, state: None }, now)
            .applied();
        if let Some(at) = reader.poll_timeout() {
            now = at;
            reader.handle_timeout(now);
        }
        commands = drain(&mut reader);
        if !failed(&commands).is_empty() {
            break;
        }
    }
    assert_eq!(
        failed(&commands),
        vec![(WaiterId(1), TokenFailure::NoSharedToken { attempts: 5 })]
    );
}

#[test]
fn forced_refresh_counts_merge_across_processes() {
    let mut a = cache_with("T1", 7200, t0());
    a.handle(force(1), t0() + secs(10)).applied();
    let shared = drain(&mut a)
        .into_iter()
        .find_map(|c| match c {
            Command::Publish { state } => Some(state),
            _ => None,
        })
        .unwrap();
    let mut b = cache_with("T1", 7200, t0());
    b.handle(Event::Imported { state: shared }, t0() + secs(11))
        .applied();
    assert_eq!(b.export().forced.count, 1);
    b.handle(force(2), t0() + secs(20)).applied();
    assert_eq!(
        failed(&drain(&mut b)),
        vec![(
            WaiterId(2),
            TokenFailure::ForceRefused(ForceRefused::TooSoon {
                retry_at: t0() + secs(40)
            })
        )],
        "another process forced 10 s ago"
    );
}

/// Found by the access token model: after NEW (from a forced refresh, which invalidated OLD)
/// was rejected, importing a state that still held OLD put OLD back in service.
#[test]
fn a_token_older_than_a_rejected_one_is_never_adopted_again() {
    let mut cache = cache_with("OLD", 7200, t0());
    let with_old = cache.export();
    cache.handle(force(2), t0() + secs(100)).applied();
    let (id, forced) = fetches(&drain(&mut cache))[0];
    assert!(forced);
    cache
        .handle(answer(id, granted("NEW", 7200)), t0() + secs(100))
        .applied();
    drain(&mut cache);
    cache
        .handle(rejected("NEW", 2, None), t0() + secs(200))
        .applied();
    drain(&mut cache);
    let imported = Event::Imported { state: with_old };
    cache.handle(imported, t0() + secs(201)).applied();
    assert!(cache.token(t0() + secs(201)).is_none(), "OLD came back");
    cache.handle(need(5), t0() + secs(202)).applied();
    assert!(served(&drain(&mut cache)).is_empty(), "OLD was handed out");
}

/// Issue 11, the shared path: a reader that rejected fetch #1 of a text adopts the same text
/// from a later fetch (the stable endpoint re-issues it), and its rejection forwarded to the
/// refresher refreshes there once, however often it is forwarded.
#[test]
fn a_reader_adopts_a_reissued_text_from_a_later_fetch() {
    let mut refresher = cache_with("SAME", 7200, t0());
    let mut reader = AccessTokenCache::from_state(reader_config(), refresher.export()).unwrap();
    let now = t0() + secs(60);
    reader.handle(rejected("SAME", 1, Some(1)), now).applied();
    let id = loads(&drain(&mut reader))[0];
    let mut refreshes = Vec::new();
    for _ in 0..3 {
        refresher.handle(rejected("SAME", 1, None), now).applied();
        refreshes.extend(fetches(&drain(&mut refresher)));
    }
    assert_eq!(refreshes.len(), 1, "one refresh for one rejected fetch");
    refresher
        .handle(answer(refreshes[0].0, granted("SAME", 7200)), now)
        .applied();
    drain(&mut refresher);
    // Through the store's JSON, which carries the generation.
    let json = serde_json::to_string(&refresher.export()).unwrap();
    let state: AccessTokenState = serde_json::from_str(&json).unwrap();
    let loaded = Event::SharedLoaded {
        id,
        state: Some(state),
    };
    reader.handle(loaded, now + secs(1)).applied();
    assert_eq!(
        served(&drain(&mut reader)),
        vec![(WaiterId(1), "SAME".to_owned())]
    );
    assert_eq!(reader.token(now + secs(1)).map(|t| t.generation), Some(2));
}

/// A state written before the generation existed still reads, as generation 0.
#[test]
fn a_state_without_a_generation_reads_as_generation_zero() {
    let json = r#"{"v":1,"token":{"access_token":"T1","fetched_at":1704067200,"expires_at":1704074400},"forced":{"day":0,"count":0,"last":null}}"#;
    let state: AccessTokenState = serde_json::from_str(json).unwrap();
    assert_eq!(state.token.map(|t| t.generation), Some(0));
}
