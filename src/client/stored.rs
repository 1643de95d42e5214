//! The session record in the mini program's storage:
//! `{"v":1,"token":"…","expires_at":1700007200,"issued_at":1700000000}` (unix seconds).
//!
//! Storage may hold anything an older or newer app version wrote, so reading never fails: it
//! classifies what it finds.
//!
//! Crate-internal: the machine reads and writes the record, a driver only moves its text. The
//! `test-support` feature re-exports [`StoredSession`] and [`StoredLookup`] for this workspace's
//! tests, which is why their items are written `pub`.
#![cfg_attr(not(feature = "test-support"), allow(unreachable_pub))]

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use super::command::Session;
use crate::secret::SessionToken;
use crate::wire::{JsonObject, validate_token};

/// The record version this crate writes and reads.
pub(crate) const RECORD_VERSION: u64 = 1;

/// The largest stored text considered; storage allows 1 MB per key, a record is ~100 bytes.
const MAX_RECORD_BYTES: usize = 4096;

/// A valid stored session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    /// The session.
    pub session: Session,
    /// When the server granted it; the age that [`VerifyPolicy::ConfirmIfOlderThan`](super::VerifyPolicy) looks at.
    pub issued_at: OffsetDateTime,
}

/// What a storage read found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredLookup {
    /// No record (`None` or `""`, which `wx.getStorageSync` returns for a missing key).
    Missing,
    /// Text that is not a record of any version; it should be removed.
    Corrupt,
    /// A record of another version, left alone (a newer app may have written it).
    OtherVersion(u64),
    /// A valid record whose session has ended.
    Expired,
    /// A valid, unexpired record.
    Valid(StoredSession),
}

#[derive(Serialize, Deserialize)]
struct RecordV1 {
    v: u64,
    token: SessionToken,
    expires_at: i64,
    issued_at: i64,
}

#[derive(Deserialize)]
struct Versioned {
    v: u64,
}

impl StoredSession {
    /// The record's JSON text. Times are written as UTC seconds, clamped to the years the
    /// reader accepts, so every record reads back whatever the clock's offset or the lifetime.
    pub fn encode(&self) -> String {
        // The bytes serde_json gives for a `RecordV1` (members in its order; the tests compare).
        let token = self.session.token.expose_secret();
        let json = JsonObject::with_capacity(token.len() + 96)
            .unsigned("v", RECORD_VERSION)
            .string("token", token)
            .signed("expires_at", utc_seconds(self.session.expires_at))
            .signed("issued_at", utc_seconds(self.issued_at))
            .finish();
        // Cannot fail: the writer writes UTF-8 text (member names, escaped text, digits).
        String::from_utf8(json).expect("JSON text is UTF-8")
    }

    /// Classifies a stored value at time `now`.
    pub fn lookup(value: Option<&str>, now: OffsetDateTime) -> StoredLookup {
        let text = match value {
            None | Some("") => return StoredLookup::Missing,
            Some(text) if text.len() > MAX_RECORD_BYTES => return StoredLookup::Corrupt,
            Some(text) => text,
        };
        // A current record is read in one pass; anything else is classified in two, as before
        // (a record `RecordV1` reads with `v == 1` is one `Versioned` reads the same way).
        if let Ok(record) = serde_json::from_str::<RecordV1>(text) {
            if record.v == RECORD_VERSION {
                return Self::classify(Self::from_record(record), now);
            }
        }
        match serde_json::from_str::<Versioned>(text) {
            Err(_) => return StoredLookup::Corrupt,
            Ok(Versioned { v }) if v != RECORD_VERSION => return StoredLookup::OtherVersion(v),
            Ok(_) => {}
        }
        let record = serde_json::from_str::<RecordV1>(text).ok();
        Self::classify(record.and_then(Self::from_record), now)
    }

    fn classify(stored: Option<Self>, now: OffsetDateTime) -> StoredLookup {
        match stored {
            None => StoredLookup::Corrupt,
            Some(stored) if stored.session.expires_at <= now => StoredLookup::Expired,
            Some(stored) => StoredLookup::Valid(stored),
        }
    }

    fn from_record(record: RecordV1) -> Option<Self> {
        validate_token(record.token.expose_secret()).ok()?;
        Some(Self {
            session: Session {
                expires_at: OffsetDateTime::from_unix_timestamp(record.expires_at).ok()?,
                token: record.token,
            },
            issued_at: OffsetDateTime::from_unix_timestamp(record.issued_at).ok()?,
        })
    }
}

/// The same instant in UTC, clamped to the whole seconds of UTC dates (`-9999` to `9999`), as
/// a record keeps them: a time near the end of time with a negative offset lies past the last
/// UTC date.
pub(crate) fn to_utc(at: OffsetDateTime) -> OffsetDateTime {
    const NANOS: i128 = 1_000_000_000;
    // Already UTC and inside the range: the same value (the clamp below would not move it).
    if at.offset().is_utc() && (FIRST_UTC_SECOND..LAST_UTC_SECOND).contains(&at.unix_timestamp()) {
        return at;
    }
    let first = i128::from(FIRST_UTC_SECOND) * NANOS;
    let last = i128::from(LAST_UTC_SECOND) * NANOS;
    let nanos = at.unix_timestamp_nanos().clamp(first, last);
    // Cannot fail: clamped to the range just computed.
    OffsetDateTime::from_unix_timestamp_nanos(nanos).expect("clamped to UTC's range")
}

