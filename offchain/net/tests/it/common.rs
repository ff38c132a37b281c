//! The fixture: sonm-testkit's chain (one deployment per test binary through `script/Deploy.s.sol`, dumped once and
//! loaded into a fresh anvil per test); hubs created and registered with sonm-agents; nodes on
//! 127.0.0.1 with their events recorded.

use std::future::Future;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use sonm_agents::{Client, HubOwner, Token};
use sonm_bindings::HubWallet;
use sonm_net::{Chain, Event, Events, Node, NodeConfig, WhitelistChain};

pub use sonm_testkit::tempdir;

/// sonm-testkit's fresh anvil holding the deploy script's deployment, with what the network's tests add.
pub struct TestChain(sonm_testkit::Chain);

impl Deref for TestChain {
    type Target = sonm_testkit::Chain;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl TestChain {
    pub async fn new() -> Self {
        Self(sonm_testkit::Chain::new().await)
    }

    /// A client acting as anvil's account `i`.
    pub async fn client(&self, i: usize) -> Client {
        Client::connect(
            &self.anvil.endpoint(),
            Some(self.signer(i)),
            &self.deployments,
        )
        .await
        .expect("client")
    }

    /// What a node reads the chain through (hub records read afresh every time).
    pub fn net(&self) -> Arc<WhitelistChain> {
        Arc::new(
            WhitelistChain::new(self.provider(), self.deployment.clone())
                .with_cache_ttl(Duration::ZERO),
        )
    }

    /// A hub owned by account `owner`, funded and Registered, with `endpoint` in the Whitelist.
    pub async fn registered_hub(&self, owner: usize, endpoint: &str, name: &str) -> Address {
        let snm = U256::from(10u64).pow(U256::from(18u64));
        if owner != 0 {
            Token::new(&self.client(0).await)
                .expect("token")
                .transfer(self.address(owner), U256::from(100u64) * snm)
                .await
                .expect("fund the owner");
        }
        let o = HubOwner::new(&self.client(owner).await).expect("hub owner");
        let (hub, _) = o.create(endpoint, name).await.expect("create hub");
        o.deposit(hub, U256::from(50u64) * snm)
            .await
            .expect("deposit");
        o.register(hub).await.expect("register");
        hub
    }

    /// The DAO suspects `hub` (the timelock's call, made as the timelock on anvil).
    pub async fn suspect(&self, hub: Address) {
        let dao = self.deployment.contracts.timelock_controller;
        let p = self.provider();
        let _: () = p
            .raw_request("anvil_impersonateAccount".into(), (dao,))
            .await
            .expect("impersonate");
        let _: () = p
            .raw_request(
                "anvil_setBalance".into(),
                (dao, U256::from(10u64).pow(U256::from(20u64))),
            )
            .await
            .expect("balance");
        HubWallet::new(hub, p.clone())
            .suspect()
            .from(dao)
            .send()
            .await
            .expect("suspect")
            .get_receipt()
            .await
            .expect("receipt");
    }
}

/// Logs to the test's output when `RUST_LOG` is set.
pub fn trace() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// Starts a node on 127.0.0.1 with `config`, recording its events.
pub async fn start<C: Chain>(config: NodeConfig, chain: Arc<C>) -> (Node, Log) {
    trace();
    let (node, events) = Node::start(config, chain).await.expect("start node");
    (node, Log::record(events))
}

/// A node's events, as they came.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Event>>>);

impl Log {
    pub fn record(mut events: Events) -> Self {
        let log = Self::default();
        let inner = Arc::clone(&log.0);
        tokio::spawn(async move {
            while let Some(e) = events.next().await {
                inner.lock().expect("log").push(e);
            }
        });
        log
    }

    pub fn any(&self, f: impl Fn(&Event) -> bool) -> bool {
        self.0.lock().expect("log").iter().any(f)
    }

    pub fn count(&self, f: impl Fn(&Event) -> bool) -> usize {
        self.0.lock().expect("log").iter().filter(|e| f(e)).count()
    }
}

/// Polls `cond` every 20 ms until it holds; panics with `what` after `secs` seconds.
pub async fn wait_for<F, Fut>(secs: u64, what: &str, mut cond: F)
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
            "not within {secs} s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The address to dial `node` at.
pub async fn addr_of(node: &Node) -> sonm_net::Multiaddr {
    let status = node.status().await.expect("status");
    status.listen_addrs[0]
        .clone()
        .with(libp2p::multiaddr::Protocol::P2p(node.peer_id()))
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}
