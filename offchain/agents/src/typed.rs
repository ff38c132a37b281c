//! EIP-712 typed-data files: what a hub signs off chain (the market's offers, [`crate::market`]; its wallet's work
//! receipts, [`crate::receipt`]) travels as exactly the typed data that `cast wallet sign --data --from-file` signs
//! and `eth_signTypedData_v4` takes, plus the signature (and, for people, the digest):
//!
//! ```json
//! {
//!   "types": {"EIP712Domain": [name, version, chainId, verifyingContract], "<Primary>": [fields, in order]},
//!   "primaryType": "<Primary>",
//!   "domain": {"name": "…", "version": "1", "chainId": 31337, "verifyingContract": "0x…"},
//!   "message": {"field": "decimal string or address", …},
//!   "signature": "0x<65 bytes: r, s, v>",
//!   "hash": "0x<the EIP-712 digest>"
//! }
//! ```
//!
//! A [`TypedKind`] names one such type (its fields, its domain's name and version, the words its errors use);
//! [`TypedKind::file`] writes a file and [`TypedKind::parse`] reads one, refusing in one line anything that is not
//! that type in that domain, with a signature. Integers in `message` are written as decimal strings (a `uint256`
//! does not fit a JSON number); a reader also takes JSON numbers and `0x` hex strings, as cast does. `hash` is
//! informative: a reader recomputes it, and the caller checks ([`TypedFile::check_hash`]) that what a wallet signs
//! for the typed data is the digest the contract computes for the values read, so that what was signed is what is
//! sent.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, Bytes, Signature, U256};
use alloy::sol_types::Eip712Domain;
use alloy_dyn_abi::TypedData;
use serde_json::{Map, Value, json};

use crate::{AgentError, Result};

/// One EIP-712 type as it travels in files: the fields, the domain, and the words errors about it use.
#[derive(Clone, Copy, Debug)]
pub struct TypedKind {
    /// The primary type (`Offer`, `WorkReceipt`).
    pub primary_type: &'static str,
    /// Its fields, in order, as the contract declares them: `(name, Solidity type)`.
    pub fields: &'static [(&'static str, &'static str)],
    /// The domain's name (the contract's EIP-712 constructor argument).
    pub domain_name: &'static str,
    /// The domain's version.
    pub domain_version: &'static str,
    /// Whose type it is, possessive: "the market's".
    pub owner: &'static str,
    /// What one is called: "offer", "receipt".
    pub noun: &'static str,
    /// A phrase for a file of another type: "a market offer".
    pub what: &'static str,
    /// The command that signs one (`sonm market offer`).
    pub sign_command: &'static str,
}

impl TypedKind {
    /// The domain `(name, version, chain_id, verifying_contract)` of this kind.
    pub fn domain(&self, chain_id: u64, verifying_contract: Address) -> Eip712Domain {
        Eip712Domain::new(
            Some(self.domain_name.into()),
            Some(self.domain_version.into()),
            Some(U256::from(chain_id)),
            Some(verifying_contract),
            None,
        )
    }

    /// The unsigned typed data of `message` in `domain`: what `cast wallet sign --data --from-file` signs.
    pub fn typed_data(&self, domain: &Eip712Domain, message: Map<String, Value>) -> Value {
        let field = |(name, ty): &(&str, &str)| json!({"name": name, "type": ty});
        let mut types = Map::new();
        types.insert(
            "EIP712Domain".into(),
            json!([
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ]),
        );
        types.insert(
            self.primary_type.into(),
            Value::Array(self.fields.iter().map(field).collect()),
        );
        json!({
            "types": types,
            "primaryType": self.primary_type,
            "domain": {
                "name": domain.name.as_deref().unwrap_or_default(),
                "version": domain.version.as_deref().unwrap_or_default(),
                "chainId": domain.chain_id.map(|c| c.saturating_to::<u64>()),
                "verifyingContract": domain.verifying_contract,
            },
            "message": message,
        })
    }

    /// The file: the typed data plus `signature` and `hash`.
    pub fn file(
        &self,
        domain: &Eip712Domain,
        message: Map<String, Value>,
        signature: &Bytes,
        hash: B256,
    ) -> Value {
        let mut v = self.typed_data(domain, message);
        if let Value::Object(map) = &mut v {
            map.insert("signature".into(), json!(signature));
            map.insert("hash".into(), json!(hash));
        }
        v
    }

