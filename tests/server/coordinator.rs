//! The login coordinator: duplicate codes joined, finished ones remembered, memory bounded.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::server_util;
use crate::wechat::code2session;
use crate::wechat::errcode;

use server_util::*;
use time::Duration;
use wxlogin::Handled;
use wxlogin::RequestId;
use wxlogin::server::login::{
    self, CoordinatorConfig, ExchangeError, ExchangeFailure, ExchangeOutcome, LoginCoordinator,
};
use wxlogin::wire::CODE_LIFETIME;
use wxlogin::wire::ErrorKind;

fn coordinator() -> LoginCoordinator {
    LoginCoordinator::new(CoordinatorConfig::new(config()))
}

fn small(in_flight: usize, remembered: usize, waiters: usize) -> LoginCoordinator {
    let mut c = CoordinatorConfig::new(config());
    c.max_in_flight = in_flight;
    c.max_remembered = remembered;
    c.max_waiters_per_code = waiters;
    LoginCoordinator::new(c)
}

fn token_of(a: &Answered) -> String {
    body_json(&a.response)["token"].as_str().unwrap().to_owned()
}

fn kind_of(a: &Answered) -> ErrorKind {
    serde_json::from_value(body_json(&a.response)["error"].clone()).unwrap()
}

#[test]
fn two_requests_with_one_code_make_one_call_and_share_the_session() {
    let mut h = Harness::new(coordinator());
    h.receive(1, login_body("codeA"));
    h.receive(2, login_body("codeA"));
    assert_eq!(h.m.in_flight(), 1);
    assert_eq!(h.m.pending_requests(), 2);
    h.run();
    assert_eq!(h.calls.len(), 1);
    assert_eq!(h.sessions.len(), 1);
    let (a, b) = (h.answer_to(1), h.answer_to(2));
    assert_eq!(a.response.status, 200);
    assert_eq!(a.response, b.response);
    assert_eq!(token_of(a), token_of(b));
    assert_eq!(h.m.pending_requests(), 0);
    assert_eq!(h.m.in_flight(), 0);
}

#[test]
fn different_codes_run_side_by_side() {
    let mut h = Harness::new(coordinator());
    h.receive(1, login_body("codeA"));
    h.receive(2, login_body("codeB"));
    assert_eq!(h.m.in_flight(), 2);
    h.run();
    assert_eq!(h.calls.len(), 2);
    assert_ne!(token_of(h.answer_to(1)), token_of(h.answer_to(2)));
}

#[test]
fn a_retry_after_completion_gets_the_remembered_answer() {
    let mut h = Harness::new(coordinator());
    h.receive(1, login_body("codeA"));
    h.run();
    let first = token_of(h.answer_to(1));
    h.advance(Duration::seconds(30));
    h.receive(2, login_body("codeA"));
    h.run();
    assert_eq!(h.calls.len(), 1, "no second code2Session call");
    let again = h.answer_to(2);
    assert_eq!(token_of(again), first);
    // The lifetime counts from now, not from the first answer.
    assert_eq!(body_json(&again.response)["expires_in"], 7200 - 30);
    assert!(matches!(again.outcome, ExchangeOutcome::Granted { .. }));
}

#[test]
fn remembered_answers_end_with_the_code_life() {
    let mut h = Harness::new(coordinator());
    h.receive(1, login_body("codeA"));
    h.run();
    assert_eq!(h.m.remembered(), 1);
    h.now = t0() + CODE_LIFETIME;
    h.m.handle_timeout(h.now);
    assert_eq!(h.m.remembered(), 0);
    // WeChat now says the code was used; the client is told to get a new one.
    h.script
        .push_back(Reply::Answer(errcode::answer(40163, "code been used")));
    h.receive(2, login_body("codeA"));
    h.run();
    assert_eq!(h.calls.len(), 2);
    assert_eq!(kind_of(h.answer_to(2)), ErrorKind::CodeUsed);
}

