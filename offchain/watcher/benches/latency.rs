//! The watcher under load, against a real anvil mining a block a second (`cargo bench -p sonm-watcher`):
//!
//! 1. latency: a 2^16-leaf Monte-Carlo task whose solver falsifies one random leaf; blocks from the block holding
//!    the commitment to the block holding the revealed proof (`CheatProven`), with the bot's own timings;
//! 2. load: 1,000 open (committed, honest) tasks; the catch-up pass, then RPC calls and CPU time per block while
//!    the bot keeps up.
//!
//! Not a timed test: it prints figures. `SONM_BENCH_LEAVES` and `SONM_BENCH_TASKS` change the sizes.

#![allow(unreachable_pub, missing_debug_implementations, clippy::unwrap_used)]

#[allow(dead_code, unused_imports)]
#[path = "../tests/it/common.rs"]
mod common;

use std::time::{Duration, Instant};

use alloy::primitives::U256;
use alloy::providers::Provider as _;
use common::*;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's CPU time (user + system), from /proc (Linux).
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        init_tracing();
        if std::env::var_os("SONM_BENCH_SKIP_LATENCY").is_none() {
            latency(env_u64("SONM_BENCH_LEAVES", 1 << 16)).await;
        }
        load(env_u64("SONM_BENCH_TASKS", 1_000)).await;
    });
}