    /// Parses a file of this kind: EIP-712 typed data of this primary type (field for field) in a domain of this
    /// name and version, with a `signature`. The values are read with [`TypedFile`]'s accessors; the caller then
    /// checks the digest with [`TypedFile::check_hash`].
    pub fn parse(&self, text: &str, origin: &Path) -> Result<TypedFile> {
        let malformed = |reason: String| malformed(origin, reason);
        let value: Value =
            serde_json::from_str(text).map_err(|e| malformed(format!("not JSON ({e})")))?;
        let typed: TypedData = serde_json::from_value(value.clone())
            .map_err(|e| malformed(format!("not EIP-712 typed data ({e})")))?;
        if typed.primary_type != self.primary_type {
            return Err(malformed(format!(
                "its primaryType is {:?}, not {:?}: not {}",
                typed.primary_type, self.primary_type, self.what
            )));
        }
        let declared: Vec<(String, String)> = value
            .pointer(&format!("/types/{}", self.primary_type))
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        let s = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                        (s("name"), s("type"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if declared
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .ne(self.fields.iter().copied())
        {
            return Err(malformed(format!(
                "its {} type is not {} (see `{} --help` for the format)",
                self.primary_type, self.owner, self.sign_command
            )));
        }
        let domain = &typed.domain;
        if domain.name.as_deref() != Some(self.domain_name)
            || domain.version.as_deref() != Some(self.domain_version)
            || domain.salt.is_some()
        {
            return Err(malformed(format!(
                "its domain is not {} (name {:?}, version {:?}, chainId, verifyingContract)",
                self.owner, self.domain_name, self.domain_version
            )));
        }
        let chain_id = domain
            .chain_id
            .and_then(|c| u64::try_from(c).ok())
            .ok_or_else(|| malformed("its domain has no chainId".into()))?;
        let verifying_contract = domain
            .verifying_contract
            .ok_or_else(|| malformed("its domain has no verifyingContract".into()))?;
        let signature = value
            .get("signature")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                malformed(format!(
                    "it has no \"signature\": sign it (`{}`, or `cast wallet sign --data --from-file`) and add \
                     the signature",
                    self.sign_command
                ))
            })
            .and_then(|s| {
                alloy::hex::decode(s)
                    .map(Bytes::from)
                    .map_err(|_| malformed("its signature is not hex".into()))
            })?;
        Ok(TypedFile {
            kind: *self,
            origin: origin.to_owned(),
            message: typed.message.as_object().cloned().unwrap_or_default(),
            typed,
            chain_id,
            verifying_contract,
            signature,
        })
    }

    /// Who signed `hash` with `signature`: the address it recovers to, or why it recovers to none.
    pub fn recover(&self, hash: B256, signature: &Bytes) -> Result<Address> {
        let sig = Signature::try_from(signature.as_ref()).map_err(|e| {
            AgentError::Invalid(format!("the {}'s signature is malformed ({e})", self.noun))
        })?;
        sig.recover_address_from_prehash(&hash).map_err(|e| {
            AgentError::Invalid(format!(
                "the {}'s signature recovers no signer ({e})",
                self.noun
            ))
        })
    }
}

fn malformed(origin: &Path, reason: String) -> AgentError {
    AgentError::Malformed {
        path: origin.to_owned(),
        reason,
    }
}

/// A decimal string: how integers are written in a file's `message`.
pub fn dec(v: &dyn ToString) -> Value {
    Value::String(v.to_string())
}

/// A parsed file of some [`TypedKind`]: the domain, the signature, and the message's values on demand.
#[derive(Clone, Debug)]
pub struct TypedFile {
    kind: TypedKind,
    origin: PathBuf,
    typed: TypedData,
    message: Map<String, Value>,
    /// The domain's chain.
    pub chain_id: u64,
    /// The domain's verifying contract.
    pub verifying_contract: Address,
    /// The signature as given.
    pub signature: Bytes,
}

impl TypedFile {
    /// A "malformed FILE: reason" error about this file.
    pub fn malformed(&self, reason: String) -> AgentError {
        malformed(&self.origin, reason)
    }

    /// The unsigned integer `message.name`, which must fit `bits` bits (a decimal string, `0x` hex, or a JSON
    /// number).
    pub fn uint(&self, name: &str, bits: usize) -> Result<U256> {
        let bad = || self.malformed(format!("message.{name} is not a uint{bits}"));
        let v = match self.message.get(name) {
            Some(Value::String(s)) => match s.strip_prefix("0x") {
                Some(hex) => U256::from_str_radix(hex, 16).map_err(|_| bad())?,
                None => U256::from_str_radix(s.as_str(), 10).map_err(|_| bad())?,
            },
            Some(Value::Number(n)) => n.as_u64().map(U256::from).ok_or_else(bad)?,
            _ => return Err(self.malformed(format!("message.{name} is missing"))),
        };
        if bits < 256 && v >> bits != U256::ZERO {
            return Err(bad());
        }
        Ok(v)
    }

    /// `message.name` as a `u64`: it must fit `bits` bits (at most 64).
    pub fn small(&self, name: &str, bits: usize) -> Result<u64> {
        Ok(self.uint(name, bits.min(64))?.to::<u64>())
    }

    /// The address `message.name`.
    pub fn address(&self, name: &str) -> Result<Address> {
        self.message
            .get(name)
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.malformed(format!("message.{name} is not an address")))
    }

    /// Fails unless what a wallet signs for this typed data is `expected`, the digest the contract computes for
    /// the values read from it.
    pub fn check_hash(&self, expected: B256) -> Result<()> {
        let signed = self
            .typed
            .eip712_signing_hash()
            .map_err(|e| self.malformed(format!("its typed data cannot be hashed ({e})")))?;
        if signed != expected {
            return Err(self.malformed(format!(
                "its typed data does not hash as {} {} (a field's type or the domain differs)",
                self.kind.owner, self.kind.noun
            )));
        }
        Ok(())
    }
}
