//! The sample: after a miner answers a lease, each of its units is drawn with probability `rate`, from an RNG
//! seeded by the hub's secret seed and the lease (deal, first unit, lease number), and recomputed. The draw is made
//! after the answer, so the miner cannot know which units are checked; it is reproducible from the seed, so a run
//! can be replayed.

use alloy::primitives::keccak256;
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

/// Draws units of a lease.
#[derive(Clone, Copy, Debug)]
pub struct Sampler {
    seed: u64,
    rate: f64,
}

impl Sampler {
    /// A sampler drawing each unit with probability `rate` (0 < rate < 1, checked by the configuration).
    pub fn new(seed: u64, rate: f64) -> Self {
        Self { seed, rate }
    }

    /// The rate.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The units of lease `lease` (of deal `deal`, units `first..first + count`) to recompute.
    pub fn draw(&self, deal: u64, lease: u64, first: u64, count: u64) -> Vec<u64> {
        let mut material = Vec::with_capacity(32);
        for v in [self.seed, deal, lease, first, count] {
            material.extend_from_slice(&v.to_be_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(keccak256(&material).0);
        (first..first + count)
            .filter(|_| rng.random_bool(self.rate))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_lease_draw_the_same_units() {
        let s = Sampler::new(42, 0.25);
        assert_eq!(s.draw(1, 7, 64, 32), s.draw(1, 7, 64, 32));
        // Another lease, deal or seed draws otherwise (with overwhelming probability over 256 units).
        let base = s.draw(1, 7, 0, 256);
        assert_ne!(base, s.draw(1, 8, 0, 256));
        assert_ne!(base, s.draw(2, 7, 0, 256));
        assert_ne!(base, Sampler::new(43, 0.25).draw(1, 7, 0, 256));
        assert!(base.iter().all(|u| *u < 256));
    }

    #[test]
    fn the_rate_is_kept_over_many_units() {
        for rate in [0.05, 0.125, 0.5] {
            let s = Sampler::new(7, rate);
            let n = 20_000u64;
            let drawn: usize = (0..n / 8).map(|l| s.draw(3, l, l * 8, 8).len()).sum();
            let got = drawn as f64 / n as f64;
            // 20,000 Bernoulli trials: the standard deviation is at most 0.0036.
            assert!((got - rate).abs() < 0.015, "rate {rate}: drew {got}");
        }
    }
}
