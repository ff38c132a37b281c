//! Known vectors, computed once with `@openzeppelin/merkle-tree` 1.0.8.

use sonm_merkle::{
    B256, BuildOptions, DynSolValue, DynTree, IndexedLeaf, IndexedTree, MerkleError, U256,
    verify_proof,
};

const NPM_DUMP: &str = r#"{"format":"standard-v1","leafEncoding":["uint256","bytes"],"tree":["0x46a9a9b661695b7f139e494531b4041f5df785fa6e3d3c0f2fe818da765c4cf4","0xe3f433517db999bbdcf23256e2ec2e3d82a1b24acaa6e8ffd74bd0f5690c4555","0xbc8c970e4f87d24eea70d44c4b13fae3e32e69e1650a8abce13868667272bfdd","0x31c91bbcea7cac18c30bb5f54d7c9e208a2a8f5c8ba9ec2ea85457a6dc309776","0x31285cd70ea6f69a4003d1e852a63c3f11540081fb389126388fc877f5f26409"],"values":[{"value":["1","0x1234"],"treeIndex":3},{"value":["2","0x"],"treeIndex":2},{"value":["3","0xabcdef"],"treeIndex":4}]}"#;

fn b(s: &str) -> B256 {
    s.parse().expect("test vector")
}

fn leaves() -> Vec<IndexedLeaf> {
    vec![
        IndexedLeaf::new(1, vec![0x12, 0x34]),
        IndexedLeaf::new(2, vec![]),
        IndexedLeaf::new(3, vec![0xab, 0xcd, 0xef]),
    ]
}

#[test]
fn indexed_tree_matches_npm_byte_for_byte() -> Result<(), MerkleError> {
    let tree = IndexedTree::of(leaves(), &IndexedLeaf::ENCODING, BuildOptions::default())?;
    assert_eq!(
        tree.root(),
        b("0x46a9a9b661695b7f139e494531b4041f5df785fa6e3d3c0f2fe818da765c4cf4")
    );
    assert_eq!(tree.to_json(), NPM_DUMP);
    // npm: tree.getProof(0)
    assert_eq!(
        tree.proof(0)?,
        vec![
            b("0x31285cd70ea6f69a4003d1e852a63c3f11540081fb389126388fc877f5f26409"),
            b("0xbc8c970e4f87d24eea70d44c4b13fae3e32e69e1650a8abce13868667272bfdd"),
        ]
    );
    Ok(())
}

#[test]
fn single_thread_and_parallel_agree() -> Result<(), MerkleError> {
    let data: Vec<Vec<u8>> = (0..10_000u32)
        .map(|i| i.to_be_bytes().repeat((i % 17) as usize))
        .collect();
    for sort in [true, false] {
        let one = IndexedTree::from_data(
            data.clone(),
            BuildOptions::single_thread().sort_leaves(sort),
        )?;
        let par = IndexedTree::from_data(
            data.clone(),
            BuildOptions::default().sort_leaves(sort).parallel(true),
        )?;
        assert_eq!(one, par);
    }
    Ok(())
}

#[test]
fn dyn_tree_of_same_leaves_has_same_root() -> Result<(), MerkleError> {
    let fast = IndexedTree::of(leaves(), &IndexedLeaf::ENCODING, BuildOptions::default())?;
    let values = leaves()
        .into_iter()
        .map(|l| {
            DynSolValue::Tuple(vec![
                DynSolValue::Uint(l.index, 256),
                DynSolValue::Bytes(l.data.to_vec()),
            ])
        })
        .collect();
    let slow = DynTree::of(values, &["uint256", "bytes"], BuildOptions::default())?;
    assert_eq!(slow.root(), fast.root());
    assert_eq!(slow.to_json(), fast.to_json());
    Ok(())
}

#[test]
fn npm_dump_loads_and_proves() -> Result<(), MerkleError> {
    let tree = IndexedTree::from_json(NPM_DUMP)?;
    for i in 0..tree.len() {
        let proof = tree.proof(i)?;
        assert!(verify_proof(tree.root(), tree.leaf(i)?, &proof));
        assert!(tree.verify(&leaves()[i], &proof));
        assert_eq!(tree.proof_of(&leaves()[i])?, proof);
    }
    let dyn_tree = DynTree::from_json(NPM_DUMP)?;
    assert_eq!(dyn_tree.root(), tree.root());
    Ok(())
}

#[test]
fn unsorted_layout_keeps_value_order() -> Result<(), MerkleError> {
    let tree = IndexedTree::of(
        leaves(),
        &IndexedLeaf::ENCODING,
        BuildOptions::default().sort_leaves(false),
    )?;
    for i in 0..3 {
        assert_eq!(tree.tree_index(i)?, 4 - i);
    }
    Ok(())
}

