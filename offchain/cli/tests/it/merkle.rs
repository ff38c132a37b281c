//! `sonm merkle`: build, root, proof and verify agree with each other and with sonm-merkle.

use std::process::Command;

use crate::common::{one_line_failure, tempdir};

fn sonm(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args(args)
        .output()
        .expect("run sonm")
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = sonm(&all);
    assert!(
        out.status.success(),
        "sonm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn build_root_proof_verify_round_trip() {
    let dir = tempdir("merkle");
    let data = dir.join("data.json");
    std::fs::write(&data, r#"["0x01", "0x0203", "0x", "0xdeadbeef", "0x05"]"#).unwrap();
    let dump = dir.join("dump.json");
    let built = json(&[
        "merkle",
        "build",
        data.to_str().unwrap(),
        "--out",
        dump.to_str().unwrap(),
    ]);
    let root = built["root"].as_str().unwrap().to_owned();

    // The same root as the library's indexed tree of the same data.
    let lib = sonm_merkle::IndexedTree::from_data(
        [
            vec![1u8],
            vec![2, 3],
            vec![],
            vec![0xde, 0xad, 0xbe, 0xef],
            vec![5],
        ],
        sonm_merkle::BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(root, lib.root().to_string());

    // The dump is the npm format and reloads to the same root.
    let text = std::fs::read_to_string(&dump).unwrap();
    assert_eq!(
        sonm_merkle::IndexedTree::from_json(&text).unwrap().root(),
        lib.root()
    );
    assert_eq!(
        json(&["merkle", "root", dump.to_str().unwrap()])["root"],
        root.as_str()
    );
    assert_eq!(
        json(&["merkle", "root", data.to_str().unwrap()])["root"],
        root.as_str()
    );

    for index in 0..5 {
        let p = json(&[
            "merkle",
            "proof",
            dump.to_str().unwrap(),
            "--index",
            &index.to_string(),
        ]);
        let proof: Vec<&str> = p["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        let leaf = p["leaf"].as_str().unwrap();
        let mut args = vec!["merkle", "verify", "--root", &root, "--leaf", leaf];
        let joined = proof.join(",");
        if !proof.is_empty() {
            args.extend(["--proof", joined.as_str()]);
        }
        assert_eq!(json(&args)["valid"], true);
    }
    assert_eq!(
        json(&[
            "merkle",
            "verify",
            "--dump",
            dump.to_str().unwrap(),
            "--root",
            &root
        ])["valid"],
        true
    );
}

#[test]
fn values_with_an_encoding_build_like_the_npm_package() {
    let dir = tempdir("merkle-values");
    let values = dir.join("values.json");
    std::fs::write(
        &values,
        r#"{"leafEncoding": ["address", "uint256"], "values": [["0x1111111111111111111111111111111111111111", "5000000000000000000"], ["0x2222222222222222222222222222222222222222", "2500000000000000000"]]}"#,
    )
    .unwrap();
    // The README example of @openzeppelin/merkle-tree.
    let root = json(&["merkle", "root", values.to_str().unwrap()]);
    assert_eq!(
        root["root"],
        "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77"
    );
}

#[test]
fn bad_files_and_proofs_give_one_line() {
    let dir = tempdir("merkle-bad");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let line = one_line_failure(
        &sonm(&["merkle", "root", bad.to_str().unwrap()]),
        &["merkle", "root"],
    );
    assert!(
        line.contains("malformed") && line.contains("bad.json"),
        "{line}"
    );

    let missing = dir.join("missing.json");
    let line = one_line_failure(
        &sonm(&["merkle", "root", missing.to_str().unwrap()]),
        &["merkle", "root"],
    );
    assert!(line.contains("cannot read"), "{line}");

    std::fs::write(&bad, r#"["0x01", "zz"]"#).unwrap();
    let line = one_line_failure(
        &sonm(&["merkle", "root", bad.to_str().unwrap()]),
        &["merkle", "root"],
    );
    assert!(line.contains("value 1 is not hex"), "{line}");

    // A tampered dump is refused.
    let data = dir.join("data.json");
    std::fs::write(&data, r#"["0x01", "0x02", "0x03"]"#).unwrap();
    let dump = dir.join("dump.json");
    json(&[
        "merkle",
        "build",
        data.to_str().unwrap(),
        "-o",
        dump.to_str().unwrap(),
    ]);
    let mut d: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&dump).unwrap()).unwrap();
    d["tree"][1] = serde_json::json!(format!("0x{}", "11".repeat(32)));
    std::fs::write(&dump, d.to_string()).unwrap();
    let line = one_line_failure(
        &sonm(&["merkle", "verify", "--dump", dump.to_str().unwrap()]),
        &["verify"],
    );
    assert!(line.contains("invalid Merkle tree"), "{line}");

    let zero = format!("0x{}", "00".repeat(32));
    let line = one_line_failure(
        &sonm(&[
            "merkle", "verify", "--root", &zero, "--leaf", &zero, "--proof", &zero,
        ]),
        &["verify"],
    );
    assert!(line.contains("does not verify"), "{line}");
}
