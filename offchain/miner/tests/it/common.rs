//! The fixture: sonm-testkit's chain; hubs created, funded, registered and given an operator with sonm-agents; a deal
//! of Mandelbrot rows taken from the operator's offer; a hub-like sonm-net node (announced by the operator) that
//! answers the market protocol as a hub would and leases units by hand; miners run in process.

use std::future::Future;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy::primitives::{Address, Bytes, U256, keccak256};
use sonm_agents::task::mandelbrot_inputs;
use sonm_agents::{
    Client, HubOwner, MapTasks, Market, Offer, Receipts, SignedReceipt, Token, WorkReceipt,
};
use sonm_bindings::Contract;
use sonm_merkle::IndexedTree;
use sonm_miner::{MinerEvent, RunArgs};
use sonm_net::{
    Event, HubConfig, MarketRequest, MarketResponse, Multiaddr, Node, NodeConfig, PeerId,
    WhitelistChain,
};
use tokio::sync::{mpsc, oneshot};

pub use sonm_testkit::tempdir;

pub const WIDTH: u32 = 32;
pub const ROWS: u32 = 16;
pub const MAX_ITER: u8 = 16;
pub const GAS_PER_ROW: u32 = 8_000_000;

pub fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

pub fn trace() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// sonm-testkit's chain with the roles these tests play.
pub struct TestChain(sonm_testkit::Chain);

impl Deref for TestChain {
    type Target = sonm_testkit::Chain;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// A deal: its id, inputs and input tree.
pub struct Deal {
    pub task: U256,
    pub inputs: Vec<Bytes>,
    pub tree: IndexedTree,
}

impl TestChain {
    pub async fn new() -> Self {
        trace();
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

    /// A hub owned by `owner`, funded with 50 SNM, Registered, with account `operator` as its operator.
    pub async fn hub(&self, owner: usize, operator: usize, name: &str) -> Address {
        Token::new(&self.client(0).await)
            .expect("token")
            .transfer(self.address(owner), snm(100))
            .await
            .expect("fund the owner");
        let o = HubOwner::new(&self.client(owner).await).expect("hub owner");
        let (hub, _) = o.create(name, name).await.expect("create hub");
        o.deposit(hub, snm(50)).await.expect("deposit");
        o.register(hub).await.expect("register");
        o.set_operator(hub, self.address(operator))
            .await
            .expect("operator");
        hub
    }

    /// The operator signs an offer of Mandelbrot rows; `buyer` takes `ROWS` of them.
    pub async fn deal(&self, hub: Address, operator: usize, buyer: usize) -> Deal {
        Token::new(&self.client(0).await)
            .expect("token")
            .transfer(self.address(buyer), snm(100))
            .await
            .expect("fund the buyer");
        let op = self.client(operator).await;
        let params = MapTasks::new(&op)
            .expect("tasks")
            .parameters()
            .await
            .expect("params");
        let offer = Offer {
            hub,
            computation: op.address(Contract::MandelbrotRow).expect("mandelbrot"),
            price_per_leaf: snm(1),
            max_leaves: 64,
            gas_per_leaf: GAS_PER_ROW,
            hub_bond: U256::from(params.minSolverBond).max(snm(10)),
            challenger_bond: U256::from(params.minChallengerBond),
            challenge_window: params.challengeWindow,
            response_window: params.responseWindow,
            turnaround: 3_600,
            expiry: op.now().await.expect("now") + 86_400,
            nonce: U256::from(1u64),
        };
        let signed = Market::new(&op)
            .expect("market")
            .sign(offer)
            .await
            .expect("sign the offer");
        let b = self.client(buyer).await;
        let inputs = mandelbrot_inputs(WIDTH, ROWS, (-0.75, 0.0), 3.0 / f64::from(WIDTH), MAX_ITER);
        let tree = MapTasks::new(&b)
            .expect("tasks")
            .input_tree(&inputs)
            .await
            .expect("tree");
        let taken = Market::new(&b)
            .expect("market")
            .take(
                &signed,
                tree.root(),
                u64::from(ROWS),
                "sonm://inputs".into(),
            )
            .await
            .expect("take");
        Deal {
            task: U256::from(taken.deal),
            inputs,
            tree,
        }
    }

    /// The DAO suspects `hub` (the timelock's call, made as the timelock on anvil).
    pub async fn suspect(&self, hub: Address) {
        use alloy::providers::Provider;
        let dao = self.deployment.contracts.timelock_controller;
        let p = self.provider();
        let _: () = p
            .raw_request("anvil_impersonateAccount".into(), (dao,))
            .await
            .expect("impersonate");
        let _: () = p
            .raw_request("anvil_setBalance".into(), (dao, snm(100)))
            .await
            .expect("balance");
        sonm_bindings::HubWallet::new(hub, p.clone())
            .suspect()
            .from(dao)
            .send()
            .await
            .expect("suspect")
            .get_receipt()
            .await
            .expect("receipt");
    }

    /// `operator` signs hub `hub` a work receipt for `miner`.
    pub async fn receipt(
        &self,
        operator: usize,
        hub: Address,
        miner: Address,
        deal: U256,
        amount: U256,
    ) -> SignedReceipt {
        let op = self.client(operator).await;
        let now = op.now().await.expect("now");
        Receipts::new(&op)
            .expect("receipts")
            .sign(WorkReceipt {
                hub,
                miner,
                deal,
                amount,
                nonce: U256::from_be_bytes(
                    keccak256([deal.to_be_bytes::<32>().as_slice(), miner.as_slice()].concat()).0,
                ),
                expiry: now + 6 * 86_400,
            })
            .await
            .expect("sign the receipt")
    }
}

/// A hub-like node: announced by its operator, it answers `Join` (recording who joined with what) and `Receipts`
/// (the receipts put in by the test), and leases by hand.
pub struct FakeHub {
    pub node: Node,
    pub joins: Arc<Mutex<Vec<(PeerId, Address, u32)>>>,
    pub receipts: Arc<Mutex<Vec<Bytes>>>,
}

impl FakeHub {
    pub async fn start(chain: &TestChain, hub: Address, operator: usize, pay: U256) -> Self {
        let config = NodeConfig {
            hub: Some(HubConfig::new(chain.signer(operator), hub, "fake hub")),
            ..NodeConfig::local()
        };
        let (node, mut events) = Node::start(config, chain.net()).await.expect("hub node");
        let joins = Arc::new(Mutex::new(Vec::new()));
        let receipts: Arc<Mutex<Vec<Bytes>>> = Arc::new(Mutex::new(Vec::new()));
        let (n, j, r) = (node.clone(), Arc::clone(&joins), Arc::clone(&receipts));
        tokio::spawn(async move {
            while let Some(e) = events.next().await {
                if let Event::MarketRequest { id, peer, request } = e {
                    let answer = match request {
                        MarketRequest::Join { miner, capacity } => {
                            j.lock().expect("joins").push((peer, miner, capacity));
                            MarketResponse::Joined {
                                hub,
                                pay_per_unit: pay,
                            }
                        }
                        MarketRequest::Receipts { .. } => MarketResponse::Receipts {
                            receipts: r.lock().expect("receipts").clone(),
                        },
                        _ => MarketResponse::Refused {
                            reason: "not here".into(),
                        },
                    };
                    let _ = n.answer_market(id, answer).await;
                }
            }
        });
        Self {
            node,
            joins,
            receipts,
        }
    }

