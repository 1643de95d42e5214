//! What the client writes and sends: records that read back for any clock (rule 5), URLs
//! joined from the configuration, and token headers checked when they are built.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

use crate::model_support;

use proptest::prelude::*;
use time::{OffsetDateTime, UtcOffset};
use wxlogin::WaiterId;
use wxlogin::client::{Command, Event, LoginConfig, LoginFailure, LoginMachine, Session};
use wxlogin::http::HttpRequest;
use wxlogin::secret::{LoginCode, SessionToken};
use wxlogin::test_support::{StoredLookup, StoredSession};
use wxlogin::wire::{LoginGranted, TokenHeader, WireFailure};

/// A cold login at `now` granted for `expires_in` seconds: the record written (if any), the
/// outcome, and every request sent.
fn cold_login(
    config: LoginConfig,
    now: OffsetDateTime,
    expires_in: u64,
) -> (
    Option<String>,
    Result<Session, LoginFailure>,
    Vec<HttpRequest>,
) {
    let mut machine = LoginMachine::new(config);
    let (mut written, mut outcome, mut sent) = (None, None, Vec::new());
    let mut next = Some(Event::LoginRequested {
        waiter: WaiterId(1),
    });
    while let Some(event) = next.take() {
        let _applied = machine.handle(event, now).unwrap();
        while let Some(command) = machine.poll_command() {
            match command {
                Command::ReadStorage { id, .. } => {
                    next = Some(Event::StorageRead { id, value: None });
                }
                Command::WxLogin { id, .. } => {
                    let result = Ok(LoginCode::new("code1"));
                    next = Some(Event::CodeObtained { id, result });
                }
                Command::SendRequest { id, request, .. } => {
                    sent.push(request);
                    let token = SessionToken::new("tok");
                    let result = Ok(LoginGranted { token, expires_in }.to_response());
                    next = Some(Event::ServerResponse { id, result });
                }
                Command::WriteStorage { value, .. } => {
                    written = Some(value.expose_secret().to_owned());
                }
                Command::Complete { outcome: o, .. } => outcome = Some(o),
                other => panic!("a cold login does not {other:?}"),
            }
        }
    }
    (written, outcome.expect("the waiter is completed"), sent)
}

proptest! {
    #![proptest_config(model_support::config(256))]

    /// Rule 5: a record written with any UTC offset and any lifetime reads back as the session
    /// the machine holds (times in UTC, clamped at the last UTC second).
    #[test]
    fn rule5_a_record_round_trips_for_any_offset_and_lifetime(
        unix in prop_oneof![0i64..4_102_444_800, Just(253_402_300_799 - 86_400)],
        offset_s in -86_399i32..=86_399,
        expires_in in prop_oneof![1u64..10_000_000_000, Just(u64::MAX), any::<u64>()],
    ) {
        let offset = UtcOffset::from_whole_seconds(offset_s).unwrap();
        let utc = OffsetDateTime::from_unix_timestamp(unix).unwrap();
        let now = utc.checked_to_offset(offset).unwrap();
        let config = LoginConfig::new("https://api.example.com");
        let (written, outcome, _) = cold_login(config, now, expires_in);
        let session = outcome.expect("a grant with a lifetime is a session");
        let text = written.expect("a session is stored");
        // The record keeps whole seconds; the session in memory is the same instant, in UTC.
        prop_assert_eq!(session.expires_at.offset(), UtcOffset::UTC);
        let expires_at = session.expires_at.replace_nanosecond(0).unwrap();
        let session = Session { expires_at, ..session };
        let stored = StoredSession { session, issued_at: now };
        prop_assert_eq!(StoredSession::lookup(Some(&text), now), StoredLookup::Valid(stored));
    }
}

#[test]
fn rule5_the_case_of_the_issue_round_trips() {
    // A negative offset and the largest lifetime: the end of time at -05:00 lies past the last
    // UTC date, and was once written as a record that read back as corrupt.
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000)
        .unwrap()
        .to_offset(UtcOffset::from_hms(-5, 0, 0).unwrap());
    let config = LoginConfig::new("https://api.example.com");
    let (written, outcome, _) = cold_login(config, now, u64::MAX);
    let session = outcome.unwrap();
    assert_eq!(session.expires_at.offset(), UtcOffset::UTC);
    assert_eq!(session.expires_at.year(), 9999);
    let lookup = StoredSession::lookup(written.as_deref(), now);
    let StoredLookup::Valid(stored) = lookup else {
        panic!("read back as {lookup:?}")
    };
    assert_eq!(stored.session.expires_at.unix_timestamp(), 253_402_300_799);
    assert_eq!(stored.session.token, session.token);
}

#[test]
fn config_joins_base_and_path_with_exactly_one_slash() {
    for base in ["https://x", "https://x/"] {
        let (_, _, sent) = cold_login(LoginConfig::new(base), OffsetDateTime::UNIX_EPOCH, 60);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].url, "https://x/login", "base {base}");
    }
    let mut config = LoginConfig::new("https://x/api/");
    config.login_path = "v1/login".into();
    let (_, _, sent) = cold_login(config, OffsetDateTime::UNIX_EPOCH, 60);
    assert_eq!(sent[0].url, "https://x/api/v1/login");
}

#[test]
fn token_header_names_and_schemes_are_checked_when_built() {
    let long = "x".repeat(65);
    let names = [
        "Content-Type",
        "content-length",
        "ACCEPT",
        "",
        "X Token",
        "X-Token\r\nX-Injected",
        "Authorization:",
        "Tökén",
        long.as_str(),
    ];
    for name in names {
        assert!(
            matches!(
                TokenHeader::new(name, None),
                Err(WireFailure::InvalidHeader { .. })
            ),
            "{name:?} accepted"
        );
    }
    for scheme in ["", "Bear er", "Bearer\r\n", "Bärer"] {
        assert!(
            TokenHeader::new("Authorization", Some(scheme.into())).is_err(),
            "{scheme:?} accepted"
        );
    }
    let bad = r#"{"name":"Content-Type","scheme":null}"#;
    assert!(serde_json::from_str::<TokenHeader>(bad).is_err());
    let json = r#"{"name":"X-WX-Session","scheme":"Token"}"#;
    let header: TokenHeader = serde_json::from_str(json).unwrap();
    assert_eq!(
        (header.name(), header.scheme()),
        ("X-WX-Session", Some("Token"))
    );
    assert_eq!(TokenHeader::default().name(), "Authorization");
    // Whatever header is accepted, a request carrying the token does not print it.
    let token = SessionToken::new("SECRET-MARKER");
    for header in [header, TokenHeader::new("Accept-Token", None).unwrap()] {
        let mut request = HttpRequest::get("https://x/session");
        request.headers.push(header.encode(&token));
        assert!(!format!("{request:?}").contains("SECRET-MARKER"));
        assert_eq!(header.decode(&request.headers), Ok(token.clone()));
    }
}
