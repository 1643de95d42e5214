//! One scenario per rule of the client `LoginMachine` (the README's "The rules the client machine encodes").
#![allow(clippy::unwrap_used)] // Tests may unwrap: a panic is a failed test.

use crate::support::common;

use common::{Answer, T0, World, WxCheck, WxLogin, at, config, record};
use time::Duration;
use wxlogin::Handled;
use wxlogin::client::{
    CodeReuse, Event, LoginError, LoginFailure, StateKind, Step, VerifyPolicy, WxFailure,
};
use wxlogin::client::{StoredLookup, StoredSession};
use wxlogin::http::TransportFailure;
use wxlogin::secret::SessionToken;
use wxlogin::wire::{ErrorBody, ErrorKind, TokenHeader};
use wxlogin::{EffectId, WaiterId};

fn error_json(kind: ErrorKind) -> String {
    String::from_utf8(ErrorBody::new(kind, "from the server").to_response().body).unwrap()
}

// ---- Rule 1: every path ends, nothing hangs

#[test]
fn rule1_cold_start_logs_in_and_stores_the_token() {
    let mut world = World::new(config());
    world.request(1);
    let token = world.token_of(1);
    assert_eq!(token, "token0001");
    assert_eq!((world.storage_reads, world.wx_login_calls), (1, 1));
    assert_eq!(world.codes_sent.len(), 1);
    assert_eq!(
        world.wx_check_calls, 0,
        "a fresh code needs no checkSession"
    );
    assert_eq!(world.machine.state(), StateKind::Ready);
    let stored = world.storage.clone().unwrap();
    assert!(
        stored.contains(&format!(r#""token":"{token}""#)),
        "{stored}"
    );
}

#[test]
fn rule1_a_world_that_never_answers_still_completes_every_waiter() {
    let mut world = World::new(config());
    world.storage_silent = true;
    world.wx_login = vec![WxLogin::Silent; 10].into();
    world.request(1);
    // Rule 4: a silent storage is retried, then reported; it never leads to wx.login.
    assert_eq!(
        world.failure_of(1),
        LoginFailure::Timeout {
            step: Step::ReadStorage,
            attempts: 3
        }
    );
    assert_eq!((world.storage_reads, world.wx_login_calls), (3, 0));
    assert_eq!(world.machine.poll_timeout(), None);
    assert_eq!(world.machine.state(), StateKind::Idle);
    // Storage answers again; wx.login never does.
    world.storage_silent = false;
    world.request(2);
    assert_eq!(
        world.failure_of(2),
        LoginFailure::Timeout {
            step: Step::WxLogin,
            attempts: 3
        }
    );
    assert_eq!(world.machine.poll_timeout(), None);
}

// ---- Rule 2: single flight

#[test]
fn rule2_thousand_requests_before_the_first_answer_share_one_flow() {
    let mut world = World::new(config());
    world.storage_silent = true;
    for waiter in 0..1_000 {
        world.send(Event::LoginRequested {
            waiter: WaiterId(waiter),
        });
    }
    assert_eq!(world.machine.waiting(), 1_000);
    world.storage_silent = false;
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Applied));
    assert_eq!((world.wx_login_calls, world.codes_sent.len()), (1, 1));
    assert_eq!(world.completions.len(), 1_000);
    for waiter in 0..1_000 {
        assert_eq!(world.token_of(waiter), "token0001");
    }
}

#[test]
fn rule2_waiter_ids_need_not_increase() {
    let mut world = World::new(config());
    world.storage_silent = true;
    for waiter in [5, 3, 9, 1] {
        world.send(Event::LoginRequested {
            waiter: WaiterId(waiter),
        });
    }
    assert_eq!(world.machine.waiting(), 4);
    world.storage_silent = false;
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Applied));
    for waiter in [5, 3, 9, 1] {
        assert_eq!(world.token_of(waiter), "token0001");
    }
}

#[test]
fn rule2_a_reused_waiter_id_is_refused_and_changes_nothing() {
    let mut world = World::new(config());
    world.storage_silent = true;
    world.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    let before = world.machine.clone();
    let again = Event::LoginRequested {
        waiter: WaiterId(1),
    };
    assert_eq!(
        world.machine.handle(again, world.now),
        Err(LoginError::DuplicateWaiter(WaiterId(1)))
    );
    assert_eq!(world.machine, before);
}

// ---- Rule 3: a code is used once, never past its life

