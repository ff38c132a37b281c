//! Bad input of every kind gives one clear line and a non-zero exit; and the deploy itself.

use std::process::Command;

use crate::common::{Chain, chain_id, one_line_failure, s, sonm_offline, tempdir, template};

#[test]
fn deploy_prints_every_address_from_the_deployments_file() {
    let t = template();
    let d: serde_json::Value = serde_json::from_str(&t.deployment).unwrap();
    assert_eq!(d["chainId"], chain_id());
    for name in [
        "SonmToken",
        "SonmGovernor",
        "TimelockController",
        "Whitelist",
        "HubFactory",
        "MapGame",
        "ChainGame",
    ] {
        let address = d["contracts"][name].as_str().unwrap();
        assert_ne!(
            address, "0x0000000000000000000000000000000000000000",
            "{name} not deployed"
        );
        assert!(
            t.log.to_lowercase().contains(&address.to_lowercase()),
            "{name} not printed"
        );
    }
}

#[test]
fn deploy_without_forge_says_how_to_get_it() {
    let dir = tempdir("no-forge");
    let out = Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args(["deploy", "--rpc-url", "http://127.0.0.1:1", "--root"])
        .arg(crate::common::repo())
        .env("PATH", &dir)
        .output()
        .unwrap();
    let line = one_line_failure(&out, &["deploy"]);
    assert!(
        line.contains("forge is not installed or not on PATH: run `make demo` once or `npm ci`"),
        "{line}"
    );
}

