//! The one pseudo-random generator of the tests: splitmix64, seeded, so every generated input
//! is reproducible from its seed. The crate's own generator (for jitter) is its internal; the
//! models restate it with this one.

/// splitmix64 (Steele, Lea and Flood, 2014): tiny, deterministic, good enough for test inputs;
/// also the jitter source `Backoff` documents, so the models predict its delays.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
