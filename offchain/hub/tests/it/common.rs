//! The fixture: a chain with a Registered hub whose operator runs the daemon in-process, miners that compute with
//! the executor on their own nodes, and a buyer node that serves its inputs.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alloy::primitives::{Address, Bytes, U256};
use alloy::signers::local::PrivateKeySigner;
use serde_json::Value;
use sonm_agents::market::offers_from_bytes;
use sonm_agents::{Client, HubOwner, MapTasks, SignedOffer, Token};
use sonm_bindings::Contract;
use sonm_executor::Executor;
use sonm_hub::ServeConfig;
use sonm_merkle::IndexedTree;
use sonm_net::{Event, Multiaddr, Node, NodeConfig, PeerId, WhitelistChain};
use tokio::sync::mpsc;

/// Anvil's accounts, by role.
pub const DEPLOYER: usize = 0;
pub const OWNER: usize = 1;
pub const OPERATOR: usize = 2;
pub const BUYER: usize = 3;
pub const MINERS: [usize; 2] = [4, 5];

pub fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

pub struct TestChain(pub sonm_testkit::Chain);

impl Deref for TestChain {
    type Target = sonm_testkit::Chain;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl TestChain {
    pub async fn new() -> Self {
        if std::env::var_os("RUST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        Self(sonm_testkit::Chain::new().await)
    }

    pub async fn client(&self, i: usize) -> Client {
        Client::connect(
            &self.anvil.endpoint(),
            Some(self.signer(i)),
            &self.deployments,
        )
        .await
        .expect("client")
    }

    pub fn net(&self) -> Arc<WhitelistChain> {
        Arc::new(
            WhitelistChain::new(self.provider(), self.deployment.clone())
                .with_cache_ttl(Duration::ZERO),
        )
    }

    /// A hub of OWNER, funded with 100 SNM and Registered, its operator OPERATOR; the buyer funded with 100 SNM.
    pub async fn hub(&self) -> Address {
        let token = Token::new(&self.client(DEPLOYER).await).expect("token");
        for who in [OWNER, BUYER] {
            token
                .transfer(self.address(who), snm(200))
                .await
                .expect("fund");
        }
        let owner = HubOwner::new(&self.client(OWNER).await).expect("owner");
        let (hub, _) = owner
            .create("127.0.0.1:1", "test hub")
            .await
            .expect("create");
        owner.deposit(hub, snm(150)).await.expect("deposit");
        owner.register(hub).await.expect("register");
        owner
            .set_operator(hub, self.address(OPERATOR))
            .await
            .expect("operator");
        hub
    }

    /// The daemon's configuration for `hub`: 127.0.0.1, fast passes, a fixed sample seed.
    pub fn config(&self, hub: Address, state: PathBuf) -> ServeConfig {
        let mut c = ServeConfig::new(
            self.anvil.endpoint(),
            self.deployments.clone(),
            self.signer(OPERATOR),
            hub,
            state,
        )
        .expect("config");
        c.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().expect("addr")];
        c.interval = Duration::from_millis(200);
        c.sample_seed = 7;
        c.lease_units = 4;
        c.lease_timeout = Duration::from_secs(20);
        c
    }
}

/// The daemon's JSON events, as they come.
pub struct HubEvents {
    rx: mpsc::UnboundedReceiver<Value>,
    pub seen: Vec<Value>,
}

impl HubEvents {
    pub fn attach(config: &mut ServeConfig) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        config.events = Some(tx);
        Self {
            rx,
            seen: Vec::new(),
        }
    }

    /// The next event named `name` (earlier ones kept in `seen`); panics after `secs` seconds.
    pub async fn wait(&mut self, name: &str, secs: u64) -> Value {
        if let Some(v) = self.seen.iter().find(|v| v["event"] == name) {
            return v.clone();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let v = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "no {name:?} event within {secs} s; seen: {:?}",
                        self.seen
                            .iter()
                            .map(|v| v["event"].clone())
                            .collect::<Vec<_>>()
                    )
                })
                .expect("the daemon stopped");
            self.seen.push(v.clone());
            if v["event"] == name {
                return v;
            }
        }
    }

    /// Waits until more than `n` events `name` were seen.
    pub async fn wait_new(&mut self, name: &str, n: usize, secs: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while self.count(name) <= n {
            let v = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no new {name:?} within {secs} s"))
                .expect("the daemon stopped");
            self.seen.push(v);
        }
    }

    pub fn count(&self, name: &str) -> usize {
        self.seen.iter().filter(|v| v["event"] == name).count()
    }
}

