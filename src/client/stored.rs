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
use crate::wire::validate_token;

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
        let record = RecordV1 {
            v: RECORD_VERSION,
            token: self.session.token.clone(),
            expires_at: to_utc(self.session.expires_at).unix_timestamp(),
            issued_at: to_utc(self.issued_at).unix_timestamp(),
        };
        // Cannot fail: a struct of a string and integers.
        serde_json::to_string(&record).expect("record always serialises")
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
    let first = PrimitiveDateTime::new(Date::MIN, Time::MIDNIGHT).assume_utc();
    let last = PrimitiveDateTime::MAX.assume_utc().unix_timestamp();
    let nanos = at
        .unix_timestamp_nanos()
        .clamp(first.unix_timestamp_nanos(), i128::from(last) * NANOS);
    // Cannot fail: clamped to the range just computed.
    OffsetDateTime::from_unix_timestamp_nanos(nanos).expect("clamped to UTC's range")
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