#[test]
fn rule3_a_code_is_never_sent_twice() {
    let mut world = World::new(config());
    let used = error_json(ErrorKind::CodeUsed);
    world.login_answers = vec![Answer::Lost, Answer::Status(400, used)].into();
    world.request(1);
    assert_eq!(world.token_of(1), "token0002");
    assert_eq!(world.codes_sent, ["code0001", "code0002", "code0003"]);
    assert_eq!(world.wx_login_calls, 3);
}

#[test]
fn rule3_reuse_within_life_sends_the_same_code_after_a_lost_answer() {
    let mut config = config();
    config.code_reuse = CodeReuse::WithinCodeLife;
    let mut world = World::new(config);
    world.login_answers = vec![Answer::Lost].into();
    world.request(1);
    // The server's coordinator remembers the exchange: the resent code gets the session the
    // lost answer carried, WeChat sees the code once, and no second wx.login is needed.
    assert_eq!(world.codes_sent, ["code0001", "code0001"]);
    assert_eq!(world.wechat.exchanged, ["code0001"]);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.wx_login_calls, 1);
}

#[test]
fn rule3_a_code_older_than_five_minutes_is_replaced() {
    let mut config = config();
    config.code_reuse = CodeReuse::WithinCodeLife;
    config.timeouts.request = Duration::minutes(6);
    let mut world = World::new(config);
    world.login_answers = vec![Answer::Silent].into();
    world.request(1);
    assert_eq!(world.codes_sent, ["code0001", "code0002"]);
    assert_eq!(world.wx_login_calls, 2);
    assert!(world.outcome(1).is_ok());
}

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
    assert!(world.now > at(0), "the retry waited out a backoff");
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

// ---- Rule 5: the storage record

#[test]
fn rule5_missing_and_empty_records_mean_no_session() {
    for stored in [None, Some(String::new())] {
        let mut world = World::new(config());
        world.storage = stored;
        world.request(1);
        assert_eq!(world.token_of(1), "token0001");
        assert_eq!((world.wx_check_calls, world.storage_removes), (0, 0));
    }
}

#[test]
fn rule5_a_corrupt_record_is_removed() {
    let mut world = World::new(config());
    world.storage = Some("{\"v\":1,\"token\":".into());
    world.request(1);
    assert_eq!(world.storage_removes, 1);
    assert_eq!(world.token_of(1), "token0001");
}

