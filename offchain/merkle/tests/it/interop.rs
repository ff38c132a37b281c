//! Interoperability with the npm package itself: random trees built by both
//! sides must agree on roots, dumps (byte for byte), proofs and multiproofs,
//! and each side must load and verify the other's dump and proofs.
//!
//! Needs `node` and the repository's `node_modules` (`npm ci` at the root).

use std::path::{Path, PathBuf};
use std::process::Command;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sonm_merkle::json::{parse_types, to_json};
use sonm_merkle::{
    B256, BuildOptions, DynSolType, DynSolValue, DynTree, LeafValue, U256, verify_proof,
};

const ENCODINGS: &[&[&str]] = &[
    &["address", "uint256"],
    &["uint256", "bytes"],
    &["bytes32"],
    &["string", "bool", "int256"],
    &["uint8", "int8", "bytes4", "address", "uint64", "int128"],
    &["uint256[]", "string[2]"],
    &["(uint256,bytes)", "bool"],
    &["bytes", "bytes", "string"],
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn random_value(rng: &mut StdRng, ty: &DynSolType) -> DynSolValue {
    match ty {
        DynSolType::Bool => DynSolValue::Bool(rng.random()),
        DynSolType::Uint(bits) => {
            let v = U256::from_be_bytes(rng.random::<[u8; 32]>());
            // Mix small numbers in: they are the common case and the JSON
            // number path of the npm side.
            let v = if rng.random_bool(0.3) {
                v % U256::from(1000)
            } else {
                v
            };
            DynSolValue::Uint(
                if *bits < 256 {
                    v % (U256::from(1) << *bits)
                } else {
                    v
                },
                *bits,
            )
        }
        DynSolType::Int(bits) => {
            if *bits == 256 && rng.random_bool(0.3) {
                return DynSolValue::Int(
                    alloy_primitives::I256::from_be_bytes(rng.random::<[u8; 32]>()),
                    256,
                );
            }
            let v: i128 = if *bits >= 128 {
                rng.random()
            } else {
                rng.random_range(-(1i128 << (bits - 1))..(1i128 << (bits - 1)))
            };
            DynSolValue::Int(
                alloy_primitives::I256::try_from(v).expect("i128 fits"),
                *bits,
            )
        }
        DynSolType::Address => {
            DynSolValue::Address(alloy_primitives::Address::from(rng.random::<[u8; 20]>()))
        }
        DynSolType::FixedBytes(n) => {
            let mut w = B256::from(rng.random::<[u8; 32]>());
            w[*n..].fill(0);
            DynSolValue::FixedBytes(w, *n)
        }
        DynSolType::Bytes => {
            let len = [0, 1, 31, 32, 33, 64, rng.random_range(0..100)][rng.random_range(0..7)];
            DynSolValue::Bytes((0..len).map(|_| rng.random()).collect())
        }
        DynSolType::String => {
            const POOL: &[char] = &[
                'a', 'Z', '0', ' ', '"', '\\', '\n', '\t', '\u{1}', '\u{7f}', 'é', '漢', '😀',
                '\u{2028}', '/',
            ];
            let len = rng.random_range(0..12);
            DynSolValue::String(
                (0..len)
                    .map(|_| POOL[rng.random_range(0..POOL.len())])
                    .collect(),
            )
        }
        DynSolType::Array(inner) => {
            let len = rng.random_range(0..4);
            DynSolValue::Array((0..len).map(|_| random_value(rng, inner)).collect())
        }
        DynSolType::FixedArray(inner, len) => {
            DynSolValue::FixedArray((0..*len).map(|_| random_value(rng, inner)).collect())
        }
        DynSolType::Tuple(types) => {
            DynSolValue::Tuple(types.iter().map(|t| random_value(rng, t)).collect())
        }
        _ => unreachable!("no such type in ENCODINGS"),
    }
}

/// Another spelling of the same value that the npm package also accepts
/// (hex or JSON-number integers, uppercase or odd-length hex, short
/// addresses, string bools).
fn alt_json(rng: &mut StdRng, v: &DynSolValue) -> Value {
    match v {
        DynSolValue::Uint(x, _) if *x < U256::from(1u64 << 53) && rng.random_bool(0.5) => {
            json!(x.to::<u64>())
        }
        DynSolValue::Uint(x, _) => json!(format!("0x{x:x}")),
        DynSolValue::Int(x, _) if !x.is_negative() => json!(format!(" {x}\n")),
        DynSolValue::Bool(b) => json!(b.to_string()),
        DynSolValue::Address(a) => {
            json!(format!("0x{}", alloy_primitives::hex::encode(a)).to_lowercase())
        }
        DynSolValue::Bytes(b) if !b.is_empty() && b[0] < 16 => {
            json!(
                format!("0X{}", alloy_primitives::hex::encode_upper(b))[..]
                    .replacen("0X0", "0X", 1)
            )
        }
        DynSolValue::Bytes(b) => json!(format!("0X{}", alloy_primitives::hex::encode_upper(b))),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            Value::Array(items.iter().map(|i| alt_json(rng, i)).collect())
        }
        other => to_json(other),
    }
}

