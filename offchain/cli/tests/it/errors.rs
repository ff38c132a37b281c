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
    assert!(line.contains("is not the owner of hub"), "{line}");
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