#[test]
fn rule5_a_version_2_record_is_left_alone_and_replaced_by_login() {
    let mut world = World::new(config());
    world.storage = Some(r#"{"v":2,"tok":"future"}"#.into());
    world.request(1);
    assert_eq!((world.storage_removes, world.wx_check_calls), (0, 0));
    assert!(world.storage.clone().unwrap().contains("token0001"));
}

#[test]
fn rule5_an_expired_record_is_not_checked() {
    let mut world = World::new(config());
    world.storage = Some(record("old", T0 - 1, T0 - 7201));
    world.request(1);
    assert_eq!((world.wx_check_calls, world.checks_sent), (0, 0));
    assert_eq!(world.token_of(1), "token0001");
}

#[test]
fn rule5_a_valid_record_is_checked_not_replaced() {
    let mut world = World::with_stored_session(config());
    world.request(1);
    assert_eq!(world.token_of(1), "stored-token");
    assert!(world.storage_writes.is_empty());
}

#[test]
fn rule5_storage_is_written_only_after_a_valid_2xx_with_exactly_its_token() {
    let mut world = World::new(config());
    world.login_answers = vec![Answer::Status(200, r#"{"token":5}"#.into())].into();
    world.request(1);
    assert!(matches!(
        world.failure_of(1),
        LoginFailure::MalformedResponse { status: 200, .. }
    ));
    assert!(world.storage_writes.is_empty());
    world.request(2);
    let token = world.token_of(2);
    assert_eq!(world.storage_writes.len(), 1);
    let written: serde_json::Value = serde_json::from_str(&world.storage_writes[0]).unwrap();
    assert_eq!(written["token"], token);
    assert_eq!(written["v"], 1);
}

// ---- Rule 6: served from memory; checkSession once; the verify policy

#[test]
fn rule6_a_verified_session_is_served_from_memory() {
    let mut world = World::with_stored_session(config());
    world.request(1);
    let effects = (world.storage_reads, world.wx_check_calls, world.checks_sent);
    world.request(2);
    assert_eq!(world.token_of(2), "stored-token");
    assert_eq!(
        (world.storage_reads, world.wx_check_calls, world.checks_sent),
        effects
    );
}

#[test]
fn rule6_valid_session_serves_without_an_event_until_expiry() {
    let mut world = World::with_stored_session(config());
    assert!(
        world.machine.valid_session(world.now).is_none(),
        "not verified yet"
    );
    world.request(1);
    let served = world.machine.valid_session(world.now).unwrap();
    assert_eq!(served.token.expose_secret(), "stored-token");
    let expires_at = served.expires_at;
    assert!(
        world
            .machine
            .valid_session(expires_at - Duration::seconds(1))
            .is_some()
    );
    assert!(world.machine.valid_session(expires_at).is_none());
    assert_eq!(world.machine.poll_command(), None, "a getter emits nothing");
}

#[test]
fn rule6_an_expired_session_in_memory_leads_to_a_login_without_check_session() {
    let mut world = World::with_stored_session(config());
    world.request(1);
    world.advance(3_601);
    world.request(2);
    assert_eq!(world.token_of(2), "token0001");
    assert_eq!(world.wx_check_calls, 1);
}

#[test]
fn rule6_trust_until_expiry_skips_both_checks() {
    let mut config = config();
    config.verify = VerifyPolicy::TrustUntilExpiry;
    let mut world = World::with_stored_session(config);
    world.request(1);
    assert_eq!(world.token_of(1), "stored-token");
    assert_eq!((world.wx_check_calls, world.checks_sent), (0, 0));
}

#[test]
fn rule6_confirm_if_older_than_checks_only_old_records() {
    let mut config = config();
    config.verify = VerifyPolicy::ConfirmIfOlderThan(Duration::minutes(30));
    let mut young = World::with_stored_session(config.clone());
    young.request(1);
    assert_eq!((young.wx_check_calls, young.checks_sent), (0, 0));

    let mut old = World::with_stored_session(config);
    old.advance(1_800);
    old.request(1);
    assert_eq!((old.wx_check_calls, old.checks_sent), (1, 1));
    assert_eq!(old.token_of(1), "stored-token");
}

// ---- Rule 7: a rejected session is replaced once

#[test]
fn rule7_session_rejected_then_a_fresh_login() {
    let mut world = World::new(config());
    world.request(1);
    let first = world.token_of(1);
    world.send(Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new(first.clone()),
    });
    world.run();
    assert_eq!(world.token_of(2), "token0002");
    assert_eq!(world.wx_login_calls, 2);
    assert!(world.storage.clone().unwrap().contains("token0002"));
}

#[test]
fn rule7_a_second_rejection_right_after_a_fresh_login_is_reported() {
    let mut world = World::new(config());
    world.request(1);
    let reject = |world: &mut World, waiter, token: String| {
        world.send(Event::SessionRejected {
            waiter: WaiterId(waiter),
            token: SessionToken::new(token),
        });
        world.run();
    };
    let first = world.token_of(1);
    reject(&mut world, 2, first);
    let second = world.token_of(2);
    reject(&mut world, 3, second);
    assert_eq!(world.failure_of(3), LoginFailure::RejectedAfterRelogin);
    assert_eq!(world.wx_login_calls, 2, "no third login");
    assert_eq!(world.storage, None);
    assert_eq!(world.machine.state(), StateKind::Idle);
}

#[test]
fn rule7_a_rejection_after_the_window_logs_in_again() {
    let mut world = World::new(config());
    world.request(1);
    world.send(Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new(world.token_of(1)),
    });
    world.run();
    world.advance(61);
    world.send(Event::SessionRejected {
        waiter: WaiterId(3),
        token: SessionToken::new(world.token_of(2)),
    });
    world.run();
    assert_eq!(world.token_of(3), "token0003");
}

#[test]
fn rule7_the_guard_covers_only_a_login_caused_by_a_rejection() {
    let mut world = World::new(config());
    world.request(1);
    let first = world.token_of(1);
    world.send(Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new(first),
    });
    world.run();
    // The re-login's session expires; an ordinary login follows.
    world.now = world.machine.session().unwrap().expires_at;
    world.request(3);
    let third = world.token_of(3);
    assert_eq!(third, "token0003");
    // A rejection right after that ordinary login is answered with a re-login, not reported.
    world.send(Event::SessionRejected {
        waiter: WaiterId(4),
        token: SessionToken::new(third),
    });
    world.run();
    assert_eq!(world.token_of(4), "token0004");
}

