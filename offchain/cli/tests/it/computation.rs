//! `sonm computation`: registering computations (the games judge only registered ones), refusals named in one line,
//! and `map post` / `chain post` refusing an unregistered computation with the command that registers it.

use alloy::primitives::{Address, keccak256};

use crate::common::{Chain, s, tempdir};

/// `PUSH0 PUSH0 RETURN`: returns nothing, reads nothing but (no) input. Pure, and no registered code looks like it.
const PURE: &[u8] = &[0x5f, 0x5f, 0xf3];
/// `PUSH0 SLOAD PUSH0 MSTORE PUSH1 0x20 PUSH0 RETURN`: returns storage slot 0, so not pure: SLOAD at byte 1.
const READS_STORAGE: &[u8] = &[0x5f, 0x54, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3];

/// Puts `code` at a fresh address (anvil_setCode), as a deploy would.
async fn with_code(chain: &Chain, byte: u8, code: &[u8]) -> String {
    let address = Address::repeat_byte(byte);
    chain
        .rpc(
            "anvil_setCode",
            serde_json::json!([address, alloy::hex::encode_prefixed(code)]),
        )
        .await;
    address.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_deploys_computations_are_registered() {
    let chain = Chain::new().await;
    let mandelbrot = chain.deployment.contracts.mandelbrot_row.to_string();
    let shown = chain.ok(None, &["computation", "show", &mandelbrot]);
    assert_eq!(shown["registered"], true, "{shown}");
    assert_eq!(shown["intact"], true, "{shown}");
    assert_eq!(shown["codeHash"], shown["currentCodeHash"], "{shown}");
    assert_eq!(
        s(&shown, "registry").to_lowercase(),
        chain
            .deployment
            .contracts
            .computation_registry
            .to_string()
            .to_lowercase()
    );
    // Registering it again changes nothing and sends nothing.
    let nonce = chain.nonce(2).await;
    let again = chain.ok(Some(2), &["computation", "register", &mandelbrot]);
    assert!(again["tx"].is_null(), "{again}");
    assert_eq!(again["codeHash"], shown["codeHash"]);
    assert_eq!(chain.nonce(2).await, nonce);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pure_computation_is_registered_by_anyone_and_its_hash_printed() {
    let chain = Chain::new().await;
    let pure = with_code(&chain, 0xc1, PURE).await;
    let shown = chain.ok(None, &["computation", "show", &pure]);
    assert_eq!(shown["registered"], false);
    let out = chain.sonm(None, &["computation", "show", &pure]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "not registered: tasks cannot name it (`sonm computation register {pure}`)"
        )),
        "{text}"
    );

    let out = chain.sonm(Some(4), &["computation", "register", &pure]);
    assert!(out.status.success(), "{out:?}");
    let line = String::from_utf8_lossy(&out.stdout);
    let hash = keccak256(PURE);
    assert!(
        line.starts_with(&format!(
            "{pure} registered: code hash {hash} pinned (tx 0x"
        )),
        "{line}"
    );
    let shown = chain.ok(None, &["computation", "show", &pure]);
    assert_eq!(shown["registered"], true);
    assert_eq!(s(&shown, "codeHash"), hash.to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_name_the_forbidden_opcode_and_its_offset() {
    let chain = Chain::new().await;
    let impure = with_code(&chain, 0xc2, READS_STORAGE).await;
    let line = chain.fails(Some(4), &["computation", "register", &impure]);
    assert_eq!(
        line,
        format!(
            "error: {impure} cannot be registered: its code has SLOAD (0x54) at byte offset 1, which is not on the \
             registry's allow-list (a computation may read nothing but its input; see docs/protocol.md, \"Pure \
             computations\")"
        )
    );
    let eoa = chain.address(7).to_string();
    let line = chain.fails(Some(4), &["computation", "register", &eoa]);
    assert!(
        line.contains(&format!(
            "{eoa} cannot be registered: it has no code on chain"
        )),
        "{line}"
    );
    let line = chain.fails(Some(4), &["computation", "register", "0x12"]);
    assert!(line.contains("not an address"), "{line}");
    assert_eq!(chain.nonce(4).await, 0, "no refused registration was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn posting_on_an_unregistered_computation_says_to_register_it() {
    let chain = Chain::new().await;
    let pure = with_code(&chain, 0xc3, PURE).await;
    let registry = chain.deployment.contracts.computation_registry;
    let dir = tempdir("unregistered");
    let inputs = dir.join("inputs.json");
    std::fs::write(&inputs, r#"["0x01", "0x02"]"#).unwrap();
    let expected = format!(
        "error: computation {pure} is not registered in the computation registry {registry}, so the games refuse \
         posting a task on it: register it first with `sonm computation register {pure}` (anyone may; the \
         registry checks that its code is pure)"
    );
    let nonce = chain.nonce(0).await;
    let map_post = [
        "map",
        "post",
        "--inputs",
        inputs.to_str().unwrap(),
        "--computation",
        &pure,
        "--reward",
        "1",
    ];
    assert_eq!(chain.fails(Some(0), &map_post), expected);
    let chain_post = [
        "chain",
        "post",
        "--computation",
        &pure,
        "--initial-state",
        "0x01",
        "--steps",
        "4",
        "--reward",
        "1",
    ];
    assert_eq!(chain.fails(Some(0), &chain_post), expected);
    assert_eq!(chain.nonce(0).await, nonce, "nothing was sent");

    chain.ok(Some(5), &["computation", "register", &pure]);
    let posted = chain.ok(Some(0), &map_post);
    assert!(posted["task"].as_u64().is_some(), "{posted}");
    let posted = chain.ok(Some(0), &chain_post);
    assert!(posted["task"].as_u64().is_some(), "{posted}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_input_over_the_games_byte_bound_is_refused_at_posting() {
    let chain = Chain::new().await;
    let max = sonm_bindings::MapGame::new(chain.deployment.contracts.map_game, chain.provider())
        .parameters()
        .call()
        .await
        .unwrap()
        .maxLeafBytes as usize;
    let dir = tempdir("too-large");
    let inputs = dir.join("inputs.json");
    let long = alloy::hex::encode_prefixed(vec![7u8; max + 1]);
    std::fs::write(&inputs, format!(r#"["0x01", "{long}"]"#)).unwrap();
    let line = chain.fails(
        Some(0),
        &[
            "map",
            "post",
            "--inputs",
            inputs.to_str().unwrap(),
            "--computation",
            "montecarlo",
            "--reward",
            "1",
        ],
    );
    assert_eq!(
        line,
        format!(
            "error: input 1 has {} bytes, more than the game's maxLeafBytes ({max}): split it into smaller leaves",
            max + 1
        )
    );
}
