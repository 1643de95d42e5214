//! Properties of the client machine beyond single rules: determinism, absurd times, redaction
//! and the stable JSON form.
#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test.

use crate::common;
// The JSON form of every event and command: `client_properties/json.rs`.
mod json;

use crate::clock::{T0, at, t0};
use crate::markers::{CODE, TOKEN, assert_quiet};
use crate::rng::Rng;
use common::{Answer, World, WxLogin, config, record};
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use wxlogin::client::{Command, Event, LoginError, LoginFailure, LoginMachine, Step, WxFailure};
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::secret::{LoginCode, SessionToken, StorageValue};
use wxlogin::wire::LoginGranted;
use wxlogin::{EffectId, WaiterId};

fn eventful_world() -> World {
    let mut world = World::with_stored_session(config());
    world.store.clear();
    world.wx_login = vec![WxLogin::Fail(WxFailure::new("login:fail")), WxLogin::Silent].into();
    world.login_answers = vec![Answer::Status(502, String::new()), Answer::Lost].into();
    world
}

#[test]
fn the_same_script_gives_the_same_commands() {
    let run = || {
        let mut world = eventful_world();
        world.request(1);
        world.request(2);
        world.trace
    };
    let (first, second) = (run(), run());
    assert!(
        first.len() > 20,
        "the script should exercise retries: {first:#?}"
    );
    assert_eq!(first, second);
}

#[test]
fn another_jitter_seed_changes_only_the_timing() {
    let mut world = eventful_world();
    world.request(1);
    let mut config = config();
    config.seed = 8;
    let mut other = eventful_world();
    other.machine = LoginMachine::new(config);
    other.request(1);
    assert_eq!(world.token_of(1), other.token_of(1));
    assert_ne!(world.now, other.now);
}

fn extremes() -> [OffsetDateTime; 2] {
    [
        PrimitiveDateTime::MIN.assume_utc(),
        PrimitiveDateTime::MAX.assume_utc(),
    ]
}

#[test]
fn logins_at_the_ends_of_time_complete() {
    let [min, max] = extremes();
    let mut world = eventful_world();
    world.now = min;
    world.request(1);
    world.request(2);
    assert!(world.outcome(1).is_ok());
    assert_eq!(world.token_of(2), world.token_of(1), "served from memory");

    // At the last representable instant no session can be valid. The server refuses to
    // create one (500, retried as transient, then reported) ...
    let mut world = eventful_world();
    world.now = max;
    world.request(1);
    assert!(matches!(
        world.failure_of(1),
        LoginFailure::Server {
            step: Step::ServerLogin,
            status: 500,
            ..
        }
    ));
    // ... and a server that grants one anyway is refused by the client rather than handed
    // out already expired.
    let mut world = World::new(config());
    world.now = max;
    let grant = r#"{"token":"t","expires_in":7200}"#.to_owned();
    world.login_answers = vec![Answer::Status(200, grant)].into();
    world.request(1);
    assert!(matches!(
        world.failure_of(1),
        LoginFailure::MalformedResponse {
            step: Step::ServerLogin,
            ..
        }
    ));
    assert!(world.storage_writes.is_empty());
}

#[test]
fn time_going_backwards_is_tolerated() {
    let mut world = World::new(config());
    world.now = at(10_000);
    world.request(1);
    world.now = t0();
    world.request(2);
    assert_eq!(
        world.token_of(2),
        world.token_of(1),
        "still before its expiry"
    );
    world.machine.handle_timeout(at(-1_000_000));
    assert_eq!(world.machine.poll_command(), None);
}

/// The next time of a random walk: mostly forwards, sometimes back, sometimes an extreme.
fn random_time(rng: &mut Rng, now: OffsetDateTime) -> OffsetDateTime {
    match rng.next_u64() % 10 {
        0 => extremes()[(rng.next_u64() % 2) as usize],
        1 => now
            .checked_sub(Duration::seconds((rng.next_u64() % 100) as i64))
            .unwrap_or(now),
        _ => now
            .checked_add(Duration::seconds((rng.next_u64() % 30) as i64))
            .unwrap_or(now),
    }
}