#[test]
fn rule7_a_rejection_of_an_old_token_gets_the_current_session() {
    let mut world = World::new(config());
    world.request(1);
    world.send(Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new("some-older-token"),
    });
    assert_eq!(world.token_of(2), "token0001");
    assert_eq!(world.wx_login_calls, 1);
}

#[test]
fn rule7_a_rejection_of_an_old_token_at_the_expiry_instant_logs_in_instead() {
    let mut world = World::new(config());
    world.request(1);
    world.now = world.machine.session().unwrap().expires_at;
    world.send(Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new("some-older-token"),
    });
    world.run();
    assert_eq!(
        world.token_of(2),
        "token0002",
        "the expired session is not served"
    );
    assert_eq!(world.wx_login_calls, 2);
}

#[test]
fn rule7_a_rejection_during_the_check_of_that_token_abandons_the_check() {
    let mut world = World::with_stored_session(config());
    world.check_answers = vec![Answer::Silent].into();
    world.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    assert_eq!(world.machine.state(), StateKind::CheckingServerSession);
    world.send(Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new("stored-token"),
    });
    world.run();
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.token_of(2), "token0001");
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
}

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

// ---- Logout

#[test]
fn logout_removes_the_record_and_fails_waiters_in_flight() {
    let mut world = World::new(config());
    world.wx_login = vec![WxLogin::Silent].into();
    world.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    world.send(Event::LoginRequested {
        waiter: WaiterId(2),
    });
    world.send(Event::Logout);
    assert_eq!(world.failure_of(1), LoginFailure::LoggedOut);
    assert_eq!(world.failure_of(2), LoginFailure::LoggedOut);
    assert_eq!(world.storage_removes, 1);
    // The abandoned wx.login still runs in the world until its deadline (rule 2).
    let deadline = world.now + world.machine.config().timeouts.wx_login;
    assert_eq!(world.machine.poll_timeout(), Some(deadline));
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
    assert_eq!(world.machine.poll_timeout(), None);
    // The next request starts a new login without reading the removed record.
    world.request(3);
    assert_eq!(world.token_of(3), "token0001");
    assert_eq!(world.storage_reads, 1);
}

// ---- Rule 2 in the world: an abandoned effect runs until its answer or its deadline

/// A cold flow whose `wx.login` is held back, then a logout: the `wx.login` is abandoned.
fn logged_out_during_wx_login() -> World {
    let mut world = World::new(config());
    world.wx_login = vec![WxLogin::Silent].into();
    world.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    assert_eq!(world.wx_login_calls, 1);
    world.advance(1);
    world.send(Event::Logout);
    assert_eq!(world.failure_of(1), LoginFailure::LoggedOut);
    world.advance(2);
    world
}

#[test]
fn rule2_a_login_after_a_logout_adopts_the_abandoned_wx_login_answered_later() {
    let mut world = logged_out_during_wx_login();
    let deadline = world.machine.poll_timeout();
    world.send(Event::LoginRequested {
        waiter: WaiterId(2),
    });
    // No second wx.login: the one in the world is adopted, with its id and deadline.
    assert_eq!(world.wx_login_calls, 1);
    assert_eq!(world.machine.state(), StateKind::ObtainingCode);
    assert_eq!(world.machine.poll_timeout(), deadline);
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Applied));
    assert_eq!(world.token_of(2), "token0001");
    assert_eq!((world.wx_login_calls, world.codes_sent.len()), (1, 1));
}

#[test]
fn rule2_a_login_after_a_logout_whose_wx_login_was_answered_starts_a_new_one() {
    let mut world = logged_out_during_wx_login();
    // The abandoned wx.login answers before the next request: late, and out of the world.
    let before = world.machine.poll_timeout();
    assert!(before.is_some(), "the abandoned wx.login is still awaited");
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
    assert_eq!(world.machine.poll_timeout(), None);
    world.request(2);
    assert_eq!(world.token_of(2), "token0001");
    assert_eq!((world.wx_login_calls, world.codes_sent.len()), (2, 1));
}

#[test]
fn rule2_an_abandoned_wx_login_past_its_deadline_is_not_adopted() {
    let mut world = logged_out_during_wx_login();
    world.run();
    world.request(2);
    assert_eq!(world.token_of(2), "token0001");
    assert_eq!(world.wx_login_calls, 2);
    assert_eq!(world.deliver_late(EffectId(1)), Ok(Handled::Late));
}

