//! OpenZeppelin's `StandardMerkleTree` in Rust, byte for byte interoperable
//! with the npm package `@openzeppelin/merkle-tree` (1.0.x) and with
//! `MerkleProof` on chain.
//!
//! - A leaf is `keccak256(bytes.concat(keccak256(abi.encode(values...))))`.
//! - A node is the `keccak256` of its two children, the smaller first.
//! - The tree is one flat array: root first, the leaves last and in reverse
//!   order; leaves are sorted by hash unless `sort_leaves` is off.
//! - [`StandardMerkleTree::to_json`] writes, and [`StandardMerkleTree::from_json`]
//!   reads and validates, the npm package's `standard-v1` dump.
//!
//! The project's own leaf, `(uint256 index, bytes data)` (DESIGN.md, "Merkle
//! format"), has a fast path: [`IndexedTree`] with [`IndexedLeaf`] values.
//! Any other leaf encoding goes through [`DynTree`], whose leaves are
//! [`DynSolValue::Tuple`](alloy_dyn_abi::DynSolValue::Tuple)s.
//!
//! ```
//! use sonm_merkle::{BuildOptions, IndexedTree, verify_proof};
//!
//! let tree = IndexedTree::from_data([vec![1u8, 2], vec![3]], BuildOptions::default())?;
//! let proof = tree.proof(1)?;
//! assert!(verify_proof(tree.root(), tree.leaf(1)?, &proof));
//! let again = IndexedTree::from_json(&tree.to_json())?;
//! assert_eq!(again.root(), tree.root());
//! # Ok::<_, sonm_merkle::MerkleError>(())
//! ```

mod error;
mod hash;
pub mod json;
mod leaf;
mod tree;

pub use error::{MerkleError, Result};
pub use hash::{
    MultiProof, hash_pair, leaf_hash, process_multi_proof, process_proof, verify_multi_proof,
    verify_proof,
};
pub use leaf::{IndexedLeaf, LeafValue};
pub use tree::{
    BuildOptions, DumpValue, DynTree, FORMAT, IndexedTree, MAX_LEAVES, StandardMerkleTree, TreeDump,
};

pub use alloy_dyn_abi::{DynSolType, DynSolValue};
pub use alloy_primitives::{B256, Bytes, U256};
