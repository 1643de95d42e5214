//! Fuzz harnesses: one function per target, taking raw bytes. The cargo-fuzz targets in `fuzz/`
//! call them, and `tests/fuzz_corpus.rs` replays the checked-in corpus through them on stable, so
//! plain `cargo test` exercises every corpus input.
//!
//! Each harness decodes the bytes into a configuration and a script of inputs, runs it, and
//! asserts the invariants written at the top of its module.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub(crate) mod access_token;
pub(crate) mod client;
#[cfg(feature = "crypto")]
pub(crate) mod open_data;
pub(crate) mod parsers;
pub(crate) mod server;

use crate::clock;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

/// Runs a harness twice on the same input: both runs must give the same commands (invariant
/// "replaying the same input gives the same commands" of every machine harness).
pub(crate) fn replayed<T: PartialEq + std::fmt::Debug>(data: &[u8], run: fn(&[u8]) -> T) {
    let first = run(data);
    let second = run(data);
    assert_eq!(
        first, second,
        "replaying the same input gave other commands"
    );
}

/// Reads fuzz bytes as a stream of small decisions; past the end every read gives zero.
pub(crate) struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub(crate) fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub(crate) fn u64(&mut self) -> u64 {
        (0..8).fold(0, |acc, i| acc | (u64::from(self.byte()) << (8 * i)))
    }

    /// A choice among `n` options.
    pub(crate) fn pick(&mut self, n: u8) -> u8 {
        self.byte() % n.max(1)
    }

    /// A short slice of the remaining bytes.
    pub(crate) fn slice(&mut self, max: usize) -> &'a [u8] {
        let len = usize::from(self.byte()).min(max);
        let start = self.pos.min(self.data.len());
        let end = (start + len).min(self.data.len());
        self.pos = start + len;
        &self.data[start..end]
    }

    /// A short text of the remaining bytes, lower-cased: fuzz bytes never spell a secret marker
    /// (every marker holds an upper-case letter), so whatever marker shows up was put there on
    /// purpose.
    pub(crate) fn text(&mut self, max: usize) -> String {
        String::from_utf8_lossy(&self.slice(max).to_ascii_lowercase()).into_owned()
    }

    /// A duration from zero to about a day, or one of the extremes.
    pub(crate) fn duration(&mut self) -> Duration {
        match self.pick(16) {
            0 => Duration::ZERO,
            1 => Duration::MAX,
            2 => Duration::MIN,
            3 => Duration::milliseconds(i64::from(self.u16())),
            _ => Duration::seconds(i64::from(self.u16()) % 86_400),
        }
    }

    /// A starting time: ordinary, or at an end of the representable range.
    pub(crate) fn start_time(&mut self) -> OffsetDateTime {
        match self.pick(8) {
            0 => PrimitiveDateTime::MIN.assume_utc(),
            1 => PrimitiveDateTime::MAX.assume_utc(),
            _ => clock::t0() + Duration::seconds(i64::from(self.u16())),
        }
    }

    /// The next time: mostly forwards, sometimes backwards, sometimes to an extreme.
    pub(crate) fn next_time(&mut self, now: OffsetDateTime) -> OffsetDateTime {
        let step = Duration::seconds(i64::from(self.byte()));
        match self.pick(16) {
            0 => PrimitiveDateTime::MIN.assume_utc(),
            1 => PrimitiveDateTime::MAX.assume_utc(),
            2 | 3 => now.checked_sub(step).unwrap_or(now),
            4 => now,
            _ => now.checked_add(step).unwrap_or(now),
        }
    }
}
