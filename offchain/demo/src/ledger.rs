//! What the summary reports: each party's SNM before and after, each transaction's gas.

use std::fmt::Write as _;

use alloy::primitives::{Address, B256, U256};
use sonm_agents::units::format_snm;

use crate::DemoSummary;

/// One party of the demo.
#[derive(Clone, Debug)]
pub struct Party {
    /// Its role, in the protocol's words.
    pub role: String,
    /// Its address.
    pub address: Address,
    /// SNM held after the setup transfers (before the story).
    pub before: U256,
    /// SNM held at the end.
    pub after: U256,
    /// Whether it lost a bond.
    pub slashed: bool,
    /// What happened to it, one line.
    pub note: String,
}

impl Party {
    /// The SNM change, signed, e.g. `+5.5` or `-10`.
    pub fn delta(&self) -> String {
        if self.after >= self.before {
            format!("+{}", format_snm(self.after - self.before))
        } else {
            format!("-{}", format_snm(self.before - self.after))
        }
    }
}

/// One transaction of the demo.
#[derive(Clone, Debug)]
pub struct Step {
    /// The phase of the story (hub, map, chain).
    pub phase: &'static str,
    /// Who sent it.
    pub actor: String,
    /// What it did.
    pub action: String,
    /// Its hash.
    pub tx: B256,
    /// Gas used.
    pub gas: u64,
}

pub(crate) fn table(s: &DemoSummary) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "Parties (SNM change over the story)");
    let _ = writeln!(
        t,
        "  {:<22} {:<42} {:>14} {:<8} what happened",
        "role", "address", "SNM", "slashed"
    );
    for p in &s.parties {
        let _ = writeln!(
            t,
            "  {:<22} {:<42} {:>14} {:<8} {}",
            p.role,
            p.address.to_string(),
            p.delta(),
            if p.slashed { "yes" } else { "no" },
            p.note
        );
    }
    let _ = writeln!(t, "\nGas per step");
    let _ = writeln!(
        t,
        "  {:<6} {:<22} {:<44} {:>10}",
        "phase", "who", "step", "gas"
    );
    // Repeated steps (the bisection's moves) are folded into one line with a count, in order of first appearance.
    let mut lines: Vec<(&Step, usize, u64)> = Vec::new();
    for step in &s.steps {
        match lines.iter_mut().find(|(l, _, _)| {
            l.phase == step.phase && l.actor == step.actor && l.action == step.action
        }) {
            Some(line) => {
                line.1 += 1;
                line.2 += step.gas;
            }
            None => lines.push((step, 1, step.gas)),
        }
    }
    let mut total = 0u64;
    for (step, count, gas) in lines {
        let action = if count > 1 {
            format!("{} (x{count})", step.action)
        } else {
            step.action.clone()
        };
        let _ = writeln!(
            t,
            "  {:<6} {:<22} {:<44} {:>10}",
            step.phase, step.actor, action, gas
        );
        total += gas;
    }
    let _ = writeln!(
        t,
        "  {:<6} {:<22} {:<44} {:>10}",
        "",
        "",
        format!("total ({} transactions)", s.steps.len()),
        total
    );
    let _ = writeln!(t, "\nChecked on chain");
    for c in &s.checks {
        let _ = writeln!(t, "  ok  {c}");
    }
    let _ = writeln!(
        t,
        "\nPictures: {} and {}    wall time: {:.1} s",
        s.image.display(),
        s.row_map.display(),
        s.elapsed.as_secs_f64()
    );
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snm(n: u64) -> U256 {
        U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
    }

    #[test]
    fn deltas_are_signed() {
        let mut p = Party {
            role: "miner".into(),
            address: Address::ZERO,
            before: snm(10),
            after: snm(25),
            slashed: false,
            note: String::new(),
        };
        assert_eq!(p.delta(), "+15");
        p.after = snm(4);
        assert_eq!(p.delta(), "-6");
    }

    #[test]
    fn repeated_steps_fold_into_one_line_with_their_total_gas() {
        let step = |action: &str, gas| Step {
            phase: "watch",
            actor: "watcher".into(),
            action: action.into(),
            tx: B256::ZERO,
            gas,
        };
        let s = DemoSummary {
            rpc_url: String::new(),
            parties: Vec::new(),
            steps: vec![step("answer", 10), step("reveal", 1), step("answer", 15)],
            checks: vec!["it worked".into()],
            image: "x.png".into(),
            row_map: "y.png".into(),
            elapsed: std::time::Duration::from_secs(1),
        };
        let t = table(&s);
        assert!(t.contains("answer (x2)"), "{t}");
        assert!(t.contains("25"), "{t}");
        assert!(t.contains("total (3 transactions)"), "{t}");
        assert!(t.contains("ok  it worked"), "{t}");
    }
}