#[test]
fn an_unreachable_rpc_is_one_line_with_what_to_do() {
    for args in [
        &["--rpc-url", "http://127.0.0.1:1", "hub", "list"][..],
        &[
            "--rpc-url",
            "http://127.0.0.1:1",
            "token",
            "balance",
            "0x0000000000000000000000000000000000000001",
        ],
    ] {
        let line = one_line_failure(&sonm_offline(args), args);
        assert!(
            line.starts_with("error: cannot reach the RPC at http://127.0.0.1:1"),
            "{line}"
        );
        assert!(
            line.ends_with("is a node running? set --rpc-url or ETH_RPC_URL"),
            "{line}"
        );
    }
    let line = one_line_failure(
        &sonm_offline(&["--rpc-url", "not a url", "hub", "list"]),
        &[],
    );
    assert!(line.contains("invalid RPC URL"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_addresses_are_named() {
    let chain = Chain::new().await;
    let line = chain.fails(None, &["hub", "show", "0x1234"]);
    assert!(line.contains("not an address"), "{line}");
    let eoa = chain.address(5).to_string();
    let line = chain.fails(None, &["hub", "show", &eoa]);
    assert!(line.contains("is not a hub in the whitelist"), "{line}");
    let line = chain.fails(Some(0), &["hub", "pay", &eoa, &eoa, "1"]);
    assert!(line.contains("is not a hub in the whitelist"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_keys_and_bad_keys_are_explained() {
    let chain = Chain::new().await;
    let line = chain.fails(None, &["hub", "create", "--endpoint", "a:1", "--name", "a"]);
    assert!(
        line.contains("no key to sign with: set SONM_PRIVATE_KEY"),
        "{line}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args(["hub", "list", "--rpc-url", &chain.anvil.endpoint()])
        .env("SONM_DEPLOYMENTS", &chain.deployments)
        .env("SONM_PRIVATE_KEY", "0x1234")
        .output()
        .unwrap();
    let line = one_line_failure(&out, &["bad key"]);
    assert!(
        line.contains("SONM_PRIVATE_KEY is not a private key"),
        "{line}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args(["hub", "list", "--keystore", "/nonexistent/key.json"])
        .env("SONM_KEYSTORE_PASSWORD", "x")
        .output()
        .unwrap();
    let line = one_line_failure(&out, &["bad keystore"]);
    assert!(
        line.contains("keystore /nonexistent/key.json does not exist"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_malformed_deployments_file_is_explained() {
    let chain = Chain::new().await;
    let file = chain.deployments.join(format!("{}.json", chain_id()));
    std::fs::write(&file, "{\"chainId\": 1").unwrap();
    let line = chain.fails(None, &["hub", "list"]);
    assert!(line.contains("malformed deployment"), "{line}");
    // A deployment of the format before the market, or of none, says to redeploy.
    let mut older: serde_json::Value = serde_json::from_str(&template().deployment).unwrap();
    older["formatVersion"] = serde_json::json!(1);
    std::fs::write(&file, older.to_string()).unwrap();
    let line = chain.fails(None, &["hub", "list"]);
    assert!(
        line.ends_with(
            "is a deployment of format 1, this sonm reads format 2: redeploy with `sonm deploy` (or `make deploy`)"
        ),
        "{line}"
    );
    older.as_object_mut().unwrap().remove("formatVersion");
    std::fs::write(&file, older.to_string()).unwrap();
    let line = chain.fails(None, &["hub", "list"]);
    assert!(
        line.contains("has no formatVersion (a deployment from before the market)")
            && line.ends_with("redeploy with `sonm deploy` (or `make deploy`)"),
        "{line}"
    );
    std::fs::remove_file(&file).unwrap();
    let line = chain.fails(None, &["hub", "list"]);
    assert!(
        line.contains(&format!("no deployment for chain {}", chain_id())),
        "{line}"
    );
    assert!(line.contains("sonm deploy"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_state_and_missing_funds_are_caught_before_sending() {
    let chain = Chain::new().await;
    let created = chain.ok(
        Some(0),
        &["hub", "create", "--endpoint", "h:1", "--name", "h"],
    );
    let hub = s(&created, "hub").to_owned();
    let miner = chain.address(1).to_string();

    // Wrong state, checked by the client.
    let line = chain.fails(Some(0), &["hub", "pay", &hub, &miner, "1"]);
    assert!(line.contains("is Created: pay needs Registered"), "{line}");
    // Wrong caller.
    chain.ok(Some(0), &["hub", "deposit", &hub, "10"]);
    let line = chain.fails(Some(1), &["hub", "register", &hub]);
    assert!(
        line.contains("is neither the owner nor the operator of hub"),
        "{line}"
    );
    // Not enough free balance for a payout and its lock.
    chain.ok(Some(0), &["hub", "register", &hub]);
    let line = chain.fails(Some(0), &["hub", "pay", &hub, &miner, "8"]);
    assert!(line.starts_with("error: insufficient funds: hub"), "{line}");
    assert!(line.contains("sonm hub deposit"), "{line}");
    // Not enough SNM in the sender's account.
    let line = chain.fails(Some(1), &["hub", "deposit", &hub, "1"]);
    assert!(
        line.contains("insufficient funds") && line.contains("holds 0 SNM"),
        "{line}"
    );
    // A revert found by simulation is decoded to the contract's custom error.
    let line = chain.fails(Some(0), &["hub", "create", "--endpoint", "", "--name", "x"]);
    assert!(
        line.contains("createHub would revert: WhitelistInvalidEndpoint"),
        "{line}"
    );
    // Bad amounts never reach the chain.
    let line = chain.fails(Some(0), &["hub", "deposit", &hub, "1.2.3"]);
    assert!(line.contains("is not an SNM amount"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_come_from_a_keystore_with_its_password_from_the_environment() {
    let chain = Chain::new().await;
    let dir = tempdir("keystore");
    let out = Command::new("cast")
        .args(["wallet", "new"])
        .arg(&dir)
        .args(["--unsafe-password", "correct horse"])
        .env("PATH", crate::common::tool_path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cast wallet new: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created = String::from_utf8_lossy(&out.stdout).to_lowercase();
    let address = created
        .split_whitespace()
        .find(|w| w.starts_with("0x") && w.len() == 42)
        .unwrap_or_else(|| panic!("no address in {created}"))
        .to_owned();
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let keystore = file.to_str().unwrap();

    let run = |password: &str| {
        Command::new(env!("CARGO_BIN_EXE_sonm"))
            .args([
                "--json",
                "token",
                "balance",
                "--keystore",
                keystore,
                "--rpc-url",
                &chain.anvil.endpoint(),
            ])
            .env("SONM_DEPLOYMENTS", &chain.deployments)
            .env("SONM_KEYSTORE_PASSWORD", password)
            .env_remove("SONM_PRIVATE_KEY")
            .output()
            .unwrap()
    };
    let out = run("correct horse");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s(&v, "account").to_lowercase(), address);
    let line = one_line_failure(&run("wrong"), &["wrong password"]);
    assert!(line.contains("cannot decrypt keystore"), "{line}");
}

/// After anvil restarts, the deployments file names contracts the new chain does not have: every command that
/// reads the deployment says so in one line, with how to deploy, instead of "returned no data ... buffer overrun".
#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_whose_contracts_are_not_on_the_chain_says_to_deploy() {
    let chain = Chain::new().await;
    // A fresh anvil of the same chain id, as a restart gives, with the old deployments file.
    let restarted = sonm_testkit::spawn_anvil(None);
    let token = chain.deployment.contracts.sonm_token;
    let path = chain.deployments.join(format!("{}.json", chain_id()));
    for args in [
        &[
            "token",
            "balance",
            "0x0000000000000000000000000000000000000001",
        ][..],
        &["hub", "list"],
        &["map", "list"],
        &[
            "computation",
            "show",
            "0x0000000000000000000000000000000000000001",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sonm"))
            .args(args)
            .env("ETH_RPC_URL", restarted.endpoint())
            .env("SONM_DEPLOYMENTS", &chain.deployments)
            .env_remove("SONM_PRIVATE_KEY")
            .env_remove("SONM_KEYSTORE")
            .output()
            .unwrap();
        let line = one_line_failure(&out, args);
        assert_eq!(
            line,
            format!(
                "error: the contracts of {} are not on chain {} (no code at its SonmToken, {token}): the chain was \
                 restarted or reset since that deploy; deploy again with `sonm deploy` (or `make demo`)",
                path.display(),
                chain_id()
            ),
            "{args:?}"
        );
    }
}

/// A bot that cannot journal what it signs must not start.
#[tokio::test(flavor = "multi_thread")]
async fn watch_with_a_state_file_it_cannot_write_refuses_to_start() {
    let chain = Chain::new().await;
    // A directory where the file should be: no one can write it as a file, root included.
    let state = tempdir("state-is-a-directory");
    let line = chain.fails(
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
    assert!(
        line.starts_with(&format!("error: state file {}: cannot ", state.display())),
        "{line}"
    );
    assert!(
        line.ends_with("so it does not start without a --state it can read and write"),
        "{line}"
    );
    assert_eq!(chain.nonce(3).await, 0);
    // Without --once too (the long-running bot).
    let line = chain.fails(
        Some(3),
        &[
            "watch",
            "--confirmations",
            "0",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    assert!(line.contains("it can read and write"), "{line}");
}
