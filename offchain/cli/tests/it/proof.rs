//! One definition of each proof fact: the proof commitment computed in Rust is the contract's `proofCommitment`,
//! and `sonm map commit-proof` / `prove-cheat` and the watcher, run with the same key, derive the same salt, so each
//! reveals the commitment the other made instead of committing again.

use std::path::Path;
use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::ProviderBuilder;
use alloy::signers::local::PrivateKeySigner;
use sonm_agents::proof::proof_commitment;
use sonm_bindings::{Deployment, MapGame};
use sonm_watcher::{Watcher, WatcherConfig};

use crate::common::{Chain, chain_id, s, tempdir};

#[tokio::test(flavor = "multi_thread")]
async fn the_rust_proof_commitment_is_the_contracts_view() {
    let chain = Chain::new().await;
    let deployment = Deployment::load(&chain.deployments, chain_id()).unwrap();
    let game = MapGame::new(
        deployment.contracts.map_game,
        ProviderBuilder::new().connect_http(chain.anvil.endpoint_url()),
    );
    let long = Bytes::from(vec![0xab; 300]);
    let cases = [
        (Address::ZERO, 0, 0, Bytes::new(), Bytes::new(), B256::ZERO),
        (
            chain.address(3),
            1,
            7,
            Bytes::from_static(b"input"),
            Bytes::from_static(b"output"),
            keccak256(b"salt"),
        ),
        (
            Address::repeat_byte(0xff),
            u64::MAX,
            u64::MAX,
            long.clone(),
            Bytes::from_static(&[0]),
            B256::repeat_byte(0xee),
        ),
        (
            chain.address(0),
            42,
            1,
            Bytes::from_static(&[1]),
            long,
            B256::with_last_byte(1),
        ),
    ];
    for (challenger, task, index, input, output, salt) in cases {
        let view = game
            .proofCommitment(
                challenger,
                U256::from(task),
                U256::from(index),
                input.clone(),
                output.clone(),
                salt,
            )
            .call()
            .await
            .unwrap();
        assert_eq!(
            proof_commitment(challenger, task, index, &input, &output, salt),
            view,
            "task {task}, index {index}, {} input bytes, {} output bytes",
            input.len(),
            output.len()
        );
    }
}

/// A Mandelbrot task whose solver (account 2) falsified row 2; the challenger (account 3) holds SNM. Its id.
fn falsified_task(chain: &Chain, dir: &Path) -> String {
    let inputs = dir.join("inputs.json");
    let results = dir.join("results.json");
    let results = results.to_str().unwrap();
    chain.mandelbrot_inputs(&inputs, 8, 6);
    chain.fund(Some(0), &[2, 3], "20");
    let posted = chain.post_mandelbrot(Some(0), &inputs, "5", &[]);
    let task = posted["task"].as_u64().unwrap().to_string();
    chain.ok(Some(2), &["map", "claim", &task]);
    chain.ok(
        Some(2),
        &["map", "solve", &task, "-o", results, "--cheat", "2"],
    );
    chain.ok(Some(2), &["map", "commit", &task, "--results", results]);
    task
}

fn keys(report: &serde_json::Value) -> Vec<String> {
    report["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proof_committed_by_the_cli_is_revealed_by_the_watcher_with_the_same_key() {
    let chain = Chain::new().await;
    let dir = tempdir("proof-cli-first");
    let task = falsified_task(&chain, &dir);

    let committed = chain.ok(Some(3), &["map", "commit-proof", &task]);
    assert_eq!(committed["cheat"], 2, "{committed}");
    assert!(committed["tx"].is_string(), "{committed}");
    let commitment = s(&committed, "commitment").to_owned();
    // Asked again, the CLI finds its own commitment and sends nothing.
    let again = chain.ok(Some(3), &["map", "commit-proof", &task]);
    assert_eq!(s(&again, "commitment"), commitment);
    assert!(again["tx"].is_null(), "{again}");

    let state = dir.join("watch-state.json");
    let pass = chain.ok(
        Some(3),
        &[
            "watch",
            "--once",
            "--confirmations",
            "0",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    let sent = keys(&pass);
    assert!(
        sent.iter().all(|k| !k.starts_with("map:commitProof")),
        "the watcher committed again: {pass}"
    );
    assert!(
        sent.iter()
            .any(|k| k.starts_with(&format!("map:proveCheat:{task}:"))),
        "{pass}"
    );
    let shown = chain.ok(None, &["map", "show", &task]);
    assert_eq!(s(&shown, "status"), "Open", "the slash reopens the task");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proof_committed_by_the_watcher_is_revealed_by_the_cli_with_the_same_key() {
    let chain = Chain::new().await;
    let dir = tempdir("proof-watcher-first");
    let task = falsified_task(&chain, &dir);

    let mut config = WatcherConfig::new(
        chain.anvil.endpoint(),
        chain.deployments.clone(),
        PrivateKeySigner::from(chain.anvil.keys()[3].clone()),
    );
    config.confirmations = 0;
    config.poll_interval = Duration::from_millis(200);
    let mut watcher = Watcher::connect(config).await.unwrap();
    // One pass commits the proof; its reveal would come in a later pass, which the CLI makes instead.
    let report = watcher.pass().await.unwrap();
    let commit_key = report
        .sent
        .iter()
        .find(|k| k.starts_with("map:commitProof:"))
        .unwrap_or_else(|| panic!("no commitment sent: {report:?}"));
    let commitment = commit_key.trim_start_matches("map:commitProof:").to_owned();
    assert!(
        report.sent.iter().all(|k| !k.starts_with("map:proveCheat")),
        "{report:?}"
    );
    drop(watcher);

    let proven = chain.ok(Some(3), &["map", "prove-cheat", &task]);
    assert_eq!(proven["cheat"], 2, "{proven}");
    assert_eq!(s(&proven, "commitment"), commitment, "the same commitment");
    assert!(
        proven["commit_tx"].is_null(),
        "the CLI committed again: {proven}"
    );
    assert!(proven["tx"].is_string(), "{proven}");
    let shown = chain.ok(None, &["map", "show", &task]);
    assert_eq!(s(&shown, "status"), "Open", "the slash reopens the task");
}