#[test]
fn final_refusals_are_remembered_transient_ones_are_not() {
    let mut h = Harness::new(coordinator()).script([
        Reply::Answer(errcode::answer(40029, "invalid code")),
        Reply::Answer(errcode::answer(45011, "minute quota")),
    ]);
    h.receive(1, login_body("bad"));
    h.run();
    h.receive(2, login_body("bad"));
    h.run();
    assert_eq!(h.calls.len(), 1);
    assert_eq!(kind_of(h.answer_to(2)), ErrorKind::InvalidCode);

    h.receive(3, login_body("limited"));
    h.run();
    assert_eq!(kind_of(h.answer_to(3)), ErrorKind::RateLimited);
    h.receive(4, login_body("limited"));
    h.run();
    assert_eq!(h.calls.len(), 3, "a rate-limited code is tried again");
    assert_eq!(h.answer_to(4).response.status, 200);
}

#[test]
fn bad_bodies_are_answered_at_once() {
    let mut h = Harness::new(coordinator());
    h.receive(1, b"{".to_vec());
    assert_eq!(h.answer_to(1).response.status, 400);
    assert_eq!(h.m.pending_requests(), 0);
    assert!(h.calls.is_empty());
}

#[test]
fn duplicate_pending_request_ids_are_refused() {
    let mut h = Harness::new(coordinator());
    h.receive(1, login_body("codeA"));
    let before = h.m.clone();
    let again = login::Event::Received {
        request: RequestId(1),
        body: login_body("codeB"),
    };
    assert_eq!(
        h.m.handle(again, h.now),
        Err(ExchangeError::DuplicateRequest {
            request: RequestId(1)
        })
    );
    assert_eq!(h.m, before);
}

#[test]
fn in_flight_is_bounded_with_a_typed_busy_answer() {
    let mut h = Harness::new(small(2, 10, 2));
    for request in 1..=3 {
        h.receive(request, login_body(&format!("code{request}")));
    }
    assert_eq!(h.m.in_flight(), 2);
    let busy = h.answer_to(3);
    assert_eq!(busy.response.status, 503);
    assert_eq!(body_json(&busy.response)["retry_after"], 1);
    assert_eq!(busy.outcome, ExchangeOutcome::Failed(ExchangeFailure::Busy));
    // Waiters per code are bounded too.
    h.receive(4, login_body("code1"));
    h.receive(5, login_body("code1"));
    assert_eq!(
        h.answer_to(5).outcome,
        ExchangeOutcome::Failed(ExchangeFailure::Busy)
    );
    h.run();
    assert_eq!(h.answer_to(1).response, h.answer_to(4).response);
    assert_eq!(h.answered.len(), 5);
}

#[test]
fn memory_stays_bounded_under_100_000_distinct_codes() {
    let mut h = Harness::new(small(64, 1000, 4));
    for i in 0..100_000u64 {
        h.receive(i, login_body(&format!("code{i}")));
        if i % 50 == 49 {
            h.run();
        }
        assert!(h.m.in_flight() <= 64);
        assert!(h.m.remembered() <= 1000);
        if i % 10 == 0 {
            h.advance(Duration::milliseconds(1));
        }
    }
    h.run();
    assert_eq!(h.answered.len(), 100_000);
    assert_eq!(h.m.remembered(), 1000);
    assert_eq!(h.m.pending_requests(), 0);
    // The newest codes are the ones remembered.
    let calls = h.calls.len();
    h.receive(200_000, login_body("code99999"));
    assert_eq!(h.calls.len(), calls);
    h.receive(200_001, login_body("code0"));
    assert_eq!(h.calls.len(), calls + 1);
}

#[test]
fn in_flight_flood_without_answers_stays_bounded() {
    let mut h = Harness::new(small(100, 100, 4));
    for i in 0..100_000u64 {
        h.receive(i, login_body(&format!("c{i}")));
    }
    assert_eq!(h.m.in_flight(), 100);
    assert_eq!(h.m.pending_requests(), 100);
    assert_eq!(h.answered.len(), 100_000 - 100);
    h.run();
    assert_eq!(h.answered.len(), 100_000);
}

#[test]
fn answers_past_their_deadline_are_late_and_change_nothing() {
    let mut h = Harness::new(coordinator()).script([Reply::Silence]);
    h.receive(1, login_body("codeA"));
    let (id, _) = h.open_calls[0].clone();
    h.now = h.m.poll_timeout().unwrap();
    h.m.handle_timeout(h.now);
    h.drain();
    let before = h.m.clone();
    let late = login::Event::WeChatAnswered {
        id,
        result: Ok(code2session::answer("o", "k", None)),
    };
    assert_eq!(h.m.handle(late, h.now), Ok(Handled::Late));
    assert_eq!(h.m, before);
    h.open_calls.clear();
    h.run();
    assert_eq!(h.answer_to(1).response.status, 200);
}