/// A random event about effect `id`: a request, an answer of any kind, a rejection or a logout
/// (sometimes after a timer check at `now`); `waiters` counts the waiters made.
fn random_event(
    rng: &mut Rng,
    machine: &mut LoginMachine,
    id: EffectId,
    waiters: &mut u64,
    now: OffsetDateTime,
) -> Event {
    match rng.next_u64() % 12 {
        0 | 1 => {
            *waiters += 1;
            Event::LoginRequested {
                waiter: WaiterId(*waiters),
            }
        }
        2 => Event::StorageRead {
            id,
            value: Some(StorageValue::new("garbage")),
        },
        3 => Event::CheckSessionResult { id, result: Ok(()) },
        4 | 5 => Event::CodeObtained {
            id,
            result: Ok(LoginCode::new(format!("c{}", rng.next_u64()))),
        },
        6 => Event::ServerResponse {
            id,
            result: Ok(LoginGranted {
                token: SessionToken::new("t"),
                expires_in: rng.next_u64(),
            }
            .to_response()),
        },
        7 => Event::ServerResponse {
            id,
            result: Ok(HttpResponse::json(500, vec![0xff])),
        },
        8 => Event::ServerResponse {
            id,
            result: Err(TransportFailure::Timeout),
        },
        9 => {
            *waiters += 1;
            Event::SessionRejected {
                waiter: WaiterId(*waiters),
                token: SessionToken::new("t"),
            }
        }
        10 => Event::Logout,
        _ => {
            machine.handle_timeout(now);
            Event::Logout
        }
    }
}

/// A random walk over events and times (valid answers, wrong ids, stale ids, rejections,
/// logouts, extreme and backward times). Every refused event leaves the machine unchanged, no
/// waiter is completed twice, and once the world answers everything all waiters are done.
#[test]
fn random_walks_never_panic_lose_a_waiter_or_change_on_refusal() {
    for seed in 0..64u64 {
        let mut rng = Rng::new(seed);
        let mut machine = LoginMachine::new(config());
        let mut now = t0();
        let mut waiters = 0u64;
        let mut completed = std::collections::HashSet::new();
        let mut last_id = EffectId(0);
        for _ in 0..400 {
            now = random_time(&mut rng, now);
            let id = if rng.next_u64() % 4 == 0 {
                EffectId(rng.next_u64() % 8)
            } else {
                last_id
            };
            let event = random_event(&mut rng, &mut machine, id, &mut waiters, now);
            let before = machine.clone();
            if let Err(error) = machine.handle(event, now) {
                assert_eq!(machine, before, "seed {seed}: {error} changed the machine");
            }
            while let Some(command) = machine.poll_command() {
                if let Some(id) = command.id() {
                    last_id = id;
                }
                if let Command::Complete { waiters, .. } = command {
                    for waiter in waiters {
                        assert!(completed.insert(waiter), "seed {seed}: {waiter:?} twice");
                    }
                }
            }
        }
        // A logout settles everyone still waiting.
        let _ = machine.handle(Event::Logout, now).unwrap();
        while let Some(command) = machine.poll_command() {
            if let Command::Complete { waiters, .. } = command {
                completed.extend(waiters);
            }
        }
        assert_eq!(
            completed.len() as u64,
            waiters,
            "seed {seed}: a waiter was lost"
        );
    }
}

#[test]
fn secrets_never_reach_debug_output() {
    let mut machine = LoginMachine::new(config());
    let now = t0();
    let mut seen = Vec::new();
    let mut feed = |machine: &mut LoginMachine, event: Event| {
        seen.push(format!("{event:?}"));
        let _ = machine.handle(event, now).unwrap();
        seen.push(format!("{machine:?}"));
        let mut last = None;
        while let Some(command) = machine.poll_command() {
            seen.push(format!("{command:?}"));
            last = command.id().or(last);
        }
        last
    };
    let id = feed(
        &mut machine,
        Event::LoginRequested {
            waiter: WaiterId(1),
        },
    )
    .unwrap();
    let stored = record(&format!("{TOKEN}-stored"), T0 + 7200, T0);
    let value = Some(StorageValue::new(stored));
    let id = feed(&mut machine, Event::StorageRead { id, value }).unwrap();
    let id = feed(
        &mut machine,
        Event::CheckSessionResult {
            id,
            result: Err(WxFailure::new("expired")),
        },
    )
    .unwrap();
    let code = Ok(LoginCode::new(CODE));
    let id = feed(&mut machine, Event::CodeObtained { id, result: code }).unwrap();
    let grant = LoginGranted {
        token: SessionToken::new(TOKEN),
        expires_in: 60,
    };
    feed(
        &mut machine,
        Event::ServerResponse {
            id,
            result: Ok(grant.to_response()),
        },
    );
    let rejected = Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new(TOKEN),
    };
    feed(&mut machine, rejected);
    for text in seen {
        assert_quiet("the flow", &text);
    }
    let errors = [
        format!(
            "{:?}",
            LoginError::UnknownId {
                id: EffectId(1),
                got: wxlogin::client::EventKind::CodeObtained
            }
        ),
        format!(
            "{:?}",
            LoginFailure::MalformedResponse {
                step: Step::ServerLogin,
                status: 200,
                detail: "x".into()
            }
        ),
        format!("{:?}", machine.config()),
    ];
    for text in errors {
        assert_quiet("errors and config", &text);
    }
}
