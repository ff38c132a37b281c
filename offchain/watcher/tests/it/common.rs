//! The fixture: one deployment per test run (through `script/Deploy.s.sol`, as `tools/local-deploy.sh` does) on a
//! template anvil whose state is dumped once and loaded into a fresh anvil per test; and the other roles (buyer,
//! solver) played with the bindings.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use alloy::network::EthereumWallet;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::primitives::aliases::{U40, U96};
use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolValue as _;
use serde_json::Value;
use sonm_bindings::{ChainGame, Deployment, IChainGame, IMapGame, MapGame, SonmToken};
use sonm_executor::Executor;
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_watcher::{Watcher, WatcherConfig};

pub const BUYER: usize = 0;
pub const SOLVER: usize = 1;
pub const BOT: usize = 2;

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

/// This run's chain id: not 31337 (a developer's deployment) and not the CLI tests' range.
pub fn chain_id() -> u64 {
    800_000 + u64::from(std::process::id() % 90_000)
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
        let anvil = spawn_anvil(None);
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
        // A hung forge fails the run in bounded time instead of stalling it. The bound is generous: forge compiles
        // first when a contract changed since the last `forge build` (which `make test` runs before cargo).
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

pub fn spawn_anvil(port: Option<u16>) -> AnvilInstance {
    let mut anvil = Anvil::at(tool("anvil")).chain_id(chain_id());
    if let Some(port) = port {
        anvil = anvil.port(port);
    }
    anvil.try_spawn().expect("spawn anvil")
}

pub fn tempdir(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sonm-watcher-it-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A fresh anvil holding the template deployment.
pub struct Chain {
    pub anvil: AnvilInstance,
    pub deployments: PathBuf,
    pub deployment: Deployment,
    pub dir: PathBuf,
}

impl Chain {
    pub async fn new() -> Self {
        Self::with_anvil(spawn_anvil(None)).await
    }

    pub async fn with_anvil(anvil: AnvilInstance) -> Self {
        let t = template();
        let provider = ProviderBuilder::new().connect_http(anvil.endpoint_url());
        let loaded: bool = provider
            .raw_request("anvil_loadState".into(), (t.state.clone(),))
            .await
            .expect("load state");
        assert!(loaded);
        let dir = tempdir("chain");
        let deployments = dir.join("deployments");
        std::fs::create_dir_all(&deployments).expect("dir");
        std::fs::write(
            deployments.join(format!("{}.json", chain_id())),
            &t.deployment,
        )
        .expect("write deployment");
        let deployment =
            Deployment::from_json(&t.deployment, Path::new("template")).expect("deployment");
        let chain = Self {
            anvil,
            deployments,
            deployment,
            dir,
        };
        // The solver and the bot need SNM for their bonds.
        let token = SonmToken::new(chain.deployment.contracts.sonm_token, chain.wallet(BUYER));
        for who in [SOLVER, BOT] {
            send(token.transfer(chain.address(who), U256::from(1_000u64) * ether())).await;
        }
        chain
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

    /// A provider that signs as anvil's account `i`.
    pub fn wallet(&self, i: usize) -> DynProvider {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(self.signer(i)))
            .connect_http(self.anvil.endpoint_url())
            .erased()
    }

    pub fn map(&self, who: usize) -> MapGame::MapGameInstance<DynProvider> {
        MapGame::new(self.deployment.contracts.map_game, self.wallet(who))
    }

    pub fn chain_game(&self, who: usize) -> ChainGame::ChainGameInstance<DynProvider> {
        ChainGame::new(self.deployment.contracts.chain_game, self.wallet(who))
    }

    pub fn token(&self) -> SonmToken::SonmTokenInstance<DynProvider> {
        SonmToken::new(self.deployment.contracts.sonm_token, self.provider())
    }

    pub async fn balance(&self, who: usize) -> U256 {
        self.token()
            .balanceOf(self.address(who))
            .call()
            .await
            .expect("balance")
    }

    /// The bot's configuration: account [`BOT`], no confirmations, every leaf.
    pub fn config(&self, who: usize) -> WatcherConfig {
        let mut c = WatcherConfig::new(
            self.anvil.endpoint(),
            self.deployments.clone(),
            self.signer(who),
        );
        c.confirmations = 0;
        c.poll_interval = Duration::from_millis(200);
        c
    }

    pub async fn watcher(&self) -> Watcher {
        Watcher::connect(self.config(BOT)).await.expect("connect")
    }

    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        self.provider()
            .raw_request(method.to_owned().into(), params)
            .await
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Moves the chain's clock forward and mines a block.
    pub async fn travel(&self, seconds: u64) {
        self.rpc("evm_increaseTime", serde_json::json!([seconds]))
            .await;
        self.rpc("evm_mine", serde_json::json!([])).await;
    }

    pub async fn mine(&self, blocks: u64) {
        self.rpc("anvil_mine", serde_json::json!([blocks])).await;
    }

    pub async fn nonce(&self, who: usize) -> u64 {
        self.provider()
            .get_transaction_count(self.address(who))
            .await
            .expect("nonce")
    }

    pub async fn now(&self) -> u64 {
        self.provider()
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .expect("block")
            .expect("latest")
            .header
            .timestamp
    }

    // ---- map tasks ----

    /// Monte-Carlo inputs: `abi.encode(bytes32 seed, uint64 samples)`.
    pub fn mc_inputs(n: u64) -> Vec<Bytes> {
        (0..n)
            .map(|i| Bytes::from((keccak256(i.to_be_bytes()), 8u64).abi_encode_params()))
            .collect()
    }

    /// The buyer posts a Monte-Carlo task over `inputs` (written to a file, its input URI).
    pub async fn post_map(&self, inputs: &[Bytes]) -> u64 {
        let tree =
            IndexedTree::from_data(inputs.iter().cloned(), BuildOptions::default()).expect("tree");
        let uri = self.dir.join(format!("inputs-{}.json", tree.root()));
        std::fs::write(&uri, tree.to_json()).expect("write inputs");
        let reward = U256::from(5u64) * ether();
        let game = self.deployment.contracts.map_game;
        send(
            SonmToken::new(self.deployment.contracts.sonm_token, self.wallet(BUYER))
                .approve(game, reward),
        )
        .await;
        let spec = IMapGame::TaskSpec {
            computation: self.deployment.contracts.monte_carlo_pi,
            inputRoot: tree.root(),
            leafCount: inputs.len() as u64,
            gasPerLeaf: 1_000_000,
            reward: U96::from(5u64) * U96::from(10u64).pow(U96::from(18u64)),
            solverBond: U96::from(10u64) * U96::from(10u64).pow(U96::from(18u64)),
            challengerBond: U96::from(1u64) * U96::from(10u64).pow(U96::from(18u64)),
            commitDeadline: U40::from(self.now().await + 86_400),
        };
        let receipt = send(self.map(BUYER).post(spec, uri.display().to_string())).await;
        receipt
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<MapGame::TaskPosted>().ok())
            .map(|l| l.inner.data.taskId.to::<u64>())
            .expect("TaskPosted")
    }

    /// The solver claims the task, computes every leaf with the executor, flips a byte of the outputs at `cheat`,
    /// writes the dump (unless `withhold`) and commits. Returns the result URI.
    pub async fn solve_map(
        &self,
        task: u64,
        inputs: &[Bytes],
        cheat: &[u64],
        withhold: bool,
    ) -> PathBuf {
        let game = self.deployment.contracts.map_game;
        let bond = U256::from(10u64) * ether();
        send(
            SonmToken::new(self.deployment.contracts.sonm_token, self.wallet(SOLVER))
                .approve(game, bond),
        )
        .await;
        send(self.map(SOLVER).claim(U256::from(task))).await;
        let exec = Executor::from_chain(
            &self.provider(),
            self.deployment.contracts.judge_harness,
            self.deployment.contracts.monte_carlo_pi,
        )
        .await
        .expect("executor");
        let mut outputs = exec.leaves(inputs, 1_000_000).expect("leaves");
        for &i in cheat {
            let mut b = outputs[i as usize].to_vec();
            match b.first_mut() {
                Some(x) => *x ^= 0xff,
                None => b.push(1),
            }
            outputs[i as usize] = b.into();
        }
        let tree = IndexedTree::from_data(outputs, BuildOptions::default()).expect("tree");
        let uri = self
            .dir
            .join(format!("results-{task}-{}.json", tree.root()));
        if !withhold {
            std::fs::write(&uri, tree.to_json()).expect("write results");
        }
        send(
            self.map(SOLVER)
                .commit(U256::from(task), tree.root(), uri.display().to_string()),
        )
        .await;
        uri
    }

    pub async fn map_task(&self, task: u64) -> IMapGame::Task {
        self.map(BUYER)
            .getTask(U256::from(task))
            .call()
            .await
            .expect("task")
    }

    /// Every `SolverSlashed` of the map game: (task, challenger).
    pub async fn map_slashes(&self) -> Vec<(u64, Address)> {
        let filter = alloy::rpc::types::Filter::new()
            .address(self.deployment.contracts.map_game)
            .event_signature(<MapGame::SolverSlashed as alloy::sol_types::SolEvent>::SIGNATURE_HASH)
            .from_block(0);
        self.provider()
            .get_logs(&filter)
            .await
            .expect("logs")
            .iter()
            .filter_map(|l| l.log_decode::<MapGame::SolverSlashed>().ok())
            .map(|l| (l.inner.data.taskId.to::<u64>(), l.inner.data.challenger))
            .collect()
    }

    // ---- chain tasks ----

    /// The buyer posts a KeccakChain task of `steps` steps from `seed`.
    pub async fn post_chain(&self, steps: u64, seed: &[u8]) -> u64 {
        let game = self.deployment.contracts.chain_game;
        let reward = U256::from(5u64) * ether();
        send(
            SonmToken::new(self.deployment.contracts.sonm_token, self.wallet(BUYER))
                .approve(game, reward),
        )
        .await;
        let e18 = U96::from(10u64).pow(U96::from(18u64));
        let spec = IChainGame::TaskSpec {
            computation: self.deployment.contracts.keccak_chain,
            steps,
            gasPerStep: 50_000,
            reward: U96::from(5u64) * e18,
            solverBond: U96::from(10u64) * e18,
            challengerBond: e18,
            clock: 3_600,
            claimWindow: 600,
            challengeWindow: 600,
            commitDeadline: U40::from(self.now().await + 86_400),
        };
        let receipt = send(
            self.chain_game(BUYER)
                .post(spec, Bytes::copy_from_slice(seed)),
        )
        .await;
        receipt
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<ChainGame::TaskPosted>().ok())
            .map(|l| l.inner.data.taskId.to::<u64>())
            .expect("TaskPosted")
    }

    /// The solver claims and commits `final_hash`.
    pub async fn commit_chain(&self, task: u64, final_hash: B256) {
        let game = self.deployment.contracts.chain_game;
        let bond = U256::from(10u64) * ether();
        send(
            SonmToken::new(self.deployment.contracts.sonm_token, self.wallet(SOLVER))
                .approve(game, bond),
        )
        .await;
        send(self.chain_game(SOLVER).claim(U256::from(task))).await;
        send(self.chain_game(SOLVER).commit(U256::from(task), final_hash)).await;
    }

    pub async fn chain_task(&self, task: u64) -> IChainGame::Task {
        self.chain_game(BUYER)
            .task(U256::from(task))
            .call()
            .await
            .expect("task")
    }

    /// Whether dispute 1 is decided (a dispute never opened reads as phase None).
    pub async fn disputes_decided(&self) -> bool {
        self.dispute(1).await.phase >= 4
    }

    pub async fn dispute(&self, id: u64) -> IChainGame::DisputeInfo {
        self.chain_game(BUYER)
            .dispute(U256::from(id))
            .call()
            .await
            .expect("dispute")
    }
}

