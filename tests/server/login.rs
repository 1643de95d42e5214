//! The server login machine, one scenario per rule of issue 3.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::server_util;
use crate::wechat::app::{APPID, BASE_URL};
use crate::wechat::code2session;
use crate::wechat::errcode;

use server_util::*;
use time::Duration;
use wxlogin::backoff::Backoff;
use wxlogin::http::{HttpResponse, TransportFailure};
use wxlogin::server::login::{
    self, ExchangeError, ExchangeFailure, ExchangeOutcome, SessionStoreFailure,
};
use wxlogin::server::wechat_api::ApiFailure;
use wxlogin::test_support::CodeExchange;
use wxlogin::wire::CODE_LIFETIME;
use wxlogin::wire::{ErrorKind, MAX_BODY_BYTES};
use wxlogin::{EffectId, Handled};

const CODE: &str = "081Kq4Ga1DUU0F0rS8Ga1HvtHH0Kq4G2";

fn harness(replies: impl IntoIterator<Item = Reply>) -> Harness<CodeExchange> {
    Harness::new(CodeExchange::new(config())).script(replies)
}

fn login(replies: impl IntoIterator<Item = Reply>) -> Harness<CodeExchange> {
    let mut h = harness(replies);
    h.receive(7, login_body(CODE));
    h.run();
    h
}

