//! Restarts, an RPC outage and reorgs.

use std::time::Duration;

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn killed_between_commit_and_reveal_the_bot_reveals_once_after_restart() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[3], false).await;
    let state = chain.dir.join("bot-state.json");
    let mut config = chain.config(BOT);
    config.state_path = Some(state.clone());

    // First life: one pass commits the proof, then the process dies (nothing is shut down gracefully).
    let mut first = sonm_watcher::Watcher::connect(config.clone())
        .await
        .unwrap();
    let r = first.pass().await.unwrap();
    assert_eq!(r.sent.len(), 1, "{:?}", r.sent);
    assert!(r.sent[0].starts_with("map:commitProof:"));
    drop(first);
    assert_eq!(chain.nonce(BOT).await, 1);

    // Second life: the salt is derived from the key and the journal says the commit was sent: it reveals.
    let mut second = sonm_watcher::Watcher::connect(config.clone())
        .await
        .unwrap();
    let sent = drive(&mut second, 5).await;
    assert_eq!(sent, vec![format!("map:proveCheat:{task}:1:3")]);
    assert_eq!(
        chain.map_task(task).await.status,
        TaskStatus::Open,
        "slashed"
    );
    drop(second);

    // A third life finds nothing to do and sends nothing.
    let mut third = sonm_watcher::Watcher::connect(config).await.unwrap();
    assert!(drive(&mut third, 3).await.is_empty());
    assert_eq!(
        chain.nonce(BOT).await,
        2,
        "exactly one commit and one reveal"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_commit_signed_but_never_broadcast_is_rebroadcast_not_resigned() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[5], false).await;
    let state = chain.dir.join("bot-state.json");
    let mut config = chain.config(BOT);
    config.state_path = Some(state.clone());
    // The node stops mining and forgets its pool: the commit is journaled, broadcast, and then lost, as if the bot
    // died right after writing its journal.
    chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await;
    let mut first = sonm_watcher::Watcher::connect(config.clone())
        .await
        .unwrap();
    let r = first.pass().await.unwrap();
    assert_eq!(r.sent.len(), 1);
    drop(first);
    let journal = std::fs::read_to_string(&state).unwrap();
    assert!(journal.contains("commitProof"), "{journal}");
    chain
        .rpc("anvil_dropAllTransactions", serde_json::json!([]))
        .await;
    chain
        .rpc("evm_setAutomine", serde_json::json!([true]))
        .await;
    chain.mine(1).await;
    assert_eq!(
        chain.nonce(BOT).await,
        0,
        "the commit is gone from the node"
    );

    let mut second = sonm_watcher::Watcher::connect(config).await.unwrap();
    // Pass 1 rebroadcasts the same bytes (a block has passed); then the reveal.
    let mut sent = Vec::new();
    for _ in 0..6 {
        sent.extend(second.pass().await.unwrap().sent);
        chain.mine(1).await;
    }
    assert_eq!(
        sent,
        vec![format!("map:proveCheat:{task}:1:5")],
        "nothing signed twice"
    );
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Open);
    assert_eq!(chain.nonce(BOT).await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bot_rides_out_an_rpc_outage() {
    init_tracing();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let chain = Chain::with_anvil(spawn_anvil(Some(port))).await;
    let mut config = chain.config(BOT);
    config.poll_interval = Duration::from_millis(250);
    let metrics_addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    config.metrics_addr = Some(metrics_addr);
    let deployments = chain.deployments.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let bot = tokio::spawn(sonm_watcher::run(config, async {
        let _ = stop_rx.await;
    }));
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The node goes away for 20 seconds, and comes back with its state.
    let state: String = chain
        .rpc("anvil_dumpState", serde_json::json!([]))
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let dump = chain.dir.join("anvil-state.hex");
    std::fs::write(&dump, &state).unwrap();
    let Chain(sonm_testkit::Chain {
        anvil,
        dir,
        deployment,
        ..
    }) = chain;
    drop(anvil);
    tokio::time::sleep(Duration::from_secs(20)).await;
    let anvil = spawn_anvil(Some(port));
    let back = Chain(sonm_testkit::Chain {
        anvil,
        deployments,
        deployment,
        dir,
    });
    let loaded: serde_json::Value = back
        .rpc("anvil_loadState", serde_json::json!([state]))
        .await;
    assert_eq!(loaded, serde_json::json!(true));

    // A cheat after the outage is still caught.
    let inputs = Chain::mc_inputs(8);
    let task = back.post_map(&inputs).await;
    back.solve_map(task, &inputs, &[2], false).await;
    let mut slashed = false;
    for _ in 0..160 {
        if back.map_task(task).await.status == TaskStatus::Open {
            slashed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let scraped = scrape(metrics_addr).await;
    let _ = stop_tx.send(());
    bot.await.unwrap().unwrap();
    assert!(slashed, "the bot did not recover");
    assert_eq!(back.map_slashes().await, vec![(task, back.address(BOT))]);
    let value = |name: &str| -> u64 {
        scraped
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {scraped}"))
    };
    assert!(
        value("sonm_watcher_rpc_errors_total") > 0,
        "the outage was counted"
    );
    assert_eq!(value("sonm_watcher_proofs_sent_total"), 1);
    assert_eq!(value("sonm_watcher_cheats_found_total"), 1);
}

/// `GET /metrics` (sonm-net's server; the connection closed after the answer).
async fn scrape(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reorg_under_the_confirmation_depth_makes_no_wrong_move() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    let mut config = chain.config(BOT);
    config.confirmations = 3;
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();
    assert!(bot.pass().await.unwrap().sent.is_empty());

    // A cheating commitment lands, the bot sees it under its depth, then the blocks holding it are replaced.
    let snapshot = chain.rpc("evm_snapshot", serde_json::json!([])).await;
    chain.solve_map(task, &inputs, &[1], false).await;
    let r = bot.pass().await.unwrap();
    assert!(
        r.sent.is_empty(),
        "acted under the confirmation depth: {:?}",
        r.sent
    );
    chain.rpc("evm_revert", serde_json::json!([snapshot])).await;
    // On the new branch the same solver commits honestly, and the chain grows past the depth.
    chain.solve_map(task, &inputs, &[], false).await;
    chain.mine(5).await;
    let sent = drive(&mut bot, 4).await;
    assert!(sent.is_empty(), "a move on a block that is gone: {sent:?}");
    let m = bot.metrics();
    assert_eq!(m.cheats_found.get(), 0);
    assert_eq!(m.commitments_checked.get(), 1);
    assert_eq!(chain.nonce(BOT).await, 0);
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Committed);
}

/// The watcher as a process of its own, for the SIGKILL test: this test binary, run with `SONM_WATCHER_CHILD`
/// (`rpc|deployments|key|state`) and only this test.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "the process killed_with_sigkill_at_any_point_the_bot_finishes_exactly_once starts and kills"]
async fn child_watcher() {
    let Ok(spec) = std::env::var("SONM_WATCHER_CHILD") else {
        return;
    };
    init_tracing();
    let parts: Vec<&str> = spec.split('|').collect();
    let signer: alloy::signers::local::PrivateKeySigner = parts[2].parse().unwrap();
    let mut config = sonm_watcher::WatcherConfig::new(parts[0], parts[1].into(), signer);
    config.state_path = Some(parts[3].into());
    config.confirmations = 0;
    config.poll_interval = Duration::from_millis(100);
    sonm_watcher::run(config, std::future::pending())
        .await
        .unwrap();
}

struct Child(std::process::Child);

impl Child {
    fn start(chain: &Chain, state: &std::path::Path) -> Self {
        let key = alloy::hex::encode_prefixed(chain.signer(BOT).to_bytes());
        let spec = format!(
            "{}|{}|{key}|{}",
            chain.anvil.endpoint(),
            chain.deployments.display(),
            state.display()
        );
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "resilience::child_watcher",
                "--nocapture",
            ])
            .env("SONM_WATCHER_CHILD", spec)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Self(child)
    }

    /// SIGKILL: no destructor, no flush, no goodbye.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_with_sigkill_at_any_point_the_bot_finishes_exactly_once() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[6], false).await;
    let state = chain.dir.join("bot-state.json");
    let journal = || std::fs::read_to_string(&state).unwrap_or_default();

    // Blocks only when the test says: the bot's transactions wait in the pool.
    chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await;
    // Life 1: killed with its proof commitment signed and in the pool, not mined.
    let child = Child::start(&chain, &state);
    wait_for("the commit", async || journal().contains("commitProof")).await;
    child.kill();
    chain.mine(1).await;
    assert_eq!(chain.nonce(BOT).await, 1, "the commit is mined");

    // Life 2: killed with its reveal signed and in the pool, not mined.
    let child = Child::start(&chain, &state);
    wait_for("the reveal", async || journal().contains("proveCheat")).await;
    child.kill();
    // The node loses its pool too: only the journal still has the reveal.
    chain
        .rpc("anvil_dropAllTransactions", serde_json::json!([]))
        .await;
    chain.mine(1).await;
    assert_eq!(
        chain.nonce(BOT).await,
        1,
        "the reveal is lost from the node"
    );

    // Life 3: rebroadcasts the journaled reveal (same nonce, same bytes) instead of deciding anew.
    chain
        .rpc("evm_setAutomine", serde_json::json!([true]))
        .await;
    let child = Child::start(&chain, &state);
    wait_for("the slash", async || {
        chain.mine(1).await;
        chain.map_task(task).await.status == TaskStatus::Open
    })
    .await;
    // Let it settle, then check nothing more was sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    child.kill();
    assert_eq!(
        chain.nonce(BOT).await,
        2,
        "one commit and one reveal, each sent once"
    );
    assert_eq!(chain.map_slashes().await, vec![(task, chain.address(BOT))]);
    let text = journal();
    assert_eq!(text.matches("\"hashes\"").count(), 2, "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_confirmation_depth_the_bot_acts_once_the_commitment_is_deep_enough() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[2], false).await;
    let mut config = chain.config(BOT);
    config.confirmations = 2;
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();
    assert!(
        bot.pass().await.unwrap().sent.is_empty(),
        "the commitment is at the head"
    );
    chain.mine(2).await;
    let mut sent = Vec::new();
    for _ in 0..8 {
        sent.extend(bot.pass().await.unwrap().sent);
        chain.mine(1).await;
    }
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1], format!("map:proveCheat:{task}:1:2"));
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Open);
    assert_eq!(
        chain.nonce(BOT).await,
        2,
        "nothing sent twice while its effects were not yet confirmed"
    );
}

