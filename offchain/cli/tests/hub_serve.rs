//! `sonm hub serve` as a real process, killed with SIGKILL by `SONM_HUB_CRASH_AT` at each named point of its
//! commit (signed, not sent; sent, receipt not recorded; after the receipt) and started again on the same state:
//! the deal completes once (exactly one commit on chain, the operator's only transaction), the buyer accepts, the
//! restarted hub signs the miner's work receipt.
//!
//! The miner and the buyer are sonm-net nodes in the test process; the hub is the `sonm` binary.

#![allow(clippy::unwrap_used, unreachable_pub, missing_debug_implementations)]

use std::io::BufRead as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use alloy::providers::Provider as _;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent as _;
use serde_json::Value;
use sonm_agents::market::offers_from_bytes;
use sonm_agents::{Client, HubOwner, MapTasks, Market, TaskStatus, Token};
use sonm_bindings::{Contract, MapGame};
use sonm_executor::Executor;
use sonm_net::{
    Event, MarketRequest, MarketResponse, Multiaddr, Node, NodeConfig, PeerId, WhitelistChain,
};
use sonm_testkit::Chain;
use tokio::sync::mpsc;

const DEPLOYER: usize = 0;
const OWNER: usize = 1;
const OPERATOR: usize = 2;
const BUYER: usize = 3;
const MINER: usize = 4;
const ROWS: u32 = 8;

fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

async fn client(chain: &Chain, i: usize) -> Client {
    Client::connect(
        &chain.anvil.endpoint(),
        Some(chain.signer(i)),
        &chain.deployments,
    )
    .await
    .expect("client")
}

fn net(chain: &Chain) -> Arc<WhitelistChain> {
    Arc::new(
        WhitelistChain::new(chain.provider(), chain.deployment.clone())
            .with_cache_ttl(Duration::ZERO),
    )
}

