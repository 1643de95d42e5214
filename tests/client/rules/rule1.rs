//! Rule 1: every waiter gets exactly one completion; nothing hangs.

use super::*;

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
    storage_gave_up(&world);
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
