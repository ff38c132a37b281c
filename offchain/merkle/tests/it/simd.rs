//! The SIMD keccak backends against the scalar one: the same trees, dumps,
//! validation errors and batch hashes, whichever backend computes them.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sonm_merkle::{
    B256, BuildOptions, DynSolValue, DynTree, IndexedLeaf, IndexedTree, KeccakBackend, MerkleError,
    U256, hash_pair, hash_pairs, keccak256_batch, leaf_hash, leaf_hashes, with_keccak_backend,
};

const SCALAR: KeccakBackend = KeccakBackend::Scalar;

fn random_bytes(rng: &mut StdRng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.random()).collect()
}

/// Leaves with 0 to 300 bytes of data: 1 to 4 keccak blocks, mixed in every
/// batch.
fn random_leaves(rng: &mut StdRng, n: usize) -> Vec<IndexedLeaf> {
    (0..n)
        .map(|i| {
            let len = match rng.random_range(0..4) {
                0 => 32,
                1 => rng.random_range(33..=64),
                _ => rng.random_range(0..=300),
            };
            IndexedLeaf::new(i as u64, random_bytes(rng, len))
        })
        .collect()
}

#[test]
fn the_default_backend_is_supported() {
    assert!(KeccakBackend::detected().is_supported());
    assert_eq!(KeccakBackend::current(), KeccakBackend::detected());
    for b in KeccakBackend::supported() {
        assert_eq!(with_keccak_backend(b, KeccakBackend::current), b);
        // nested, and restored after
        with_keccak_backend(b, || {
            with_keccak_backend(SCALAR, || assert_eq!(KeccakBackend::current(), SCALAR));
            assert_eq!(KeccakBackend::current(), b);
        });
    }
    assert_eq!(KeccakBackend::current(), KeccakBackend::detected());
}

#[test]
fn indexed_trees_are_the_same_on_every_backend() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(11);
    let mut sizes: Vec<usize> = (1..=40).collect();
    sizes.extend([63, 64, 65, 255, 257, 1000, 4097, 9000]);
    for n in sizes {
        let mut values = random_leaves(&mut rng, n);
        if n > 5 {
            // equal leaves keep their order
            values[n / 2] = values[1].clone();
            values[n - 1] = values[1].clone();
        }
        for sort in [true, false] {
            let opts = BuildOptions::default().sort_leaves(sort).parallel(false);
            let scalar = with_keccak_backend(SCALAR, || {
                IndexedTree::of(values.clone(), &IndexedLeaf::ENCODING, opts)
            })?;
            for backend in KeccakBackend::supported() {
                // (below 4096 leaves the parallel build is the serial one)
                for parallel in [false, true].into_iter().filter(|&p| !p || n >= 4096) {
                    let tree = with_keccak_backend(backend, || {
                        IndexedTree::of(
                            values.clone(),
                            &IndexedLeaf::ENCODING,
                            opts.parallel(parallel),
                        )
                    })?;
                    assert_eq!(
                        tree, scalar,
                        "n={n} sort={sort} {backend} parallel={parallel}"
                    );
                }
            }
            // and leaf by leaf, against the plain leaf hash
            for (i, v) in values.iter().enumerate() {
                assert_eq!(scalar.leaf(i)?, leaf_hash(&v.abi_encode()));
            }
        }
    }
    Ok(())
}

#[test]
fn dyn_trees_are_the_same_on_every_backend() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(12);
    let encoding = ["string", "uint256", "bytes32[]"];
    for n in [1, 2, 5, 8, 9, 16, 17, 33, 200, 5000] {
        let values: Vec<DynSolValue> = (0..n)
            .map(|_| {
                let s: String = (0..rng.random_range(0..200))
                    .map(|_| rng.random_range(b'a'..=b'z') as char)
                    .collect();
                let words = (0..rng.random_range(0..6))
                    .map(|_| DynSolValue::FixedBytes(B256::from(rng.random::<[u8; 32]>()), 32))
                    .collect();
                DynSolValue::Tuple(vec![
                    DynSolValue::String(s),
                    DynSolValue::Uint(U256::from(rng.random::<u64>()), 256),
                    DynSolValue::Array(words),
                ])
            })
            .collect();
        let scalar = with_keccak_backend(SCALAR, || {
            DynTree::of(values.clone(), &encoding, BuildOptions::single_thread())
        })?;
        for backend in KeccakBackend::supported() {
            for parallel in [false, true] {
                let tree = with_keccak_backend(backend, || {
                    DynTree::of(
                        values.clone(),
                        &encoding,
                        BuildOptions::default().parallel(parallel),
                    )
                })?;
                assert_eq!(tree, scalar, "n={n} {backend} parallel={parallel}");
            }
        }
    }
    Ok(())
}

