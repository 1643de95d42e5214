//! Rule 2: single flight, in the machine and in the world: an abandoned effect runs until its
//! answer or its deadline.

use super::*;

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