/// The honest final hash of a KeccakChain run: keccak applied `steps` times, then hashed.
pub fn keccak_chain_hash(seed: &[u8], steps: u64) -> B256 {
    let mut state = seed.to_vec();
    for _ in 0..steps {
        state = keccak256(&state).to_vec();
    }
    keccak256(&state)
}

pub fn ether() -> U256 {
    U256::from(10u64).pow(U256::from(18u64))
}

/// Sends a call and waits for its successful receipt.
pub async fn send<P: Provider, D: alloy::contract::CallDecoder>(
    call: alloy::contract::CallBuilder<P, D>,
) -> alloy::rpc::types::TransactionReceipt {
    let receipt = call
        .send()
        .await
        .unwrap_or_else(|e| panic!("send: {}", sonm_bindings::describe_error(&e)))
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status(), "transaction failed");
    receipt
}

/// Passes until two passes in a row send nothing and nothing is pending (at most `max` passes); every key sent, in
/// order. Two, a moment apart: a transaction the node has accepted may take a moment to show in a block.
pub async fn drive(w: &mut Watcher, max: usize) -> Vec<String> {
    let mut sent = Vec::new();
    let mut quiet = 0;
    for _ in 0..max.max(2) {
        let r = w.pass().await.expect("pass");
        quiet = if r.sent.is_empty() && r.pending == 0 {
            quiet + 1
        } else {
            0
        };
        sent.extend(r.sent);
        if quiet == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    }
    sent
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SONM_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}
