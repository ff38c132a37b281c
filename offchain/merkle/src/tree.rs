//! The tree: building, proofs, dump and load.

use alloy_dyn_abi::DynSolType;
use alloy_primitives::{B256, Bytes};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hash::{MultiProof, hash_pairs_on, process_multi_proof, process_proof};
use crate::json::parse_types;
use crate::keccak::{BATCH, Job, KeccakBackend};
use crate::{IndexedLeaf, LeafValue, MerkleError, Result};

/// The `format` of a dump.
pub const FORMAT: &str = "standard-v1";

/// Most leaves a tree may have: tree indices are stored as `u32`.
pub const MAX_LEAVES: usize = 1 << 31;

/// Levels with fewer nodes than this are hashed on one thread.
#[cfg(feature = "parallel")]
const PAR_MIN_NODES: usize = 1 << 12;

/// Nodes per rayon task (a multiple of [`BATCH`]).
#[cfg(feature = "parallel")]
const PAR_CHUNK: usize = 1 << 10;

/// How to build a tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuildOptions {
    /// Sort the leaves by hash before building, as the npm package does by
    /// default (`sortLeaves`). Needed for multiproofs to verify on chain.
    pub sort_leaves: bool,
    /// Hash on all of rayon's threads (only with the `parallel` feature;
    /// ignored without it).
    pub parallel: bool,
}

impl Default for BuildOptions {
    /// Sorted leaves (the npm default), parallel when the feature is on.
    fn default() -> Self {
        Self {
            sort_leaves: true,
            parallel: cfg!(feature = "parallel"),
        }
    }
}

impl BuildOptions {
    /// The npm default (`sortLeaves: true`), on one thread.
    pub fn single_thread() -> Self {
        Self {
            parallel: false,
            ..Self::default()
        }
    }

    /// Sets [`sort_leaves`](Self::sort_leaves).
    pub fn sort_leaves(self, sort_leaves: bool) -> Self {
        Self {
            sort_leaves,
            ..self
        }
    }

    /// Sets [`parallel`](Self::parallel).
    pub fn parallel(self, parallel: bool) -> Self {
        Self { parallel, ..self }
    }
}

/// OpenZeppelin's `StandardMerkleTree`, interoperable with
/// `@openzeppelin/merkle-tree` 1.0.x and `MerkleProof`.
///
/// The tree is a complete binary tree in one flat array: `tree()[0]` is the
/// root, node `i` has children `2i+1` and `2i+2`, and the `n` leaves are the
/// last `n` nodes in reverse order. Each value remembers the node that holds
/// its leaf hash (`tree_index`). Nodes take 32 bytes each (2n-1 of them) and
/// the value-to-node index 4 bytes per value: 68 bytes per leaf besides the
/// values themselves.
///
/// `V` is [`DynSolValue`](alloy_dyn_abi::DynSolValue) for any leaf encoding
/// (see [`DynTree`]) or [`IndexedLeaf`] for the project's `(uint256, bytes)`
/// leaves (see [`IndexedTree`]).
#[derive(Clone, Debug, PartialEq)]
pub struct StandardMerkleTree<V> {
    leaf_encoding: Vec<String>,
    types: Vec<DynSolType>,
    tree: Vec<B256>,
    values: Vec<V>,
    tree_indices: Vec<u32>,
}

/// A tree of any leaf encoding; each leaf is a `DynSolValue::Tuple`.
pub type DynTree = StandardMerkleTree<alloy_dyn_abi::DynSolValue>;

/// A tree of the project's `(uint256 index, bytes data)` leaves.
pub type IndexedTree = StandardMerkleTree<IndexedLeaf>;

impl<V: LeafValue> StandardMerkleTree<V> {
    /// Builds a tree of `values` with the leaf encoding `leaf_encoding`
    /// (Solidity type strings, one per field of a leaf).
    ///
    /// Fails on an empty list, an unknown type or a value that does not match
    /// the encoding.
    pub fn of<S: AsRef<str>>(
        values: Vec<V>,
        leaf_encoding: &[S],
        options: BuildOptions,
    ) -> Result<Self> {
        let leaf_encoding: Vec<String> = leaf_encoding
            .iter()
            .map(|s| s.as_ref().to_owned())
            .collect();
        let types = parse_types(&leaf_encoding)?;
        check_encoding::<V>(&leaf_encoding, &types)?;
        for (index, v) in values.iter().enumerate() {
            v.check_value(&types)
                .map_err(|reason| MerkleError::BadValue { index, reason })?;
        }
        let (tree, tree_indices) = build(&values, options)?;
        Ok(Self {
            leaf_encoding,
            types,
            tree,
            values,
            tree_indices,
        })
    }

