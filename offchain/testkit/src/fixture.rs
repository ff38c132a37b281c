//! The test fixture: one deployment per test binary, dumped once, and a fresh anvil loaded from it for every test.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use alloy::network::EthereumWallet;
use alloy::node_bindings::AnvilInstance;
use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider as _, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use serde_json::Value;
use sonm_bindings::Deployment;

use crate::devnet;

/// How long the template's deploy may take: generous, forge compiles first when a contract changed since the last
/// `forge build` (which `make test` runs before cargo).
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(900);

/// The repository root (the one this crate was built in).
pub fn repo() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    devnet::find_repo(here).unwrap_or_else(|e| panic!("{e}"))
}

/// This test binary's chain id: one per process, so concurrent test binaries never write the same
/// `deployments/<chainId>.json`, and never 31337 (a developer's local deployment, the demo's).
pub fn chain_id() -> u64 {
    1_000_000 + u64::from(std::process::id())
}

/// A fresh, empty temporary directory named after `name`.
pub fn tempdir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sonm-it-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("temp dir {}: {e}", dir.display()));
    dir
}

/// An anvil of this binary's chain, on `port` or a free one.
pub fn spawn_anvil(port: Option<u16>) -> AnvilInstance {
    let mut anvil = devnet::anvil(&repo(), chain_id());
    if let Some(port) = port {
        anvil = anvil.port(port);
    }
    anvil
        .try_spawn()
        .unwrap_or_else(|e| panic!("spawn anvil: {e}"))
}

/// What a deployment left: the chain's state (`anvil_dumpState`), the deployments file, and what the deploy
/// printed.
#[derive(Debug)]
pub struct Template {
    /// The dumped chain state, loaded into every [`Chain`].
    pub state: String,
    /// `deployments/<chainId>.json` as the deploy script wrote it.
    pub deployment: String,
    /// The deploy's standard output.
    pub log: String,
}

/// Removes paths when dropped (also when the deploy panics).
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

impl Template {
    /// Deploys through `forge script script/Deploy.s.sol` ([`devnet::deploy`]).
    pub fn deploy_script() -> Self {
        Self::deploy_with(async |anvil| {
            devnet::deploy(&repo(), anvil, DEPLOY_TIMEOUT)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        })
    }

    /// Spawns a template anvil, lets `deploy` deploy on it through the deploy definition (it returns what it
    /// printed), reads `deployments/<chainId>.json` and dumps the chain. The files forge leaves in the repository
    /// for this run's chain id are removed, whatever happens.
    pub fn deploy_with(deploy: impl AsyncFnOnce(&AnvilInstance) -> String) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"));
        runtime.block_on(async {
            let anvil = spawn_anvil(None);
            let (root, cid) = (repo(), chain_id());
            let file = root.join(format!("deployments/{cid}.json"));
            let _cleanup = Cleanup(vec![
                file.clone(),
                root.join(format!("broadcast/Deploy.s.sol/{cid}")),
                root.join(format!("cache/Deploy.s.sol/{cid}")),
            ]);
            let log = deploy(&anvil).await;
            let deployment = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("the deploy wrote no {}: {e}", file.display()));
            let state: String = devnet::provider(&anvil)
                .raw_request("anvil_dumpState".into(), ())
                .await
                .unwrap_or_else(|e| panic!("anvil_dumpState: {e}"));
            Self {
                state,
                deployment,
                log,
            }
        })
    }
}

/// The template in `cell`, made by `make` on the first call. On a thread of its own: the caller may be inside a
/// tokio runtime, where another cannot be started.
pub fn once(cell: &'static OnceLock<Template>, make: fn() -> Template) -> &'static Template {
    cell.get_or_init(|| {
        std::thread::spawn(make)
            .join()
            .unwrap_or_else(|_| panic!("the template deployment failed (its panic is above)"))
    })
}

/// The deploy script's template, made once per test binary.
pub fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    once(&TEMPLATE, Template::deploy_script)
}

/// A fresh anvil holding a template deployment, with its own deployments directory and scratch directory.
#[derive(Debug)]
pub struct Chain {
    /// The node (stopped when the chain is dropped).
    pub anvil: AnvilInstance,
    /// A deployments directory holding this chain's `<chainId>.json`.
    pub deployments: PathBuf,
    /// The deployment.
    pub deployment: Deployment,
    /// A scratch directory of this chain's own (the deployments directory is in it).
    pub dir: PathBuf,
}

impl Chain {
    /// A fresh anvil loaded from the deploy script's [`template`].
    pub async fn new() -> Self {
        Self::load(template(), spawn_anvil(None)).await
    }

    /// `anvil` loaded from `template`.
    pub async fn load(template: &Template, anvil: AnvilInstance) -> Self {
        let loaded: bool = devnet::provider(&anvil)
            .raw_request("anvil_loadState".into(), (template.state.clone(),))
            .await
            .unwrap_or_else(|e| panic!("anvil_loadState: {e}"));
        assert!(loaded, "anvil_loadState refused the template");
        let dir = tempdir("chain");
        let deployments = dir.join("deployments");
        std::fs::create_dir_all(&deployments).unwrap_or_else(|e| panic!("deployments dir: {e}"));
        std::fs::write(
            Deployment::path(&deployments, chain_id()),
            &template.deployment,
        )
        .unwrap_or_else(|e| panic!("write the deployment: {e}"));
        let deployment = Deployment::from_json(&template.deployment, Path::new("template"))
            .unwrap_or_else(|e| panic!("{e}"));
        Self {
            anvil,
            deployments,
            deployment,
            dir,
        }
    }

    /// Anvil's account `i`.
    pub fn address(&self, i: usize) -> Address {
        self.anvil.addresses()[i]
    }

    /// The key of anvil's account `i`.
    pub fn signer(&self, i: usize) -> PrivateKeySigner {
        PrivateKeySigner::from(self.anvil.keys()[i].clone())
    }

    /// The hex private key of anvil's account `i` (what `SONM_PRIVATE_KEY` takes).
    pub fn key(&self, i: usize) -> String {
        alloy::hex::encode_prefixed(self.anvil.keys()[i].to_bytes())
    }

    /// A read-only provider.
    pub fn provider(&self) -> DynProvider {
        devnet::provider(&self.anvil)
    }

    /// A provider that signs as anvil's account `i`.
    pub fn wallet(&self, i: usize) -> DynProvider {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(self.signer(i)))
            .connect_http(self.anvil.endpoint_url())
            .erased()
    }

    /// A raw JSON-RPC request, which must succeed.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        devnet::rpc(&self.provider(), method, params)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Moves the chain's clock forward and mines a block.
    pub async fn travel(&self, seconds: u64) {
        devnet::travel(&self.provider(), seconds)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Mines `blocks` blocks.
    pub async fn mine(&self, blocks: u64) {
        self.rpc("anvil_mine", serde_json::json!([blocks])).await;
    }

    /// The latest block's timestamp.
    pub async fn now(&self) -> u64 {
        self.provider()
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .unwrap_or_else(|e| panic!("latest block: {e}"))
            .unwrap_or_else(|| panic!("no latest block"))
            .header
            .timestamp
    }

    /// The number of transactions account `i` sent.
    pub async fn nonce(&self, i: usize) -> u64 {
        self.provider()
            .get_transaction_count(self.address(i))
            .await
            .unwrap_or_else(|e| panic!("nonce: {e}"))
    }
}
