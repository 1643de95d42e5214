//! Every (state kind, event kind) pair of the client machine: accepted pairs move where the
//! rules say, rejected pairs return `UnexpectedEvent` and leave the machine as it was; the
//! hand-kept `StateKind::expected()` table agrees with what the machine does; and the state
//! diagram in `docs/client-states.md` is what a walk of the machine draws
//! (`WXLOGIN_BLESS=1 cargo test --test client table` rewrites it after a deliberate change).
#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::clock::{T0, at, t0};
use common::{Answer, World, WxCheck, WxLogin, config, record};
use wxlogin::Handled;
use wxlogin::client::{Event, EventKind, LoginError, LoginMachine, StateKind, WxFailure};
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
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
            let result = machine.handle(event_of(kind, id), at(1));
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
    let result = machine.handle(event_of(EventKind::CodeObtained, unknown), at(1));
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
            .map_or(t0(), |t| t - time::Duration::milliseconds(1));
        machine.handle_timeout(early);
        assert_eq!(machine, before, "{state:?}");
    }
}

/// Its position in `StateKind::ALL`; the match has no `_` arm, so a new state fails to compile
/// here until the table covers it.
fn position(state: StateKind) -> usize {
    match state {
        StateKind::Idle => 0,
        StateKind::Ready => 1,
        StateKind::ReadingStorage => 2,
        StateKind::CheckingWxSession => 3,
        StateKind::CheckingServerSession => 4,
        StateKind::ObtainingCode => 5,
        StateKind::LoggingIn => 6,
        StateKind::WaitingToRetry => 7,
    }
}

#[test]
fn the_table_covers_every_state_once() {
    for (i, state) in StateKind::ALL.into_iter().enumerate() {
        assert_eq!(
            position(state),
            i,
            "{state:?} is missing or out of place in ALL"
        );
        let (machine, _) = machine_in(state);
        assert_eq!(machine.state(), state);
    }
}

/// Where the deadline of each state leads with the default budget: an effect past its
/// deadline backs off (rule 4), a backoff runs its step again, a state without a deadline
/// has nothing to fire.
fn after_deadline(state: StateKind) -> StateKind {
    use StateKind as S;
    match state {
        S::Idle | S::Ready => state,
        S::ReadingStorage | S::CheckingWxSession | S::CheckingServerSession => S::WaitingToRetry,
        S::ObtainingCode | S::LoggingIn => S::WaitingToRetry,
        // The backoff of the table's machine follows a failed wx.login.
        S::WaitingToRetry => S::ObtainingCode,
    }
}

#[test]
fn every_deadline_follows_the_table() {
    for state in StateKind::ALL {
        let (mut machine, _) = machine_in(state);
        match machine.poll_timeout() {
            Some(at) => machine.handle_timeout(at),
            None => assert!(
                matches!(state, StateKind::Idle | StateKind::Ready),
                "{state:?}"
            ),
        }
        assert_eq!(
            machine.state(),
            after_deadline(state),
            "deadline in {state:?}"
        );
    }
}

/// Answers to storage and to wx, in the variants that lead to different places.
fn storage_and_wx_answers(id: EffectId) -> Vec<(&'static str, Event)> {
    let record = StorageValue::new(record("stored-token", T0 + 3600, T0 - 600));
    let fail = || WxFailure::new("fail");
    vec![
        ("StorageRead(none)", Event::StorageRead { id, value: None }),
        (
            "StorageRead(record)",
            Event::StorageRead {
                id,
                value: Some(record),
            },
        ),
        (
            "StorageRead(corrupt)",
            Event::StorageRead {
                id,
                value: Some(StorageValue::new("{")),
            },
        ),
        (
            "CheckSessionResult(ok)",
            Event::CheckSessionResult { id, result: Ok(()) },
        ),
        (
            "CheckSessionResult(fail)",
            Event::CheckSessionResult {
                id,
                result: Err(fail()),
            },
        ),
        ("CodeObtained(code)", event_of(EventKind::CodeObtained, id)),
        (
            "CodeObtained(fail)",
            Event::CodeObtained {
                id,
                result: Err(fail()),
            },
        ),
    ]
}