    /// Builds a tree from JSON values, as `StandardMerkleTree.of` of the npm
    /// package takes them: one JSON array per leaf, read with the npm
    /// package's coercions (see [`json`](crate::json)).
    pub fn of_json<S: AsRef<str>>(
        values: &[Value],
        leaf_encoding: &[S],
        options: BuildOptions,
    ) -> Result<Self> {
        let types = parse_types(leaf_encoding)?;
        let values = values
            .iter()
            .enumerate()
            .map(|(index, v)| {
                V::from_json(&types, v).map_err(|reason| MerkleError::BadValue { index, reason })
            })
            .collect::<Result<Vec<V>>>()?;
        Self::of(values, leaf_encoding, options)
    }

    /// The root.
    pub fn root(&self) -> B256 {
        self.tree[0]
    }

    /// How many values the tree holds.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: a tree has at least one value.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The leaf encoding, as given.
    pub fn leaf_encoding(&self) -> &[String] {
        &self.leaf_encoding
    }

    /// The values, in the order given.
    pub fn values(&self) -> &[V] {
        &self.values
    }

    /// Value `index`, if there is one.
    pub fn value(&self, index: usize) -> Option<&V> {
        self.values.get(index)
    }

    /// All nodes, root first.
    pub fn tree(&self) -> &[B256] {
        &self.tree
    }

    /// The node holding value `index`'s leaf hash.
    pub fn tree_index(&self, index: usize) -> Result<usize> {
        self.tree_indices
            .get(index)
            .map(|&t| t as usize)
            .ok_or(self.out_of_range(index))
    }

    /// The leaf hash of value `index`, as stored in the tree.
    pub fn leaf(&self, index: usize) -> Result<B256> {
        Ok(self.tree[self.tree_index(index)?])
    }

    /// The standard leaf hash of a value: `keccak256(keccak256(abi.encode(value)))`.
    pub fn leaf_hash(&self, value: &V) -> B256 {
        value.leaf_hash()
    }

    /// Heap bytes held by the tree's structure (nodes and value-to-node
    /// index), not counting the values.
    pub fn structure_bytes(&self) -> usize {
        self.tree.capacity() * size_of::<B256>() + self.tree_indices.capacity() * size_of::<u32>()
    }

    /// The index of a value in the tree, found by its leaf hash (the last one
    /// if the value occurs more than once, as the npm package does).
    pub fn find(&self, value: &V) -> Result<usize> {
        let h = self.leaf_hash(value);
        self.tree_indices
            .iter()
            .rposition(|&t| self.tree[t as usize] == h)
            .ok_or(MerkleError::LeafNotFound)
    }

    /// The proof of value `index`: sibling hashes from the leaf up.
    pub fn proof(&self, index: usize) -> Result<Vec<B256>> {
        let mut i = self.tree_index(index)?;
        let mut proof =
            Vec::with_capacity(usize::BITS as usize - self.tree.len().leading_zeros() as usize);
        while i > 0 {
            proof.push(self.tree[sibling(i)]);
            i = (i - 1) / 2;
        }
        Ok(proof)
    }

    /// The proof of a value, found by its leaf hash.
    pub fn proof_of(&self, value: &V) -> Result<Vec<B256>> {
        self.proof(self.find(value)?)
    }

    /// Whether `proof` proves `value` under this tree's root.
    pub fn verify(&self, value: &V, proof: &[B256]) -> bool {
        process_proof(self.leaf_hash(value), proof) == self.root()
    }

