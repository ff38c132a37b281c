//! What a tree's leaves hold: any ABI values, or the project's own
//! `(uint256 index, bytes data)` leaf on a fast path.

use alloy_dyn_abi::{DynSolType, DynSolValue};
use alloy_primitives::{B256, Bytes, U256};
use serde_json::Value;

use crate::json;

/// A value a [`StandardMerkleTree`](crate::StandardMerkleTree) can hold as a leaf.
///
/// A leaf is the tuple of values described by the tree's leaf encoding (a list
/// of Solidity types such as `["uint256", "bytes"]`).
pub trait LeafValue: Sized + Send + Sync {
    /// Checks once per tree that this value type can use `types` as its leaf
    /// encoding.
    fn check_encoding(types: &[DynSolType]) -> Result<(), String>;

    /// Checks that one value fits `types` (already accepted by
    /// [`check_encoding`](Self::check_encoding)).
    fn check_value(&self, types: &[DynSolType]) -> Result<(), String>;

    /// Appends `abi.encode(values...)` to `out`.
    fn abi_encode_into(&self, out: &mut Vec<u8>);

    /// The value as the JSON array stored in a dump's `values[i].value`.
    fn to_json(&self) -> Value;

    /// Reads a dump's `values[i].value` for the leaf encoding `types`.
    fn from_json(types: &[DynSolType], json: &Value) -> Result<Self, String>;

    /// The standard leaf hash: `keccak256(bytes.concat(keccak256(abi.encode(values...))))`,
    /// what `MerkleProof.verify` takes as `leaf` on chain.
    fn leaf_hash(&self) -> B256 {
        let mut buf = Vec::with_capacity(256);
        self.abi_encode_into(&mut buf);
        crate::leaf_hash(&buf)
    }
}

/// Any leaf encoding: the leaf is a [`DynSolValue::Tuple`] with one field per
/// type of the encoding.
impl LeafValue for DynSolValue {
    fn check_encoding(_types: &[DynSolType]) -> Result<(), String> {
        Ok(())
    }

    fn check_value(&self, types: &[DynSolType]) -> Result<(), String> {
        let fields = match self {
            DynSolValue::Tuple(fields) => fields,
            _ => return Err("a leaf must be a DynSolValue::Tuple of its fields".to_owned()),
        };
        if fields.len() != types.len() {
            return Err(format!(
                "expected {} fields, got {}",
                types.len(),
                fields.len()
            ));
        }
        for (i, (ty, v)) in types.iter().zip(fields).enumerate() {
            if !json::value_matches(ty, v) {
                return Err(format!(
                    "field {i} is not a valid {ty}: {}",
                    json::to_json(v)
                ));
            }
        }
        Ok(())
    }

    fn abi_encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.abi_encode_params());
    }

    fn to_json(&self) -> Value {
        json::to_json(self)
    }

    fn from_json(types: &[DynSolType], json: &Value) -> Result<Self, String> {
        json::from_json_seq(types, json).map(DynSolValue::Tuple)
    }
}

/// The project's leaf: `abi.encode(uint256 index, bytes data)`.
///
/// An input tree's leaf `i` is `(i, input_i)`, a result tree's leaf `i` is
/// `(i, output_i)` (docs/protocol.md, "Merkle format"). Its leaf encoding is
/// [`IndexedLeaf::ENCODING`]; it encodes into a reused buffer without going
/// through [`DynSolValue`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IndexedLeaf {
    /// The leaf's index in the task (`uint256`).
    pub index: U256,
    /// The leaf's input or output (`bytes`).
    pub data: Bytes,
}

impl IndexedLeaf {
    /// The leaf encoding of this leaf type.
    pub const ENCODING: [&'static str; 2] = ["uint256", "bytes"];

    /// A leaf from an index and its data.
    pub fn new(index: u64, data: impl Into<Bytes>) -> Self {
        Self {
            index: U256::from(index),
            data: data.into(),
        }
    }

    /// `abi.encode(index, data)`, the preimage of the leaf hash.
    pub fn abi_encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96 + self.data.len().div_ceil(32) * 32);
        self.abi_encode_into(&mut out);
        out
    }
}

impl LeafValue for IndexedLeaf {
    fn check_encoding(types: &[DynSolType]) -> Result<(), String> {
        if types == [DynSolType::Uint(256), DynSolType::Bytes] {
            Ok(())
        } else {
            Err(format!(
                "an IndexedLeaf tree needs the leaf encoding {:?}",
                Self::ENCODING
            ))
        }
    }

    fn check_value(&self, _types: &[DynSolType]) -> Result<(), String> {
        Ok(())
    }

    #[inline]
    fn abi_encode_into(&self, out: &mut Vec<u8>) {
        let len = self.data.len();
        let padded = len.div_ceil(32) * 32;
        let start = out.len();
        out.resize(start + 96 + padded, 0);
        let buf = &mut out[start..];
        buf[..32].copy_from_slice(&self.index.to_be_bytes::<32>());
        buf[63] = 0x40; // offset of `data`: right after the two head words
        buf[64..96].copy_from_slice(&U256::from(len).to_be_bytes::<32>());
        buf[96..96 + len].copy_from_slice(&self.data);
    }

    fn to_json(&self) -> Value {
        Value::Array(vec![
            Value::String(self.index.to_string()),
            Value::String(json::hex0x(&self.data)),
        ])
    }

    fn from_json(types: &[DynSolType], json: &Value) -> Result<Self, String> {
        let mut fields = json::from_json_seq(types, json)?.into_iter();
        match (fields.next(), fields.next()) {
            (Some(DynSolValue::Uint(index, 256)), Some(DynSolValue::Bytes(data))) => Ok(Self {
                index,
                data: data.into(),
            }),
            _ => Err(format!("expected [uint256, bytes], got {json}")),
        }
    }
}
