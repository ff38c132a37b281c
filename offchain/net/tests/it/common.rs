//! The fixture: one deployment per test run (through `script/Deploy.s.sol`) on a template anvil whose state is
//! dumped once and loaded into a fresh anvil per test; hubs created and registered with sonm-agents; nodes on
//! 127.0.0.1 with their events recorded.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use sonm_agents::{Client, HubOwner, Token};
use sonm_bindings::{Deployment, HubWallet};
use sonm_net::{Chain, Event, Events, Node, NodeConfig, WhitelistChain};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

fn tool(name: &str) -> PathBuf {
    let local = repo().join("node_modules/.bin").join(name);
    if local.exists() {
        local
    } else {
        PathBuf::from(name)
    }
}

/// This run's chain id: not 31337 (a developer's deployment) and not the other crates' test ranges.
pub fn chain_id() -> u64 {
    700_000 + u64::from(std::process::id() % 90_000)
}

struct Template {
    state: String,
    deployment: String,
}

static TEMPLATE: OnceLock<Template> = OnceLock::new();

fn template() -> &'static Template {
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(make_template)
            .join()
            .expect("template deployment")
    })
}

fn make_template() -> Template {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let anvil = spawn_anvil();
        let cid = chain_id();
        let deployer = anvil.addresses()[0].to_string();
        let root = repo();
        let path = format!(
            "{}:{}",
            root.join("node_modules/.bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        // forge writes these into the repository; they are this run's own, removed whatever happens.
        let _cleanup = Cleanup(vec![
            root.join(format!("deployments/{cid}.json")),
            root.join(format!("broadcast/Deploy.s.sol/{cid}")),
            root.join(format!("cache/Deploy.s.sol/{cid}")),
        ]);
        let logs = tempdir("forge");
        let (log, errors) = (logs.join("stdout"), logs.join("stderr"));
        let mut child = Command::new(tool("forge"))
            .current_dir(&root)
            .args([
                "script",
                "script/Deploy.s.sol",
                "--broadcast",
                "--unlocked",
                "--sender",
                &deployer,
                "--quiet",
                "--rpc-url",
            ])
            .arg(anvil.endpoint())
            .env("PATH", path)
            .env("SONM_PROFILE", "local")
            // Files, not pipes: a full pipe would block forge while this thread only polls it.
            .stdout(std::fs::File::create(&log).expect("log"))
            .stderr(std::fs::File::create(&errors).expect("log"))
            .spawn()
            .expect("run forge script");
        // Bounded: forge compiles first when a contract changed since the last `forge build`.
        let started = std::time::Instant::now();
        while child.try_wait().expect("forge").is_none() {
            if started.elapsed() > Duration::from_secs(900) {
                let _ = child.kill();
                panic!("forge script did not finish within 900 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let status = child.wait().expect("forge status");
        let deployment = std::fs::read_to_string(root.join(format!("deployments/{cid}.json")));
        assert!(
            status.success(),
            "forge script failed: {}\n{}",
            std::fs::read_to_string(&errors).unwrap_or_default(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let provider = ProviderBuilder::new().connect_http(anvil.endpoint_url());
        let state: String = provider
            .raw_request("anvil_dumpState".into(), ())
            .await
            .expect("dump state");
        Template {
            state,
            deployment: deployment.expect("deployments file"),
        }
    })
}

/// Removes paths when dropped (also when the test panics).
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

fn spawn_anvil() -> AnvilInstance {
    Anvil::at(tool("anvil"))
        .chain_id(chain_id())
        .try_spawn()
        .expect("spawn anvil")
}

pub fn tempdir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sonm-net-it-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A fresh anvil holding the template deployment.
pub struct TestChain {
    pub anvil: AnvilInstance,
    pub deployments: PathBuf,
    pub deployment: Deployment,
}

impl TestChain {
    pub async fn new() -> Self {
        let anvil = spawn_anvil();
        let t = template();
        let provider = ProviderBuilder::new().connect_http(anvil.endpoint_url());
        let loaded: bool = provider
            .raw_request("anvil_loadState".into(), (t.state.clone(),))
            .await
            .expect("load state");
        assert!(loaded);
        let deployments = tempdir("deployments");
        std::fs::write(
            deployments.join(format!("{}.json", chain_id())),
            &t.deployment,
        )
        .expect("write deployment");
        let deployment =
            Deployment::from_json(&t.deployment, Path::new("template")).expect("deployment");
        Self {
            anvil,
            deployments,
            deployment,
        }
    }

    pub fn signer(&self, i: usize) -> PrivateKeySigner {
        PrivateKeySigner::from(self.anvil.keys()[i].clone())
    }

    pub fn address(&self, i: usize) -> Address {
        self.anvil.addresses()[i]
    }

    pub fn provider(&self) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.anvil.endpoint_url())
            .erased()
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
