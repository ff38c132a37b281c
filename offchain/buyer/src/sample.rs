//! The buyer's own check before it accepts: it recomputes a random sample of the rows with the executor (the judge's
//! semantics) and compares them with the results the hub committed. The results were already checked leaf by leaf
//! against the committed root when they were fetched, so a row that differs here is a row the hub committed wrong:
//! provable on chain during the challenge window.

use alloy::primitives::Bytes;
use rand::SeedableRng as _;
use rand::seq::index;

use crate::{BuyerError, Result};

/// How many rows of `n` a sample of `fraction` recomputes: `ceil(fraction * n)`, at least one (none of none).
pub fn sample_size(n: u64, fraction: f64) -> u64 {
    if n == 0 {
        return 0;
    }
    let k = (fraction.clamp(0.0, 1.0) * n as f64).ceil() as u64;
    k.clamp(1, n)
}

/// The rows to recompute: [`sample_size`] distinct indices below `n`, drawn with `seed`, in increasing order.
pub fn pick(n: u64, fraction: f64, seed: u64) -> Vec<u64> {
    let k = sample_size(n, fraction);
    let Ok(len) = usize::try_from(n) else {
        return Vec::new();
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut rows: Vec<u64> = index::sample(&mut rng, len, k as usize)
        .into_iter()
        .map(|i| i as u64)
        .collect();
    rows.sort_unstable();
    rows
}

/// Fails unless `0 < fraction <= 1`.
pub fn check_fraction(fraction: f64) -> Result<()> {
    if fraction.is_finite() && fraction > 0.0 && fraction <= 1.0 {
        Ok(())
    } else {
        Err(BuyerError::Args(format!(
            "--sample {fraction}: give a fraction of the rows, 0 < s <= 1 (at least one row is always recomputed)"
        )))
    }
}

/// The rows of `rows` whose committed result differs from `compute`'s output for their input. `compute` gets the
/// inputs of the sampled rows, in the order of `rows`, and returns their outputs in that order.
pub fn mismatches(
    inputs: &[Bytes],
    results: &[Bytes],
    rows: &[u64],
    compute: impl FnOnce(&[Bytes]) -> Result<Vec<Bytes>>,
) -> Result<Vec<u64>> {
    let picked: Vec<Bytes> = rows
        .iter()
        .map(|&i| {
            inputs.get(i as usize).cloned().ok_or_else(|| {
                BuyerError::Args(format!("row {i} is not one of the {} inputs", inputs.len()))
            })
        })
        .collect::<Result<_>>()?;
    let own = compute(&picked)?;
    if own.len() != rows.len() {
        return Err(BuyerError::Args(format!(
            "{} outputs recomputed for {} rows",
            own.len(),
            rows.len()
        )));
    }
    Ok(rows
        .iter()
        .zip(own)
        .filter(|(i, out)| results.get(**i as usize) != Some(out))
        .map(|(i, _)| *i)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_one_row_and_never_more_than_all() {
        assert_eq!(sample_size(512, 0.05), 26);
        assert_eq!(sample_size(16, 0.05), 1);
        assert_eq!(sample_size(3, 1.0), 3);
        assert_eq!(sample_size(0, 0.5), 0);
        let rows = pick(512, 0.05, 7);
        assert_eq!(rows.len(), 26);
        assert!(rows.windows(2).all(|w| w[0] < w[1]) && rows.iter().all(|&r| r < 512));
        assert_eq!(
            rows,
            pick(512, 0.05, 7),
            "the same seed draws the same rows"
        );
        assert_ne!(rows, pick(512, 0.05, 8));
        assert_eq!(pick(4, 1.0, 1), vec![0, 1, 2, 3]);
    }

    #[test]
    fn the_fraction_must_be_in_zero_one() {
        assert!(check_fraction(0.05).is_ok() && check_fraction(1.0).is_ok());
        for bad in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(check_fraction(bad).is_err(), "{bad}");
        }
    }
}
