//! The hashes of the standard tree: leaf hash, sorted-pair node hash, proofs.

use alloy_primitives::{B256, keccak256};

use crate::keccak::{BATCH, Job, KeccakBackend};
use crate::{MerkleError, Result};

/// The standard leaf hash of an ABI-encoded value:
/// `keccak256(bytes.concat(keccak256(encoded)))`.
///
/// `encoded` is `abi.encode(values...)` for the tree's leaf encoding. Hashing
/// twice keeps a leaf from ever equalling an inner node (second preimage).
#[inline]
pub fn leaf_hash(encoded: &[u8]) -> B256 {
    keccak256(keccak256(encoded))
}

/// The node hash: `keccak256` of the two children concatenated smaller first,
/// as OpenZeppelin's `MerkleProof` expects (`Hashes.commutativeKeccak256`).
#[inline]
pub fn hash_pair(a: &B256, b: &B256) -> B256 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(lo.as_slice());
    buf[32..].copy_from_slice(hi.as_slice());
    keccak256(buf)
}

/// `out[i] = keccak256(msgs[i])` for every message, several messages at a
/// time with SIMD when the CPU has it ([`KeccakBackend::current`]).
///
/// Panics unless `out` is as long as `msgs`.
pub fn keccak256_batch<M: AsRef<[u8]>>(msgs: &[M], out: &mut [B256]) {
    assert_eq!(msgs.len(), out.len(), "one output per message");
    run_slices(msgs, out, |msgs, out| Job::Keccak { msgs, out });
}

/// `out[i] = leaf_hash(encoded[i])` (see [`leaf_hash`]) for every encoded
/// value, several at a time with SIMD when the CPU has it.
///
/// Panics unless `out` is as long as `encoded`.
pub fn leaf_hashes<M: AsRef<[u8]>>(encoded: &[M], out: &mut [B256]) {
    assert_eq!(encoded.len(), out.len(), "one output per value");
    run_slices(encoded, out, |msgs, out| Job::Leaf { msgs, out });
}

/// `out[i] = hash_pair(&children[2 * i], &children[2 * i + 1])` (see
/// [`hash_pair`]): one level of a tree, several nodes at a time with SIMD when
/// the CPU has it.
///
/// Panics unless `children` is twice as long as `out`.
pub fn hash_pairs(children: &[B256], out: &mut [B256]) {
    hash_pairs_on(KeccakBackend::current(), children, out);
}

/// [`hash_pairs`] on a given backend.
pub(crate) fn hash_pairs_on(backend: KeccakBackend, children: &[B256], out: &mut [B256]) {
    assert_eq!(children.len(), 2 * out.len(), "two children per node");
    Job::Pairs {
        nodes: children,
        out,
    }
    .run(backend);
}

/// Runs a job over messages given as `AsRef<[u8]>`, [`BATCH`] at a time.
fn run_slices<M: AsRef<[u8]>>(
    msgs: &[M],
    out: &mut [B256],
    job: impl for<'a> Fn(&'a [&'a [u8]], &'a mut [B256]) -> Job<'a>,
) {
    let backend = KeccakBackend::current();
    for (m, o) in msgs.chunks(BATCH).zip(out.chunks_mut(BATCH)) {
        let mut slices: [&[u8]; BATCH] = [&[]; BATCH];
        for (s, m) in slices.iter_mut().zip(m) {
            *s = m.as_ref();
        }
        job(&slices[..m.len()], o).run(backend);
    }
}

/// Folds a proof over a leaf hash and returns the root it implies.
pub fn process_proof(leaf: B256, proof: &[B256]) -> B256 {
    proof
        .iter()
        .fold(leaf, |acc, sibling| hash_pair(&acc, sibling))
}

/// Whether `proof` proves the leaf hash `leaf` under `root`
/// (what `MerkleProof.verify` checks on chain).
pub fn verify_proof(root: B256, leaf: B256, proof: &[B256]) -> bool {
    process_proof(leaf, proof) == root
}

/// A multiproof over leaf hashes, in the layout of OpenZeppelin's
/// `MerkleProof.multiProofVerify`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiProof<L> {
    /// The leaves proven, in the order the proof consumes them.
    pub leaves: Vec<L>,
    /// The sibling hashes the leaves do not provide.
    pub proof: Vec<B256>,
    /// For each step, whether the second operand comes from the leaves/stack
    /// (`true`) or from `proof` (`false`).
    pub proof_flags: Vec<bool>,
}

/// Rebuilds the root implied by a multiproof over leaf hashes.
///
/// Fails, like the npm package, when the parts do not fit together.
pub fn process_multi_proof(multiproof: &MultiProof<B256>) -> Result<B256> {
    let MultiProof {
        leaves,
        proof,
        proof_flags,
    } = multiproof;
    if proof.len() < proof_flags.iter().filter(|f| !**f).count() {
        return Err(MerkleError::InvalidMultiProof("invalid multiproof format"));
    }
    if leaves.len() + proof.len() != proof_flags.len() + 1 {
        return Err(MerkleError::InvalidMultiProof(
            "provided leaves and multiproof are not compatible",
        ));
    }
    let mut stack: std::collections::VecDeque<B256> = leaves.iter().copied().collect();
    let mut proof: std::collections::VecDeque<B256> = proof.iter().copied().collect();
    for &flag in proof_flags {
        let a = stack.pop_front();
        let b = if flag {
            stack.pop_front()
        } else {
            proof.pop_front()
        };
        match (a, b) {
            (Some(a), Some(b)) => stack.push_back(hash_pair(&a, &b)),
            _ => return Err(MerkleError::InvalidMultiProof("ran out of hashes")),
        }
    }
    if stack.len() + proof.len() != 1 {
        return Err(MerkleError::InvalidMultiProof("hashes left over"));
    }
    stack
        .pop_back()
        .or_else(|| proof.pop_front())
        .ok_or(MerkleError::InvalidMultiProof("ran out of hashes"))
}

/// Whether a multiproof over leaf hashes proves them under `root`.
pub fn verify_multi_proof(root: B256, multiproof: &MultiProof<B256>) -> bool {
    matches!(process_multi_proof(multiproof), Ok(r) if r == root)
}
