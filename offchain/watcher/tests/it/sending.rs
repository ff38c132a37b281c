//! The nonce manager: a cap on transactions in flight, fee bumping of a stuck transaction, and calls that would
//! revert skipped with their decoded reason.

use alloy::primitives::U256;

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_stuck_transaction_is_bumped_and_the_cap_holds_the_rest_back() {
    init_tracing();
    let chain = Chain::new().await;
    let mut tasks = Vec::new();
    for k in 0..2u8 {
        let inputs: Vec<_> = Chain::mc_inputs(8)
            .into_iter()
            .map(|b| {
                let mut v = b.to_vec();
                v[0] ^= k;
                v.into()
            })
            .collect();
        let task = chain.post_map(&inputs).await;
        chain.solve_map(task, &inputs, &[1], false).await;
        tasks.push(task);
    }
    let state = chain.dir.join("bot-state.json");
    let mut config = chain.config(BOT);
    config.max_pending = 1;
    config.bump_after_blocks = 2;
    config.state_path = Some(state.clone());
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();

    chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await;
    let r = bot.pass().await.unwrap();
    assert_eq!(r.sent.len(), 1, "the cap: one in flight, {:?}", r.sent);
    assert_eq!(r.pending, 1);
    // The base fee jumps above what the commit offers: it is stuck.
    chain
        .rpc(
            "anvil_setNextBlockBaseFeePerGas",
            serde_json::json!(["0x174876e800"]),
        )
        .await;
    chain.mine(1).await;
    assert_eq!(chain.nonce(BOT).await, 0, "stuck in the pool");
    let r = bot.pass().await.unwrap();
    assert!(r.sent.is_empty(), "still capped: {:?}", r.sent);
    chain.mine(1).await;
    // Two blocks without it: resubmitted with higher fees, then mined.
    bot.pass().await.unwrap();
    assert!(bot.metrics().txs_bumped.get() >= 1);
    chain
        .rpc("evm_setAutomine", serde_json::json!([true]))
        .await;
    chain.mine(1).await;
    assert_eq!(chain.nonce(BOT).await, 1, "the bumped commit is mined");
    let journal = std::fs::read_to_string(&state).unwrap();
    let v: serde_json::Value = serde_json::from_str(&journal).unwrap();
    let commit = v["txs"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("map:commitProof:"))
        .unwrap()
        .1;
    assert!(commit["hashes"].as_array().unwrap().len() >= 2, "{commit}");
    assert_eq!(commit["nonce"], 0);

    // Once it is mined, the rest goes out: both tasks are proven.
    let sent = drive(&mut bot, 10).await;
    assert!(
        sent.iter().any(|k| k.starts_with("map:proveCheat:")),
        "{sent:?}"
    );
    for task in tasks {
        assert_eq!(
            chain.map_task(task).await.status,
            TaskStatus::Open,
            "task {task} slashed"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_that_would_revert_is_skipped_with_its_decoded_reason() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[], true).await;
    // The bot has no SNM left for the query's bond.
    let all = chain.balance(BOT).await;
    send(
        sonm_bindings::SonmToken::new(chain.deployment.contracts.sonm_token, chain.wallet(BOT))
            .transfer(chain.address(BUYER), all),
    )
    .await;
    let nonce = chain.nonce(BOT).await;
    let mut bot = chain.watcher().await;
    let mut skipped = Vec::new();
    for _ in 0..3 {
        skipped.extend(bot.pass().await.unwrap().skipped);
    }
    assert!(
        skipped.iter().any(|s| s.starts_with(&format!(
            "map:openQuery:{task}:1: ERC20InsufficientBalance("
        ))),
        "{skipped:?}"
    );
    // Only the approval went out.
    assert_eq!(chain.nonce(BOT).await, nonce + 1);
    assert!(bot.metrics().txs_skipped.get() >= 1);
    assert_eq!(chain.balance(BOT).await, U256::ZERO);
}