#[test]
fn exchanges_get_distinct_effect_ids() {
    let mut m = coordinator();
    let mut ids = std::collections::BTreeSet::new();
    for i in 0..50 {
        assert_eq!(
            m.handle(
                login::Event::Received {
                    request: RequestId(i),
                    body: login_body(&format!("c{i}")),
                },
                t0(),
            )
            .unwrap(),
            Handled::Applied
        );
        while let Some(cmd) = m.poll_command() {
            if let login::Command::CallWeChat { id, .. } = cmd {
                assert!(ids.insert(id), "{id:?} reused");
            }
        }
    }
    assert_eq!(ids.len(), 50);
}

/// Found by mutation testing: a new login configuration applies to exchanges started after it.
#[test]
fn a_new_login_config_applies_to_new_exchanges() {
    let mut h = Harness::new(coordinator());
    let mut config = config();
    config.code2session.base_url = "https://proxy.test".into();
    h.m.set_exchange_config(config.clone());
    assert_eq!(h.m.exchange_config(), &config);
    h.receive(1, login_body("code1"));
    assert!(
        h.calls[0]
            .1
            .url
            .starts_with("https://proxy.test/sns/jscode2session?")
    );
}

/// Found by mutation testing: the coordinator's `Debug` names the codes it holds without
/// showing them.
#[test]
fn the_coordinators_debug_redacts_codes() {
    let mut h = Harness::new(coordinator());
    h.receive(1, login_body("code1SECRETMARK"));
    let debug = format!("{:?}", h.m);
    assert!(debug.contains("CodeKey([redacted])"), "{debug}");
    assert!(!debug.contains("SECRETMARK"));
}

/// Found by mutation testing: a code is not replayed at the instant its life ends, even when
/// the clock went back between exchanges so that older entries are not dropped first.
#[test]
fn no_replay_at_the_instant_a_remembered_code_expires() {
    let mut h = Harness::new(coordinator());
    h.now = t0() + Duration::seconds(100);
    h.receive(1, login_body("codeA"));
    h.run();
    h.now = t0();
    h.receive(2, login_body("codeB"));
    h.run();
    assert_eq!((h.calls.len(), h.m.remembered()), (2, 2));
    // One millisecond before codeB's life ends it is replayed; at the instant it is not.
    h.now = t0() + CODE_LIFETIME - Duration::milliseconds(1);
    h.receive(3, login_body("codeB"));
    h.run();
    assert_eq!(h.calls.len(), 2, "replayed from memory");
    h.now = t0() + CODE_LIFETIME;
    h.receive(4, login_body("codeB"));
    h.run();
    assert_eq!(h.calls.len(), 3, "asked WeChat again");
}

/// Found by mutation testing: each exchange draws its own jitter, so exchanges that fail
/// together do not retry in lockstep.
#[test]
fn concurrent_exchanges_back_off_at_different_times() {
    let busy = || Reply::Answer(errcode::answer(-1, "system error"));
    let mut h = Harness::new(coordinator()).script([busy(), busy(), busy()]);
    for (request, code) in [(1, "codeA"), (2, "codeB"), (3, "codeC")] {
        h.receive(request, login_body(code));
    }
    h.run();
    let mut retries: Vec<_> = h.calls[3..].iter().map(|(at, _)| *at).collect();
    assert_eq!(retries.len(), 3);
    retries.dedup();
    assert_eq!(
        retries.len(),
        3,
        "two exchanges retried at the same instant"
    );
}

/// An exchange that ends at the instant its code expires leaves nothing remembered (nothing
/// could replay it).
#[test]
fn an_exchange_ending_as_its_code_expires_is_not_remembered() {
    let mut config = config();
    config.create_session_timeout = CODE_LIFETIME * 2;
    let mut h = Harness::new(LoginCoordinator::new(CoordinatorConfig::new(config)));
    h.auto_sessions = false;
    h.receive(1, login_body("codeA"));
    h.answer_open();
    let (id, session) = h.open_sessions.pop().unwrap();
    h.now = t0() + CODE_LIFETIME;
    h.create_session(id, session);
    assert!(matches!(
        h.answer_to(1).outcome,
        ExchangeOutcome::Granted { .. }
    ));
    assert_eq!(h.m.remembered(), 0);
}
