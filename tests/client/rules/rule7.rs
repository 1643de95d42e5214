//! Rule 7: a rejected session is replaced once, however many callers were rejected with it.

use super::*;

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
