//! SNM amounts: 18 decimals, written as decimal SNM ("1.5") on the command line.

use alloy::primitives::U256;
use alloy::primitives::utils::{format_units, parse_units};

use crate::{AgentError, Result};

/// SNM's decimals.
pub const DECIMALS: u8 = 18;

/// Parses a decimal SNM amount ("10", "0.25") into wei.
pub fn parse_snm(text: &str) -> Result<U256> {
    let text = text.trim();
    let bad = || {
        AgentError::Invalid(format!(
            "{text:?} is not an SNM amount: write a decimal number such as 10 or 0.5"
        ))
    };
    if text.is_empty() || text.starts_with('-') {
        return Err(bad());
    }
    if text
        .split_once('.')
        .is_some_and(|(_, frac)| frac.len() > usize::from(DECIMALS))
    {
        return Err(AgentError::Invalid(format!(
            "{text:?} has more than {DECIMALS} decimals, SNM's precision"
        )));
    }
    let value = parse_units(text, DECIMALS).map_err(|_| bad())?;
    Ok(value.get_absolute())
}

/// Formats wei as decimal SNM, without trailing zeros ("1.5", "10").
pub fn format_snm(wei: U256) -> String {
    let s = format_units(wei, DECIMALS).unwrap_or_else(|_| wei.to_string());
    match s.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int.to_owned()
            } else {
                format!("{int}.{frac}")
            }
        }
        None => s,
    }
}

/// Serialises an amount as a decimal string of wei (JSON numbers cannot hold 256 bits).
pub fn ser_dec<S: serde::Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["0", "1", "1.5", "444000000", "0.000000000000000001"] {
            assert_eq!(format_snm(parse_snm(s).expect("parses")), s);
        }
        assert_eq!(
            parse_snm("2").expect("parses"),
            U256::from(2_000_000_000_000_000_000u128)
        );
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "-1", "abc", "1.2.3", "0.0000000000000000001"] {
            assert!(parse_snm(s).is_err(), "{s}");
        }
    }
}