fn failure(h: &Harness<CodeExchange>) -> &ExchangeFailure {
    match &h.answer_to(7).outcome {
        ExchangeOutcome::Failed(f) => f,
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn error_kind(h: &Harness<CodeExchange>) -> (u16, ErrorKind, serde_json::Value) {
    let answer = h.answer_to(7);
    let json = body_json(&answer.response);
    let kind = serde_json::from_value(json["error"].clone()).unwrap();
    (answer.response.status, kind, json)
}

#[test]
fn success_creates_a_session_and_answers_the_wire_grant() {
    let mut h = harness([Reply::Answer(code2session::answer(
        "oUser",
        "S2Vr",
        Some("uUser"),
    ))]);
    h.auto_sessions = false;
    h.receive(7, login_body(CODE));
    assert_eq!(h.calls.len(), 1);
    let url = &h.calls[0].1.url;
    assert!(url.starts_with(&format!(
        "{BASE_URL}/sns/jscode2session?appid={APPID}&secret="
    )));
    assert!(url.contains(&format!("js_code={CODE}&grant_type=authorization_code")));
    assert_eq!(h.m.state(), login::StateKind::Calling);

    h.answer_open();
    assert_eq!(h.m.state(), login::StateKind::CreatingSession);
    let (id, session) = h.open_sessions.pop().unwrap();
    assert_eq!(session.openid, "oUser");
    assert_eq!(session.unionid.as_deref(), Some("uUser"));
    assert_eq!(session.session_key.expose_secret(), "S2Vr");
    assert_eq!(session.created_at, t0());
    assert_eq!(session.expires_at, t0() + Duration::hours(2));

    h.create_session(id, session);
    assert!(h.m.is_done());
    let answer = h.answer_to(7);
    assert_eq!(answer.response.status, 200);
    let json = body_json(&answer.response);
    assert_eq!(json["expires_in"], 7200);
    let token = json["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert!(h.sessions.contains_key(token));
    let ExchangeOutcome::Granted { openid, .. } = &answer.outcome else {
        panic!()
    };
    assert_eq!(openid, "oUser");
    assert_eq!(h.m.poll_timeout(), None);
}

#[test]
fn busy_then_success_retries_with_backoff() {
    let h = login([
        Reply::Answer(errcode::answer(-1, "system error, rid: 1")),
        Reply::Answer(code2session::answer("o", "k", None)),
    ]);
    assert_eq!(h.calls.len(), 2);
    let gap = h.calls[1].0 - h.calls[0].0;
    // The first retry waits 250 ms before jitter: somewhere in [125 ms, 250 ms].
    assert!(
        gap >= Duration::milliseconds(125) && gap <= Duration::milliseconds(250),
        "{gap}"
    );
    assert_eq!(h.answer_to(7).response.status, 200);
    assert_eq!(h.m.attempts(), 2);
}

#[test]
fn busy_until_attempts_run_out() {
    let h = login(std::iter::repeat_n(
        Reply::Answer(errcode::answer(-1, "busy, rid: 6502a6f1-9")),
        10,
    ));
    assert_eq!(h.calls.len(), Backoff::default().max_attempts as usize);
    let (status, kind, json) = error_kind(&h);
    assert_eq!((status, kind), (503, ErrorKind::UpstreamUnavailable));
    assert_eq!(json["errcode"], -1);
    assert_eq!(json["rid"], "6502a6f1-9");
    assert!(matches!(
        failure(&h),
        ExchangeFailure::Unavailable {
            attempts: 5,
            last: ApiFailure::WeChat(_)
        }
    ));
}

#[test]
fn busy_until_the_code_life_ends_never_sends_an_old_code() {
    let mut cfg = config();
    cfg.backoff = Backoff {
        initial: Duration::seconds(10),
        max: Duration::seconds(50),
        max_attempts: u32::MAX,
    };
    let mut h = Harness::new(CodeExchange::new(cfg)).script(std::iter::repeat_n(
        Reply::Answer(errcode::answer(-1, "busy")),
        1000,
    ));
    h.receive(7, login_body(CODE));
    h.run();
    assert!(h.calls.len() > 5, "retried for a while: {}", h.calls.len());
    assert!(h.calls.len() < 40);
    let end = t0() + CODE_LIFETIME;
    for (at, _) in &h.calls {
        assert!(*at < end, "a call at {at} is past the code's life");
    }
    assert!(h.answer_to(7).at < end);
    assert_eq!(error_kind(&h).1, ErrorKind::UpstreamUnavailable);
}

#[test]
fn invalid_code_asks_for_a_new_code_without_retrying() {
    let h = login([Reply::Answer(errcode::answer(
        40029,
        "invalid code, rid: abc-1",
    ))]);
    assert_eq!(h.calls.len(), 1);
    let (status, kind, json) = error_kind(&h);
    assert_eq!((status, kind), (400, ErrorKind::InvalidCode));
    assert_eq!(json["errcode"], 40029);
    assert_eq!(json["rid"], "abc-1");
}

#[test]
fn used_code_asks_for_a_new_code() {
    let h = login([Reply::Answer(errcode::answer(
        40163,
        "code been used, hints: [ req_id: GaHF-vGCl3a ]",
    ))]);
    assert_eq!(h.calls.len(), 1);
    let (status, kind, json) = error_kind(&h);
    assert_eq!((status, kind), (400, ErrorKind::CodeUsed));
    assert_eq!(json["rid"], "GaHF-vGCl3a");
}

#[test]
fn minute_quota_answers_429_until_the_next_minute() {
    let mut h = harness([Reply::Answer(errcode::answer(
        45011,
        "api minute-quota reach limit",
    ))]);
    h.now = t0() + Duration::seconds(20) + Duration::milliseconds(300);
    h.receive(7, login_body(CODE));
    h.run();
    assert_eq!(h.calls.len(), 1);
    let (status, kind, json) = error_kind(&h);
    assert_eq!((status, kind), (429, ErrorKind::RateLimited));
    let retry_after = json["retry_after"].as_u64().unwrap();
    assert_eq!(retry_after, 40);
    assert!(retry_after <= 60);
}

#[test]
fn blocked_user_is_told_and_not_retried() {
    let h = login([Reply::Answer(errcode::answer(40226, "high risk user"))]);
    assert_eq!(h.calls.len(), 1);
    assert_eq!(error_kind(&h).0, 403);
    assert_eq!(error_kind(&h).1, ErrorKind::UserBlocked);
    assert!(!failure(&h).needs_operator());
}

#[test]
fn configuration_error_is_500_with_nothing_leaked() {
    let h = login([Reply::Answer(errcode::answer(
        40125,
        "invalid appsecret, view more at http://t.cn/x, rid: 65-ab",
    ))]);
    assert_eq!(h.calls.len(), 1);
    let answer = h.answer_to(7);
    assert_eq!(answer.response.status, 500);
    let json = body_json(&answer.response);
    assert_eq!(
        json,
        serde_json::json!({"error":"internal","message":"internal server error"})
    );
    // The operator gets everything.
    let f = failure(&h);
    assert!(f.needs_operator());
    let ExchangeFailure::Refused(e) = f else {
        panic!()
    };
    assert_eq!((e.errcode, e.rid.as_deref()), (40125, Some("65-ab")));
    assert!(e.errmsg.contains("invalid appsecret"));
}

#[test]
fn transport_timeout_then_success() {
    let h = login([
        Reply::Fail(TransportFailure::Timeout),
        Reply::Answer(code2session::answer("o", "k", None)),
    ]);
    assert_eq!(h.calls.len(), 2);
    assert_eq!(h.answer_to(7).response.status, 200);
}

#[test]
fn server_error_then_success() {
    let h = login([
        Reply::Answer(HttpResponse::json(502, b"bad gateway".to_vec())),
        Reply::Fail(TransportFailure::Connection {
            message: "reset".into(),
        }),
        Reply::Answer(code2session::answer("o", "k", None)),
    ]);
    assert_eq!(h.calls.len(), 3);
    assert_eq!(h.answer_to(7).response.status, 200);
}

#[test]
fn silent_wechat_times_out_and_a_late_answer_is_ignored() {
    let mut h = harness([
        Reply::Silence,
        Reply::Answer(code2session::answer("o", "k", None)),
    ]);
    h.receive(7, login_body(CODE));
    let first = h.m.outstanding().unwrap();
    let deadline = h.m.poll_timeout().unwrap();
    assert_eq!(deadline, t0() + Duration::seconds(10));
    h.now = deadline;
    h.m.handle_timeout(h.now);
    assert_eq!(h.m.state(), login::StateKind::BackingOff);
    let before = h.m.clone();
    let late = login::Event::WeChatAnswered {
        id: first,
        result: Ok(code2session::answer("o", "k", None)),
    };
    assert_eq!(h.m.handle(late, h.now), Ok(Handled::Late));
    assert_eq!(h.m, before);
    h.run();
    assert_eq!(h.calls.len(), 2);
    assert_eq!(h.answer_to(7).response.status, 200);
}

#[test]
fn garbage_from_wechat_is_not_retried_and_alerts_the_operator() {
    let h = login([Reply::Answer(HttpResponse::json(
        200,
        b"<html>oops</html>".to_vec(),
    ))]);
    assert_eq!(h.calls.len(), 1);
    let (status, kind, _) = error_kind(&h);
    assert_eq!((status, kind), (503, ErrorKind::UpstreamUnavailable));
    assert!(failure(&h).needs_operator());
}

#[test]
fn bad_request_bodies_never_reach_wechat() {
    let too_big = {
        let mut b = login_body(CODE);
        b.resize(MAX_BODY_BYTES + 1, b' ');
        b
    };
    for body in [
        b"not json".to_vec(),
        too_big,
        br#"{}"#.to_vec(),
        br#"{"code":null}"#.to_vec(),
        br#"{"code":""}"#.to_vec(),
        br#"{"code":"a/b"}"#.to_vec(),
        format!(r#"{{"code":"{}"}}"#, "x".repeat(200)).into_bytes(),
    ] {
        let mut h = harness([]);
        h.receive(7, body.clone());
        h.run();
        assert!(h.calls.is_empty());
        let (status, kind, _) = error_kind(&h);
        assert_eq!((status, kind), (400, ErrorKind::BadRequest), "{body:?}");
        assert!(matches!(failure(&h), ExchangeFailure::BadRequest(_)));
    }
}

/// An exchange whose WeChat call succeeded, waiting for the store: request 7 and the id of its
/// `CreateSession`, which nothing answers.
fn waiting_for_the_store() -> (Harness<CodeExchange>, EffectId) {
    let mut h = harness([]);
    h.auto_sessions = false;
    h.receive(7, login_body(CODE));
    h.answer_open();
    let (id, _) = h.open_sessions.pop().unwrap();
    (h, id)
}

/// The store's answer that it did not take the record, applied and drained.
fn store_fails(h: &mut Harness<CodeExchange>, id: EffectId, failure: SessionStoreFailure) {
    let event = login::Event::SessionNotCreated { id, failure };
    assert_eq!(h.m.handle(event, h.now).unwrap(), Handled::Applied);
    h.drain();
}

#[test]
fn session_store_failure_and_silence_are_500() {
    let (mut h, id) = waiting_for_the_store();
    let reason = "db down".into();
    store_fails(&mut h, id, SessionStoreFailure::Failed { reason });
    assert_eq!(h.answer_to(7).response.status, 500);
    assert!(failure(&h).needs_operator());
    assert!(!String::from_utf8_lossy(&h.answer_to(7).response.body).contains("db down"));

    let (mut h, _) = waiting_for_the_store();
    h.run();
    assert_eq!(h.answer_to(7).response.status, 500);
    assert_eq!(failure(&h), &ExchangeFailure::SessionTimeout);
    assert_eq!(h.answer_to(7).at, t0() + Duration::seconds(10));
}

/// A store that is down for now is a 503 with `retry_after` (whole seconds, rounded up), never
/// a 401 and never the 500 of a store that failed; its message stays in the operator's log.
#[test]
fn session_store_unavailable_is_503_with_retry_after() {
    let (mut h, id) = waiting_for_the_store();
    let failure = SessionStoreFailure::Unavailable {
        reason: "redis: connection refused".into(),
        retry_after: Duration::milliseconds(2_500),
    };
    store_fails(&mut h, id, failure.clone());
    let (status, kind, body) = error_kind(&h);
    assert_eq!((status, kind), (503, ErrorKind::UpstreamUnavailable));
    assert_eq!(body["retry_after"], 3);
    assert!(!body.to_string().contains("redis"), "{body}");
    assert_eq!(
        self::failure(&h),
        &ExchangeFailure::SessionNotCreated(failure)
    );
    assert!(self::failure(&h).needs_operator());
}

#[test]
fn session_expiry_must_be_in_the_future() {
    let mut h = harness([]);
    h.auto_sessions = false;
    h.receive(7, login_body(CODE));
    h.answer_open();
    let (id, session) = h.open_sessions.pop().unwrap();
    let before = h.m.clone();
    let event = login::Event::SessionCreated {
        id,
        token: wxlogin::secret::SessionToken::new("t"),
        expires_at: h.now + Duration::milliseconds(500),
    };
    assert_eq!(
        h.m.handle(event, h.now),
        Err(ExchangeError::ExpiryNotInFuture)
    );
    assert_eq!(h.m, before);
    h.create_session(id, session);
    assert_eq!(h.answer_to(7).response.status, 200);
}

#[test]
fn jitter_is_deterministic_per_seed() {
    let times = |seed| {
        let mut cfg = config();
        cfg.seed = seed;
        let mut h = Harness::new(CodeExchange::new(cfg)).script(std::iter::repeat_n(
            Reply::Answer(errcode::answer(-1, "")),
            5,
        ));
        h.receive(7, login_body(CODE));
        h.run();
        h.calls.iter().map(|(at, _)| *at).collect::<Vec<_>>()
    };
    assert_eq!(times(1), times(1));
    assert_ne!(times(1), times(2));
}

#[test]
fn call_command_carries_its_timeout() {
    let mut m = CodeExchange::new(config());
    assert_eq!(
        m.handle(
            login::Event::Received {
                request: wxlogin::RequestId(1),
                body: login_body(CODE),
            },
            t0(),
        )
        .unwrap(),
        Handled::Applied
    );
    match m.poll_command() {
        Some(login::Command::CallWeChat { timeout, .. }) => {
            assert_eq!(timeout, Duration::seconds(10))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.poll_command(), None);
}

/// Found by mutation testing: `is_done` turns true exactly when the answer is given.
#[test]
fn is_done_only_after_the_answer() {
    let mut h = harness([Reply::Silence]);
    assert!(!h.m.is_done());
    h.receive(7, login_body(CODE));
    assert!(!h.m.is_done(), "calling WeChat");
    h.run();
    assert!(h.m.is_done());
    let _ = h.answer_to(7);
}

/// Found by mutation testing: a retry that would start exactly when the code's life ends is
/// not scheduled; the client is answered at once.
#[test]
fn no_backoff_ends_at_the_instant_the_code_expires() {
    let mut config = config();
    config.backoff = Backoff {
        initial: Duration::ZERO,
        max: Duration::ZERO,
        max_attempts: 5,
    };
    config.call_timeout = CODE_LIFETIME * 2;
    let mut h = Harness::new(CodeExchange::new(config))
        .script([Reply::Answer(errcode::answer(-1, "system error"))]);
    h.receive(7, login_body(CODE));
    // WeChat's -1 arrives at the last instant of the code's life; a zero backoff would end
    // exactly then.
    h.advance(CODE_LIFETIME);
    h.answer_open();
    assert_eq!(h.m.state(), login::StateKind::Done);
    assert!(matches!(
        failure(&h),
        ExchangeFailure::Unavailable { attempts: 1, .. }
    ));
}

/// The accepted events of each state, as named in `UnexpectedEvent` errors.
#[test]
fn each_state_lists_what_it_accepts() {
    use wxlogin::server::login::EventKind as K;
    assert_eq!(login::StateKind::Idle.expected(), [K::Received]);
    assert_eq!(login::StateKind::Calling.expected(), [K::WeChatAnswered]);
    assert_eq!(
        login::StateKind::CreatingSession.expected(),
        [K::SessionCreated, K::SessionNotCreated]
    );
    assert!(login::StateKind::BackingOff.expected().is_empty());
    assert!(login::StateKind::Done.expected().is_empty());
}
