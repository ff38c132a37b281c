//! Data by root: serving the leaves of a tree with multiproofs, and checking every leaf received.
//!
//! A node serves any [`IndexedTree`] it holds (a hub its inputs and results, a buyer its inputs, a watcher what it
//! fetched) from a [`DataStore`]; whoever asks names the root it trusts (from the chain) and checks every leaf
//! against it before use. A leaf too large for one answer is proven by its hash and fetched in chunks, checked once
//! whole.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use alloy::primitives::{B256, Bytes, U256};
use sonm_merkle::{IndexedLeaf, IndexedTree, LeafValue as _, hash_pairs, leaf_hashes};

use crate::protocol::{DataRequest, DataResponse, LeafData, ProtocolLimits, WireLeaf};
use crate::{NetError, Result};

/// A tree being served, with the map from bottom-layer positions to leaf indices.
#[derive(Debug)]
struct ServedTree {
    tree: IndexedTree,
    by_position: Vec<u32>,
}

/// The trees a node serves, by root. Cloning shares the store.
#[derive(Clone, Debug, Default)]
pub struct DataStore {
    trees: Arc<RwLock<HashMap<B256, Arc<ServedTree>>>>,
}

impl DataStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `tree`, whose leaf `i` must be `(i, data_i)` (the project's layout). Returns its root.
    pub fn insert(&self, tree: IndexedTree) -> Result<B256> {
        let n = tree.len();
        let nodes = tree.tree().len();
        let mut by_position = vec![0u32; n];
        for (i, leaf) in tree.values().iter().enumerate() {
            if leaf.index != U256::from(i) {
                return Err(NetError::Invalid(format!(
                    "leaf {i} of the tree has index {}: a served tree's leaf i must be (i, data)",
                    leaf.index
                )));
            }
            let node = tree.tree_index(i)?;
            // The n leaves are the last n nodes, in reverse order.
            let position = nodes - 1 - node;
            let slot = by_position.get_mut(position).ok_or_else(|| {
                NetError::Invalid(format!(
                    "leaf {i} sits at node {node}, outside the bottom layer"
                ))
            })?;
            *slot = u32::try_from(i).map_err(|_| NetError::Invalid("too many leaves".into()))?;
        }
        let root = tree.root();
        self.write()
            .insert(root, Arc::new(ServedTree { tree, by_position }));
        Ok(root)
    }

    /// Stops serving `root`; whether it was served.
    pub fn remove(&self, root: &B256) -> bool {
        self.write().remove(root).is_some()
    }

    /// Whether `root` is served.
    pub fn contains(&self, root: &B256) -> bool {
        self.read().contains_key(root)
    }

    /// The roots served.
    pub fn roots(&self) -> Vec<B256> {
        self.read().keys().copied().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<B256, Arc<ServedTree>>> {
        self.trees
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<B256, Arc<ServedTree>>> {
        self.trees
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The answer to `request`.
    pub fn answer(&self, request: &DataRequest, limits: &ProtocolLimits) -> DataResponse {
        let root = match request {
            DataRequest::Leaves { root, .. }
            | DataRequest::Span { root, .. }
            | DataRequest::Chunk { root, .. } => *root,
        };
        let Some(served) = self.read().get(&root).cloned() else {
            return refused(format!("root {root} is not served here"));
        };
        let n = served.tree.len() as u64;
        match *request {
            DataRequest::Leaves { start, count, .. } | DataRequest::Span { start, count, .. } => {
                if start >= n || count == 0 {
                    return refused(format!(
                        "{start} is outside the tree's {n} leaves or asks none"
                    ));
                }
                let by_position = matches!(request, DataRequest::Span { .. });
                let want = u64::from(count.min(limits.max_leaves_per_response)).min(n - start);
                let index_at = |k: u64| -> usize {
                    let at = (start + k) as usize;
                    if by_position {
                        served.by_position[at] as usize
                    } else {
                        at
                    }
                };
                // Take leaves while their data fits half the answer, leaving room for the proof; halve the count
                // until data and proof fit together.
                let budget = limits.max_data_response_bytes / 2;
                let mut used = 0u64;
                let mut take = 0u64;
                while take < want {
                    let leaf = &served.tree.values()[index_at(take)];
                    let cost = leaf_cost(leaf, limits);
                    if take > 0 && used + cost > budget {
                        break;
                    }
                    used += cost;
                    take += 1;
                }
                loop {
                    let indices: Vec<usize> = (0..take).map(index_at).collect();
                    let mp = match served.tree.multiproof(&indices) {
                        Ok(mp) => mp,
                        Err(e) => return refused(e.to_string()),
                    };
                    let proof_bytes = (mp.proof.len() * 33 + mp.proof_flags.len()) as u64;
                    if take > 1 && used + proof_bytes > limits.max_data_response_bytes - 1024 {
                        take /= 2;
                        used = (0..take)
                            .map(|k| leaf_cost(&served.tree.values()[index_at(k)], limits))
                            .sum();
                        continue;
                    }
                    let leaves = mp
                        .leaves
                        .iter()
                        .map(|leaf| wire_leaf(leaf, limits))
                        .collect();
                    return DataResponse::Leaves {
                        leaf_count: n,
                        leaves,
                        proof: mp.proof,
                        proof_flags: mp.proof_flags,
                    };
                }
            }
            DataRequest::Chunk {
                index, offset, len, ..
            } => {
                let Some(leaf) = usize::try_from(index)
                    .ok()
                    .and_then(|i| served.tree.values().get(i))
                else {
                    return refused(format!("leaf {index} is outside the tree's {n} leaves"));
                };
                let size = leaf.data.len() as u64;
                if offset >= size {
                    return refused(format!(
                        "offset {offset} is past leaf {index}'s {size} bytes"
                    ));
                }
                let len = u64::from(len)
                    .min(u64::from(limits.chunk_bytes))
                    .min(size - offset);
                DataResponse::Chunk {
                    data: leaf.data.slice(offset as usize..(offset + len) as usize),
                }
            }
        }
    }
}

fn refused(reason: String) -> DataResponse {
    DataResponse::Refused { reason }
}

/// About what a leaf adds to an answer (CBOR framing included).
fn leaf_cost(leaf: &IndexedLeaf, limits: &ProtocolLimits) -> u64 {
    let len = leaf.data.len() as u64;
    if len > limits.max_inline_leaf {
        56
    } else {
        len + 24
    }
}

fn wire_leaf(leaf: &IndexedLeaf, limits: &ProtocolLimits) -> WireLeaf {
    let index = leaf.index.saturating_to::<u64>();
    let data = if leaf.data.len() as u64 > limits.max_inline_leaf {
        LeafData::Large {
            len: leaf.data.len() as u64,
            hash: leaf.leaf_hash(),
        }
    } else {
        LeafData::Inline(leaf.data.clone())
    };
    WireLeaf { index, data }
}

/// The leaf hashes of `leaves` (the claimed hash for a large leaf), hashed in SIMD batches.
pub(crate) fn wire_leaf_hashes(leaves: &[WireLeaf]) -> Vec<B256> {
    // One buffer for every encoding, so batching costs no allocation per leaf.
    let mut buf = Vec::new();
    let mut ends = Vec::with_capacity(leaves.len());
    for leaf in leaves {
        if let LeafData::Inline(data) = &leaf.data {
            // abi.encode(uint256 index, bytes data): index, offset 0x40, length, data padded to 32.
            let mut index = [0u8; 32];
            index[24..].copy_from_slice(&leaf.index.to_be_bytes());
            buf.extend_from_slice(&index);
            let mut word = [0u8; 32];
            word[31] = 0x40;
            buf.extend_from_slice(&word);
            buf.extend_from_slice(&U256::from(data.len()).to_be_bytes::<32>());
            buf.extend_from_slice(data);
            buf.resize(buf.len() + (32 - data.len() % 32) % 32, 0);
        }
        ends.push(buf.len());
    }
    let mut slices: Vec<&[u8]> = Vec::with_capacity(leaves.len());
    let mut start = 0;
    for (leaf, &end) in leaves.iter().zip(&ends) {
        if matches!(leaf.data, LeafData::Inline(_)) {
            slices.push(&buf[start..end]);
        }
        start = end;
    }
    let mut hashed = vec![B256::ZERO; slices.len()];
    leaf_hashes(&slices, &mut hashed);
    let mut hashed = hashed.into_iter();
    leaves
        .iter()
        .map(|leaf| match &leaf.data {
            LeafData::Large { hash, .. } => *hash,
            LeafData::Inline(_) => hashed.next().unwrap_or_default(),
        })
        .collect()
}

/// The root a multiproof over leaf hashes implies, as OpenZeppelin's `processMultiProof` computes it (and
/// `sonm_merkle::process_multi_proof`), but hashing every run of independent steps as one SIMD batch; `None` where
/// the reference fails.
pub fn process_multi_proof_batched(
    leaves: &[B256],
    proof: &[B256],
    flags: &[bool],
) -> Option<B256> {
    let (l, p, f) = (leaves.len(), proof.len(), flags.len());
    if p < flags.iter().filter(|x| !**x).count() || l + p != f + 1 {
        return None;
    }
    if f == 0 {
        return leaves.first().or(proof.first()).copied();
    }
    // Step k hashes two operands and appends the result as value l + k; the queue reads values in order.
    let mut values = Vec::with_capacity(l + f);
    values.extend_from_slice(leaves);
    let mut queue = 0usize;
    let mut next_proof = 0usize;
    let mut children: Vec<B256> = Vec::new();
    let mut step = 0usize;
    while step < f {
        // A batch: the steps from `step` whose operands are all computed already.
        let ready = l + step;
        children.clear();
        let mut k = step;
        while k < f {
            let needs = if flags[k] { queue + 1 } else { queue };
            if needs >= ready {
                break;
            }
            children.push(values[queue]);
            queue += 1;
            if flags[k] {
                children.push(values[queue]);
                queue += 1;
            } else {
                children.push(proof[next_proof]);
                next_proof += 1;
            }
            k += 1;
        }
        if k == step {
            // The next step reads a value not computed yet: the queue ran dry.
            return None;
        }
        let start = values.len();
        values.resize(start + (k - step), B256::ZERO);
        hash_pairs(&children, &mut values[start..]);
        step = k;
    }
    // Everything consumed but the last value, as the reference requires.
    if queue != l + f - 1 || next_proof != p {
        return None;
    }
    values.last().copied()
}

/// Checks a [`DataResponse::Leaves`] against `root`: every leaf (inline data, or a large leaf's hash) is under it.
pub(crate) fn verify_leaves(
    root: B256,
    leaves: &[WireLeaf],
    proof: &[B256],
    proof_flags: &[bool],
) -> std::result::Result<(), &'static str> {
    if leaves.is_empty() {
        return Err("no leaves");
    }
    let hashes = wire_leaf_hashes(leaves);
    match process_multi_proof_batched(&hashes, proof, proof_flags) {
        Some(r) if r == root => Ok(()),
        _ => Err("a leaf is not under the root"),
    }
}

/// Checks a large leaf's assembled data against the hash its multiproof proved.
pub(crate) fn verify_large(index: u64, data: &Bytes, hash: B256) -> bool {
    IndexedLeaf {
        index: U256::from(index),
        data: data.clone(),
    }
    .leaf_hash()
        == hash
}

#[cfg(test)]
mod tests {
    use rand::{Rng as _, SeedableRng as _};
    use sonm_merkle::{BuildOptions, MultiProof, process_multi_proof};

    use super::*;

    fn tree(n: usize, len: impl Fn(usize) -> usize) -> IndexedTree {
        IndexedTree::from_data(
            (0..n).map(|i| vec![(i % 251) as u8; len(i)]),
            BuildOptions::default(),
        )
        .expect("tree")
    }

    #[test]
    fn the_batched_multiproof_agrees_with_the_reference() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for n in [1usize, 2, 3, 5, 8, 13, 64, 100, 1000] {
            let t = tree(n, |i| i % 70);
            for _ in 0..20 {
                let k = rng.random_range(0..=n);
                let mut idx: Vec<usize> = (0..n).collect();
                for i in 0..k {
                    let j = rng.random_range(i..n);
                    idx.swap(i, j);
                }
                idx.truncate(k);
                let mp = t.multiproof(&idx).expect("multiproof");
                let hashed = MultiProof {
                    leaves: mp.leaves.iter().map(|v| v.leaf_hash()).collect::<Vec<_>>(),
                    proof: mp.proof.clone(),
                    proof_flags: mp.proof_flags.clone(),
                };
                let reference = process_multi_proof(&hashed).ok();
                let batched =
                    process_multi_proof_batched(&hashed.leaves, &hashed.proof, &hashed.proof_flags);
                assert_eq!(batched, reference, "n {n} k {k}");
                assert_eq!(batched, Some(t.root()));
                // Broken ones fail where the reference fails, or give another root.
                let mut flags = hashed.proof_flags.clone();
                if let Some(f) = flags.first_mut() {
                    *f = !*f;
                    let r = process_multi_proof(&MultiProof {
                        leaves: hashed.leaves.clone(),
                        proof: hashed.proof.clone(),
                        proof_flags: flags.clone(),
                    })
                    .ok();
                    assert_eq!(
                        process_multi_proof_batched(&hashed.leaves, &hashed.proof, &flags),
                        r
                    );
                }
                let mut short = hashed.proof.clone();
                if short.pop().is_some() {
                    assert_eq!(
                        process_multi_proof_batched(&hashed.leaves, &short, &hashed.proof_flags),
                        None
                    );
                }
            }
        }
    }

    fn leaves_of(resp: DataResponse) -> (u64, Vec<WireLeaf>, Vec<B256>, Vec<bool>) {
        match resp {
            DataResponse::Leaves {
                leaf_count,
                leaves,
                proof,
                proof_flags,
            } => (leaf_count, leaves, proof, proof_flags),
            other => panic!("not leaves: {other:?}"),
        }
    }

    #[test]
    fn a_served_range_and_span_verify_and_a_tampered_leaf_does_not() {
        let t = tree(1000, |i| i % 90);
        let root = t.root();
        let store = DataStore::new();
        assert_eq!(store.insert(t.clone()).expect("insert"), root);
        let limits = ProtocolLimits::default();
        for request in [
            DataRequest::Leaves {
                root,
                start: 100,
                count: 50,
            },
            DataRequest::Span {
                root,
                start: 0,
                count: 1000,
            },
            DataRequest::Span {
                root,
                start: 999,
                count: 5,
            },
        ] {
            let (n, leaves, proof, flags) = leaves_of(store.answer(&request, &limits));
            assert_eq!(n, 1000);
            verify_leaves(root, &leaves, &proof, &flags).expect("verifies");
            if let DataRequest::Leaves { start, count, .. } = request {
                let mut got: Vec<u64> = leaves.iter().map(|l| l.index).collect();
                got.sort_unstable();
                assert_eq!(got, (start..start + u64::from(count)).collect::<Vec<_>>());
            }
            for leaf in &leaves {
                let LeafData::Inline(data) = &leaf.data else {
                    panic!("inline")
                };
                assert_eq!(data, &t.values()[leaf.index as usize].data);
            }
            let mut tampered = leaves.clone();
            let last = tampered.len() - 1;
            tampered[last].data = LeafData::Inline(Bytes::from_static(b"forged"));
            assert!(verify_leaves(root, &tampered, &proof, &flags).is_err());
            let mut moved = leaves.clone();
            moved[0].index += 1;
            assert!(verify_leaves(root, &moved, &proof, &flags).is_err());
            assert!(verify_leaves(B256::repeat_byte(1), &leaves, &proof, &flags).is_err());
        }
    }

    #[test]
    fn answers_stay_within_their_limits() {
        let t = tree(5000, |_| 64);
        let root = t.root();
        let store = DataStore::new();
        store.insert(t).expect("insert");
        let limits = ProtocolLimits {
            max_data_response_bytes: 64 << 10,
            max_leaves_per_response: 4000,
            ..ProtocolLimits::default()
        };
        for request in [
            DataRequest::Leaves {
                root,
                start: 0,
                count: 5000,
            },
            DataRequest::Span {
                root,
                start: 0,
                count: 5000,
            },
        ] {
            let resp = store.answer(&request, &limits);
            let bytes = serde_cbor_len(&resp);
            assert!(bytes <= 64 << 10, "{bytes} bytes");
            let (_, leaves, proof, flags) = leaves_of(resp);
            assert!(!leaves.is_empty() && leaves.len() < 5000);
            verify_leaves(root, &leaves, &proof, &flags).expect("verifies");
        }
        for bad in [
            DataRequest::Leaves {
                root,
                start: 5000,
                count: 1,
            },
            DataRequest::Span {
                root,
                start: 0,
                count: 0,
            },
            DataRequest::Leaves {
                root: B256::ZERO,
                start: 0,
                count: 1,
            },
            DataRequest::Chunk {
                root,
                index: 5000,
                offset: 0,
                len: 1,
            },
            DataRequest::Chunk {
                root,
                index: 0,
                offset: 64,
                len: 1,
            },
        ] {
            assert!(
                matches!(store.answer(&bad, &limits), DataResponse::Refused { .. }),
                "{bad:?}"
            );
        }
    }

    fn serde_cbor_len(resp: &DataResponse) -> usize {
        // The size as the protocol's codec writes it.
        libp2p_cbor_len(resp)
    }

    fn libp2p_cbor_len(resp: &DataResponse) -> usize {
        use futures::executor::block_on;
        use libp2p::request_response::Codec as _;
        let mut codec =
            libp2p::request_response::cbor::codec::Codec::<DataRequest, DataResponse>::default();
        let mut out = futures::io::Cursor::new(Vec::new());
        block_on(codec.write_response(
            &libp2p::StreamProtocol::new(crate::protocol::DATA_PROTOCOL),
            &mut out,
            resp.clone(),
        ))
        .expect("encode");
        out.into_inner().len()
    }

    #[test]
    fn a_large_leaf_is_proven_by_its_hash_and_served_in_chunks() {
        let limits = ProtocolLimits {
            max_inline_leaf: 100,
            chunk_bytes: 64,
            ..ProtocolLimits::default()
        };
        let t = tree(10, |i| if i == 3 { 1000 } else { 10 });
        let root = t.root();
        let store = DataStore::new();
        store.insert(t.clone()).expect("insert");
        let (_, leaves, proof, flags) = leaves_of(store.answer(
            &DataRequest::Leaves {
                root,
                start: 0,
                count: 10,
            },
            &limits,
        ));
        verify_leaves(root, &leaves, &proof, &flags).expect("verifies");
        let large = leaves.iter().find(|l| l.index == 3).expect("leaf 3");
        let LeafData::Large { len, hash } = large.data else {
            panic!("large")
        };
        assert_eq!(len, 1000);
        let mut data = Vec::new();
        while (data.len() as u64) < len {
            let request = DataRequest::Chunk {
                root,
                index: 3,
                offset: data.len() as u64,
                len: 1000,
            };
            match store.answer(&request, &limits) {
                DataResponse::Chunk { data: chunk } => {
                    assert!(chunk.len() <= 64);
                    data.extend_from_slice(&chunk);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(verify_large(3, &Bytes::from(data.clone()), hash));
        data[500] ^= 1;
        assert!(!verify_large(3, &Bytes::from(data), hash));
    }

    #[test]
    fn a_tree_whose_leaves_are_not_numbered_in_order_is_not_served() {
        let values = vec![IndexedLeaf::new(5, vec![1]), IndexedLeaf::new(6, vec![2])];
        let t =
            IndexedTree::of(values, &IndexedLeaf::ENCODING, BuildOptions::default()).expect("tree");
        assert!(DataStore::new().insert(t).is_err());
    }

    #[test]
    fn a_random_forgery_never_verifies() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let t = tree(257, |i| i % 40);
        let root = t.root();
        let store = DataStore::new();
        store.insert(t).expect("insert");
        let (_, leaves, proof, flags) = leaves_of(store.answer(
            &DataRequest::Span {
                root,
                start: 17,
                count: 100,
            },
            &ProtocolLimits::default(),
        ));
        for _ in 0..200 {
            let mut forged = leaves.clone();
            let i = rng.random_range(0..forged.len());
            let LeafData::Inline(data) = &forged[i].data else {
                panic!("inline")
            };
            let mut d = data.to_vec();
            if d.is_empty() {
                d.push(0);
            } else {
                let j = rng.random_range(0..d.len());
                d[j] ^= 1 << rng.random_range(0..8);
            }
            forged[i].data = LeafData::Inline(d.into());
            assert!(verify_leaves(root, &forged, &proof, &flags).is_err());
        }
    }
}
