//! ABI values to and from the JSON of `@openzeppelin/merkle-tree` dumps.
//!
//! The npm package stores values exactly as its user passed them and encodes
//! them with `@metamask/abi-utils`, which coerces leniently. Reading follows
//! those rules (numbers as JSON numbers, decimal strings or `0x`/`0o`/`0b`
//! strings; bytes as `0x` hex, odd length allowed; `address` and `bytesN`
//! shorter than their size padded like abi-utils does; bools as JSON bools or
//! `"true"`/`"false"`). Writing uses one canonical form that the npm package
//! reads back unchanged: integers as decimal strings, addresses EIP-55
//! checksummed, bytes and `bytesN` as lowercase `0x` hex, bools as JSON bools.

use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::{Address, Function, I256, U256};
use serde_json::Value;

use crate::{MerkleError, Result};

/// Parses a leaf type string the way the npm package accepts it.
///
/// Types that alloy parses but `@metamask/abi-utils` cannot encode
/// (`tuple(...)` spelling, `T[0]`, `()`) are refused so that every tree built
/// here can be rebuilt by the npm package.
pub fn parse_type(ty: &str) -> Result<DynSolType> {
    let unknown = |reason: &str| MerkleError::UnknownType {
        ty: ty.to_owned(),
        reason: reason.to_owned(),
    };
    if ty.trim() != ty || ty.contains("tuple") {
        return Err(unknown("not a type @openzeppelin/merkle-tree accepts"));
    }
    let parsed = DynSolType::parse(ty).map_err(|e| unknown(&e.to_string()))?;
    check_npm_type(&parsed).map_err(unknown)?;
    Ok(parsed)
}

/// Parses a whole leaf encoding.
pub fn parse_types<S: AsRef<str>>(types: &[S]) -> Result<Vec<DynSolType>> {
    types.iter().map(|t| parse_type(t.as_ref())).collect()
}

fn check_npm_type(ty: &DynSolType) -> Result<(), &'static str> {
    match ty {
        DynSolType::FixedArray(_, 0) => Err("zero-length arrays are not supported"),
        DynSolType::FixedArray(inner, _) | DynSolType::Array(inner) => check_npm_type(inner),
        DynSolType::Tuple(items) if items.is_empty() => Err("empty tuples are not supported"),
        DynSolType::Tuple(items) => items.iter().try_for_each(check_npm_type),
        DynSolType::Bool
        | DynSolType::Int(_)
        | DynSolType::Uint(_)
        | DynSolType::FixedBytes(_)
        | DynSolType::Address
        | DynSolType::Function
        | DynSolType::Bytes
        | DynSolType::String => Ok(()),
        #[allow(unreachable_patterns)] // `CustomStruct` exists when another crate enables eip712
        _ => Err("struct types are not supported"),
    }
}

/// Whether `value` is a well-formed value of `ty`: the right variant, integers
/// in range and `bytesN` padded with zeros (else its JSON would not say what
/// its encoding hashes).
pub fn value_matches(ty: &DynSolType, value: &DynSolValue) -> bool {
    match (ty, value) {
        (DynSolType::Bool, DynSolValue::Bool(_))
        | (DynSolType::Address, DynSolValue::Address(_))
        | (DynSolType::Function, DynSolValue::Function(_))
        | (DynSolType::Bytes, DynSolValue::Bytes(_))
        | (DynSolType::String, DynSolValue::String(_)) => true,
        (DynSolType::Uint(bits), DynSolValue::Uint(v, vbits)) => {
            bits == vbits && (*bits >= 256 || v.bit_len() <= *bits)
        }
        (DynSolType::Int(bits), DynSolValue::Int(v, vbits)) => {
            bits == vbits && int_in_range(*v, *bits)
        }
        (DynSolType::FixedBytes(n), DynSolValue::FixedBytes(w, m)) => {
            n == m && *n <= 32 && w[*n..].iter().all(|b| *b == 0)
        }
        (DynSolType::Array(inner), DynSolValue::Array(items)) => {
            items.iter().all(|v| value_matches(inner, v))
        }
        (DynSolType::FixedArray(inner, len), DynSolValue::FixedArray(items)) => {
            items.len() == *len && items.iter().all(|v| value_matches(inner, v))
        }
        (DynSolType::Tuple(types), DynSolValue::Tuple(items)) => {
            types.len() == items.len() && types.iter().zip(items).all(|(t, v)| value_matches(t, v))
        }
        _ => false,
    }
}

