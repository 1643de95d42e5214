//! The machine contract as a table: every (state, event) pair and every deadline lands where
//! the rules say, refused events change nothing, spurious timeouts are no-ops. Absurd times and
//! random walks are in `robustness.rs`.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::server_util;
use crate::wechat::code2session;
use crate::wechat::errcode;

use wxlogin::{EffectId, RequestId};

use server_util::*;
use time::{Duration, PrimitiveDateTime};
use wxlogin::Handled;
use wxlogin::secret::SessionToken;
use wxlogin::server::login::{self, CoordinatorConfig, ExchangeError, LoginCoordinator};
use wxlogin::test_support::CodeExchange;

const CODE: &str = "code-0123456789";

/// A machine in each state, with the id it waits for.
fn machines() -> Vec<(login::StateKind, CodeExchange, Option<EffectId>)> {
    let mut out = Vec::new();
    let idle = CodeExchange::new(config());
    out.push((login::StateKind::Idle, idle.clone(), None));

    let mut calling = idle.clone();
    assert_eq!(
        calling
            .handle(
                login::Event::Received {
                    request: RequestId(1),
                    body: login_body(CODE),
                },
                t0(),
            )
            .unwrap(),
        Handled::Applied
    );
    let call_id = calling.outstanding();
    out.push((login::StateKind::Calling, calling.clone(), call_id));

    let mut backing_off = calling.clone();
    assert_eq!(
        backing_off
            .handle(
                login::Event::WeChatAnswered {
                    id: call_id.unwrap(),
                    result: Ok(errcode::answer(-1, "busy")),
                },
                t0(),
            )
            .unwrap(),
        Handled::Applied
    );
    out.push((login::StateKind::BackingOff, backing_off, None));

    let mut creating = calling.clone();
    assert_eq!(
        creating
            .handle(
                login::Event::WeChatAnswered {
                    id: call_id.unwrap(),
                    result: Ok(code2session::answer("o", "k", None)),
                },
                t0(),
            )
            .unwrap(),
        Handled::Applied
    );
    let session_id = creating.outstanding();
    out.push((
        login::StateKind::CreatingSession,
        creating.clone(),
        session_id,
    ));

    let mut done = creating;
    assert_eq!(
        done.handle(
            login::Event::SessionNotCreated {
                id: session_id.unwrap(),
                failure: wxlogin::server::login::SessionStoreFailure::Failed {
                    reason: "no".into()
                }
            },
            t0(),
        )
        .unwrap(),
        Handled::Applied
    );
    out.push((login::StateKind::Done, done, None));
    out
}

fn events(id: EffectId) -> Vec<login::Event> {
    vec![
        login::Event::Received {
            request: RequestId(9),
            body: login_body("other"),
        },
        login::Event::WeChatAnswered {
            id,
            result: Ok(code2session::answer("o", "k", None)),
        },
        login::Event::SessionCreated {
            id,
            token: SessionToken::new("t"),
            expires_at: t0() + Duration::hours(1),
        },
        login::Event::SessionNotCreated {
            id,
            failure: wxlogin::server::login::SessionStoreFailure::Failed { reason: "r".into() },
        },
    ]
}

#[test]
fn the_whole_table_every_refused_event_changes_nothing() {
    let mut accepted = Vec::new();
    let mut late = Vec::new();
    for (state, machine, outstanding) in machines() {
        assert_eq!(machine.state(), state);
        let ids = [outstanding.unwrap_or(EffectId(0)), EffectId(999)];
        for id in ids {
            for event in events(id) {
                let mut m = machine.clone();
                let kind = event.kind();
                match m.handle(event, t0()) {
                    Ok(Handled::Applied) => accepted.push((state, kind, id == EffectId(999))),
                    Ok(Handled::Late) => {
                        assert_eq!(m, machine, "{state:?} + {kind:?} late but changed");
                        late.push((state, kind, id));
                    }
                    Err(e) => {
                        assert_eq!(m, machine, "{state:?} + {kind:?} refused but changed");
                        let message = e.to_string();
                        assert!(!message.ends_with('.'), "{message}");
                        assert_eq!(message, message.to_lowercase(), "{message}");
                        if let ExchangeError::UnexpectedEvent {
                            state: s,
                            expected,
                            got,
                        } = e
                        {
                            assert_eq!((s, got), (state, kind));
                            assert!(!expected.contains(&kind));
                        }
                    }
                }
            }
        }
    }
    use wxlogin::server::login::EventKind as K;
    // Exactly the table's entries, never for a wrong id.
    assert_eq!(
        accepted,
        vec![
            (login::StateKind::Idle, K::Received, false),
            (login::StateKind::Idle, K::Received, true),
            (login::StateKind::Calling, K::WeChatAnswered, false),
            (login::StateKind::CreatingSession, K::SessionCreated, false),
            (
                login::StateKind::CreatingSession,
                K::SessionNotCreated,
                false
            ),
        ]
    );
    // An id given out earlier and no longer awaited is late, whatever the event; an id never
    // given out (999) is an error in every state.
    let answers = [K::WeChatAnswered, K::SessionCreated, K::SessionNotCreated];
    let expected_late: Vec<_> = [login::StateKind::BackingOff, login::StateKind::Done]
        .into_iter()
        .flat_map(|state| answers.map(|kind| (state, kind, EffectId(0))))
        .collect();
    assert_eq!(late, expected_late);
}

