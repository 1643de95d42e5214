//! The crate's one pseudo-random generator, for backoff jitter and nothing secret.
//!
//! Crate-internal. The `test-support` feature re-exports it as
//! `wxlogin::test_support::SplitMix64` for this workspace's tests and demo, which is why its
//! items are written `pub`; without the feature nothing outside the crate can reach them.
#![cfg_attr(not(feature = "test-support"), allow(unreachable_pub))]

/// The splitmix64 generator: tiny, deterministic, good enough for jitter (not for secrets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_first_output() {
        // The known first output of splitmix64 for seed 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }
}
