//! The client `LoginMachine` and the server `LoginCoordinator` driven against each other, with
//! a fake WeChat API behind the server (see `tests/support/common`). Each scenario asserts what all
//! three parties saw.
#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test.

use crate::common;

use common::{Answer, WeChatReply, World, WxCheck, config};
use wxlogin::Handled;
use wxlogin::client::{CodeReuse, LoginFailure, Step};
use wxlogin::wire::ErrorKind;

fn server_error(failure: &LoginFailure) -> (u16, ErrorKind, Option<i64>) {
    match failure {
        LoginFailure::Server {
            status,
            error: Some(body),
            ..
        } => (*status, body.error, body.errcode),
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[test]
fn cold_start_exchanges_one_code_and_stores_the_session() {
    let mut world = World::new(config());
    world.request(1);
    let token = world.token_of(1);
    assert_eq!(world.wechat.exchanged, ["code0001"]);
    let session = &world.store[&token];
    assert_eq!(session.openid, "oUSER");
    assert_eq!(session.unionid.as_deref(), Some("uUSER"));
    assert!(world.storage.clone().unwrap().contains(&token));
}

#[test]
fn warm_start_is_confirmed_by_the_server_without_wechat() {
    let mut world = World::with_stored_session(config());
    world.request(1);
    assert_eq!(world.token_of(1), "stored-token");
    assert!(world.wechat.exchanged.is_empty());
    assert_eq!(world.checks_sent, 1);
}

#[test]
fn wechat_session_expiry_leads_to_one_new_exchange() {
    let mut world = World::with_stored_session(config());
    world.wx_check = vec![WxCheck::Expired].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.wechat.exchanged.len(), 1);
    assert_eq!(
        world.store.len(),
        2,
        "the old server session is left to expire"
    );
}

#[test]
fn a_session_the_server_dropped_is_answered_401_and_replaced() {
    let mut world = World::with_stored_session(config());
    world.store.clear();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!((world.checks_sent, world.wechat.exchanged.len()), (1, 1));
}

#[test]
fn a_401_on_a_business_call_gets_one_relogin_and_a_replayable_token() {
    let mut world = World::new(config());
    world.request(1);
    let first = world.token_of(1);
    // The server forgets the session (say, an operator revoked it); a business call gets 401.
    world.store.remove(&first);
    world.reject(2, first);
    world.run();
    let second = world.token_of(2);
    assert!(world.store.contains_key(&second));
    assert_eq!(world.wechat.exchanged.len(), 2);
}

#[test]
fn the_session_ends_when_the_server_says_and_a_new_login_follows() {
    let mut world = World::new(config());
    world.request(1);
    world.advance(2 * 3600);
    world.request(2);
    assert_eq!(world.token_of(2), "token0002");
    assert_eq!(
        world.wx_check_calls, 0,
        "a fresh code needed no checkSession"
    );
}

#[test]
fn concurrent_callers_share_one_exchange() {
    let mut world = World::new(config());
    world.storage_silent = true;
    for waiter in 0..100 {
        world.ask(waiter);
    }
    world.storage_silent = false;
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Applied));
    assert_eq!(world.wechat.exchanged.len(), 1);
    assert_eq!(world.store.len(), 1);
    assert!((0..100).all(|w| world.token_of(w) == "token0001"));
}

#[test]
fn a_lost_login_response_and_a_resent_code_get_the_remembered_session() {
    let mut config = config();
    config.code_reuse = CodeReuse::WithinCodeLife;
    let mut world = World::new(config);
    world.login_answers = vec![Answer::Lost].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.codes_sent, ["code0001", "code0001"]);
    assert_eq!(world.wechat.times_exchanged("code0001"), 1, "never a 40163");
    assert_eq!(
        world.store.len(),
        1,
        "one session, not an orphan and a copy"
    );
}

#[test]
fn a_lost_login_response_without_reuse_costs_a_fresh_code() {
    let mut world = World::new(config());
    world.login_answers = vec![Answer::Lost].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0002");
    assert_eq!(world.wechat.exchanged, ["code0001", "code0002"]);
}

#[test]
fn a_late_server_answer_after_the_client_timed_out_is_ignored() {
    let mut world = World::new(config());
    world.login_answers = vec![Answer::Silent].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0002");
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
    assert_eq!(
        world.machine.session().unwrap().token.expose_secret(),
        "token0002"
    );
}

#[test]
fn a_blocked_user_is_told_once_with_wechats_code() {
    let mut world = World::new(config());
    world.wechat.script = vec![WeChatReply::Errcode(40226)].into();
    world.request(1);
    let failure = world.failure_of(1);
    assert_eq!(
        server_error(&failure),
        (403, ErrorKind::UserBlocked, Some(40226))
    );
    assert_eq!(world.wechat.exchanged.len(), 1, "no retry");
}

#[test]
fn wechat_busy_is_retried_by_the_server_within_one_client_request() {
    let mut world = World::new(config());
    world.wechat.script = vec![WeChatReply::Errcode(-1), WeChatReply::Errcode(-1)].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.wechat.exchanged, ["code0001"; 3]);
    assert_eq!(world.codes_sent.len(), 1, "the client saw one answer");
}

#[test]
fn a_used_code_makes_the_client_fetch_a_fresh_one() {
    let mut world = World::new(config());
    world.wechat.script = vec![WeChatReply::Errcode(40163)].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.wechat.exchanged, ["code0001", "code0002"]);
}

#[test]
fn a_minute_quota_reaches_the_client_as_429_with_retry_after() {
    let mut world = World::new(config());
    world.wechat.script = vec![WeChatReply::Errcode(45011)].into();
    world.advance(20);
    world.request(1);
    let LoginFailure::Server {
        status: 429,
        error: Some(body),
        ..
    } = world.failure_of(1)
    else {
        panic!("expected a 429")
    };
    assert_eq!(body.error, ErrorKind::RateLimited);
    // The clock starts on a whole minute: 20 seconds in, the next one begins 40 seconds later.
    assert_eq!(body.retry_after, Some(40));
}

#[test]
fn a_configuration_error_reaches_the_client_as_a_bare_500() {
    let mut world = World::new(config());
    world.wechat.script = vec![WeChatReply::Errcode(40125); 3].into();
    world.request(1);
    let failure = world.failure_of(1);
    let LoginFailure::Server {
        step: Step::ServerLogin,
        status: 500,
        error: Some(body),
        ..
    } = &failure
    else {
        panic!("expected a 500, got {failure:?}")
    };
    assert_eq!(
        (body.error, body.errcode, body.rid.as_deref()),
        (ErrorKind::Internal, None, None)
    );
    assert!(!body.message.contains("40125") && !body.message.contains("secret"));
}
