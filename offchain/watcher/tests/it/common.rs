//! The fixture: a fresh anvil per test loaded from one deployment per run (`sonm-testkit`, through
//! `script/Deploy.s.sol`), and the other roles (buyer, solver) played with the bindings.

use std::ops::Deref;
use std::path::PathBuf;
use std::time::Duration;

use alloy::node_bindings::AnvilInstance;
use alloy::primitives::aliases::{U40, U96};
use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider};
use alloy::sol_types::SolValue as _;
pub use sonm_bindings::enums::IChainGame::DisputePhase;
pub use sonm_bindings::enums::IChainGame::TaskStatus as ChainTaskStatus;
pub use sonm_bindings::enums::IMapGame::{QueryStatus, TaskStatus};
use sonm_bindings::{ChainGame, IChainGame, IMapGame, MapGame, SonmToken};
use sonm_executor::Executor;
use sonm_merkle::{BuildOptions, IndexedTree};
pub use sonm_testkit::spawn_anvil;
use sonm_watcher::{Watcher, WatcherConfig};

pub const BUYER: usize = 0;
pub const SOLVER: usize = 1;
pub const BOT: usize = 2;

/// A fresh anvil holding the template deployment, the solver and the bot funded.
pub struct Chain(pub sonm_testkit::Chain);

impl Deref for Chain {
    type Target = sonm_testkit::Chain;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Chain {
    pub async fn new() -> Self {
        Self::with_anvil(spawn_anvil(None)).await
    }

    pub async fn with_anvil(anvil: AnvilInstance) -> Self {
        let chain = Self(sonm_testkit::Chain::load(sonm_testkit::template(), anvil).await);
        // The solver and the bot need SNM for their bonds.
        let token = SonmToken::new(chain.deployment.contracts.sonm_token, chain.wallet(BUYER));
        for who in [SOLVER, BOT] {
            send(token.transfer(chain.address(who), U256::from(1_000u64) * ether())).await;
        }
        chain
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
        self.post_map_at(inputs, &uri.display().to_string()).await
    }

    /// The buyer posts a Monte-Carlo task over `inputs` with `uri` as its input URI (the inputs are wherever it says).
    pub async fn post_map_at(&self, inputs: &[Bytes], uri: &str) -> u64 {
        let tree =
            IndexedTree::from_data(inputs.iter().cloned(), BuildOptions::default()).expect("tree");
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
        let receipt = send(self.map(BUYER).post(spec, uri.to_owned())).await;
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
        let tree = self.claim_and_compute_map(task, inputs, cheat).await;
        let uri = self
            .dir
            .join(format!("results-{task}-{}.json", tree.root()));
        if !withhold {
            std::fs::write(&uri, tree.to_json()).expect("write results");
        }
        self.commit_map(task, tree.root(), &uri.display().to_string())
            .await;
        uri
    }

    /// The solver commits `root` with its result data at `uri`.
    pub async fn commit_map(&self, task: u64, root: B256, uri: &str) {
        send(
            self.map(SOLVER)
                .commit(U256::from(task), root, uri.to_owned()),
        )
        .await;
    }

    /// The solver claims the task and computes every leaf with the executor, a byte of the outputs at `cheat`
    /// flipped: the result tree it would commit.
    pub async fn claim_and_compute_map(
        &self,
        task: u64,
        inputs: &[Bytes],
        cheat: &[u64],
    ) -> IndexedTree {
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
        let max_bytes = u32::from(self.map_task(task).await.maxLeafBytes);
        let mut outputs = exec.leaves(inputs, 1_000_000, max_bytes).expect("leaves");
        for &i in cheat {
            let mut b = outputs[i as usize].to_vec();
            match b.first_mut() {
                Some(x) => *x ^= 0xff,
                None => b.push(1),
            }
            outputs[i as usize] = b.into();
        }
        IndexedTree::from_data(outputs, BuildOptions::default()).expect("tree")
    }

    /// The map game's byte bound in force: what the tests' tasks are posted with (`Task.maxLeafBytes`).
    pub async fn max_leaf_bytes(&self) -> u32 {
        self.map(BUYER)
            .parameters()
            .call()
            .await
            .expect("parameters")
            .maxLeafBytes
    }

    pub async fn map_task(&self, task: u64) -> IMapGame::Task {
        self.map(BUYER)
            .task(U256::from(task))
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
        matches!(
            DisputePhase::try_from(self.dispute(1).await.phase),
            Ok(DisputePhase::SolverWon | DisputePhase::ChallengerWon | DisputePhase::Reclaimed)
        )
    }

    pub async fn dispute(&self, id: u64) -> IChainGame::Dispute {
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