/// Loading validates every node and leaf with the batched hashes; a tampered
/// dump fails with the same error on every backend.
#[test]
fn validation_finds_the_same_first_error_on_every_backend() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(13);
    for n in [1, 2, 3, 17, 100, 5000] {
        let tree = IndexedTree::of(
            random_leaves(&mut rng, n),
            &IndexedLeaf::ENCODING,
            BuildOptions::default(),
        )?;
        let json = tree.to_json();
        for backend in KeccakBackend::supported() {
            let loaded = with_keccak_backend(backend, || IndexedTree::from_json(&json))?;
            assert_eq!(loaded, tree, "n={n} {backend}");
        }
        let error_on = |backend, dump: &sonm_merkle::TreeDump| {
            with_keccak_backend(backend, || IndexedTree::load(dump.clone()))
                .err()
                .map(|e| e.to_string())
        };
        // a changed inner node, or leaf
        for _ in 0..3 {
            let mut dump = tree.dump();
            let node = rng.random_range(0..dump.tree.len());
            let pos = rng.random_range(2..66);
            let mut bytes = dump.tree[node].clone().into_bytes();
            bytes[pos] = if bytes[pos] == b'0' { b'1' } else { b'0' };
            dump.tree[node] = String::from_utf8(bytes).expect("ascii");
            let expected = error_on(SCALAR, &dump);
            assert!(expected.is_some(), "tampered node {node} of {n} accepted");
            for backend in KeccakBackend::supported() {
                assert_eq!(error_on(backend, &dump), expected, "n={n} node={node}");
            }
        }
        // a changed value
        let mut dump = tree.dump();
        let v = rng.random_range(0..n);
        dump.values[v].value[1] = serde_json::Value::String("0x1234".to_owned());
        let expected = error_on(SCALAR, &dump);
        assert!(expected.is_some(), "changed value {v} of {n} accepted");
        for backend in KeccakBackend::supported() {
            assert_eq!(error_on(backend, &dump), expected, "n={n} value={v}");
        }
    }
    Ok(())
}

#[test]
fn batch_functions_match_the_one_at_a_time_ones() {
    let mut rng = StdRng::seed_from_u64(14);
    for backend in KeccakBackend::supported() {
        for size in 0..=40 {
            let msgs: Vec<Vec<u8>> = (0..size)
                .map(|_| {
                    let len = rng.random_range(0..=400);
                    random_bytes(&mut rng, len)
                })
                .collect();
            let mut out = vec![B256::ZERO; size];
            with_keccak_backend(backend, || keccak256_batch(&msgs, &mut out));
            let expected: Vec<B256> = msgs.iter().map(alloy_primitives::keccak256).collect();
            assert_eq!(out, expected, "{backend} keccak {size}");

            with_keccak_backend(backend, || leaf_hashes(&msgs, &mut out));
            let expected: Vec<B256> = msgs.iter().map(|m| leaf_hash(m)).collect();
            assert_eq!(out, expected, "{backend} leaves {size}");

            let children: Vec<B256> = (0..2 * size)
                .map(|_| B256::from(rng.random::<[u8; 32]>()))
                .collect();
            with_keccak_backend(backend, || hash_pairs(&children, &mut out));
            let expected: Vec<B256> = children
                .chunks(2)
                .map(|p| hash_pair(&p[0], &p[1]))
                .collect();
            assert_eq!(out, expected, "{backend} pairs {size}");
        }
    }
}

#[test]
#[should_panic(expected = "two children per node")]
fn hash_pairs_checks_its_lengths() {
    let mut out = [B256::ZERO; 2];
    hash_pairs(&[B256::ZERO; 3], &mut out);
}
