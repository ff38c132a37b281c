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
//! The project's own leaf, `(uint256 index, bytes data)` (docs/protocol.md,
//! "Merkle format"), has a fast path: [`IndexedTree`] with [`IndexedLeaf`] values.
//! Any other leaf encoding goes through [`DynTree`], whose leaves are
//! [`DynSolValue::Tuple`](alloy_dyn_abi::DynSolValue::Tuple)s.
//!
//! Building a tree is keccak all the way: the leaves, then each level of inner
//! nodes, are hashed in batches ([`leaf_hashes`], [`hash_pairs`]) by a
//! multi-way SIMD Keccak-f\[1600\] that computes 8 (AVX-512) or 4 (AVX2)
//! independent hashes at once, picked at run time ([`KeccakBackend`]); other
//! CPUs use alloy's `keccak256`. Every backend gives the same bytes.
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
mod keccak;
mod leaf;
mod tree;

pub use error::{MerkleError, Result};
pub use hash::{
    MultiProof, hash_pair, hash_pairs, keccak256_batch, leaf_hash, leaf_hashes,
    process_multi_proof, process_proof, verify_multi_proof, verify_proof,
};
pub use keccak::KeccakBackend;
#[doc(hidden)]
pub use keccak::with_keccak_backend;
pub use leaf::{IndexedLeaf, LeafValue};
pub use tree::{
    BuildOptions, DumpValue, DynTree, FORMAT, IndexedTree, MAX_LEAVES, StandardMerkleTree, TreeDump,
};

pub use alloy_dyn_abi::{DynSolType, DynSolValue};
pub use alloy_primitives::{B256, Bytes, U256};
