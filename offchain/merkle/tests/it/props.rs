//! Property tests with random values (seeded, so failures reproduce).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sonm_merkle::{
    B256, BuildOptions, IndexedLeaf, IndexedTree, MerkleError, MultiProof, hash_pair, leaf_hash,
    process_multi_proof, verify_proof,
};

fn random_leaves(rng: &mut StdRng, n: usize) -> Vec<IndexedLeaf> {
    (0..n)
        .map(|i| {
            let len = rng.random_range(0..80);
            IndexedLeaf::new(
                i as u64,
                (0..len).map(|_| rng.random()).collect::<Vec<u8>>(),
            )
        })
        .collect()
}

/// The npm package's algorithm, written the plain way: hash, stable sort,
/// lay out reversed, hash pairs from the end.
fn reference(values: &[IndexedLeaf], sort: bool) -> (Vec<B256>, Vec<usize>) {
    let mut hashed: Vec<(B256, usize)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (leaf_hash(&v.abi_encode()), i))
        .collect();
    if sort {
        hashed.sort_by_key(|h| h.0); // stable, like Array.prototype.sort
    }
    let len = 2 * values.len() - 1;
    let mut tree = vec![B256::ZERO; len];
    let mut idx = vec![0; values.len()];
    for (k, (h, i)) in hashed.iter().enumerate() {
        tree[len - 1 - k] = *h;
        idx[*i] = len - 1 - k;
    }
    for i in (0..len - values.len()).rev() {
        tree[i] = hash_pair(&tree[2 * i + 1], &tree[2 * i + 2]);
    }
    (tree, idx)
}

#[test]
fn trees_match_the_reference_algorithm() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(1);
    let mut sizes: Vec<usize> = (1..40).collect();
    sizes.extend([255, 256, 257, 4095, 4096, 4097, 8191, 8193, 12_345]);
    for n in sizes {
        let mut values = random_leaves(&mut rng, n);
        if n > 5 {
            // equal leaves must keep their order, as in a stable sort
            values[n / 2] = values[1].clone();
            values[n - 1] = values[1].clone();
        }
        for sort in [true, false] {
            let (tree, idx) = reference(&values, sort);
            for parallel in [false, true] {
                let opts = BuildOptions::default().sort_leaves(sort).parallel(parallel);
                let built = IndexedTree::of(values.clone(), &IndexedLeaf::ENCODING, opts)?;
                assert_eq!(
                    built.tree(),
                    &tree[..],
                    "n={n} sort={sort} parallel={parallel}"
                );
                for (i, t) in idx.iter().enumerate() {
                    assert_eq!(
                        built.tree_index(i)?,
                        *t,
                        "n={n} sort={sort} parallel={parallel}"
                    );
                }
            }
        }
    }
    Ok(())
}

#[test]
fn every_proof_verifies_and_a_changed_leaf_does_not() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(2);
    for _ in 0..60 {
        let n = rng.random_range(1..300);
        let sort = rng.random_bool(0.5);
        let values = random_leaves(&mut rng, n);
        let tree = IndexedTree::of(
            values.clone(),
            &IndexedLeaf::ENCODING,
            BuildOptions::default().sort_leaves(sort),
        )?;
        for (i, v) in values.iter().enumerate() {
            let proof = tree.proof(i)?;
            assert!(verify_proof(tree.root(), tree.leaf(i)?, &proof));
            assert!(tree.verify(v, &proof));
            let mut other = v.clone();
            other.index += sonm_merkle::U256::from(n);
            assert!(!tree.verify(&other, &proof));
            if let Some(first) = proof.first() {
                let mut bad = proof.clone();
                bad[0] = B256::from(rng.random::<[u8; 32]>());
                assert!(!tree.verify(v, &bad), "{first}");
            }
        }
    }
    Ok(())
}

