//! Logout removes the record and fails the waiters in flight.

use super::*;

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