/// A Registered hub of OWNER run by OPERATOR's key; the buyer funded.
async fn hub(chain: &Chain) -> Address {
    let token = Token::new(&client(chain, DEPLOYER).await).expect("token");
    for who in [OWNER, BUYER] {
        token
            .transfer(chain.address(who), snm(200))
            .await
            .expect("fund");
    }
    let owner = HubOwner::new(&client(chain, OWNER).await).expect("owner");
    let (hub, _) = owner
        .create("127.0.0.1:1", "crash hub")
        .await
        .expect("create");
    owner.deposit(hub, snm(150)).await.expect("deposit");
    owner.register(hub).await.expect("register");
    owner
        .set_operator(hub, chain.address(OPERATOR))
        .await
        .expect("operator");
    hub
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `sonm hub serve --json` process, its stdout lines parsed as they come; killed when dropped.
struct Daemon {
    child: Child,
    lines: mpsc::UnboundedReceiver<Value>,
    seen: Vec<Value>,
    stderr: PathBuf,
}

impl Daemon {
    fn spawn(chain: &Chain, hub: Address, state: &Path, port: u16, crash: Option<&str>) -> Self {
        let n = std::fs::read_dir(state).map_or(0, |d| d.count());
        let stderr = state.with_extension(format!("stderr-{n}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sonm"));
        cmd.args([
            "--json",
            "--rpc-url",
            &chain.anvil.endpoint(),
            "--deployments",
        ])
        .arg(&chain.deployments)
        .args(["hub", "serve", "--hub", &hub.to_string(), "--state"])
        .arg(state)
        .args([
            "--listen",
            &format!("/ip4/127.0.0.1/tcp/{port}"),
            "--interval",
            "0.2",
            "--sample-seed",
            "1",
            "--lease-units",
            "4",
        ])
        .env("SONM_PRIVATE_KEY", chain.key(OPERATOR))
        .env("SONM_LOG", "sonm_hub=info")
        .env_remove("SONM_KEYSTORE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        match crash {
            Some(c) => cmd.env(sonm_hub::CRASH_ENV, c),
            None => cmd.env_remove(sonm_hub::CRASH_ENV),
        };
        let mut child = cmd.spawn().expect("run sonm hub serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The next event `name`; panics (with the daemon's log) after `secs` seconds or if the daemon stopped.
    async fn wait(&mut self, name: &str, secs: u64) -> Value {
        if let Some(v) = self.seen.iter().find(|v| v["event"] == name) {
            return v.clone();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(v)) => {
                    self.seen.push(v.clone());
                    if v["event"] == name {
                        return v;
                    }
                }
                Ok(None) => panic!("the hub stopped before {name:?}; its log:\n{}", self.log()),
                Err(_) => panic!("no {name:?} within {secs} s; its log:\n{}", self.log()),
            }
        }
    }

    /// Waits for the process to end; its exit status.
    async fn exit(&mut self, secs: u64) -> std::process::ExitStatus {
        for _ in 0..secs * 10 {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the hub did not die within {secs} s; its log:\n{}",
            self.log()
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hub_addr(listening: &Value) -> (PeerId, Multiaddr) {
    let peer = listening["peer"]
        .as_str()
        .expect("peer")
        .parse()
        .expect("peer id");
    let addr = listening["addrs"][0]
        .as_str()
        .expect("addr")
        .parse()
        .expect("multiaddr");
    (peer, addr)
}

/// A miner node that joins the hub and computes every lease with the executor.
async fn miner(chain: &Chain, at: &(PeerId, Multiaddr)) -> Node {
    let key = chain.signer(MINER);
    let (node, mut events) = Node::start(
        NodeConfig {
            peers: vec![at.1.clone()],
            ..NodeConfig::local()
        },
        net(chain),
    )
    .await
    .expect("miner node");
    let c = client(chain, MINER).await;
    let tasks = MapTasks::new(&c).expect("tasks");
    let executor = Executor::from_deployment(
        c.provider_ref(),
        c.deployment(),
        c.address(Contract::MandelbrotRow).expect("mandelbrot"),
    )
    .await
    .expect("executor");
    let answering = node.clone();
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            if let Event::WorkRequest {
                id, lease, inputs, ..
            } = e
            {
                let info = tasks
                    .task(lease.task_id.saturating_to())
                    .await
                    .expect("task");
                let outputs = executor
                    .leaves(&inputs, u64::from(info.gas_per_leaf), info.max_leaf_bytes)
                    .expect("compute");
                let answer = lease
                    .answer_signed(outputs, answering.domain(), &key)
                    .expect("answer");
                let _ = answering.answer_work(id, answer).await;
            }
        }
    });
    for _ in 0..100 {
        let joined = node
            .market(
                at.0,
                MarketRequest::Join {
                    miner: chain.address(MINER),
                    capacity: 8,
                },
            )
            .await;
        if matches!(joined, Ok(MarketResponse::Joined { .. })) {
            return node;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the miner could not join the hub");
}

/// The buyer takes the hub's announced offer for ROWS Mandelbrot rows, serves the inputs and tells the hub.
async fn buy(chain: &Chain, at: &(PeerId, Multiaddr)) -> (u64, Node, Client) {
    let c = client(chain, BUYER).await;
    let (node, mut events) = Node::start(
        NodeConfig {
            peers: vec![at.1.clone()],
            ..NodeConfig::local()
        },
        net(chain),
    )
    .await
    .expect("buyer node");
    tokio::spawn(async move { while events.next().await.is_some() {} });
    let mut announcement = None;
    for _ in 0..100 {
        if let Ok(a) = node.hub_info(at.0).await {
            announcement = Some(a.announcement);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let offers =
        offers_from_bytes(&announcement.expect("the hub's announcement").offers).expect("offers");
    let tasks = MapTasks::new(&c).expect("tasks");
    let inputs = sonm_agents::task::mandelbrot_inputs(16, ROWS, (-0.75, 0.0), 3.0 / 16.0, 16);
    let root = node
        .data()
        .insert(tasks.input_tree(&inputs).await.expect("tree"))
        .expect("serve");
    let listen = node.status().await.expect("status").listen_addrs[0].clone();
    let uri = format!("sonm://{listen}/p2p/{}/{root}", node.peer_id());
    let taken = Market::new(&c)
        .expect("market")
        .take(&offers[0], root, u64::from(ROWS), uri)
        .await
        .expect("take");
    let answer = node
        .market(
            at.0,
            MarketRequest::Inputs {
                task_id: U256::from(taken.deal),
                leaf_count: u64::from(ROWS),
            },
        )
        .await
        .expect("inputs");
    assert_eq!(answer, MarketResponse::Accepted);
    (taken.deal, node, c)
}

/// The hub dies at `point` of its commit, starts again on the same state, and completes the deal once.
async fn crash_at_commit_and_restart(point: &str) {
    let chain = Chain::new().await;
    let hub = hub(&chain).await;
    let state = sonm_testkit::tempdir("hub-crash").join("state");
    let port = free_port();
    let mut first = Daemon::spawn(&chain, hub, &state, port, Some(&format!("{point}:commit")));
    let at = hub_addr(&first.wait("listening", 60).await);
    let _miner = miner(&chain, &at).await;
    let (deal, _buyer, buyer_client) = buy(&chain, &at).await;
    first.wait("inputs fetched", 60).await;
    let status = first.exit(60).await;
    assert_eq!(
        status.signal(),
        Some(9),
        "killed by SIGKILL at {point}: {status:?}"
    );
    assert!(
        first.log().contains("killing myself with SIGKILL"),
        "{}",
        first.log()
    );
    assert_eq!(
        first
            .seen
            .iter()
            .filter(|v| v["event"] == "committed")
            .count(),
        0
    );
    // Where it died: at "signed" the commit never left the process; after it, it is on chain.
    let sent = chain.nonce(OPERATOR).await;
    assert_eq!(
        sent,
        u64::from(point != "signed"),
        "operator transactions after a crash at {point}"
    );
    drop(first);

    let mut second = Daemon::spawn(&chain, hub, &state, port, None);
    assert_eq!(
        hub_addr(&second.wait("listening", 60).await).0,
        at.0,
        "the same peer id"
    );
    let committed = second.wait("committed", 60).await;
    assert_eq!(committed["deal"], deal);
    let tasks = MapTasks::new(&buyer_client).expect("tasks");
    let info = tasks.task(deal).await.expect("task");
    assert_eq!(info.status, TaskStatus::Committed);
    let inputs = sonm_agents::task::mandelbrot_inputs(16, ROWS, (-0.75, 0.0), 3.0 / 16.0, 16);
    let own = tasks
        .solve(deal, &inputs, &sonm_agents::SolveMode::Honest, &|_| {})
        .await
        .expect("recompute");
    assert_eq!(own.root(), info.result_root);
    tasks.accept(deal).await.expect("accept");
    second.wait("accepted", 30).await;
    let receipts = second.wait("receipts signed", 30).await;
    assert_eq!(receipts["receipts"][0]["units"], u64::from(ROWS));
    // Exactly one commit on chain, and it was the operator's only transaction: nothing was signed twice.
    let commits = chain
        .provider()
        .get_logs(
            &Filter::new()
                .address(chain.deployment.contracts.map_game)
                .event_signature(MapGame::ResultCommitted::SIGNATURE_HASH)
                .topic1(U256::from(deal))
                .from_block(0),
        )
        .await
        .expect("logs");
    assert_eq!(commits.len(), 1, "one commit");
    assert_eq!(
        Some(commits[0].transaction_hash.expect("tx hash")),
        committed["tx"].as_str().and_then(|t| t.parse().ok()),
        "the commit on chain is the journaled one"
    );
    assert_eq!(
        chain.nonce(OPERATOR).await,
        1,
        "the operator sent one transaction"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_killed_after_signing_its_commit_completes_the_deal_once() {
    crash_at_commit_and_restart("signed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_killed_after_sending_its_commit_completes_the_deal_once() {
    crash_at_commit_and_restart("sent").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_killed_after_recording_its_commits_receipt_completes_the_deal_once() {
    crash_at_commit_and_restart("receipt").await;
}
