//! The miner's briefcase (the whitepaper's name for a miner's spread of its capacity over hubs): how many units in
//! flight the miner offers each hub it accepts.
//!
//! **The objective.** A hub `i` pays `p_i` SNM per unit and, by its mark, pays at all with probability `q_i`
//! ([`sonm_agents::mark::Mark::pay_probability`]). A hub pays all its miner's work or none of it, so the pay for
//! `x_i` units in flight is `x_i p_i` with probability `q_i` and 0 otherwise: mean `x_i p_i q_i`, variance
//! `x_i² p_i² q_i (1 - q_i)`. The miner maximizes the mean less a risk term, `λ` (`--risk-aversion`, per SNM) times
//! half the variance:
//!
//! ```text
//! maximize   Σ_i  x_i p_i q_i  -  (λ / 2) x_i² p_i² q_i (1 - q_i)
//! subject to Σ_i x_i ≤ C            (--capacity, units in flight)
//!            0 ≤ x_i ≤ cap_i        cap_i = ⌊ min(E, D - d_i) / p_i ⌋
//! ```
//!
//! where `E` is the exposure cap per hub (`--max-exposure`, SNM of work in flight at one hub), `D` the debt limit
//! (`--max-debt`) and `d_i` what hub `i` already owes the miner. The variance grows with the square of what one hub
//! holds, so for `λ > 0` spreading is worth something: equal hubs get equal shares, a riskier hub (lower `q`) gets
//! less, and a cap moves the rest elsewhere. Units left over once no hub's next unit adds value stay idle.
//!
//! The objective is separable and concave in each `x_i`, so giving units one at a time to the hub whose next unit
//! adds the most ([`allocate`]) finds the optimum (ties go to the hub holding fewer, then the first).
//!
//! Capacity offered to a hub with no work earns nothing, so the daemon counts `p_i` per unit of capacity: the hub's
//! pay per unit times its utilization (1 while it leases to the miner or was joined less than 15 s ago, 0.1 once it
//! has leased nothing for 15 s). And every accepted hub keeps a foothold of one unit ([`Prospect::min`]) before the
//! split, so an idle hub is heard of as soon as it has work again.

use alloy::primitives::Address;
use serde::Serialize;

/// A hub as the briefcase sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prospect {
    /// The hub wallet.
    pub hub: Address,
    /// What it pays per unit, in SNM.
    pub pay_per_unit: f64,
    /// The chance it pays (0 to 1).
    pub pay_probability: f64,
    /// The most units in flight it may get ([`cap`]).
    pub cap: u32,
    /// The units it gets before the split, if its first unit is worth anything and the capacity allows: a
    /// foothold, so that a hub idle now is heard of when it has work again.
    pub min: u32,
}

/// The split of the capacity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Allocation {
    /// Units in flight per prospect, in the prospects' order.
    pub units: Vec<u32>,
    /// The expected pay of the units in flight, SNM.
    pub expected: f64,
    /// The objective's value.
    pub objective: f64,
    /// Units given to no hub.
    pub idle: u32,
}

/// The objective's term of one hub holding `x` units: mean less `λ/2` variance.
pub fn value(p: &Prospect, x: u32, risk_aversion: f64) -> f64 {
    let x = f64::from(x);
    let (pay, q) = (p.pay_per_unit, p.pay_probability.clamp(0.0, 1.0));
    x * pay * q - risk_aversion / 2.0 * x * x * pay * pay * q * (1.0 - q)
}

/// The most units in flight a hub paying `pay_per_unit` SNM may hold: its share of the exposure cap, and of what is
/// left under the debt limit given what it owes already (all in SNM).
pub fn cap(pay_per_unit: f64, max_exposure: f64, max_debt: f64, debt: f64) -> u32 {
    if pay_per_unit <= 0.0 || !pay_per_unit.is_finite() {
        return 0;
    }
    let room = max_exposure.min(max_debt - debt);
    if room <= 0.0 || room.is_nan() {
        return 0;
    }
    let units = (room / pay_per_unit).floor();
    if units >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        units as u32
    }
}