struct Case {
    encoding: &'static [&'static str],
    sort: bool,
    canonical: bool,
    values: Vec<DynSolValue>,
    tree: DynTree,
    multi: Option<Vec<usize>>,
}

#[test]
fn trees_agree_with_openzeppelin_merkle_tree() {
    let root = repo_root();
    assert!(
        root.join("node_modules/@openzeppelin/merkle-tree/package.json")
            .exists(),
        "node_modules/@openzeppelin/merkle-tree is missing: run `npm ci` at the repository root"
    );

    let mut rng = StdRng::seed_from_u64(0x5017);
    let mut cases = Vec::new();
    for (e, encoding) in ENCODINGS.iter().enumerate() {
        let types = parse_types(encoding).expect("test encodings parse");
        let sizes = [
            1,
            2,
            3,
            7,
            16,
            rng.random_range(8..200),
            rng.random_range(100..200),
        ];
        for (s, &n) in sizes.iter().enumerate() {
            for sort in [true, false] {
                let mut values: Vec<DynSolValue> = (0..n)
                    .map(|_| {
                        DynSolValue::Tuple(
                            types.iter().map(|t| random_value(&mut rng, t)).collect(),
                        )
                    })
                    .collect();
                // Duplicate values: same leaf hash twice, ties sorted stably.
                if n > 3 && s % 2 == 0 {
                    values[n - 1] = values[0].clone();
                    values[1] = values[0].clone();
                }
                let canonical = (e + s) % 3 != 0;
                let tree = DynTree::of(
                    values.clone(),
                    encoding,
                    BuildOptions::default().sort_leaves(sort),
                )
                .expect("random values fit their encoding");
                let multi = (sort && n > 1 && s != 2).then(|| {
                    let mut idx: Vec<usize> = (0..n).filter(|_| rng.random_bool(0.3)).collect();
                    if idx.is_empty() {
                        idx.push(n / 2);
                    }
                    idx
                });
                cases.push(Case {
                    encoding,
                    sort,
                    canonical,
                    values,
                    tree,
                    multi,
                });
            }
        }
    }

    let input: Vec<Value> = cases
        .iter()
        .map(|c| {
            let values: Vec<Value> = c
                .values
                .iter()
                .map(|v| {
                    if c.canonical {
                        v.to_json()
                    } else {
                        alt_json(&mut rng, v)
                    }
                })
                .collect();
            let proofs: Vec<Vec<B256>> = (0..c.values.len())
                .map(|i| c.tree.proof(i).expect("in range"))
                .collect();
            let multi = c.multi.as_ref().map(|idx| {
                let m = c.tree.multiproof(idx).expect("distinct indices");
                json!({
                    "leaves": m.leaves.iter().map(|v| v.to_json()).collect::<Vec<_>>(),
                    "proof": m.proof,
                    "proofFlags": m.proof_flags,
                })
            });
            json!({
                "encoding": c.encoding,
                "values": values,
                "sortLeaves": c.sort,
                "multi": c.multi,
                "rust": { "dump": c.tree.to_json(), "proofs": proofs, "multi": multi },
            })
        })
        .collect();

    let dir = std::env::temp_dir().join(format!("sonm-merkle-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input_path = dir.join("cases.json");
    std::fs::write(&input_path, serde_json::to_vec(&input).expect("json")).expect("write cases");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oz.mjs");
    let started = std::time::Instant::now();
    let out = Command::new("node")
        .arg(&script)
        .arg(&input_path)
        .current_dir(&root)
        .output()
        .expect("could not run `node`: install Node.js and run `npm ci` at the repository root");
    let node_time = started.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "node oz.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("node output is JSON");
    assert_eq!(results.len(), cases.len());

    for (i, (c, r)) in cases.iter().zip(&results).enumerate() {
        let what = format!(
            "case {i}: {:?}, {} values, sortLeaves {}",
            c.encoding,
            c.values.len(),
            c.sort
        );
        // npm loaded and verified our dump and proofs
        assert_eq!(r["rustCheck"], "ok", "{what}");
        let npm_root: B256 = serde_json::from_value(r["root"].clone()).expect("root");
        assert_eq!(npm_root, c.tree.root(), "{what}");

        // we load and validate the npm dump
        let npm_dump = r["dump"].as_str().expect("dump string");
        let loaded = DynTree::from_json(npm_dump).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(loaded.root(), c.tree.root(), "{what}");
        assert_eq!(loaded.tree(), c.tree.tree(), "{what}");
        assert_eq!(loaded.values(), c.tree.values(), "{what}");
        if c.canonical {
            assert_eq!(npm_dump, c.tree.to_json(), "{what}: dumps differ");
            assert_eq!(loaded.to_json(), npm_dump, "{what}: re-dump differs");
        }

        // the same proofs, both verifying
        let npm_proofs: Vec<Vec<B256>> =
            serde_json::from_value(r["proofs"].clone()).expect("proofs");
        for (v, proof) in npm_proofs.iter().enumerate() {
            assert_eq!(
                proof,
                &c.tree.proof(v).expect("in range"),
                "{what}: proof of value {v}"
            );
            assert!(
                verify_proof(c.tree.root(), c.tree.leaf(v).expect("in range"), proof),
                "{what}"
            );
            assert!(loaded.verify(&c.values[v], proof), "{what}");
        }

        if let Some(idx) = &c.multi {
            let m = c.tree.multiproof(idx).expect("distinct indices");
            assert!(c.tree.verify_multiproof(&m), "{what}");
            let npm = &r["multi"];
            let proof: Vec<B256> =
                serde_json::from_value(npm["proof"].clone()).expect("multiproof");
            let flags: Vec<bool> =
                serde_json::from_value(npm["proofFlags"].clone()).expect("flags");
            assert_eq!(proof, m.proof, "{what}: multiproof");
            assert_eq!(flags, m.proof_flags, "{what}: multiproof flags");
            let npm_leaves = npm["leaves"].as_array().expect("leaves");
            assert_eq!(npm_leaves.len(), m.leaves.len(), "{what}");
            if c.canonical {
                for (a, b) in npm_leaves.iter().zip(&m.leaves) {
                    assert_eq!(a, &b.to_json(), "{what}: multiproof leaves");
                }
            }
        }
    }
    let canonical = cases.iter().filter(|c| c.canonical).count();
    eprintln!(
        "interop: {} trees ({canonical} with byte-identical dumps) agree with @openzeppelin/merkle-tree; node took {node_time:?}",
        cases.len()
    );
}
