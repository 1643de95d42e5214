//! Every (state kind, event kind) pair of the client machine: accepted pairs move where the
//! rules say, rejected pairs return `UnexpectedEvent` and leave the machine as it was.
#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test.

use crate::support::common;

use common::{Answer, World, WxCheck, WxLogin, config};
use wxlogin::Handled;
use wxlogin::client::{Event, EventKind, LoginError, LoginMachine, StateKind, WxFailure};
use wxlogin::http::HttpResponse;
use wxlogin::secret::{LoginCode, SessionToken};
use wxlogin::{EffectId, WaiterId};

/// A machine in `state`, and the id of its outstanding effect if it has one.
fn machine_in(state: StateKind) -> (LoginMachine, Option<EffectId>) {
    let mut world = World::new(config());
    match state {
        StateKind::Idle => {}
        StateKind::Ready => world.request(1),
        StateKind::ReadingStorage => world.storage_silent = true,
        StateKind::CheckingWxSession => {
            world = World::with_stored_session(config());
            world.wx_check = vec![WxCheck::Silent].into();
        }
        StateKind::CheckingServerSession => {
            world = World::with_stored_session(config());
            world.check_answers = vec![Answer::Silent].into();
        }
        StateKind::ObtainingCode => world.wx_login = vec![WxLogin::Silent].into(),
        StateKind::LoggingIn => world.login_answers = vec![Answer::Silent].into(),
        StateKind::WaitingToRetry => {
            world.wx_login = vec![WxLogin::Fail(WxFailure::new("login:fail"))].into();
        }
    }
    if !matches!(state, StateKind::Idle | StateKind::Ready) {
        world.send(Event::LoginRequested {
            waiter: WaiterId(1),
        });
    }
    assert_eq!(world.machine.state(), state, "could not reach {state:?}");
    let pending = world.held.keys().next().copied();
    (world.machine, pending)
}

fn event_of(kind: EventKind, id: EffectId) -> Event {
    let response = HttpResponse::json(200, br#"{"token":"fresh","expires_in":3600}"#.to_vec());
    match kind {
        EventKind::LoginRequested => Event::LoginRequested {
            waiter: WaiterId(99),
        },
        EventKind::StorageRead => Event::StorageRead { id, value: None },
        EventKind::CheckSessionResult => Event::CheckSessionResult { id, result: Ok(()) },
        EventKind::CodeObtained => Event::CodeObtained {
            id,
            result: Ok(LoginCode::new("tablecode")),
        },
        EventKind::ServerResponse => Event::ServerResponse {
            id,
            result: Ok(response),
        },
        EventKind::SessionRejected => Event::SessionRejected {
            waiter: WaiterId(98),
            token: SessionToken::new("not-the-current-token"),
        },
        EventKind::Logout => Event::Logout,
    }
}

/// Where each accepted pair leads; `None` marks a pair the table rejects.
fn expected_target(state: StateKind, event: EventKind) -> Option<StateKind> {
    use EventKind as E;
    use StateKind as S;
    match (state, event) {
        (_, E::Logout) => Some(S::Idle),
        (S::Idle, E::LoginRequested) => Some(S::ReadingStorage),
        // A rejection with no session known leads straight to a new code.
        (S::Idle, E::SessionRejected) => Some(S::ObtainingCode),
        // In Ready both are served at once (the rejected token is not the current one).
        (_, E::LoginRequested | E::SessionRejected) => Some(state),
        (S::ReadingStorage, E::StorageRead) => Some(S::ObtainingCode),
        (S::CheckingWxSession, E::CheckSessionResult) => Some(S::CheckingServerSession),
        (S::CheckingServerSession, E::ServerResponse) => Some(S::Ready),
        (S::ObtainingCode, E::CodeObtained) => Some(S::LoggingIn),
        (S::LoggingIn, E::ServerResponse) => Some(S::Ready),
        _ => None,
    }
}

#[test]
fn every_state_and_event_pair_follows_the_table() {
    let mut accepted = 0;
    let mut rejected = 0;
    for state in StateKind::ALL {
        for kind in EventKind::ALL {
            let (mut machine, pending) = machine_in(state);
            // Without an outstanding effect, an id that was never given out.
            let id = pending.unwrap_or(EffectId(u64::MAX));
            let before = machine.clone();
            let result = machine.handle(event_of(kind, id), common::at(1));
            let listed = state.expected().contains(&kind);
            match expected_target(state, kind) {
                Some(target) => {
                    assert_eq!(result, Ok(Handled::Applied), "{state:?} x {kind:?}");
                    assert_eq!(machine.state(), target, "{state:?} x {kind:?}");
                    assert!(listed, "{state:?} accepts {kind:?} but does not list it");
                    accepted += 1;
                }
                None => {
                    let expected = LoginError::UnexpectedEvent {
                        state,
                        expected: state.expected(),
                        got: kind,
                    };
                    assert_eq!(result, Err(expected), "{state:?} x {kind:?}");
                    assert_eq!(machine, before, "{state:?} x {kind:?} changed the machine");
                    assert!(!listed, "{state:?} lists {kind:?} but rejects it");
                    rejected += 1;
                }
            }
        }
    }
    assert_eq!(
        accepted + rejected,
        StateKind::ALL.len() * EventKind::ALL.len()
    );
    assert_eq!(accepted, 8 * 3 + 5, "three events everywhere, five answers");
}

#[test]
fn answers_with_ids_never_given_out_are_unknown_where_the_kind_is_expected() {
    let (mut machine, pending) = machine_in(StateKind::ObtainingCode);
    let before = machine.clone();
    let unknown = EffectId(pending.unwrap().0 + 100);
    let result = machine.handle(event_of(EventKind::CodeObtained, unknown), common::at(1));
    assert_eq!(
        result,
        Err(LoginError::UnknownId {
            id: unknown,
            got: EventKind::CodeObtained
        })
    );
    assert_eq!(machine, before);
}

#[test]
fn spurious_timeouts_change_nothing() {
    for state in StateKind::ALL {
        let (mut machine, _) = machine_in(state);
        let before = machine.clone();
        // Before the deadline, or with none set, handle_timeout is a no-op.
        let early = machine
            .poll_timeout()
            .map_or(common::at(0), |t| t - time::Duration::milliseconds(1));
        machine.handle_timeout(early);
        assert_eq!(machine, before, "{state:?}");
    }
}