/// The split of `capacity` units in flight over `prospects` that maximizes the objective (see the module).
pub fn allocate(capacity: u32, prospects: &[Prospect], risk_aversion: f64) -> Allocation {
    let mut units = vec![0u32; prospects.len()];
    let mut left = capacity;
    for (i, p) in prospects.iter().enumerate() {
        let floor = p.min.min(p.cap).min(left);
        if floor > 0 && value(p, 1, risk_aversion) > 1e-12 {
            units[i] = floor;
            left -= floor;
        }
    }
    while left > 0 {
        let mut best: Option<(usize, f64)> = None;
        for (i, p) in prospects.iter().enumerate() {
            if units[i] >= p.cap {
                continue;
            }
            let gain = value(p, units[i] + 1, risk_aversion) - value(p, units[i], risk_aversion);
            if gain <= 1e-12 {
                continue;
            }
            let better = match best {
                None => true,
                Some((j, g)) => {
                    gain > g + 1e-12 || ((gain - g).abs() <= 1e-12 && units[i] < units[j])
                }
            };
            if better {
                best = Some((i, gain));
            }
        }
        let Some((i, _)) = best else { break };
        units[i] += 1;
        left -= 1;
    }
    let objective = prospects
        .iter()
        .zip(&units)
        .map(|(p, &x)| value(p, x, risk_aversion))
        .sum();
    let expected = prospects
        .iter()
        .zip(&units)
        .map(|(p, &x)| f64::from(x) * p.pay_per_unit * p.pay_probability.clamp(0.0, 1.0))
        .sum();
    Allocation {
        units,
        expected,
        objective,
        idle: left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(n: u8, pay: f64, q: f64, cap: u32) -> Prospect {
        Prospect {
            hub: Address::repeat_byte(n),
            pay_per_unit: pay,
            pay_probability: q,
            cap,
            min: 0,
        }
    }

    /// Every split of `capacity` (or less) by brute force: the best objective.
    fn brute_force(capacity: u32, prospects: &[Prospect], risk: f64) -> f64 {
        fn go(i: usize, left: u32, ps: &[Prospect], risk: f64) -> f64 {
            if i == ps.len() {
                return 0.0;
            }
            (0..=left.min(ps[i].cap))
                .map(|x| value(&ps[i], x, risk) + go(i + 1, left - x, ps, risk))
                .fold(f64::NEG_INFINITY, f64::max)
        }
        go(0, capacity, prospects, risk)
    }

    #[test]
    fn equal_hubs_split_the_capacity_evenly() {
        let hubs = [hub(1, 1.0, 0.85, 100), hub(2, 1.0, 0.85, 100)];
        let a = allocate(16, &hubs, 0.1);
        assert_eq!(a.units, vec![8, 8]);
        assert_eq!(a.idle, 0);
        // Better than all on one hub: the split is the answer, not a tie.
        assert!(a.objective > value(&hubs[0], 16, 0.1) + 1e-9);
        let three = [
            hub(1, 1.0, 0.98, 100),
            hub(2, 1.0, 0.98, 100),
            hub(3, 1.0, 0.98, 100),
        ];
        assert_eq!(allocate(9, &three, 0.5).units, vec![3, 3, 3]);
    }

    #[test]
    fn an_exposure_cap_binds_and_the_rest_goes_to_the_next_best_hub() {
        // Hub 1 pays twice as much: it would take all 10 units, but 3 SNM of exposure at 1 SNM a unit holds it to 3.
        let cap1 = cap(1.0, 3.0, 100.0, 0.0);
        assert_eq!(cap1, 3);
        let hubs = [
            hub(1, 1.0, 0.98, cap1),
            hub(2, 0.5, 0.98, cap(0.5, 3.0, 100.0, 0.0)),
        ];
        let a = allocate(10, &hubs, 0.01);
        assert_eq!(a.units, vec![3, 6]);
        assert_eq!(a.idle, 1);
        let uncapped = [hub(1, 1.0, 0.98, 100), hub(2, 0.5, 0.98, 100)];
        assert_eq!(allocate(10, &uncapped, 0.01).units, vec![10, 0]);
    }

    #[test]
    fn a_riskier_hub_gets_less_but_not_nothing() {
        let hubs = [hub(1, 1.0, 0.98, 100), hub(2, 1.0, 0.85, 100)];
        let a = allocate(20, &hubs, 2.0);
        assert_eq!(a.units, vec![18, 2]);
        assert!((a.objective - brute_force(20, &hubs, 2.0)).abs() < 1e-9);
        // The same hubs without the risk term: all on the safer one.
        assert_eq!(allocate(20, &hubs, 0.0).units, vec![20, 0]);
    }

    #[test]
    fn a_foothold_keeps_an_idle_hub_in_hearing_and_the_rest_is_split_as_before() {
        // Hub 1 has work (its pay counts in full); hub 2 pays more per unit but leased nothing lately, so its pay per
        // unit of capacity is a tenth: without a foothold it gets nothing, with one it keeps one unit.
        let busy = hub(1, 0.67, 0.85, 100);
        let idle = Prospect {
            min: 1,
            ..hub(2, 0.1, 0.85, 100)
        };
        assert_eq!(
            allocate(8, &[busy.clone(), hub(2, 0.1, 0.85, 100)], 0.1).units,
            vec![8, 0]
        );
        assert_eq!(
            allocate(8, &[busy.clone(), idle.clone()], 0.1).units,
            vec![7, 1]
        );
        // No foothold for a hub whose first unit is worth nothing, nor past the capacity or the cap.
        let never = Prospect {
            min: 1,
            ..hub(3, 1.0, 0.0, 100)
        };
        assert_eq!(allocate(8, &[busy.clone(), never], 0.1).units, vec![8, 0]);
        assert_eq!(
            allocate(1, &[idle.clone(), busy.clone()], 0.1).units,
            vec![1, 0]
        );
        let capped = Prospect { cap: 0, ..idle };
        assert_eq!(allocate(8, &[busy, capped], 0.1).units, vec![8, 0]);
    }

    #[test]
    fn debt_already_owed_shrinks_a_hubs_cap() {
        assert_eq!(cap(1.0, 10.0, 12.0, 0.0), 10);
        assert_eq!(cap(1.0, 10.0, 12.0, 5.0), 7);
        assert_eq!(cap(1.0, 10.0, 12.0, 12.0), 0);
        assert_eq!(cap(1.0, 10.0, 12.0, 20.0), 0);
        assert_eq!(cap(0.0, 10.0, 12.0, 0.0), 0);
        assert_eq!(cap(1e-30, 1.0, 1.0, 0.0), u32::MAX);
    }

    #[test]
    fn edges_no_hub_no_capacity_a_hub_that_never_pays_and_too_much_risk() {
        assert_eq!(allocate(8, &[], 0.1).idle, 8);
        assert_eq!(allocate(0, &[hub(1, 1.0, 0.9, 9)], 0.1).units, vec![0]);
        let a = allocate(8, &[hub(1, 1.0, 0.0, 100), hub(2, 1.0, 0.85, 100)], 0.0);
        assert_eq!(a.units, vec![0, 8]);
        // Risk so high that past two units another unit loses value: the rest stays idle.
        let a = allocate(100, &[hub(1, 1.0, 0.5, 1000)], 1.0);
        assert_eq!(a.units, vec![2]);
        assert_eq!(a.idle, 98);
        // No risk term: everything to the best expected pay.
        let a = allocate(10, &[hub(1, 1.0, 0.85, 100), hub(2, 1.0, 0.98, 100)], 0.0);
        assert_eq!(a.units, vec![0, 10]);
        assert!((a.expected - 9.8).abs() < 1e-9);
    }

    #[test]
    fn the_greedy_split_is_the_brute_force_optimum() {
        let cases: Vec<(u32, Vec<Prospect>, f64)> = vec![
            (
                12,
                vec![
                    hub(1, 1.0, 0.98, 5),
                    hub(2, 0.7, 0.85, 20),
                    hub(3, 1.3, 0.85, 4),
                ],
                0.3,
            ),
            (15, vec![hub(1, 2.0, 0.9, 15), hub(2, 1.0, 0.98, 15)], 0.15),
            (
                9,
                vec![
                    hub(1, 0.2, 0.6, 9),
                    hub(2, 0.3, 0.85, 2),
                    hub(3, 0.25, 0.98, 9),
                ],
                2.0,
            ),
        ];
        for (c, ps, risk) in cases {
            let a = allocate(c, &ps, risk);
            assert!(
                (a.objective - brute_force(c, &ps, risk)).abs() < 1e-9,
                "{c} over {ps:?}: {a:?}"
            );
            assert!(a.units.iter().zip(&ps).all(|(&x, p)| x <= p.cap));
        }
    }
}
