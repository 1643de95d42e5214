//! The coordinator's rule, asserted: within its memory (the code's life, unless evicted for
//! capacity), a code reaches code2Session again only if WeChat cannot have taken it: every
//! earlier answer was transient (`-1`, 5xx, no response, timeout) or refused the request
//! rather than the code (a quota, the configuration, an access token). After anything else a
//! retry gets the remembered answer (or `code_used` once the session is gone) and no call.
#![allow(clippy::unwrap_used)]

use crate::server_util;
use crate::wechat::errcode;

use server_util::*;
use time::Duration;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::server::login::{
    CoordinatorConfig, ExchangeFailure, ExchangeOutcome, LoginCoordinator,
};
use wxlogin::wire::CODE_LIFETIME;
use wxlogin::wire::ErrorKind;

const CODE: &str = "code-once-0001";

fn coordinator() -> Harness<LoginCoordinator> {
    Harness::new(LoginCoordinator::new(CoordinatorConfig::new(config())))
}

fn kind(a: &Answered) -> ErrorKind {
    serde_json::from_value(body_json(&a.response)["error"].clone()).unwrap()
}

/// One exchange answered by `reply` (every attempt), then a retry of the same code a second
/// later; returns the calls made and the retry's answer.
fn exchange_then_retry(reply: Reply) -> (usize, Answered) {
    let mut h = coordinator().script(std::iter::repeat_n(reply, 8));
    h.receive(1, login_body(CODE));
    h.run();
    let calls = h.calls.len();
    h.script.clear();
    h.advance(Duration::seconds(1));
    h.receive(2, login_body(CODE));
    h.run();
    (h.calls.len() - calls, h.answer_to(2).clone())
}

#[test]
fn a_code_is_sent_again_only_if_wechat_cannot_have_taken_it() {
    let final_answers = [
        Reply::Answer(errcode::answer(40029, "invalid code")),
        Reply::Answer(errcode::answer(40163, "code been used")),
        Reply::Answer(errcode::answer(40226, "high risk")),
        Reply::Answer(errcode::answer(99999, "unknown")),
        Reply::Answer(HttpResponse::json(400, b"bad request".to_vec())),
        Reply::Answer(HttpResponse::json(200, b"{".to_vec())),
    ];
    for reply in final_answers {
        let (calls, answer) = exchange_then_retry(reply.clone());
        assert_eq!(calls, 0, "{reply:?}: the code was sent again");
        assert_ne!(answer.response.status, 200, "{reply:?}");
    }
    let not_taken = [
        Reply::Answer(errcode::answer(-1, "system busy")),
        Reply::Answer(errcode::answer(45011, "minute quota")),
        Reply::Answer(errcode::answer(40125, "invalid appsecret")),
        Reply::Answer(errcode::answer(40001, "invalid component token")),
        Reply::Answer(HttpResponse::json(503, Vec::new())),
        Reply::Fail(TransportFailure::Timeout),
    ];
    for reply in not_taken {
        let (calls, answer) = exchange_then_retry(reply.clone());
        assert_eq!(
            calls, 1,
            "{reply:?}: a code WeChat did not take is tried again"
        );
        assert_eq!(answer.response.status, 200);
    }
}

#[test]
fn a_retry_after_the_session_was_not_created_is_told_the_code_is_used() {
    let mut h = coordinator();
    h.auto_sessions = false;
    h.receive(1, login_body(CODE));
    h.answer_open();
    let (id, _) = h.open_sessions.pop().unwrap();
    let not_created = wxlogin::server::login::Event::SessionNotCreated {
        id,
        failure: wxlogin::server::login::SessionStoreFailure::Failed {
            reason: "store down".into(),
        },
    };
    assert_eq!(
        h.m.handle(not_created, h.now),
        Ok(wxlogin::Handled::Applied)
    );
    h.drain();
    assert_eq!(h.answer_to(1).response.status, 500);
    h.receive(2, login_body(CODE));
    h.run();
    assert_eq!(h.calls.len(), 1, "a code WeChat took is not sent again");
    assert_eq!(kind(h.answer_to(2)), ErrorKind::CodeUsed);
    assert!(matches!(
        h.answer_to(2).outcome,
        ExchangeOutcome::Failed(ExchangeFailure::CodeAlreadyExchanged)
    ));
}

#[test]
fn a_retry_after_the_session_ended_is_told_the_code_is_used() {
    let mut config = CoordinatorConfig::new(config());
    config.exchange.session_lifetime = Duration::seconds(30);
    let mut h = Harness::new(LoginCoordinator::new(config));
    h.receive(1, login_body(CODE));
    h.run();
    assert_eq!(h.answer_to(1).response.status, 200);
    h.advance(Duration::seconds(31));
    h.receive(2, login_body(CODE));
    h.run();
    assert_eq!(h.calls.len(), 1);
    assert_eq!(kind(h.answer_to(2)), ErrorKind::CodeUsed);
}

#[test]
fn past_the_code_life_the_coordinator_forgets_and_calls_again() {
    let mut h = coordinator().script([Reply::Answer(errcode::answer(40029, "invalid code"))]);
    h.receive(1, login_body(CODE));
    h.run();
    h.advance(CODE_LIFETIME);
    h.receive(2, login_body(CODE));
    h.run();
    assert_eq!(h.calls.len(), 2, "WeChat has forgotten the code too");
}