/// The server's answers: a grant, a rejection, a failure, no answer.
fn server_answers(id: EffectId) -> Vec<(&'static str, Event)> {
    let json = |status, body: &str| Ok(HttpResponse::json(status, body.as_bytes().to_vec()));
    let grant = r#"{"token":"fresh","expires_in":3600}"#;
    vec![
        (
            "ServerResponse(200)",
            Event::ServerResponse {
                id,
                result: json(200, grant),
            },
        ),
        (
            "ServerResponse(401)",
            Event::ServerResponse {
                id,
                result: json(401, ""),
            },
        ),
        (
            "ServerResponse(503)",
            Event::ServerResponse {
                id,
                result: json(503, ""),
            },
        ),
        (
            "ServerResponse(timeout)",
            Event::ServerResponse {
                id,
                result: Err(TransportFailure::Timeout),
            },
        ),
    ]
}

/// The inputs the diagram walks from every state: each event kind in the variants that lead
/// to different places, and the deadline (`None`).
fn inputs(machine: &LoginMachine, id: EffectId) -> Vec<(&'static str, Option<Event>)> {
    let current = machine
        .session()
        .map_or_else(|| SessionToken::new("stored-token"), |s| s.token.clone());
    let reject = |token| Event::SessionRejected {
        waiter: WaiterId(98),
        token,
    };
    let driver = [
        ("LoginRequested", event_of(EventKind::LoginRequested, id)),
        (
            "SessionRejected(other token)",
            reject(SessionToken::new("not-the-current-token")),
        ),
        ("SessionRejected(its token)", reject(current)),
        ("Logout", Event::Logout),
    ];
    let mut all: Vec<_> = storage_and_wx_answers(id)
        .into_iter()
        .chain(server_answers(id))
        .chain(driver)
        .map(|(label, event)| (label, Some(event)))
        .collect();
    all.push(("deadline", None));
    all
}

/// Every (from, to) move a walk of the machine finds, with the inputs that make it.
fn walk() -> BTreeMap<(StateKind, StateKind), BTreeSet<String>> {
    let mut edges: BTreeMap<_, BTreeSet<String>> = BTreeMap::new();
    for state in StateKind::ALL {
        let (probe, pending) = machine_in(state);
        let id = pending.unwrap_or(EffectId(u64::MAX));
        for (label, event) in inputs(&probe, id) {
            let (mut machine, _) = machine_in(state);
            let moved = match event {
                Some(event) => machine.handle(event, at(1)) == Ok(Handled::Applied),
                None => match machine.poll_timeout() {
                    Some(at) => {
                        machine.handle_timeout(at);
                        true
                    }
                    None => false,
                },
            };
            if moved {
                edges
                    .entry((state, machine.state()))
                    .or_default()
                    .insert(label.to_owned());
            }
        }
    }
    edges
}

fn render() -> String {
    let mut out = String::from(
        "# The client's states\n\n\
         Generated by `tests/client/table.rs` from a walk of `LoginMachine` and its \
         `StateKind::expected()` table; do not edit. After a deliberate change of behaviour, \
         `WXLOGIN_BLESS=1 cargo test --test client table` rewrites it.\n\n\
         Each arrow is an input that moves the machine (events by kind, with the variant of \
         the answer that matters, and `deadline` for `handle_timeout` at `poll_timeout`). A \
         request, a rejection or a logout is accepted in every state; an answer only in the \
         state that waits for it.\n\n```mermaid\nstateDiagram-v2\n    [*] --> Idle\n",
    );
    for ((from, to), labels) in walk() {
        let labels: Vec<_> = labels.into_iter().collect();
        out += &format!("    {from:?} --> {to:?}: {}\n", labels.join(", "));
    }
    out += "```\n\n| state | accepts |\n|---|---|\n";
    for state in StateKind::ALL {
        let accepted: Vec<String> = state
            .expected()
            .iter()
            .map(|k| format!("`{k:?}`"))
            .collect();
        out += &format!("| `{state:?}` | {} |\n", accepted.join(", "));
    }
    out
}

#[test]
fn the_state_diagram_is_generated_from_the_machine() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/client-states.md");
    let fresh = render();
    if std::env::var_os("WXLOGIN_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/client-states.md differs from the machine: rerun with WXLOGIN_BLESS=1\n{fresh}"
    );
}