async fn latency(leaves: u64) {
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(leaves);
    let started = Instant::now();
    let task = chain.post_map(&inputs).await;
    // A random leaf unless `SONM_BENCH_CHEAT` names one (the last is the worst case: every leaf is recomputed).
    let cheat = env_u64("SONM_BENCH_CHEAT", u64::from(std::process::id()) % leaves).min(leaves - 1);
    // Solve before the clock starts: only the bot's part is measured.
    let mut config = chain.config(BOT);
    config.poll_interval = Duration::from_millis(100);
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();
    bot.pass().await.unwrap();
    chain
        .rpc("evm_setIntervalMining", serde_json::json!([1]))
        .await;
    chain.solve_map(task, &inputs, &[cheat], false).await;
    println!(
        "latency: {leaves}-leaf task posted and solved in {:.1}s (the solver's part, not measured)",
        started.elapsed().as_secs_f64()
    );
    let provider = chain.provider();
    let commit_block = provider.get_block_number().await.unwrap();
    let t0 = Instant::now();
    let mut proven_block = None;
    let mut committed = None;
    while t0.elapsed() < Duration::from_secs(300) {
        let r = bot.pass().await.unwrap();
        if committed.is_none() && r.sent.iter().any(|k| k.starts_with("map:commitProof:")) {
            committed = Some((t0.elapsed(), provider.get_block_number().await.unwrap()));
        }
        if r.sent.iter().any(|k| k.starts_with("map:proveCheat:")) {
            // Mined in the next block at the latest.
            while chain.map_task(task).await.status != TaskStatus::Open {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            proven_block = Some(provider.get_block_number().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(proven) = proven_block else {
        println!("latency: the proof was not revealed within 300 s");
        return;
    };
    println!(
        "latency: cheat at leaf {cheat}; commitment in block {commit_block}, proof revealed in block {proven}: {} blocks at 1 s blocks ({:.1} s wall)",
        proven - commit_block,
        t0.elapsed().as_secs_f64()
    );
    if let Some((after, block)) = committed {
        println!(
            "latency: fetch + check of {leaves} leaves + proof commitment sent {:.2} s after the commitment's block (head then {block})",
            after.as_secs_f64()
        );
    }
}

/// Posts `tasks` Monte-Carlo tasks over the same inputs and commits the same honest result to each, without waiting
/// for receipts (anvil mines each transaction as it arrives): the one input file and result dump serve them all.
async fn setup_many(chain: &Chain, inputs: &[alloy::primitives::Bytes], tasks: u64) {
    use alloy::primitives::aliases::{U40, U96};
    use sonm_merkle::{BuildOptions, IndexedTree};
    let game = chain.deployment.contracts.map_game;
    let token = chain.deployment.contracts.sonm_token;
    send(
        sonm_bindings::SonmToken::new(token, chain.wallet(BUYER))
            .approve(game, U256::from(tasks * 5) * ether()),
    )
    .await;
    send(
        sonm_bindings::SonmToken::new(token, chain.wallet(SOLVER))
            .approve(game, U256::from(tasks * 10) * ether()),
    )
    .await;
    let input_tree =
        IndexedTree::from_data(inputs.iter().cloned(), BuildOptions::default()).unwrap();
    let input_uri = chain.dir.join("inputs.json");
    std::fs::write(&input_uri, input_tree.to_json()).unwrap();
    let exec = sonm_executor::Executor::from_chain(
        &chain.provider(),
        chain.deployment.contracts.judge_harness,
        chain.deployment.contracts.monte_carlo_pi,
    )
    .await
    .unwrap();
    let results = IndexedTree::from_data(
        exec.leaves(inputs, 1_000_000, chain.max_leaf_bytes().await)
            .unwrap(),
        BuildOptions::default(),
    )
    .unwrap();
    let result_uri = chain.dir.join("results.json");
    std::fs::write(&result_uri, results.to_json()).unwrap();
    let e18 = U96::from(10u64).pow(U96::from(18u64));
    let spec = sonm_bindings::IMapGame::TaskSpec {
        computation: chain.deployment.contracts.monte_carlo_pi,
        inputRoot: input_tree.root(),
        leafCount: inputs.len() as u64,
        gasPerLeaf: 1_000_000,
        reward: U96::from(5u64) * e18,
        solverBond: U96::from(10u64) * e18,
        challengerBond: e18,
        commitDeadline: U40::from(chain.now().await + 86_400),
    };
    let (buyer, solver) = (chain.map(BUYER), chain.map(SOLVER));
    let provider = chain.provider();
    // Fixed gas limits: no estimate. Each transaction is waited for with a tight receipt poll, so the nonces stay
    // in order without alloy's slower receipt watcher.
    let mined = async |tx: alloy::primitives::B256| loop {
        if provider
            .get_transaction_receipt(tx)
            .await
            .unwrap()
            .is_some()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let gas = 1_000_000u64;
    for id in 1..=tasks {
        let posted = buyer
            .post(spec.clone(), input_uri.display().to_string())
            .gas(gas)
            .send()
            .await
            .unwrap();
        mined(*posted.tx_hash()).await;
        let claimed = solver.claim(U256::from(id)).gas(gas).send().await.unwrap();
        mined(*claimed.tx_hash()).await;
        let committed = solver
            .commit(
                U256::from(id),
                results.root(),
                result_uri.display().to_string(),
            )
            .gas(gas)
            .send()
            .await
            .unwrap();
        mined(*committed.tx_hash()).await;
    }
    // Anvil may still be mining the last ones.
    for _ in 0..600 {
        if chain.map_task(tasks).await.status == TaskStatus::Committed {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let count = chain.map(BUYER).taskCount().call().await.unwrap();
    panic!("{count} tasks posted, task {tasks} is not committed");
}

async fn load(tasks: u64) {
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    // A 10 SNM bond per task.
    send(
        sonm_bindings::SonmToken::new(chain.deployment.contracts.sonm_token, chain.wallet(BUYER))
            .transfer(chain.address(SOLVER), U256::from(tasks * 10) * ether()),
    )
    .await;
    let t0 = Instant::now();
    setup_many(&chain, &inputs, tasks).await;
    println!(
        "load: {tasks} committed tasks set up in {:.0}s",
        t0.elapsed().as_secs_f64()
    );

    let mut config = chain.config(BOT);
    config.confirmations = 1;
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();
    let m = bot.metrics();
    let (cpu0, wall0) = (cpu_time(), Instant::now());
    bot.pass().await.unwrap();
    println!(
        "load: catch-up pass over {} tasks: {:.2}s wall, {:.2}s CPU, {} RPC calls, {} commitments checked",
        m.tasks_seen.get(),
        wall0.elapsed().as_secs_f64(),
        (cpu_time() - cpu0).as_secs_f64(),
        m.rpc_calls.get(),
        m.commitments_checked.get(),
    );

    chain
        .rpc("evm_setIntervalMining", serde_json::json!([1]))
        .await;
    let provider = chain.provider();
    let b0 = provider.get_block_number().await.unwrap();
    let (calls0, cpu0) = (m.rpc_calls.get(), cpu_time());
    let wall0 = Instant::now();
    let mut pass_time = Duration::ZERO;
    let mut passes = 0u32;
    while wall0.elapsed() < Duration::from_secs(20) {
        let p = Instant::now();
        bot.pass().await.unwrap();
        pass_time += p.elapsed();
        passes += 1;
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    let blocks = provider
        .get_block_number()
        .await
        .unwrap()
        .saturating_sub(b0)
        .max(1);
    let calls = m.rpc_calls.get() - calls0;
    let cpu = cpu_time() - cpu0;
    println!(
        "load: {tasks} open tasks, {blocks} blocks, {passes} passes: {:.1} RPC calls per block, {:.1} ms CPU per block, {:.1} ms per pass, behind by {} blocks",
        calls as f64 / blocks as f64,
        cpu.as_secs_f64() * 1000.0 / blocks as f64,
        pass_time.as_secs_f64() * 1000.0 / f64::from(passes.max(1)),
        provider.get_block_number().await.unwrap() - u64::try_from(m.safe_block.get()).unwrap_or(0),
    );
}