/// The first and the last whole second of UTC dates: `-9999-01-01T00:00:00Z` and
/// `9999-12-31T23:59:59Z`.
const FIRST_UTC_SECOND: i64 = PrimitiveDateTime::new(Date::MIN, Time::MIDNIGHT)
    .assume_utc()
    .unix_timestamp();
const LAST_UTC_SECOND: i64 = PrimitiveDateTime::MAX.assume_utc().unix_timestamp();

/// `to_utc(at).unix_timestamp()`, without building the instant: the clamp of whole seconds
/// to whole-second bounds is the whole seconds of the clamp.
fn utc_seconds(at: OffsetDateTime) -> i64 {
    at.unix_timestamp().clamp(FIRST_UTC_SECOND, LAST_UTC_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    #[test]
    fn round_trip_and_classification() {
        let stored = StoredSession {
            session: Session {
                token: SessionToken::new("tok"),
                expires_at: at(2_000),
            },
            issued_at: at(1_000),
        };
        let text = stored.encode();
        assert_eq!(
            text,
            r#"{"v":1,"token":"tok","expires_at":2000,"issued_at":1000}"#
        );
        assert_eq!(
            StoredSession::lookup(Some(&text), at(1_500)),
            StoredLookup::Valid(stored)
        );
        assert_eq!(
            StoredSession::lookup(Some(&text), at(2_000)),
            StoredLookup::Expired
        );
    }

    /// The hand-written record is serde_json's, and `to_utc`'s shortcut its clamp.
    #[test]
    fn encode_is_serdes_and_utc_is_clamped() {
        use time::UtcOffset;
        let far = PrimitiveDateTime::MAX.assume_offset(UtcOffset::from_hms(-5, 0, 0).unwrap());
        let instants = [
            at(0),
            at(-1),
            at(1_700_000_000),
            PrimitiveDateTime::MAX.assume_utc(),
            PrimitiveDateTime::MIN.assume_utc(),
            far,
            at(7).to_offset(UtcOffset::from_hms(8, 0, 0).unwrap()),
            OffsetDateTime::from_unix_timestamp_nanos(-1).unwrap(),
        ];
        let slow = |at: OffsetDateTime| {
            let nanos = at.unix_timestamp_nanos().clamp(
                i128::from(FIRST_UTC_SECOND) * 1_000_000_000,
                i128::from(LAST_UTC_SECOND) * 1_000_000_000,
            );
            OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap()
        };
        for (i, &expires_at) in instants.iter().enumerate() {
            let issued_at = instants[(i + 3) % instants.len()];
            assert_eq!(to_utc(expires_at), slow(expires_at));
            assert!(to_utc(expires_at).offset().is_utc());
            for token in ["tok", "a\"b\\c"] {
                let stored = StoredSession {
                    session: Session {
                        token: SessionToken::new(token),
                        expires_at,
                    },
                    issued_at,
                };
                let serde = serde_json::to_string(&RecordV1 {
                    v: RECORD_VERSION,
                    token: SessionToken::new(token),
                    expires_at: to_utc(expires_at).unix_timestamp(),
                    issued_at: to_utc(issued_at).unix_timestamp(),
                })
                .unwrap();
                assert_eq!(stored.encode(), serde);
            }
        }
    }

    #[test]
    fn bad_values_are_classified() {
        let now = at(0);
        let look = |s: &str| StoredSession::lookup(Some(s), now);
        assert_eq!(StoredSession::lookup(None, now), StoredLookup::Missing);
        assert_eq!(look(""), StoredLookup::Missing);
        assert_eq!(look("{not json"), StoredLookup::Corrupt);
        assert_eq!(look("\"just a string\""), StoredLookup::Corrupt);
        assert_eq!(
            look(r#"{"v":2,"anything":true}"#),
            StoredLookup::OtherVersion(2)
        );
        assert_eq!(look(r#"{"v":1,"token":"t"}"#), StoredLookup::Corrupt);
        assert_eq!(
            look(r#"{"v":1,"token":"","expires_at":5,"issued_at":1}"#),
            StoredLookup::Corrupt
        );
        assert_eq!(
            look(r#"{"v":1,"token":"t","expires_at":9223372036854775807,"issued_at":1}"#),
            StoredLookup::Corrupt
        );
        assert_eq!(
            look(&" ".repeat(MAX_RECORD_BYTES + 1)),
            StoredLookup::Corrupt
        );
    }

    #[test]
    fn the_size_cap_applies_to_valid_records_too() {
        let record = r#"{"v":1,"token":"t","expires_at":2000,"issued_at":1000}"#;
        let padded = |len: usize| format!("{record:<len$}");
        assert!(matches!(
            StoredSession::lookup(Some(&padded(MAX_RECORD_BYTES)), at(0)),
            StoredLookup::Valid(_)
        ));
        assert_eq!(
            StoredSession::lookup(Some(&padded(MAX_RECORD_BYTES + 1)), at(0)),
            StoredLookup::Corrupt
        );
    }

    #[test]
    fn another_version_with_every_current_field_is_still_another_version() {
        let v2 = r#"{"v":2,"token":"t","expires_at":2000,"issued_at":1000}"#;
        assert_eq!(
            StoredSession::lookup(Some(v2), at(0)),
            StoredLookup::OtherVersion(2)
        );
    }
}
