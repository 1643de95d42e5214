//! The two opt-in relaxations and checks of [`decrypt`](super::decrypt).

use time::{Duration, OffsetDateTime};

/// Options of [`decrypt`](super::decrypt). The default is the strict behaviour: no repair and
/// no freshness check.
///
/// # The replay window
/// `encryptedData` carries no nonce and AES-CBC no MAC: the watermark's `timestamp` (when
/// WeChat encrypted it) is the only sign of *when* it was made. Without an age check, data
/// captured once decrypts again, to the same payload, for as long as the server keeps the
/// user's `session_key` (until their next `wx.login`, often days). With
/// [`max_watermark_age(max_age, now)`](Self::max_watermark_age), data stamped more than
/// `max_age` away from `now` is refused ([`StaleWatermark`](super::OpenDataFailure::StaleWatermark)),
/// so a replay works only within `max_age` of the stamp; pick the time your client needs
/// between receiving the data and your server decrypting it (a few minutes) plus the clock
/// skew you tolerate. Within that window a replay still decrypts: if a payload may be used
/// once, remember the ones you accepted (openid, watermark timestamp, a hash of the data)
/// until they age out. The check is off by default only because the official demo vector is
/// stamped 2016; turn it on in production.
///
/// ```
/// use time::{Duration, OffsetDateTime};
/// use wxlogin::server::open_data::DecryptOptions;
///
/// let now = OffsetDateTime::UNIX_EPOCH; // the caller's clock
/// let options = DecryptOptions::new()
///     .repair_mangled_plus(true)
///     .max_watermark_age(Duration::minutes(10), now);
/// assert!(options.repairs_mangled_plus());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecryptOptions {
    repair_mangled_plus: bool,
    freshness: Option<Freshness>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Freshness {
    max_age: Duration,
    now: OffsetDateTime,
}

impl DecryptOptions {
    /// The strict defaults: the same as [`Default`].
    pub const fn new() -> Self {
        Self {
            repair_mangled_plus: false,
            freshness: None,
        }
    }

    /// Turns every space in the iv and the encrypted data back into `+` before decoding.
    ///
    /// Transport that URL-decodes a form or query value turns `+` into a space; base64 has no
    /// space, so the repair cannot change a value that was intact. It is still off by default:
    /// the right fix is to send the values as JSON or percent-encode them, and a silent repair
    /// would hide that bug. The session key is never repaired: it does not travel through the
    /// client.
    #[must_use]
    pub const fn repair_mangled_plus(mut self, repair: bool) -> Self {
        self.repair_mangled_plus = repair;
        self
    }

    /// Rejects a watermark whose timestamp is more than `max_age` away from `now`, in the past
    /// or in the future (the same allowance covers clock skew). This bounds the replay window
    /// (see the type's docs) to `max_age`.
    ///
    /// `now` comes from the caller's clock; the crate never reads one. The arithmetic cannot
    /// overflow or panic for any `now` or timestamp. A negative `max_age` rejects every
    /// watermark.
    #[must_use]
    pub const fn max_watermark_age(mut self, max_age: Duration, now: OffsetDateTime) -> Self {
        self.freshness = Some(Freshness { max_age, now });
        self
    }

    /// Whether spaces are repaired into `+`.
    pub const fn repairs_mangled_plus(&self) -> bool {
        self.repair_mangled_plus
    }

    /// The maximum watermark age and the `now` it is measured from, if the check is on.
    pub const fn watermark_age_check(&self) -> Option<(Duration, OffsetDateTime)> {
        match self.freshness {
            Some(Freshness { max_age, now }) => Some((max_age, now)),
            None => None,
        }
    }
}

/// Whether `timestamp` (unix seconds) lies within `max_age` of `now`, in either direction.
pub(super) fn is_fresh(timestamp: i64, max_age: Duration, now: OffsetDateTime) -> bool {
    // i128 nanoseconds hold every i64 second count and every OffsetDateTime exactly; the
    // checked operations only guard against a future change of those ranges.
    let Some(stamp) = i128::from(timestamp).checked_mul(1_000_000_000) else {
        return false;
    };
    let Some(distance) = now.unix_timestamp_nanos().checked_sub(stamp) else {
        return false;
    };
    let limit = max_age.whole_nanoseconds();
    limit >= 0 && distance.unsigned_abs() <= limit.unsigned_abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_is_symmetric_and_inclusive() {
        let now = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        let max = Duration::seconds(10);
        assert!(is_fresh(990, max, now));
        assert!(is_fresh(1_010, max, now));
        assert!(!is_fresh(989, max, now));
        assert!(!is_fresh(1_011, max, now));
        assert!(!is_fresh(1_000, Duration::seconds(-1), now));
    }

    #[test]
    fn freshness_survives_absurd_values() {
        for now in [
            OffsetDateTime::UNIX_EPOCH,
            time::PrimitiveDateTime::MIN.assume_utc(),
            time::PrimitiveDateTime::MAX.assume_utc(),
        ] {
            for stamp in [i64::MIN, -1, 0, i64::MAX] {
                for max in [Duration::MIN, Duration::ZERO, Duration::MAX] {
                    let _ = is_fresh(stamp, max, now);
                }
            }
        }
        assert!(is_fresh(
            i64::MAX,
            Duration::MAX,
            OffsetDateTime::UNIX_EPOCH
        ));
    }
}