/// The hub's peer and dialable address from its `listening` event.
pub fn hub_addr(listening: &Value) -> (PeerId, Multiaddr) {
    let peer: PeerId = listening["peer"]
        .as_str()
        .expect("peer")
        .parse()
        .expect("peer id");
    let addr: Multiaddr = listening["addrs"][0]
        .as_str()
        .expect("addr")
        .parse()
        .expect("multiaddr");
    (peer, addr)
}

/// A miner node that joins the hub and computes its leases with the executor; from its `cheat_from`-th lease on
/// (1-based; 0: never) each answer has one falsified output.
pub async fn miner(
    chain: &TestChain,
    i: usize,
    hub: (PeerId, Multiaddr),
    capacity: u32,
    cheat_from: usize,
) -> Miner {
    miner_impl(chain, i, hub, capacity, cheat_from, Duration::ZERO, false).await
}

/// A miner whose first answer has one output longer than the task's `maxLeafBytes`.
pub async fn long_output_miner(
    chain: &TestChain,
    i: usize,
    hub: (PeerId, Multiaddr),
    capacity: u32,
) -> Miner {
    miner_impl(chain, i, hub, capacity, 0, Duration::ZERO, true).await
}

/// [`miner`], answering each lease `delay` late.
pub async fn miner_with(
    chain: &TestChain,
    i: usize,
    hub: (PeerId, Multiaddr),
    capacity: u32,
    cheat_from: usize,
    delay: Duration,
) -> Miner {
    miner_impl(chain, i, hub, capacity, cheat_from, delay, false).await
}

