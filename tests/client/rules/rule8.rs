//! Rule 8: failures keep what the world said.

use super::*;

// ---- Rule 8: failures keep what the world said

#[test]
fn rule8_wx_login_failure_past_the_budget_keeps_err_msg_and_errno() {
    let mut world = World::new(config());
    let error = WxFailure {
        err_msg: "login:fail system error".into(),
        errno: Some(1_000_001),
    };
    world.wx_login = vec![WxLogin::Fail(error); 3].into();
    world.request(1);
    assert_eq!(
        world.failure_of(1),
        LoginFailure::WxLogin {
            err_msg: "login:fail system error".into(),
            errno: Some(1_000_001),
            attempts: 3
        }
    );
    assert!(world.codes_sent.is_empty());
}

#[test]
fn rule8_a_blocked_user_gets_the_servers_kind_errcode_and_rid_without_retry() {
    let mut world = World::new(config());
    let mut body = ErrorBody::new(ErrorKind::UserBlocked, "login blocked");
    body.errcode = Some(40226);
    body.rid = Some("6555-abcd".into());
    let json = String::from_utf8(body.to_response().body).unwrap();
    world.login_answers = vec![Answer::Status(403, json)].into();
    world.request(1);
    assert_eq!(
        world.failure_of(1),
        LoginFailure::Server {
            step: Step::ServerLogin,
            status: 403,
            error: Some(body),
            attempts: 1
        }
    );
    assert_eq!(world.wx_login_calls, 1);
}

#[test]
fn rule8_a_5xx_check_past_the_budget_reports_status_and_body() {
    let mut world = World::with_stored_session(config());
    let busy = error_json(ErrorKind::UpstreamUnavailable);
    world.check_answers = vec![Answer::Status(503, busy); 3].into();
    world.request(1);
    let LoginFailure::Server {
        step,
        status,
        error,
        attempts,
    } = world.failure_of(1)
    else {
        panic!("expected a server failure")
    };
    assert_eq!((step, status, attempts), (Step::ServerCheck, 503, 3));
    assert_eq!(error.unwrap().error, ErrorKind::UpstreamUnavailable);
    assert_eq!(world.wx_login_calls, 0);
}