    /// A multiproof of the values at `indices`, as `getMultiProof` of the npm
    /// package builds it (for `MerkleProof.multiProofVerify`, which needs a
    /// tree built with sorted leaves).
    pub fn multiproof(&self, indices: &[usize]) -> Result<MultiProof<&V>> {
        let mut tree_idx = Vec::with_capacity(indices.len());
        for &i in indices {
            tree_idx.push((self.tree_index(i)?, i));
        }
        tree_idx.sort_unstable_by_key(|t| std::cmp::Reverse(t.0));
        if let Some(w) = tree_idx.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(MerkleError::DuplicateIndex(w[1].1));
        }
        let mut stack: std::collections::VecDeque<usize> = tree_idx.iter().map(|t| t.0).collect();
        let mut proof = Vec::new();
        let mut proof_flags = Vec::new();
        while let Some(&j) = stack.front() {
            if j == 0 {
                break;
            }
            stack.pop_front();
            let s = sibling(j);
            if stack.front() == Some(&s) {
                proof_flags.push(true);
                stack.pop_front();
            } else {
                proof_flags.push(false);
                proof.push(self.tree[s]);
            }
            stack.push_back((j - 1) / 2);
        }
        if indices.is_empty() {
            proof.push(self.tree[0]);
        }
        let leaves = tree_idx.iter().map(|&(_, i)| &self.values[i]).collect();
        Ok(MultiProof {
            leaves,
            proof,
            proof_flags,
        })
    }

    /// Whether a multiproof of values proves them under this tree's root.
    pub fn verify_multiproof(&self, multiproof: &MultiProof<&V>) -> bool {
        let hashed = MultiProof {
            leaves: multiproof
                .leaves
                .iter()
                .map(|v| self.leaf_hash(v))
                .collect(),
            proof: multiproof.proof.clone(),
            proof_flags: multiproof.proof_flags.clone(),
        };
        matches!(process_multi_proof(&hashed), Ok(r) if r == self.root())
    }

    /// Fails with [`MerkleError::RootMismatch`] unless the root is `expected`.
    pub fn check_root(&self, expected: B256) -> Result<()> {
        if self.root() == expected {
            Ok(())
        } else {
            Err(MerkleError::RootMismatch {
                expected,
                found: self.root(),
            })
        }
    }

    /// The dump `StandardMerkleTree.dump()` of the npm package returns.
    pub fn dump(&self) -> TreeDump {
        TreeDump {
            format: Some(FORMAT.to_owned()),
            leaf_encoding: Some(self.leaf_encoding.clone()),
            tree: self
                .tree
                .iter()
                .map(|h| crate::json::hex0x(h.as_slice()))
                .collect(),
            values: self
                .values
                .iter()
                .zip(&self.tree_indices)
                .map(|(v, &t)| DumpValue {
                    value: v.to_json(),
                    tree_index: t as usize,
                })
                .collect(),
        }
    }

    /// The dump as compact JSON, the bytes `JSON.stringify(tree.dump())` gives.
    pub fn to_json(&self) -> String {
        // Serializing strings and integers into a String cannot fail.
        serde_json::to_string(&self.dump()).unwrap_or_default()
    }

    /// Loads a dump and validates it, like `StandardMerkleTree.load`: every
    /// node must be the hash of its children and every value's leaf hash must
    /// be at its `treeIndex`.
    pub fn load(dump: TreeDump) -> Result<Self> {
        let format = dump.format.unwrap_or_default();
        if format != FORMAT {
            return Err(MerkleError::UnknownFormat(format));
        }
        let leaf_encoding = dump.leaf_encoding.ok_or(MerkleError::MissingLeafEncoding)?;
        let types = parse_types(&leaf_encoding)?;
        check_encoding::<V>(&leaf_encoding, &types)?;
        if dump.tree.is_empty() {
            return Err(MerkleError::Empty);
        }
        if dump.tree.len() > 2 * MAX_LEAVES {
            return Err(MerkleError::TooManyValues(dump.tree.len()));
        }
        let tree = dump
            .tree
            .iter()
            .enumerate()
            .map(|(index, s)| {
                parse_node(s).map_err(|reason| MerkleError::BadNode { index, reason })
            })
            .collect::<Result<Vec<B256>>>()?;
        let mut values = Vec::with_capacity(dump.values.len());
        let mut tree_indices = Vec::with_capacity(dump.values.len());
        for (index, DumpValue { value, tree_index }) in dump.values.into_iter().enumerate() {
            values.push(
                V::from_json(&types, &value)
                    .map_err(|reason| MerkleError::BadValue { index, reason })?,
            );
            if tree_index >= tree.len() {
                return Err(MerkleError::ValueNotInTree {
                    index,
                    tree_index,
                    reason: "is out of range",
                });
            }
            // In range, and `tree.len()` fits in u32 (checked above).
            tree_indices.push(u32::try_from(tree_index).unwrap_or(u32::MAX));
        }
        let tree = Self {
            leaf_encoding,
            types,
            tree,
            values,
            tree_indices,
        };
        tree.validate()?;
        Ok(tree)
    }

    /// Parses and loads a dump from JSON (see [`load`](Self::load)).
    pub fn from_json(json: &str) -> Result<Self> {
        Self::load(serde_json::from_str(json)?)
    }

    /// Recomputes every inner node and every value's leaf hash, and fails on
    /// the first that does not match.
    pub fn validate(&self) -> Result<()> {
        let backend = KeccakBackend::current();
        validate_nodes(&self.tree, backend)?;
        let n = self.tree.len();
        let mut buf = Vec::new();
        let mut hashes = [B256::ZERO; BATCH];
        let chunks = self
            .values
            .chunks(BATCH)
            .zip(self.tree_indices.chunks(BATCH));
        for (c, (values, tree_indices)) in chunks.enumerate() {
            let hashes = &mut hashes[..values.len()];
            hash_leaf_chunk(values, hashes, &mut buf, backend);
            for (k, (&t, h)) in tree_indices.iter().zip(hashes.iter()).enumerate() {
                let index = c * BATCH + k;
                let tree_index = t as usize;
                let bad = |reason| MerkleError::ValueNotInTree {
                    index,
                    tree_index,
                    reason,
                };
                if tree_index >= n {
                    return Err(bad("is out of range"));
                }
                if 2 * tree_index + 1 < n {
                    return Err(bad("is not a leaf"));
                }
                if self.tree[tree_index] != *h {
                    return Err(bad("does not hold the value's leaf hash"));
                }
            }
        }
        Ok(())
    }

    fn out_of_range(&self, index: usize) -> MerkleError {
        MerkleError::IndexOutOfRange {
            index,
            len: self.values.len(),
        }
    }
}