#[test]
fn tampering_is_rejected_with_clear_errors() {
    let tampered = NPM_DUMP.replace("0xe3f4", "0xe3f5");
    let err = IndexedTree::from_json(&tampered)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid Merkle tree: node 0 is not the hash of its children (tampered tree?)")
    );

    let wrong_value = NPM_DUMP.replace("\"0x1234\"", "\"0x1235\"");
    let err = IndexedTree::from_json(&wrong_value)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("value 0: tree node 3 does not hold the value's leaf hash")
    );

    let bad_index = NPM_DUMP.replace("\"treeIndex\":4", "\"treeIndex\":9");
    assert!(matches!(
        IndexedTree::from_json(&bad_index),
        Err(MerkleError::ValueNotInTree { .. })
    ));

    let bad_format = NPM_DUMP.replace("standard-v1", "simple-v1");
    assert!(matches!(
        IndexedTree::from_json(&bad_format),
        Err(MerkleError::UnknownFormat(_))
    ));

    let bad_type = NPM_DUMP.replace("\"uint256\",", "\"uint257\",");
    assert!(matches!(
        DynTree::from_json(&bad_type),
        Err(MerkleError::UnknownType { .. })
    ));

    let other_encoding = NPM_DUMP.replace("\"uint256\",", "\"uint128\",");
    assert!(matches!(
        IndexedTree::from_json(&other_encoding),
        Err(MerkleError::EncodingMismatch { .. })
    ));

    let bad_value = NPM_DUMP.replace("\"0x1234\"", "\"hello\"");
    let err = IndexedTree::from_json(&bad_value)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("value 0: expected a 0x-prefixed hex string, got \"hello\"")
    );

    let bad_node = NPM_DUMP.replace("0x46a9a9b6", "0x46a9a9bz");
    assert!(matches!(
        IndexedTree::from_json(&bad_node),
        Err(MerkleError::BadNode { index: 0, .. })
    ));

    let even = r#"{"format":"standard-v1","leafEncoding":["bytes32"],"tree":["0x0000000000000000000000000000000000000000000000000000000000000000","0x0000000000000000000000000000000000000000000000000000000000000000"],"values":[]}"#;
    assert!(matches!(
        DynTree::from_json(even),
        Err(MerkleError::InvalidTreeShape(2))
    ));

    assert!(matches!(
        IndexedTree::from_json("{not json"),
        Err(MerkleError::Json(_))
    ));
    assert!(matches!(
        IndexedTree::from_json("[]"),
        Err(MerkleError::Json(_))
    ));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(matches!(
        IndexedTree::from_data(Vec::<Vec<u8>>::new(), BuildOptions::default()),
        Err(MerkleError::Empty)
    ));
    let tree = IndexedTree::from_data([vec![1u8]], BuildOptions::default());
    let tree = tree.expect("one leaf");
    assert!(matches!(
        tree.proof(1),
        Err(MerkleError::IndexOutOfRange { index: 1, len: 1 })
    ));
    assert_eq!(tree.proof(0).ok(), Some(vec![]));
    assert!(matches!(
        tree.proof_of(&IndexedLeaf::new(5, vec![])),
        Err(MerkleError::LeafNotFound)
    ));

    let wrong = DynTree::of(
        vec![DynSolValue::Tuple(vec![DynSolValue::Uint(
            U256::from(300),
            8,
        )])],
        &["uint8"],
        BuildOptions::default(),
    );
    assert!(matches!(wrong, Err(MerkleError::BadValue { index: 0, .. })));
    let wrong = DynTree::of(
        vec![DynSolValue::Bool(true)],
        &["bool"],
        BuildOptions::default(),
    );
    assert!(matches!(wrong, Err(MerkleError::BadValue { index: 0, .. })));
    let wrong = DynTree::of(
        vec![DynSolValue::Tuple(vec![DynSolValue::Bool(true)])],
        &["uint256"],
        BuildOptions::default(),
    );
    assert!(matches!(wrong, Err(MerkleError::BadValue { index: 0, .. })));
}

#[test]
fn of_json_reads_values_like_the_npm_package() -> Result<(), MerkleError> {
    let values: Vec<serde_json::Value> =
        serde_json::from_str(r#"[["1","0x1234"],[2,"0x"],["0x03","0xABCDEF"]]"#)
            .map_err(MerkleError::Json)?;
    let tree = IndexedTree::of_json(&values, &IndexedLeaf::ENCODING, BuildOptions::default())?;
    assert_eq!(
        tree.root(),
        b("0x46a9a9b661695b7f139e494531b4041f5df785fa6e3d3c0f2fe818da765c4cf4")
    );
    use sonm_merkle::LeafValue;
    assert_eq!(leaves()[2].leaf_hash(), tree.leaf(2)?);
    let bad: Vec<serde_json::Value> =
        serde_json::from_str(r#"[["1","0x12"],["x","0x"]]"#).map_err(MerkleError::Json)?;
    let err = DynTree::of_json(&bad, &["uint256", "bytes"], BuildOptions::default())
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("value 1: expected an integer, got \"x\"")
    );
    Ok(())
}