async fn miner_impl(
    chain: &TestChain,
    i: usize,
    hub: (PeerId, Multiaddr),
    capacity: u32,
    cheat_from: usize,
    delay: Duration,
    long: bool,
) -> Miner {
    let key: PrivateKeySigner = chain.signer(i);
    let (node, mut events) = Node::start(
        NodeConfig {
            peers: vec![hub.1.clone()],
            ..NodeConfig::local()
        },
        chain.net(),
    )
    .await
    .expect("miner node");
    let client = chain.client(i).await;
    let tasks = MapTasks::new(&client).expect("tasks");
    let executor = Executor::from_deployment(
        client.provider_ref(),
        client.deployment(),
        client.address(Contract::MandelbrotRow).expect("mandelbrot"),
    )
    .await
    .expect("executor");
    let answering = node.clone();
    let reports = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&reports);
    tokio::spawn(async move {
        let mut leases = 0usize;
        while let Some(e) = events.next().await {
            if let Event::HubReport { .. } = e {
                seen.fetch_add(1, Ordering::Relaxed);
            }
            if let Event::WorkRequest {
                id, lease, inputs, ..
            } = e
            {
                let info = tasks
                    .task(lease.task_id.saturating_to())
                    .await
                    .expect("task");
                let mut outputs = executor
                    .leaves(&inputs, u64::from(info.gas_per_leaf), info.max_leaf_bytes)
                    .expect("compute");
                leases += 1;
                tokio::time::sleep(delay).await;
                if long && leases == 1 {
                    outputs[0] = Bytes::from(vec![1u8; info.max_leaf_bytes as usize + 1]);
                }
                if cheat_from > 0 && leases >= cheat_from {
                    let last = outputs.len() - 1;
                    let mut bytes = outputs[last].to_vec();
                    bytes.push(0x55);
                    outputs[last] = Bytes::from(bytes);
                }
                let answer = lease
                    .answer_signed(outputs, answering.domain(), &key)
                    .expect("answer");
                let _ = answering.answer_work(id, answer).await;
            }
        }
    });
    // Join once the connection is up.
    let mut joined = false;
    for _ in 0..100 {
        match node
            .market(
                hub.0,
                sonm_net::MarketRequest::Join {
                    miner: chain.address(i),
                    capacity,
                },
            )
            .await
        {
            Ok(sonm_net::MarketResponse::Joined { .. }) => {
                joined = true;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    assert!(joined, "miner {i} could not join the hub");
    Miner { node, reports }
}

/// A miner's node, and how many hub reports it believed.
pub struct Miner {
    pub node: Node,
    pub reports: Arc<AtomicUsize>,
}

/// The buyer: a node serving the deal's inputs, the offer read from the hub's announcement, the deal taken, the
/// hub told. Returns the deal, the buyer's node and its client.
pub async fn buy(chain: &TestChain, hub: (PeerId, Multiaddr), rows: u32) -> (u64, Node, Client) {
    buy_with(chain, hub, rows, Inputs::Told).await
}

/// What the buyer does with its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inputs {
    /// Serves them and sends the hub `Inputs`.
    Told,
    /// Serves them behind the input URI and never calls the hub.
    Served,
    /// Withholds them.
    Withheld,
}

/// [`buy`], the inputs served and handed over as `inputs_` says.
pub async fn buy_with(
    chain: &TestChain,
    hub: (PeerId, Multiaddr),
    rows: u32,
    inputs_: Inputs,
) -> (u64, Node, Client) {
    let client = chain.client(BUYER).await;
    let (node, mut events) = Node::start(
        NodeConfig {
            peers: vec![hub.1.clone()],
            ..NodeConfig::local()
        },
        chain.net(),
    )
    .await
    .expect("buyer node");
    tokio::spawn(async move { while events.next().await.is_some() {} });
    let mut info = None;
    for _ in 0..100 {
        match node.hub_info(hub.0).await {
            Ok(a) => {
                info = Some(a);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let announcement = info.expect("the hub's announcement").announcement;
    let offers: Vec<SignedOffer> = offers_from_bytes(&announcement.offers).expect("offers");
    let offer = offers.first().expect("an offer").clone();
    let tasks = MapTasks::new(&client).expect("tasks");
    let inputs = sonm_agents::task::mandelbrot_inputs(16, rows, (-0.75, 0.0), 3.0 / 16.0, 16);
    let tree: IndexedTree = tasks.input_tree(&inputs).await.expect("input tree");
    let root = tree.root();
    if inputs_ != Inputs::Withheld {
        node.data().insert(tree).expect("serve");
    }
    let status = node.status().await.expect("status");
    let uri = format!(
        "sonm://{}/p2p/{}/{root}",
        status.listen_addrs[0],
        node.peer_id()
    );
    let taken = sonm_agents::Market::new(&client)
        .expect("market")
        .take(&offer, root, u64::from(rows), uri)
        .await
        .expect("take");
    if inputs_ != Inputs::Told {
        return (taken.deal, node, client);
    }
    let answer = node
        .market(
            hub.0,
            sonm_net::MarketRequest::Inputs {
                task_id: U256::from(taken.deal),
                leaf_count: u64::from(rows),
            },
        )
        .await
        .expect("inputs request");
    assert_eq!(answer, sonm_net::MarketResponse::Accepted);
    (taken.deal, node, client)
}

/// A miner that joins with `capacity` and never answers a lease (a straggler).
pub async fn silent_miner(
    chain: &TestChain,
    i: usize,
    hub: (PeerId, Multiaddr),
    capacity: u32,
) -> Node {
    let (node, mut events) = Node::start(
        NodeConfig {
            peers: vec![hub.1.clone()],
            ..NodeConfig::local()
        },
        chain.net(),
    )
    .await
    .expect("silent node");
    tokio::spawn(async move { while events.next().await.is_some() {} });
    for _ in 0..100 {
        let answer = node
            .market(
                hub.0,
                sonm_net::MarketRequest::Join {
                    miner: chain.address(i),
                    capacity,
                },
            )
            .await;
        if matches!(answer, Ok(sonm_net::MarketResponse::Joined { .. })) {
            return node;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the silent miner could not join");
}

/// A miner that joins and goes away (its node shut down) as soon as it gets its first lease.
pub async fn quitting_miner(
    chain: &TestChain,
    i: usize,
    hub: (PeerId, Multiaddr),
    capacity: u32,
) -> Node {
    let (node, mut events) = Node::start(
        NodeConfig {
            peers: vec![hub.1.clone()],
            ..NodeConfig::local()
        },
        chain.net(),
    )
    .await
    .expect("quitter node");
    let quitting = node.clone();
    tokio::spawn(async move {
        while let Some(e) = events.next().await {
            if let Event::WorkRequest { .. } = e {
                quitting.shutdown().await;
                return;
            }
        }
    });
    for _ in 0..100 {
        let answer = node
            .market(
                hub.0,
                sonm_net::MarketRequest::Join {
                    miner: chain.address(i),
                    capacity,
                },
            )
            .await;
        if matches!(answer, Ok(sonm_net::MarketResponse::Joined { .. })) {
            return node;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the quitting miner could not join");
}