impl IndexedTree {
    /// The project's tree over `data`: leaf `i` is `(i, data[i])`.
    pub fn from_data<I>(data: I, options: BuildOptions) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: Into<Bytes>,
    {
        let values = data
            .into_iter()
            .enumerate()
            .map(|(i, d)| IndexedLeaf::new(i as u64, d))
            .collect();
        Self::of(values, &IndexedLeaf::ENCODING, options)
    }
}

/// A dump of a tree: the JSON of `@openzeppelin/merkle-tree`'s
/// `StandardMerkleTree.dump()`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TreeDump {
    /// Always `"standard-v1"` in a valid dump.
    pub format: Option<String>,
    /// The Solidity types of a leaf's fields.
    #[serde(rename = "leafEncoding")]
    pub leaf_encoding: Option<Vec<String>>,
    /// The nodes as `0x` hex, root first.
    pub tree: Vec<String>,
    /// The values in their original order.
    pub values: Vec<DumpValue>,
}

/// One value of a [`TreeDump`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DumpValue {
    /// The leaf's fields as JSON.
    pub value: Value,
    /// The node holding its leaf hash.
    #[serde(rename = "treeIndex")]
    pub tree_index: usize,
}

fn check_encoding<V: LeafValue>(leaf_encoding: &[String], types: &[DynSolType]) -> Result<()> {
    V::check_encoding(types).map_err(|_| MerkleError::EncodingMismatch {
        expected: IndexedLeaf::ENCODING
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        found: leaf_encoding.to_vec(),
    })
}

#[inline]
fn sibling(i: usize) -> usize {
    if i % 2 == 1 { i + 1 } else { i - 1 }
}

/// A node as the npm package reads it: 32 bytes of hex, `0x` optional.
fn parse_node(s: &str) -> Result<B256, String> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if digits.len() != 64 {
        return Err(format!("expected 32 bytes of hex, got {s:?}"));
    }
    let mut out = B256::ZERO;
    alloy_primitives::hex::decode_to_slice(digits, out.as_mut_slice())
        .map_err(|_| format!("expected 32 bytes of hex, got {s:?}"))?;
    Ok(out)
}

