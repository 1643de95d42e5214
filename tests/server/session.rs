//! The server's session record and the answer to the client's session check.
#![allow(clippy::unwrap_used)]

use crate::clock::t0;
use crate::server_util;

use std::collections::BTreeMap;

use server_util::body_json;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};
use wxlogin::http::HttpResponse;
use wxlogin::secret::{SessionKey, SessionToken};
use wxlogin::server::code2session::WeChatSession;
use wxlogin::server::session::{
    DEFAULT_SESSION_LIFETIME, SessionCheck, SessionRecord, expired_response,
};
use wxlogin::wire::{ErrorKind, SessionValid, TokenHeader, decode_session_response};

fn session(lifetime: Duration) -> SessionRecord {
    SessionRecord::new(
        WeChatSession {
            openid: "oUser".into(),
            session_key: SessionKey::new("KEYMARKER=="),
            unionid: Some("uUser".into()),
        },
        t0(),
        lifetime,
    )
}

#[test]
fn record_and_expiry() {
    let s = session(DEFAULT_SESSION_LIFETIME);
    assert_eq!(s.created_at, t0());
    assert_eq!(s.expires_at, t0() + Duration::hours(2));
    assert_eq!(s.expires_in(t0()), Some(7200));
    assert_eq!(s.expires_in(t0() + Duration::milliseconds(7_199_500)), None);
    assert!(!s.is_expired(t0() + Duration::seconds(7199)));
    assert!(s.is_expired(t0() + Duration::seconds(7200)));
    // Time going backwards only makes the session look longer.
    assert_eq!(s.expires_in(t0() - Duration::seconds(10)), Some(7210));
    assert!(!format!("{s:?}").contains("KEYMARKER"));
}

#[test]
fn overflowing_lifetime_saturates() {
    let max = PrimitiveDateTime::MAX.assume_utc();
    let s = SessionRecord::new(
        WeChatSession {
            openid: "o".into(),
            session_key: SessionKey::new("k"),
            unionid: None,
        },
        max - Duration::seconds(5),
        Duration::MAX,
    );
    assert_eq!(s.expires_at, max);
    assert_eq!(s.expires_in(max - Duration::seconds(5)), Some(5));
    assert!(s.is_expired(max));
}

/// The session check's answer when the store found `record`.
fn check(record: &SessionRecord, now: OffsetDateTime) -> HttpResponse {
    SessionCheck::from_token(SessionToken::new("token")).answer(Some(record), now)
}

#[test]
fn check_answers_200_then_401_and_never_carries_the_key() {
    let s = session(Duration::seconds(60));
    let ok = check(&s, t0() + Duration::seconds(20));
    assert_eq!(ok.status, 200);
    assert_eq!(
        decode_session_response(&ok).unwrap(),
        SessionValid { expires_in: 40 }
    );
    assert!(!String::from_utf8_lossy(&ok.body).contains("KEYMARKER"));
    let gone = check(&s, t0() + Duration::seconds(60));
    assert_eq!(gone.status, 401);
    assert_eq!(gone, expired_response());
    assert_eq!(body_json(&gone)["error"], "session_expired");
}

#[test]
fn the_whole_check_with_header_forms() {
    let mut store = BTreeMap::new();
    let token = SessionToken::from_random_bytes([7; 32]);
    store.insert(
        token.expose_secret().to_owned(),
        session(Duration::hours(1)),
    );
    // Both steps of the check, the store between them.
    let check_session = |header: &TokenHeader,
                         headers: &[(String, String)],
                         now,
                         store: &BTreeMap<String, SessionRecord>|
     -> HttpResponse {
        match SessionCheck::read(header, headers) {
            Ok(check) => {
                let found = store.get(check.token().expose_secret());
                check.answer(found, now)
            }
            Err(bad_request) => bad_request,
        }
    };
    let lookup = &store;
    let now = t0() + Duration::minutes(30);

    let header = TokenHeader::default();
    let answer = check_session(&header, &[header.encode(&token)], now, lookup);
    assert_eq!(answer.status, 200);
    assert_eq!(body_json(&answer)["expires_in"], 1800);

    let unknown = SessionToken::from_random_bytes([8; 32]);
    let answer = check_session(&header, &[header.encode(&unknown)], now, lookup);
    assert_eq!(answer.status, 401);

    let late = t0() + Duration::hours(2);
    let answer = check_session(&header, &[header.encode(&token)], late, lookup);
    assert_eq!(answer.status, 401);

    let answer = check_session(&header, &[], now, lookup);
    assert_eq!(answer.status, 400);
    let bad = vec![(
        "Authorization".to_owned(),
        format!("Basic {}", token.expose_secret()),
    )];
    let answer = check_session(&header, &bad, now, lookup);
    assert_eq!(answer.status, 400);
    let kind: ErrorKind = serde_json::from_value(body_json(&answer)["error"].clone()).unwrap();
    assert_eq!(kind, ErrorKind::BadRequest);
    assert!(!String::from_utf8_lossy(&answer.body).contains(token.expose_secret()));

    let custom = TokenHeader::new("X-WX-Session", None).unwrap();
    let answer = check_session(&custom, &[custom.encode(&token)], now, lookup);
    assert_eq!(answer.status, 200);
    // The default header does not satisfy the custom configuration.
    let answer = check_session(&custom, &[header.encode(&token)], now, lookup);
    assert_eq!(answer.status, 400);
}

/// Step 1 gives an owned key that can cross an `.await` or a thread (a remote store), and the
/// key is the token the client sent; a store that cannot answer is a 503, never a 401.
#[test]
fn the_check_in_two_steps_feeds_any_store() {
    fn owned<T: Send + Sync + 'static>(_: &T) {}
    let token = SessionToken::from_random_bytes([9; 32]);
    let header = TokenHeader::default();
    let check = SessionCheck::read(&header, &[header.encode(&token)]).unwrap();
    owned(&check);
    assert_eq!(check.token(), &token);
    assert!(!format!("{check:?}").contains(token.expose_secret()));

    // A "remote" store: the key goes away and the record comes back.
    let record = std::thread::spawn({
        let key = check.token().expose_secret().to_owned();
        move || (key.len() == 43).then(|| session(Duration::hours(1)))
    })
    .join()
    .unwrap();
    let answer = check.clone().answer(record.as_ref(), t0());
    assert_eq!(
        (answer.status, body_json(&answer)["expires_in"].clone()),
        (200, 3600.into())
    );
    assert_eq!(check.answer(None, t0()), expired_response());

    let down = SessionCheck::store_unavailable(Duration::seconds(2));
    assert_eq!(down.status, 503);
    assert_eq!(body_json(&down)["error"], "upstream_unavailable");
    assert_eq!(body_json(&down)["retry_after"], 2);
}