/// A cold flow whose login answer is held back, then a logout: the login request is abandoned.
fn logged_out_during_the_login_request() -> World {
    let mut world = World::new(config());
    world.login_answers = vec![Answer::Silent].into();
    world.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    world.send(Event::Logout);
    assert_eq!(world.failure_of(1), LoginFailure::LoggedOut);
    world
}

#[test]
fn rule2_a_login_waits_for_an_abandoned_request_to_be_answered() {
    let mut world = logged_out_during_the_login_request();
    world.send(Event::LoginRequested {
        waiter: WaiterId(2),
    });
    // Nothing starts while the abandoned request is in the world.
    assert_eq!(world.wx_login_calls, 1);
    assert_eq!(world.machine.state(), StateKind::WaitingToRetry);
    // Its answer is late, and ends it: the waiting flow starts at once.
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
    assert_eq!(world.token_of(2), "token0002");
    assert_eq!(world.wx_login_calls, 2);
}

#[test]
fn rule2_a_login_waits_for_an_abandoned_request_to_pass_its_deadline() {
    let mut world = logged_out_during_the_login_request();
    let deadline = world.now + world.machine.config().timeouts.request;
    world.send(Event::LoginRequested {
        waiter: WaiterId(2),
    });
    assert_eq!(world.machine.poll_timeout(), Some(deadline));
    assert_eq!(world.wx_login_calls, 1);
    world.run();
    assert_eq!(world.token_of(2), "token0002");
    assert_eq!(world.wx_login_calls, 2);
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
}

#[test]
fn rule2_a_login_requested_before_the_abandoned_answer_is_answered_in_either_order() {
    // The request comes first, then the answer (above); here the answer comes first.
    let mut world = logged_out_during_the_login_request();
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
    world.request(2);
    assert_eq!(world.token_of(2), "token0002");
    assert_eq!(world.wx_login_calls, 2);
}

#[test]
fn rule2_a_rejection_during_the_launch_check_waits_for_the_check() {
    let mut world = World::with_stored_session(config());
    world.check_answers = vec![Answer::Silent].into();
    world.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    let deadline = world.now + world.machine.config().timeouts.request;
    world.send(Event::SessionRejected {
        waiter: WaiterId(2),
        token: SessionToken::new("stored-token"),
    });
    // The check still runs in the world: no wx.login before its answer or its deadline.
    assert_eq!(world.wx_login_calls, 0);
    assert_eq!(world.machine.poll_timeout(), Some(deadline));
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Late));
    assert_eq!(world.wx_login_calls, 1);
    assert_eq!(world.token_of(1), "token0001");
    assert_eq!(world.token_of(2), "token0001");
}

// ---- Rule 7 for many callers: one re-login per rejected token

#[test]
fn rule7_ten_rejections_of_one_token_join_one_relogin_and_ten_of_the_next_are_reported() {
    let mut world = World::new(config());
    world.wx_login = vec![WxLogin::Code, WxLogin::Silent].into();
    world.request(0);
    assert_eq!(world.token_of(0), "token0001");
    for waiter in 1..=10 {
        world.send(Event::SessionRejected {
            waiter: WaiterId(waiter),
            token: SessionToken::new("token0001"),
        });
    }
    assert_eq!(world.wx_login_calls, 2, "ten rejections, one re-login");
    assert_eq!(world.deliver_late(world.held_id()), Ok(Handled::Applied));
    assert!((1..=10).all(|w| world.token_of(w) == "token0002"));
    // All ten replay and are rejected again: each is reported at once, with no wx.login.
    for waiter in 11..=20 {
        world.send(Event::SessionRejected {
            waiter: WaiterId(waiter),
            token: SessionToken::new("token0002"),
        });
        assert_eq!(world.failure_of(waiter), LoginFailure::RejectedAfterRelogin);
    }
    assert_eq!(world.wx_login_calls, 2);
    // Past the re-login window too, until a new token exists.
    world.advance(3600);
    world.send(Event::SessionRejected {
        waiter: WaiterId(21),
        token: SessionToken::new("token0002"),
    });
    assert_eq!(world.failure_of(21), LoginFailure::RejectedAfterRelogin);
    assert_eq!(world.wx_login_calls, 2);
    // A request logs in again; the new token ends the refusal of the old one.
    world.request(22);
    assert_eq!(world.token_of(22), "token0003");
    world.send(Event::SessionRejected {
        waiter: WaiterId(23),
        token: SessionToken::new("token0002"),
    });
    assert_eq!(world.token_of(23), "token0003");
    assert_eq!(world.wx_login_calls, 3);
}