/// `isValidMerkleTree` of the npm package.
fn validate_nodes(tree: &[B256], backend: KeccakBackend) -> Result<()> {
    let n = tree.len();
    if n.is_multiple_of(2) {
        return Err(MerkleError::InvalidTreeShape(n));
    }
    let inner = n / 2;
    // The first inner node of `lo..hi` that is not the hash of its children;
    // the children of nodes `s..e` are the contiguous `2s+1 .. 2e+1`.
    let first_bad = |lo: usize, hi: usize| {
        let mut hashes = [B256::ZERO; BATCH];
        (lo..hi).step_by(BATCH).find_map(|s| {
            let e = (s + BATCH).min(hi);
            let hashes = &mut hashes[..e - s];
            hash_pairs_on(backend, &tree[2 * s + 1..2 * e + 1], hashes);
            hashes
                .iter()
                .zip(&tree[s..e])
                .position(|(h, t)| h != t)
                .map(|p| s + p)
        })
    };
    #[cfg(feature = "parallel")]
    let bad = {
        use rayon::prelude::*;
        (0..inner.div_ceil(PAR_CHUNK))
            .into_par_iter()
            .find_map_first(|c| first_bad(c * PAR_CHUNK, ((c + 1) * PAR_CHUNK).min(inner)))
    };
    #[cfg(not(feature = "parallel"))]
    let bad = first_bad(0, inner);
    match bad {
        Some(index) => Err(MerkleError::InvalidTree { index }),
        None => Ok(()),
    }
}

/// Builds the node array and the value-to-node index.
fn build<V: LeafValue>(values: &[V], options: BuildOptions) -> Result<(Vec<B256>, Vec<u32>)> {
    let n = values.len();
    if n == 0 {
        return Err(MerkleError::Empty);
    }
    if n > MAX_LEAVES {
        return Err(MerkleError::TooManyValues(n));
    }
    let len = 2 * n - 1;
    let parallel = options.parallel && cfg!(feature = "parallel");
    // Decided once, on this thread, for all the threads that hash.
    let backend = KeccakBackend::current();
    // Leaf `k` lives at node `len - 1 - k`, so the leaf region read backwards
    // is the leaf order. Hash value `i` into leaf `i` first.
    let mut tree = vec![B256::ZERO; len];
    hash_leaves(values, &mut tree[n - 1..], backend, parallel);

    let tree_indices = if options.sort_leaves {
        sort_leaves(&mut tree, n, parallel)
    } else {
        (0..n).map(|k| (len - 1 - k) as u32).collect()
    };

    hash_inner(&mut tree, n, backend, parallel);
    Ok((tree, tree_indices))
}

/// Hashes the values into the leaf region, reversed: `leaves[n - 1 - i]` =
/// `leaf_hash(values[i])`, [`BATCH`] values per kernel call.
fn hash_leaves<V: LeafValue>(
    values: &[V],
    leaves: &mut [B256],
    backend: KeccakBackend,
    parallel: bool,
) {
    // `values.rchunks(c)` and `leaves.chunks_mut(c)` pair up chunk for chunk,
    // each leaf chunk being its value chunk reversed.
    let chunk = |(values, leaves): (&[V], &mut [B256]), buf: &mut Vec<u8>| {
        hash_leaf_chunk(values, leaves, buf, backend);
        leaves.reverse();
    };
    #[cfg(feature = "parallel")]
    if parallel && values.len() >= PAR_MIN_NODES {
        use rayon::prelude::*;
        values
            .par_rchunks(PAR_CHUNK)
            .zip(leaves.par_chunks_mut(PAR_CHUNK))
            .for_each_init(|| Vec::with_capacity(BATCH * 256), |buf, c| chunk(c, buf));
        return;
    }
    let _ = parallel;
    let mut buf = Vec::with_capacity(BATCH * 256);
    values
        .rchunks(BATCH)
        .zip(leaves.chunks_mut(BATCH))
        .for_each(|c| chunk(c, &mut buf));
}

/// `out[i] = leaf_hash(values[i])`, encoding [`BATCH`] values at a time
/// into `buf`.
fn hash_leaf_chunk<V: LeafValue>(
    values: &[V],
    out: &mut [B256],
    buf: &mut Vec<u8>,
    backend: KeccakBackend,
) {
    for (values, out) in values.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
        buf.clear();
        let mut ends = [0usize; BATCH];
        for (end, v) in ends.iter_mut().zip(values) {
            v.abi_encode_into(buf);
            *end = buf.len();
        }
        let mut msgs: [&[u8]; BATCH] = [&[]; BATCH];
        let mut start = 0;
        for (m, &end) in msgs.iter_mut().zip(&ends[..values.len()]) {
            *m = &buf[start..end];
            start = end;
        }
        Job::Leaf {
            msgs: &msgs[..values.len()],
            out,
        }
        .run(backend);
    }
}

