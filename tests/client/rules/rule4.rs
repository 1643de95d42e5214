//! Rule 4: only an expiry answer leads to `wx.login`; the rest is retried, storage included.

use super::*;

// ---- Rule 4: only an expiry answer leads to wx.login

#[test]
fn rule4_wechat_session_expired_logs_in_again() {
    let mut world = World::with_stored_session(config());
    world.wx_check = vec![WxCheck::Expired].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!((world.wx_check_calls, world.checks_sent), (1, 0));
    assert_eq!(world.wx_login_calls, 1);
}

#[test]
fn rule4_server_session_expired_401_removes_the_record_and_logs_in_again() {
    let mut world = World::with_stored_session(config());
    world.store.clear();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!((world.checks_sent, world.wx_login_calls), (1, 1));
    assert_eq!(world.storage_removes, 1);
    assert!(world.storage.clone().unwrap().contains("token0001"));
}

#[test]
fn rule4_wx_login_fails_then_succeeds_on_retry() {
    let mut world = World::new(config());
    world.wx_login = vec![WxLogin::Fail(WxFailure::new("login:fail busy"))].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.wx_login_calls, 2);
    assert!(world.now > t0(), "the retry waited out a backoff");
}

#[test]
fn rule4_server_login_answers_500_twice_then_200() {
    let mut world = World::new(config());
    let busy = error_json(ErrorKind::UpstreamUnavailable);
    world.login_answers = vec![Answer::Status(500, busy.clone()), Answer::Status(500, busy)].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.codes_sent.len(), 3, "each retry carries a fresh code");
}

#[test]
fn rule4_server_check_times_out_and_the_late_answer_is_ignored() {
    let mut world = World::with_stored_session(config());
    world.check_answers = vec![Answer::Silent].into();
    world.request(1);
    assert_eq!(world.token_of(1), "stored-token");
    assert_eq!((world.checks_sent, world.wx_login_calls), (2, 0));
    let late = world.held_id();
    let before = world.machine.clone();
    assert_eq!(world.deliver_late(late), Ok(Handled::Late));
    assert_eq!(world.machine, before);
}

#[test]
fn rule4_transport_errors_on_the_check_never_lead_to_wx_login() {
    let mut world = World::with_stored_session(config());
    let down = TransportFailure::Connection {
        message: "unreachable".into(),
    };
    world.check_answers = vec![Answer::Transport(down.clone()); 3].into();
    world.request(1);
    assert_eq!(
        world.failure_of(1),
        LoginFailure::Transport {
            step: Step::ServerCheck,
            error: down,
            attempts: 3
        }
    );
    assert_eq!((world.wx_login_calls, world.storage_removes), (0, 0));
    // The network is back: the stored session is checked again, still without wx.login.
    world.request(2);
    assert_eq!(world.token_of(2), "stored-token");
    assert_eq!((world.wx_login_calls, world.wx_check_calls), (0, 1));
}

#[test]
fn rule4_a_kept_record_at_its_expiry_instant_is_not_checked_again() {
    let mut world = World::with_stored_session(config());
    let down = TransportFailure::Timeout;
    world.check_answers = vec![Answer::Transport(down); 3].into();
    world.request(1);
    assert!(world.outcome(1).is_err());
    assert_eq!(world.checks_sent, 3);
    // The record was kept for the next try; at its expiry instant it is no session at all.
    world.now = at(3600);
    world.request(2);
    assert_eq!(world.checks_sent, 3, "an expired record is not checked");
    assert_eq!(world.token_of(2), "token0001");
}

// ---- Rule 4 for storage: a read that times out never leads to wx.login

#[test]
fn rule4_a_storage_read_that_times_out_is_retried_then_fails_and_the_next_request_reads() {
    let mut world = World::with_stored_session(config());
    world.storage_silent = true;
    world.request(1);
    storage_gave_up(&world);
    world.storage_silent = false;
    world.request(2);
    assert_eq!(world.token_of(2), "stored-token");
    assert_eq!((world.storage_reads, world.wx_login_calls), (4, 0));
}
