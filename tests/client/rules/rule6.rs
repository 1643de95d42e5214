//! Rule 6: served from memory; `wx.checkSession` succeeds at most once per launch; the verify
//! policy.

use super::*;

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