/// Sorts the leaves by hash, ties in value order (the npm package's stable
/// sort), and returns each value's node.
///
/// Sorts 16-byte keys (hash prefix, value index) rather than the hashes, and
/// gathers the hashes in sorted order into the inner-node slots, which are
/// not hashed yet (`n - 1` of them, plus one hash on the side), before copying
/// them back: the only extra memory is the keys.
fn sort_leaves(tree: &mut [B256], n: usize, parallel: bool) -> Vec<u32> {
    let len = 2 * n - 1;
    let (inner, leaves) = tree.split_at_mut(n - 1);
    // Value `i`'s hash is at `leaves[n - 1 - i]`.
    let hash_of = |leaves: &[B256], i: u32| leaves[n - 1 - i as usize];
    let mut keys: Vec<(u64, u32)> = (0..n as u32)
        .map(|i| {
            let mut prefix = [0u8; 8];
            prefix.copy_from_slice(&hash_of(leaves, i)[..8]);
            (u64::from_be_bytes(prefix), i)
        })
        .collect();
    {
        let leaves: &[B256] = leaves;
        let cmp = |a: &(u64, u32), b: &(u64, u32)| {
            a.0.cmp(&b.0)
                .then_with(|| hash_of(leaves, a.1).cmp(&hash_of(leaves, b.1)))
                .then(a.1.cmp(&b.1))
        };
        #[cfg(feature = "parallel")]
        if parallel {
            use rayon::slice::ParallelSliceMut;
            keys.par_sort_unstable_by(cmp);
        } else {
            keys.sort_unstable_by(cmp);
        }
        #[cfg(not(feature = "parallel"))]
        {
            let _ = parallel;
            keys.sort_unstable_by(cmp);
        }
    }
    // Leaf `k` (the k-th smallest) goes to node `len - 1 - k`, i.e. to
    // `leaves[n - 1 - k]`; `inner[j]` stages `leaves[j + 1]`, so leaf `n - 2 - j`.
    let staged = |leaves: &[B256], j: usize| hash_of(leaves, keys[n - 2 - j].1);
    #[cfg(feature = "parallel")]
    if parallel && n >= PAR_MIN_NODES {
        use rayon::prelude::*;
        let leaves: &[B256] = leaves;
        inner
            .par_iter_mut()
            .enumerate()
            .for_each(|(j, slot)| *slot = staged(leaves, j));
    } else {
        inner
            .iter_mut()
            .enumerate()
            .for_each(|(j, slot)| *slot = staged(leaves, j));
    }
    #[cfg(not(feature = "parallel"))]
    inner
        .iter_mut()
        .enumerate()
        .for_each(|(j, slot)| *slot = staged(leaves, j));
    let largest = hash_of(leaves, keys[n - 1].1);
    leaves[1..].copy_from_slice(inner);
    leaves[0] = largest;

    let mut tree_indices = vec![0u32; n];
    for (k, &(_, i)) in keys.iter().enumerate() {
        tree_indices[i as usize] = (len - 1 - k) as u32;
    }
    tree_indices
}

/// Hashes the inner nodes `0..n-1` from their children, one depth at a
/// time, deepest first (a depth's children are all deeper).
fn hash_inner(tree: &mut [B256], n: usize, backend: KeccakBackend, parallel: bool) {
    if n < 2 {
        return;
    }
    // Depth d holds nodes 2^d-1 .. 2^(d+1)-1.
    let last_inner = n - 2;
    let max_depth = (usize::BITS - 1 - (last_inner + 1).leading_zeros()) as usize;
    for d in (0..=max_depth).rev() {
        let lo = (1usize << d) - 1;
        let hi = ((1usize << (d + 1)) - 1).min(n - 1);
        let (head, children) = tree.split_at_mut(hi);
        let level = &mut head[lo..];
        // Node `lo + j`'s children are `2 (lo + j) + 1` and the next one, at or
        // past `hi` (`hi <= 2 lo + 1`): the level's children are contiguous.
        let first = 2 * lo + 1 - hi;
        let children = &children[first..first + 2 * level.len()];
        #[cfg(feature = "parallel")]
        if parallel && level.len() >= PAR_MIN_NODES {
            use rayon::prelude::*;
            level
                .par_chunks_mut(PAR_CHUNK)
                .zip(children.par_chunks(2 * PAR_CHUNK))
                .for_each(|(level, children)| hash_pairs_on(backend, children, level));
            continue;
        }
        let _ = parallel;
        hash_pairs_on(backend, children, level);
    }
}