fn int_in_range(v: I256, bits: usize) -> bool {
    if bits >= 256 {
        return true;
    }
    if bits == 0 {
        return false;
    }
    // A `bits`-bit two's complement value survives sign extension from `bits`.
    let shift = 256 - bits;
    v.asl(shift).map(|s| s.asr(shift) == v).unwrap_or(false)
}

/// Renders a value as canonical JSON (see the module docs).
pub fn to_json(value: &DynSolValue) -> Value {
    match value {
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Int(v, _) => Value::String(v.to_string()),
        DynSolValue::Uint(v, _) => Value::String(v.to_string()),
        DynSolValue::FixedBytes(w, n) => Value::String(hex0x(w.get(..*n).unwrap_or(w.as_slice()))),
        DynSolValue::Address(a) => Value::String(a.to_checksum(None)),
        DynSolValue::Function(f) => Value::String(hex0x(f.as_slice())),
        DynSolValue::Bytes(b) => Value::String(hex0x(b)),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            Value::Array(items.iter().map(to_json).collect())
        }
        other => Value::Array(
            other
                .as_fixed_seq()
                .unwrap_or_default()
                .iter()
                .map(to_json)
                .collect(),
        ),
    }
}

/// `0x` followed by lowercase hex.
pub fn hex0x(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * bytes.len());
    s.push_str("0x");
    s.push_str(&alloy_primitives::hex::encode(bytes));
    s
}

/// Reads a JSON value as a value of `ty`, with the npm package's coercions.
pub fn from_json(ty: &DynSolType, json: &Value) -> Result<DynSolValue, String> {
    match ty {
        DynSolType::Bool => match json {
            Value::Bool(b) => Ok(DynSolValue::Bool(*b)),
            Value::String(s) if s == "true" => Ok(DynSolValue::Bool(true)),
            Value::String(s) if s == "false" => Ok(DynSolValue::Bool(false)),
            _ => Err(format!(
                "expected a bool (true, false, \"true\" or \"false\"), got {json}"
            )),
        },
        DynSolType::Uint(bits) => {
            let (neg, mag) = json_integer(json)?;
            if (neg && !mag.is_zero()) || (*bits < 256 && mag.bit_len() > *bits) {
                return Err(format!("number {json} is out of range for uint{bits}"));
            }
            Ok(DynSolValue::Uint(mag, *bits))
        }
        DynSolType::Int(bits) => {
            let (neg, mag) = json_integer(json)?;
            let out_of_range = || format!("number {json} is out of range for int{bits}");
            let v = I256::checked_from_sign_and_abs(
                if neg {
                    alloy_primitives::Sign::Negative
                } else {
                    alloy_primitives::Sign::Positive
                },
                mag,
            )
            .ok_or_else(out_of_range)?;
            if !int_in_range(v, *bits) {
                return Err(out_of_range());
            }
            Ok(DynSolValue::Int(v, *bits))
        }
        DynSolType::Address => {
            let b = json_bytes(json)?;
            if b.len() > 20 {
                return Err(format!("an address is 20 bytes, got {} bytes", b.len()));
            }
            let mut a = Address::ZERO;
            a[20 - b.len()..].copy_from_slice(&b);
            Ok(DynSolValue::Address(a))
        }
        DynSolType::FixedBytes(n) => {
            let b = json_bytes(json)?;
            if *n == 0 || *n > 32 {
                return Err(format!("bytes{n} is not a type"));
            }
            if b.len() > *n {
                return Err(format!(
                    "expected at most {n} bytes for bytes{n}, got {}",
                    b.len()
                ));
            }
            let mut w = alloy_primitives::B256::ZERO;
            w[..b.len()].copy_from_slice(&b);
            Ok(DynSolValue::FixedBytes(w, *n))
        }
        DynSolType::Function => {
            let b = json_bytes(json)?;
            if b.len() != 24 {
                return Err(format!("a function is 24 bytes, got {} bytes", b.len()));
            }
            Ok(DynSolValue::Function(Function::from_slice(&b)))
        }
        DynSolType::Bytes => Ok(DynSolValue::Bytes(json_bytes(json)?)),
        DynSolType::String => match json {
            Value::String(s) => Ok(DynSolValue::String(s.clone())),
            _ => Err(format!("expected a string, got {json}")),
        },
        DynSolType::Array(inner) => {
            let items = json_array(json)?;
            Ok(DynSolValue::Array(
                items
                    .iter()
                    .map(|v| from_json(inner, v))
                    .collect::<Result<_, _>>()?,
            ))
        }
        DynSolType::FixedArray(inner, len) => {
            let items = json_array(json)?;
            if items.len() != *len {
                return Err(format!(
                    "expected an array of {len} items, got {}",
                    items.len()
                ));
            }
            Ok(DynSolValue::FixedArray(
                items
                    .iter()
                    .map(|v| from_json(inner, v))
                    .collect::<Result<_, _>>()?,
            ))
        }
        DynSolType::Tuple(types) => Ok(DynSolValue::Tuple(from_json_seq(types, json)?)),
        #[allow(unreachable_patterns)] // `CustomStruct` exists when another crate enables eip712
        _ => Err("struct types are not supported".to_owned()),
    }
}