/// A bot that cannot journal what it signs must not start: an unwritable `--state` is refused at connect, in one
/// line, before anything is read or sent.
#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_state_file_refuses_to_start() {
    let chain = Chain::new().await;
    // A directory where the file should be: not writable as a file by anyone, root included.
    let state = chain.dir.join("state-is-a-directory");
    std::fs::create_dir_all(&state).unwrap();
    let mut config = chain.config(BOT);
    config.state_path = Some(state.clone());
    let err = sonm_watcher::Watcher::connect(config)
        .await
        .expect_err("refused");
    let line = err.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(
        line.starts_with(&format!("state file {}: cannot read it (", state.display())),
        "{line}"
    );
    assert!(
        line.ends_with("so it does not start without a --state it can read and write"),
        "{line}"
    );
    assert_eq!(chain.nonce(BOT).await, 0, "nothing was sent");
}

/// After anvil restarts, the deployments file names contracts the new chain does not have: the bot says so at
/// connect, in one line that says how to deploy, instead of failing its first call with "returned no data".
#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_whose_contracts_are_not_on_the_chain_is_refused_at_connect() {
    let chain = Chain::new().await;
    // A fresh anvil of the same chain id (what a restart gives), with the same deployments directory.
    let restarted = spawn_anvil(None);
    let mut config = chain.config(BOT);
    config.rpc_url = restarted.endpoint();
    let err = sonm_watcher::Watcher::connect(config)
        .await
        .expect_err("refused");
    let line = err.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(line.starts_with("the contracts of "), "{line}");
    assert!(
        line.contains(&format!(
            "are not on chain {} (no code at its SonmToken, {})",
            sonm_testkit::chain_id(),
            chain.deployment.contracts.sonm_token
        )),
        "{line}"
    );
    assert!(line.contains("deploy again with `sonm deploy`"), "{line}");
}
