//! Late answers are `Ok(Handled::Late)` and change nothing; `Err` is only for ids never given
//! out and events no state expects; a session token from the caller passes the one token
//! validator or is refused, and is then never sent.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::server_util;
use crate::wechat::code2session;

use server_util::*;
use time::Duration;
use wxlogin::EffectId;
use wxlogin::Handled;
use wxlogin::secret::SessionToken;
use wxlogin::server::login::{self, CoordinatorConfig, ExchangeError, LoginCoordinator};
use wxlogin::test_support::CodeExchange;

const CODE: &str = "code-late-0001";

fn answer(id: EffectId) -> login::Event {
    login::Event::WeChatAnswered {
        id,
        result: Ok(code2session::answer("o", "k", None)),
    }
}

/// Sends `event` and checks that it is late and that the machine is `==` its clone.
fn assert_late<M: Machine + Clone + PartialEq + std::fmt::Debug>(
    h: &mut Harness<M>,
    event: login::Event,
) {
    let before = h.m.clone();
    assert_eq!(h.m.handle(event, h.now), Ok(Handled::Late));
    assert_eq!(h.m, before);
    assert_eq!(h.m.poll_command(), None);
}

fn late_answers_change_nothing<M: Machine + Clone + PartialEq + std::fmt::Debug>(m: M) {
    // A call past its deadline: the machine retries; the first call's answer is late.
    let mut h = Harness::new(m).script([Reply::Silence]);
    h.receive(1, login_body(CODE));
    let (first, _) = h.open_calls.pop_front().unwrap();
    h.now = h.m.poll_timeout().unwrap();
    h.m.handle_timeout(h.now);
    h.drain();
    assert_late(&mut h, answer(first));
    // The retry's answer is applied; a second delivery of it is late.
    h.now = h.m.poll_timeout().unwrap();
    h.m.handle_timeout(h.now);
    h.auto_sessions = false;
    h.drain();
    let (second, _) = h.open_calls.pop_front().unwrap();
    assert_eq!(h.m.handle(answer(second), h.now), Ok(Handled::Applied));
    h.drain();
    assert_late(&mut h, answer(second));
    // A session created after its deadline: the client already got its 500.
    let (creation, session) = h.open_sessions.pop().unwrap();
    h.now = h.m.poll_timeout().unwrap();
    h.m.handle_timeout(h.now);
    h.drain();
    assert_eq!(h.answer_to(1).response.status, 500);
    let created = login::Event::SessionCreated {
        id: creation,
        token: SessionToken::new("late-token"),
        expires_at: session.expires_at,
    };
    assert_late(&mut h, created);
    // An id never given out is a contract violation, not a late answer.
    let never = EffectId(creation.0 + 1);
    let before = h.m.clone();
    assert_eq!(
        h.m.handle(answer(never), h.now),
        Err(ExchangeError::UnknownId { id: never })
    );
    assert_eq!(h.m, before);
}

#[test]
fn late_answers_are_ok_late_and_change_nothing_in_a_server_login() {
    late_answers_change_nothing(CodeExchange::new(config()));
}

#[test]
fn late_answers_are_ok_late_and_change_nothing_in_the_coordinator() {
    late_answers_change_nothing(LoginCoordinator::new(CoordinatorConfig::new(config())));
}

#[test]
fn the_awaited_id_with_the_wrong_event_is_still_an_error() {
    let mut m = CodeExchange::new(config());
    let received = login::Event::Received {
        request: wxlogin::RequestId(1),
        body: login_body(CODE),
    };
    assert_eq!(m.handle(received, t0()), Ok(Handled::Applied));
    let id = m.outstanding().unwrap();
    let before = m.clone();
    let wrong = login::Event::SessionNotCreated {
        id,
        failure: wxlogin::server::login::SessionStoreFailure::Failed {
            reason: String::new(),
        },
    };
    assert!(matches!(
        m.handle(wrong, t0()),
        Err(ExchangeError::UnexpectedEvent { .. })
    ));
    assert_eq!(m, before);
}

fn malformed_tokens_are_refused<M: Machine + Clone + PartialEq + std::fmt::Debug>(m: M) {
    let mut h = Harness::new(m);
    h.auto_sessions = false;
    h.receive(1, login_body(CODE));
    h.answer_open();
    let (id, session) = h.open_sessions.pop().unwrap();
    let long = "t".repeat(wxlogin::wire::MAX_TOKEN_LEN + 1);
    for bad in [
        "",
        "a b",
        "abc\r\nX-Injected: 1",
        "tok\u{e9}n",
        long.as_str(),
    ] {
        let before = h.m.clone();
        let created = login::Event::SessionCreated {
            id,
            token: SessionToken::new(bad),
            expires_at: session.expires_at,
        };
        assert_eq!(
            h.m.handle(created, h.now),
            Err(ExchangeError::MalformedToken)
        );
        assert_eq!(h.m, before, "{bad:?}");
        assert_eq!(h.m.poll_command(), None, "{bad:?} was sent");
    }
    h.create_session(id, session);
    let body = body_json(&h.answer_to(1).response);
    let token = body["token"].as_str().unwrap();
    assert!(wxlogin::wire::validate_token(token).is_ok());
    // The machine kept waiting: a good token still completes it, within its deadline.
    assert!(h.now < t0() + Duration::seconds(10));
}

#[test]
fn a_malformed_session_token_is_refused_and_never_sent_by_a_server_login() {
    malformed_tokens_are_refused(CodeExchange::new(config()));
}

#[test]
fn a_malformed_session_token_is_refused_and_never_sent_by_the_coordinator() {
    malformed_tokens_are_refused(LoginCoordinator::new(CoordinatorConfig::new(config())));
}
