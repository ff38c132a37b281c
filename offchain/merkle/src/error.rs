//! The crate's error type.

use alloy_primitives::B256;

/// Everything that can go wrong building, loading or querying a tree.
///
/// Every variant says what was wrong with the input; none of them is a bug in
/// this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MerkleError {
    /// The dump is not valid JSON, or not shaped like a dump.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The dump's `format` is not `standard-v1`.
    #[error("unknown tree format {0:?}, expected \"standard-v1\"")]
    UnknownFormat(String),
    /// The dump has no `leafEncoding`.
    #[error("the dump has no leafEncoding")]
    MissingLeafEncoding,
    /// A leaf type string could not be parsed or is not supported.
    #[error("unknown or unsupported leaf type {ty:?}: {reason}")]
    UnknownType {
        /// The type string as given.
        ty: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The tree's leaf encoding is not the one this value type encodes.
    #[error("leaf encoding {found:?} does not match the expected {expected:?}")]
    EncodingMismatch {
        /// The encoding this value type needs.
        expected: Vec<String>,
        /// The encoding that was given.
        found: Vec<String>,
    },
    /// A tree needs at least one leaf.
    #[error("a Merkle tree needs at least one value")]
    Empty,
    /// More leaves than the flat layout can index.
    #[error("too many values: {0} (at most 2^31)")]
    TooManyValues(usize),
    /// A value does not match the leaf encoding.
    #[error("value {index}: {reason}")]
    BadValue {
        /// Index of the value in the tree's value list.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A node of a loaded tree is not a 32-byte hex string.
    #[error("tree node {index}: {reason}")]
    BadNode {
        /// Index of the node in the tree array.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A loaded tree's nodes are not the hashes of their children.
    #[error("invalid Merkle tree: node {index} is not the hash of its children (tampered tree?)")]
    InvalidTree {
        /// Index of the first node that does not match.
        index: usize,
    },
    /// A loaded tree has an even number of nodes, which no tree layout has.
    #[error(
        "invalid Merkle tree: {0} nodes is not a complete binary tree (node count must be odd)"
    )]
    InvalidTreeShape(usize),
    /// A value's `treeIndex` does not point at a leaf holding its hash.
    #[error("value {index}: tree node {tree_index} {reason}")]
    ValueNotInTree {
        /// Index of the value.
        index: usize,
        /// The `treeIndex` it claims.
        tree_index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The tree's root is not the expected one.
    #[error("root mismatch: expected {expected}, the tree's root is {found}")]
    RootMismatch {
        /// The root the caller expected.
        expected: B256,
        /// The root of the tree.
        found: B256,
    },
    /// A value index past the end of the value list.
    #[error("index {index} out of range: the tree has {len} values")]
    IndexOutOfRange {
        /// The index asked for.
        index: usize,
        /// How many values the tree has.
        len: usize,
    },
    /// The leaf asked for is not in the tree.
    #[error("leaf is not in the tree")]
    LeafNotFound,
    /// A multiproof was asked for the same value twice.
    #[error("cannot prove the same leaf twice in one multiproof (value {0})")]
    DuplicateIndex(usize),
    /// A multiproof whose parts do not fit together.
    #[error("invalid multiproof: {0}")]
    InvalidMultiProof(&'static str),
}

/// Shorthand for results of this crate.
pub type Result<T, E = MerkleError> = core::result::Result<T, E>;