/// Where each accepted (state, event) pair of the exchange leads; `None` marks a pair the
/// table refuses.
fn expected_target(state: login::StateKind, kind: login::EventKind) -> Option<login::StateKind> {
    use login::EventKind as K;
    use login::StateKind as S;
    match (state, kind) {
        (S::Idle, K::Received) => Some(S::Calling),
        (S::Calling, K::WeChatAnswered) => Some(S::CreatingSession),
        (S::CreatingSession, K::SessionCreated | K::SessionNotCreated) => Some(S::Done),
        _ => None,
    }
}

/// `StateKind::expected()` is the table: every listed pair is applied and lands where the
/// rules say, every other pair is refused (`UnexpectedEvent` naming the state's list, or, for
/// an answer when nothing is awaited, late or unknown) and leaves the exchange `==` its clone.
#[test]
fn every_state_and_event_pair_follows_the_expected_table() {
    use login::EventKind as K;
    let machines = machines();
    let states: Vec<_> = machines.iter().map(|(state, ..)| *state).collect();
    assert_eq!(states, login::StateKind::ALL, "one machine per state");
    let mut accepted = 0;
    for (state, machine, outstanding) in machines {
        for kind in K::ALL {
            let id = outstanding.unwrap_or(EffectId(0));
            let event = events(id).into_iter().find(|e| e.kind() == kind).unwrap();
            let mut m = machine.clone();
            let result = m.handle(event, t0());
            let listed = state.expected().contains(&kind);
            let Some(target) = expected_target(state, kind) else {
                assert!(!listed, "{state:?} lists {kind:?} but refuses it");
                assert_eq!(m, machine, "{state:?} x {kind:?} changed the exchange");
                if outstanding.is_none() && kind != K::Received {
                    let late_or_unknown = matches!(
                        result,
                        Ok(Handled::Late) | Err(ExchangeError::UnknownId { .. })
                    );
                    assert!(late_or_unknown, "{state:?} x {kind:?}: {result:?}");
                } else {
                    let expected = ExchangeError::UnexpectedEvent {
                        state,
                        expected: state.expected(),
                        got: kind,
                    };
                    assert_eq!(result, Err(expected), "{state:?} x {kind:?}");
                }
                continue;
            };
            assert_eq!(result, Ok(Handled::Applied), "{state:?} x {kind:?}");
            assert_eq!(m.state(), target, "{state:?} x {kind:?}");
            assert!(listed, "{state:?} accepts {kind:?} but does not list it");
            accepted += 1;
        }
    }
    assert_eq!(
        accepted, 4,
        "Received, WeChatAnswered, and the two store answers"
    );
}

/// Deadlines are inputs of the same table: a call past its deadline is a transient timeout
/// (backoff), the end of a backoff sends the code again, a session not created in time ends
/// the exchange; idle and done have no deadline.
#[test]
fn deadlines_follow_the_table() {
    use login::StateKind as S;
    for (state, machine, _) in machines() {
        let mut m = machine.clone();
        let Some(at) = m.poll_timeout() else {
            assert!(
                matches!(state, S::Idle | S::Done),
                "{state:?} has no deadline"
            );
            continue;
        };
        m.handle_timeout(at);
        let target = match state {
            S::Calling => S::BackingOff,
            S::BackingOff => S::Calling,
            S::CreatingSession => S::Done,
            other => panic!("{other:?} has a deadline"),
        };
        assert_eq!(m.state(), target, "{state:?} at its deadline");
    }
}

#[test]
fn spurious_timeouts_are_no_ops() {
    for (state, machine, _) in machines() {
        let mut m = machine.clone();
        // Before any deadline (and far in the past).
        m.handle_timeout(t0());
        m.handle_timeout(PrimitiveDateTime::MIN.assume_utc());
        assert_eq!(m, machine, "{state:?}");
    }
    let mut h = Harness::new(LoginCoordinator::new(CoordinatorConfig::new(config())));
    h.receive(1, login_body(CODE));
    let before = h.m.clone();
    h.m.handle_timeout(t0());
    assert_eq!(h.m, before);
}

#[test]
fn coordinator_refuses_wrong_kinds_for_an_id() {
    let mut h = Harness::new(LoginCoordinator::new(CoordinatorConfig::new(config())));
    h.auto_sessions = false;
    h.receive(1, login_body(CODE));
    let (call, _) = h.open_calls[0].clone();
    for event in events(call).into_iter().skip(2) {
        let before = h.m.clone();
        assert!(h.m.handle(event, h.now).is_err());
        assert_eq!(h.m, before);
    }
    h.answer_open();
    let (session, _) = h.open_sessions[0].clone();
    let before = h.m.clone();
    let wrong = login::Event::WeChatAnswered {
        id: session,
        result: Ok(code2session::answer("o", "k", None)),
    };
    assert!(matches!(
        h.m.handle(wrong, h.now),
        Err(ExchangeError::UnexpectedEvent { .. })
    ));
    assert_eq!(h.m, before);
}