/// Reads a JSON array as one value per type (a leaf, or a tuple's fields).
pub fn from_json_seq(types: &[DynSolType], json: &Value) -> Result<Vec<DynSolValue>, String> {
    let items = json_array(json)?;
    if items.len() != types.len() {
        return Err(format!(
            "expected {} values, got {}",
            types.len(),
            items.len()
        ));
    }
    types
        .iter()
        .zip(items)
        .map(|(t, v)| from_json(t, v))
        .collect()
}

fn json_array(json: &Value) -> Result<&Vec<Value>, String> {
    json.as_array()
        .ok_or_else(|| format!("expected an array, got {json}"))
}

/// `createBytes` of `@metamask/utils`: `0x` then hex digits, any case, an odd
/// count padded with a leading zero; `"0x"` alone is empty.
fn json_bytes(json: &Value) -> Result<Vec<u8>, String> {
    let s = json
        .as_str()
        .ok_or_else(|| format!("expected a 0x-prefixed hex string, got {json}"))?;
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or_else(|| format!("expected a 0x-prefixed hex string, got {json}"))?;
    if digits.len() % 2 == 1 {
        alloy_primitives::hex::decode(format!("0{digits}"))
    } else {
        alloy_primitives::hex::decode(digits)
    }
    .map_err(|_| format!("expected a 0x-prefixed hex string, got {json}"))
}

/// Largest integer a JSON number can carry exactly in JavaScript.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `BigInt(value)` of JavaScript on a JSON number or string, as
/// (negative, magnitude).
fn json_integer(json: &Value) -> Result<(bool, U256), String> {
    match json {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                if u <= MAX_SAFE_INTEGER {
                    return Ok((false, U256::from(u)));
                }
            } else if let Some(i) = n.as_i64() {
                if i.unsigned_abs() <= MAX_SAFE_INTEGER {
                    return Ok((i < 0, U256::from(i.unsigned_abs())));
                }
            } else if let Some(f) = n.as_f64() {
                // Only integral floats reach here that JSON.parse would read
                // exactly the same; anything bigger than 2^53 is refused below.
                if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 {
                    return Ok((f < 0.0, U256::from(f.abs() as u64)));
                }
                if f.fract() != 0.0 || !f.is_finite() {
                    return Err(format!("expected an integer, got {json}"));
                }
            }
            // JavaScript would round these; refuse rather than differ.
            Err(format!(
                "number {json} is too large to be read exactly from a JSON number; write it as a decimal string"
            ))
        }
        Value::String(s) => {
            parse_bigint(s).ok_or_else(|| format!("expected an integer, got {json}"))
        }
        _ => Err(format!(
            "expected an integer (a number or a string), got {json}"
        )),
    }
}

fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// JavaScript's `BigInt(string)`: surrounding whitespace ignored, empty is 0,
/// `0x`/`0o`/`0b` prefixes without sign, else an optionally signed decimal.
fn parse_bigint(s: &str) -> Option<(bool, U256)> {
    let s = s.trim_matches(is_js_whitespace);
    if s.is_empty() {
        return Some((false, U256::ZERO));
    }
    let radix_digits = |p: [&str; 2], radix: u64| {
        s.strip_prefix(p[0])
            .or_else(|| s.strip_prefix(p[1]))
            .map(|d| (radix, d))
    };
    let (neg, radix, digits) = if let Some((r, d)) = radix_digits(["0x", "0X"], 16)
        .or_else(|| radix_digits(["0o", "0O"], 8))
        .or_else(|| radix_digits(["0b", "0B"], 2))
    {
        (false, r, d)
    } else if let Some(d) = s.strip_prefix('-') {
        (true, 10, d)
    } else {
        (false, 10, s.strip_prefix('+').unwrap_or(s))
    };
    if digits.is_empty() {
        return None;
    }
    let mut acc = U256::ZERO;
    for c in digits.chars() {
        let d = c.to_digit(radix as u32)?;
        acc = acc
            .checked_mul(U256::from(radix))?
            .checked_add(U256::from(d))?;
    }
    Some((neg, acc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigint_strings_follow_javascript() {
        let ok = |s: &str, neg: bool, v: u64| {
            assert_eq!(parse_bigint(s), Some((neg, U256::from(v))), "{s:?}")
        };
        ok("", false, 0);
        ok("  12\n", false, 12);
        ok("0x1F", false, 31);
        ok("0X1f", false, 31);
        ok("0o17", false, 15);
        ok("0b101", false, 5);
        ok("-5", true, 5);
        ok("+5", false, 5);
        for bad in ["0x", "-0x5", "1e3", "1.0", "1_000", "-", "abc", "0x1g"] {
            assert_eq!(parse_bigint(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ranges_are_checked() {
        let v = |s: &str| Value::String(s.to_owned());
        assert!(from_json(&DynSolType::Uint(8), &v("255")).is_ok());
        assert!(from_json(&DynSolType::Uint(8), &v("256")).is_err());
        assert!(from_json(&DynSolType::Uint(8), &v("-1")).is_err());
        assert!(from_json(&DynSolType::Int(8), &v("-128")).is_ok());
        assert!(from_json(&DynSolType::Int(8), &v("-129")).is_err());
        assert!(from_json(&DynSolType::Int(8), &v("127")).is_ok());
        assert!(from_json(&DynSolType::Int(8), &v("128")).is_err());
        assert!(from_json(&DynSolType::Int(256), &v(&I256::MIN.to_string())).is_ok());
        assert!(from_json(&DynSolType::Uint(256), &v(&U256::MAX.to_string())).is_ok());
        assert!(
            from_json(
                &DynSolType::Uint(256),
                &serde_json::json!(9007199254740993u64)
            )
            .is_err()
        );
        assert!(from_json(&DynSolType::Uint(256), &serde_json::json!(1.5)).is_err());
        assert!(from_json(&DynSolType::Uint(256), &serde_json::json!(42)).is_ok());
    }

    #[test]
    fn short_bytes_are_padded_like_abi_utils() {
        let a = from_json(&DynSolType::Address, &Value::String("0x1".into())).ok();
        let mut want = Address::ZERO;
        want[19] = 1;
        assert_eq!(a, Some(DynSolValue::Address(want)));
        let b = from_json(&DynSolType::FixedBytes(2), &Value::String("0XaBc".into())).ok();
        let mut w = alloy_primitives::B256::ZERO;
        w[0] = 0x0a;
        w[1] = 0xbc;
        assert_eq!(b, Some(DynSolValue::FixedBytes(w, 2)));
        assert!(from_json(&DynSolType::Bytes, &Value::String(String::new())).is_err());
        assert_eq!(
            from_json(&DynSolType::Bytes, &Value::String("0x".into())).ok(),
            Some(DynSolValue::Bytes(vec![]))
        );
    }

    #[test]
    fn npm_incompatible_types_are_refused() {
        for t in [
            "tuple(uint256)",
            "uint256[0]",
            "()",
            " uint256",
            "foo",
            "uint7",
        ] {
            assert!(parse_type(t).is_err(), "{t}");
        }
        for t in [
            "uint",
            "int",
            "uint8",
            "bytes32",
            "(uint256,bytes)[]",
            "string[2]",
            "function",
            "address",
        ] {
            assert!(parse_type(t).is_ok(), "{t}");
        }
    }
}