// ---- Rule 4 for storage: a read that times out never leads to wx.login

#[test]
fn rule4_a_storage_read_that_times_out_is_retried_then_fails_and_the_next_request_reads() {
    let mut world = World::with_stored_session(config());
    world.storage_silent = true;
    world.request(1);
    assert_eq!(
        world.failure_of(1),
        LoginFailure::Timeout {
            step: Step::ReadStorage,
            attempts: 3
        }
    );
    assert_eq!((world.storage_reads, world.wx_login_calls), (3, 0));
    world.storage_silent = false;
    world.request(2);
    assert_eq!(world.token_of(2), "stored-token");
    assert_eq!((world.storage_reads, world.wx_login_calls), (4, 0));
}

// ---- Rule 6: wx.checkSession succeeds at most once per launch

#[test]
fn rule6_check_session_is_retried_on_timeout_and_never_asked_again_once_it_succeeded() {
    let mut world = World::with_stored_session(config());
    world.wx_check = vec![WxCheck::Silent; 3].into();
    world.request(1);
    assert_eq!(
        world.failure_of(1),
        LoginFailure::Timeout {
            step: Step::CheckSession,
            attempts: 3
        }
    );
    assert_eq!((world.wx_check_calls, world.wx_login_calls), (3, 0));
    // The next request asks again; this time it succeeds, but the server check fails.
    let busy = error_json(ErrorKind::UpstreamUnavailable);
    world.check_answers = vec![Answer::Status(503, busy); 3].into();
    world.request(2);
    assert!(matches!(
        world.failure_of(2),
        LoginFailure::Server { status: 503, .. }
    ));
    assert_eq!(world.wx_check_calls, 4);
    // Once it has succeeded it is never asked again in this launch.
    world.request(3);
    assert_eq!(world.token_of(3), "stored-token");
    assert_eq!((world.wx_check_calls, world.wx_login_calls), (4, 0));
}

// ---- Rule 5 and the wire: one token validator

#[test]
fn rule5_a_token_no_header_could_carry_is_a_typed_failure_never_stored_or_served() {
    let long = "t".repeat(5_000);
    let bad = [
        "abc\r\nX-Injected: 1",
        "",
        "two words",
        "tökén",
        long.as_str(),
    ];
    for token in bad {
        let mut world = World::new(config());
        let body = serde_json::json!({ "token": token, "expires_in": 60 }).to_string();
        world.login_answers = vec![Answer::Status(200, body)].into();
        world.request(1);
        assert!(
            matches!(
                world.failure_of(1),
                LoginFailure::MalformedResponse {
                    step: Step::ServerLogin,
                    status: 200,
                    ..
                }
            ),
            "{token:?} accepted"
        );
        assert!(world.storage_writes.is_empty(), "{token:?} stored");
        assert_eq!(world.machine.session(), None);
        // The same token in a record, or in a header, is refused as well.
        let text = record(token, T0 + 3600, T0);
        let lookup = StoredSession::lookup(Some(&text), common::at(0));
        assert_eq!(lookup, StoredLookup::Corrupt, "{token:?} read from storage");
        let header = [("Authorization".to_owned(), format!("Bearer {token}"))];
        assert!(TokenHeader::default().decode(&header).is_err(), "{token:?}");
    }
}

// ---- Late answers are not errors

#[test]
fn late_and_doubled_answers_are_handled_late_and_change_nothing() {
    let mut world = World::new(config());
    world.request(1);
    let before = world.machine.clone();
    let again = Event::StorageRead {
        id: EffectId(0),
        value: None,
    };
    assert_eq!(
        world.machine.handle(again, world.now),
        Ok(Handled::Late),
        "a doubled answer"
    );
    let late = Event::CodeObtained {
        id: EffectId(1),
        result: Err(WxFailure::new("login:fail")),
    };
    assert_eq!(world.machine.handle(late, world.now), Ok(Handled::Late));
    assert_eq!(world.machine, before);
    assert_eq!(world.machine.poll_command(), None);
    // An id never given out is still the driver's mistake where the state expects its kind.
    let mut idle = World::new(config());
    idle.storage_silent = true;
    idle.send(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    let unknown = Event::StorageRead {
        id: EffectId(99),
        value: None,
    };
    assert!(matches!(
        idle.machine.handle(unknown, idle.now),
        Err(LoginError::UnknownId { .. })
    ));
}
