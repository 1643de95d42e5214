//! Rule 5: the storage record, and the one token validator on the wire.

use super::*;

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
        let lookup = StoredSession::lookup(Some(&text), t0());
        assert_eq!(lookup, StoredLookup::Corrupt, "{token:?} read from storage");
        let header = [("Authorization".to_owned(), format!("Bearer {token}"))];
        assert!(TokenHeader::default().decode(&header).is_err(), "{token:?}");
    }
}