    pub async fn addr(&self) -> Multiaddr {
        let status = self.node.status().await.expect("status");
        status.listen_addrs[0]
            .clone()
            .with(sonm_net::multiaddr::Protocol::P2p(self.node.peer_id()))
    }

    /// The last capacity `miner` joined with, and its peer.
    pub fn joined(&self, miner: Address) -> Option<(PeerId, u32)> {
        self.joins
            .lock()
            .expect("joins")
            .iter()
            .rev()
            .find(|(_, m, _)| *m == miner)
            .map(|(p, _, c)| (*p, *c))
    }

    pub fn serve_receipt(&self, r: &SignedReceipt) {
        let json = serde_json::to_vec(&r.to_json().expect("json")).expect("bytes");
        self.receipts
            .lock()
            .expect("receipts")
            .push(Bytes::from(json));
    }
}

/// A miner running in process, its events recorded.
pub struct RunningMiner {
    pub address: Address,
    pub state: PathBuf,
    pub events: Arc<Mutex<Vec<MinerEvent>>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<sonm_miner::Result<()>>>,
}

impl RunningMiner {
    pub async fn start(
        chain: &TestChain,
        key: usize,
        peers: Vec<Multiaddr>,
        args: RunArgs,
    ) -> Self {
        Self::start_in(chain, key, peers, args, tempdir("miner")).await
    }

    /// [`Self::start`] with the state in `state` (a restart).
    pub async fn start_in(
        chain: &TestChain,
        key: usize,
        peers: Vec<Multiaddr>,
        args: RunArgs,
        state: PathBuf,
    ) -> Self {
        let args = RunArgs {
            state: Some(state.clone()),
            listen: Some("/ip4/127.0.0.1/tcp/0".into()),
            threads: Some(2),
            interval: Some(1),
            peers: peers.iter().map(ToString::to_string).collect(),
            ..args
        };
        let mut config = args
            .into_config(
                chain.anvil.endpoint(),
                chain.deployments.clone(),
                chain.signer(key),
                false,
            )
            .expect("config");
        config.bootstrap_from_chain = false;
        let (tx, mut rx) = mpsc::unbounded_channel();
        config.events = Some(tx);
        let events = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&events);
        tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                log.lock().expect("events").push(e);
            }
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(sonm_miner::run(config, async {
            let _ = stopped.await;
        }));
        Self {
            address: chain.address(key),
            state,
            events,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn any(&self, f: impl Fn(&MinerEvent) -> bool) -> bool {
        self.events.lock().expect("events").iter().any(f)
    }

    pub fn find<T>(&self, f: impl Fn(&MinerEvent) -> Option<T>) -> Option<T> {
        self.events.lock().expect("events").iter().find_map(f)
    }

    pub fn dump(&self) -> String {
        self.events
            .lock()
            .expect("events")
            .iter()
            .map(MinerEvent::to_json)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await
                .expect("joined")
                .expect("the miner ran without error");
        }
    }
}

/// Polls `cond` every 50 ms until it holds; panics with `what` (and `context()`) after `secs` seconds.
pub async fn wait_for<F, Fut>(secs: u64, what: &str, context: impl Fn() -> String, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if cond().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not within {secs} s: {what}\n{}",
            context()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