#[test]
fn dumps_round_trip_and_tampering_is_caught() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(3);
    for _ in 0..40 {
        let n = rng.random_range(1..200);
        let sort = rng.random_bool(0.5);
        let tree = IndexedTree::of(
            random_leaves(&mut rng, n),
            &IndexedLeaf::ENCODING,
            BuildOptions::default().sort_leaves(sort),
        )?;
        let json = tree.to_json();
        let loaded = IndexedTree::from_json(&json)?;
        assert_eq!(loaded, tree);
        assert_eq!(loaded.to_json(), json);
        loaded.check_root(tree.root())?;
        assert!(matches!(
            loaded.check_root(B256::ZERO),
            Err(MerkleError::RootMismatch { .. })
        ));

        // flip one hex digit of one node: the load must fail, not succeed or panic
        let mut dump = tree.dump();
        let node = rng.random_range(0..dump.tree.len());
        let pos = rng.random_range(2..66);
        let mut bytes = dump.tree[node].clone().into_bytes();
        bytes[pos] = if bytes[pos] == b'0' { b'1' } else { b'0' };
        dump.tree[node] = String::from_utf8(bytes).expect("ascii");
        assert!(
            IndexedTree::load(dump).is_err(),
            "tampered node {node} of {n} accepted"
        );
    }
    Ok(())
}

#[test]
fn mangled_json_never_panics() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(4);
    let tree = IndexedTree::from_data(
        (0..9u8).map(|i| vec![i; i as usize]),
        BuildOptions::default(),
    )?;
    let json = tree.to_json().into_bytes();
    let alphabet = b"0123456789abcdefx\"[]{},:-. tn";
    let mut accepted = 0;
    for _ in 0..3000 {
        let mut m = json.clone();
        for _ in 0..rng.random_range(1..4) {
            let pos = rng.random_range(0..m.len());
            match rng.random_range(0..3) {
                0 => m[pos] = alphabet[rng.random_range(0..alphabet.len())],
                1 => {
                    m.remove(pos);
                }
                _ => m.insert(pos, alphabet[rng.random_range(0..alphabet.len())]),
            }
        }
        let s = String::from_utf8_lossy(&m);
        if let Ok(t) = IndexedTree::from_json(&s) {
            // whatever loads must be a valid tree
            t.validate()?;
            accepted += 1;
        }
        let _ = sonm_merkle::DynTree::from_json(&s);
    }
    assert!(accepted < 3000);
    Ok(())
}

#[test]
fn multiproofs_verify_and_malformed_ones_are_errors() -> Result<(), MerkleError> {
    let mut rng = StdRng::seed_from_u64(5);
    for _ in 0..40 {
        let n = rng.random_range(1..120);
        let tree = IndexedTree::of(
            random_leaves(&mut rng, n),
            &IndexedLeaf::ENCODING,
            BuildOptions::default(),
        )?;
        let idx: Vec<usize> = (0..n).filter(|_| rng.random_bool(0.25)).collect();
        let m = tree.multiproof(&idx)?;
        assert!(tree.verify_multiproof(&m));
        let hashed = MultiProof {
            leaves: m.leaves.iter().map(|v| tree.leaf_hash(v)).collect(),
            proof: m.proof.clone(),
            proof_flags: m.proof_flags.clone(),
        };
        assert_eq!(process_multi_proof(&hashed)?, tree.root());
        // drop or flip parts: an error or a wrong root, never a panic
        let mut broken = hashed.clone();
        broken.proof_flags.push(true);
        assert!(process_multi_proof(&broken).is_err());
        let mut broken = hashed.clone();
        if let Some(f) = broken.proof_flags.first_mut() {
            *f = !*f;
            assert!(!matches!(process_multi_proof(&broken), Ok(r) if r == tree.root()));
        }
    }
    let tree = IndexedTree::from_data([vec![1u8], vec![2]], BuildOptions::default())?;
    assert!(matches!(
        tree.multiproof(&[0, 0]),
        Err(MerkleError::DuplicateIndex(0))
    ));
    assert!(matches!(
        tree.multiproof(&[2]),
        Err(MerkleError::IndexOutOfRange { .. })
    ));
    Ok(())
}
