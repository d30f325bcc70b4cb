//! A deterministic random generator for seeded property-style tests that replay exactly.

/// xorshift64: small, deterministic, good enough to pick actions.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform-ish in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform-ish in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One `#[tokio::test]` per seed, each calling `$run(seed)` (an async fn): a seeded
/// property-style test that replays exactly.
#[macro_export]
macro_rules! seeded_tests {
    ($run:path { $($name:ident = $seed:expr;)* }) => {$(
        #[tokio::test]
        async fn $name() {
            $run($seed).await;
        }
    )*};
}
