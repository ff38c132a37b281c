//! The story, step by step, with every outcome checked on chain.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::Filter;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolEvent};
use sonm_agents::task::{mandelbrot_inputs, write_dump};
use sonm_agents::units::format_snm;
use sonm_agents::{
    ChainPostSpec, ChainTaskStatus, ChainTasks, Client, DisputePhase, HubOwner, HubState, MapTasks,
    Miner, PostSpec, SolveMode, TaskStatus, Token,
};
use sonm_bindings::{ChainGame, Contract, HubWallet, MapGame};
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_watcher::{Watcher, WatcherConfig};
use tracing::warn;

use crate::chain;
use crate::ledger::{Party, Step};
use crate::{DemoArgs, DemoError, DemoSummary, image};
use sonm_testkit::devnet::{self, travel};

/// The image's width: pixels per row (per map leaf).
const WIDTH: u32 = 256;
/// Iterations before a point counts as inside the set.
const MAX_ITER: u8 = 64;
/// Gas per row: a row of 256 pixels at 64 iterations fits with room to spare.
const GAS_PER_ROW: u32 = 8_000_000;
/// Steps of the KeccakChain task (ceil(log2) = 10 bisection rounds).
const CHAIN_STEPS: u64 = 1_000;
/// How long the watcher gets to catch both cheats (wall time).
const WATCH_LIMIT: Duration = Duration::from_secs(90);

// Anvil's accounts, one per role: the hub's three miners (paid out of its wallet) are not the solvers (bound in the
// games by their bonds).
const DEPLOYER: usize = 0;
const HUB_OWNER: usize = 1;
const MINERS: [usize; 3] = [2, 3, 4];
const SOLVER_HONEST: usize = 5;
const SOLVER_MAP_CHEAT: usize = 6;
const SOLVER_CHAIN_CHEAT: usize = 7;
const BUYER: usize = 8;
const WATCHER: usize = 9;

fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

fn outcome(ok: bool, what: impl Into<String>) -> Result<String, DemoError> {
    let what = what.into();
    if ok {
        Ok(what)
    } else {
        Err(DemoError::Outcome(what))
    }
}

/// The transactions sent so far and the outcomes checked.
struct Story {
    provider: DynProvider,
    steps: Vec<Step>,
    checks: Vec<String>,
}

impl Story {
    async fn record(
        &mut self,
        phase: &'static str,
        actor: &str,
        action: impl Into<String>,
        tx: B256,
    ) -> Result<(), DemoError> {
        let receipt = self
            .provider
            .get_transaction_receipt(tx)
            .await
            .map_err(|e| DemoError::Rpc {
                what: "eth_getTransactionReceipt".into(),
                reason: e.to_string(),
            })?
            .ok_or_else(|| DemoError::Rpc {
                what: "eth_getTransactionReceipt".into(),
                reason: format!("no receipt for {tx}"),
            })?;
        self.steps.push(Step {
            phase,
            actor: actor.to_owned(),
            action: action.into(),
            tx,
            gas: receipt.gas_used,
        });
        Ok(())
    }

    /// Records an approval if one was sent.
    async fn approval(
        &mut self,
        phase: &'static str,
        actor: &str,
        a: &sonm_agents::Approval,
    ) -> Result<(), DemoError> {
        match a.tx {
            Some(tx) => self.record(phase, actor, "approve SNM", tx).await,
            None => Ok(()),
        }
    }

    /// Checks an outcome: a line for the summary, or the error that ends the demo.
    fn check(&mut self, ok: bool, what: impl Into<String>) -> Result<(), DemoError> {
        let line = outcome(ok, what)?;
        println!("  ok  {line}");
        self.checks.push(line);
        Ok(())
    }

    async fn head(&self) -> Result<u64, DemoError> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| DemoError::Rpc {
                what: "eth_blockNumber".into(),
                reason: e.to_string(),
            })
    }

    async fn logs(&self, filter: &Filter) -> Result<Vec<alloy::rpc::types::Log>, DemoError> {
        self.provider
            .get_logs(filter)
            .await
            .map_err(|e| DemoError::Rpc {
                what: "eth_getLogs".into(),
                reason: e.to_string(),
            })
    }

    /// Records every transaction that `who` sent in blocks `from..=to` (the watcher's and the solvers' moves, which
    /// the bot and the dispute loop send themselves), named after the function they call.
    async fn scan(
        &mut self,
        phase: &'static str,
        from: u64,
        to: u64,
        who: &HashMap<Address, String>,
    ) -> Result<(), DemoError> {
        let names = function_names();
        for n in from..=to {
            let block = self
                .provider
                .get_block_by_number(n.into())
                .full()
                .await
                .map_err(|e| DemoError::Rpc {
                    what: "eth_getBlockByNumber".into(),
                    reason: e.to_string(),
                })?;
            let Some(block) = block else { continue };
            for tx in block.transactions.into_transactions() {
                let from = alloy::network::TransactionResponse::from(&tx);
                let Some(actor) = who.get(&from) else {
                    continue;
                };
                let input = alloy::consensus::Transaction::input(&tx);
                let name = input
                    .get(..4)
                    .and_then(|s| names.get(s).copied())
                    .unwrap_or("call");
                let hash = alloy::network::TransactionResponse::tx_hash(&tx);
                self.record(phase, actor, name, hash).await?;
            }
        }
        Ok(())
    }

    async fn balance(&self, token: &Token, who: Address) -> Result<U256, DemoError> {
        Ok(token.balance(who).await?)
    }
}

/// The games' functions the watcher and the solvers call, by selector.
fn function_names() -> HashMap<[u8; 4], &'static str> {
    [
        (MapGame::commitProofCall::SELECTOR, "commitProof (map)"),
        (MapGame::proveCheatCall::SELECTOR, "proveCheat (map)"),
        (MapGame::openQueryCall::SELECTOR, "openQuery (map)"),
        (MapGame::answerQueryCall::SELECTOR, "answerQuery (map)"),
        (MapGame::timeoutQueryCall::SELECTOR, "timeoutQuery (map)"),
        (MapGame::finalizeCall::SELECTOR, "finalize (map)"),
        (
            ChainGame::challengeCall::SELECTOR,
            "challenge (open a dispute)",
        ),
        (ChainGame::revealCall::SELECTOR, "reveal midpoint"),
        (ChainGame::answerCall::SELECTOR, "answer midpoint"),
        (
            ChainGame::judgeStepCall::SELECTOR,
            "judgeStep (one step on chain)",
        ),
        (ChainGame::timeoutCall::SELECTOR, "timeout"),
        (ChainGame::finalizeCall::SELECTOR, "finalize (chain)"),
        (
            sonm_bindings::SonmToken::approveCall::SELECTOR,
            "approve SNM",
        ),
    ]
    .into_iter()
    .collect()
}

fn section(title: &str) {
    println!("\n== {title}");
}

/// Writes a tree's dump and returns its absolute path (the URI the watcher reads).
fn dump(tree: &IndexedTree, path: &Path) -> Result<String, DemoError> {
    write_dump(tree, path)?;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    Ok(abs.display().to_string())
}

pub(crate) async fn run(args: DemoArgs) -> Result<DemoSummary, DemoError> {
    if args.rows < 256 {
        return Err(DemoError::Args(format!(
            "--rows {} is too few: the demo renders at least 256 rows",
            args.rows
        )));
    }
    let started = Instant::now();
    std::fs::create_dir_all(&args.out).map_err(|source| DemoError::Io {
        action: "create",
        path: args.out.clone(),
        source,
    })?;
    let repo = chain::repo_root()?;

    section("An embedded chain, and sonm deployed through script/Deploy.s.sol");
    let anvil = chain::deployed_chain(&repo).await?;
    let url = anvil.endpoint();
    let deployments = repo.join("deployments");
    println!(
        "  anvil on {url}, chain {}; deployments/{}.json",
        chain::CHAIN_ID,
        chain::CHAIN_ID
    );
    let keys = anvil.keys();
    let signer = |i: usize| -> Result<PrivateKeySigner, DemoError> {
        keys.get(i)
            .cloned()
            .map(PrivateKeySigner::from)
            .ok_or(DemoError::Accounts(i))
    };
    let connect = async |i: usize| -> Result<Client, DemoError> {
        Ok(Client::connect(&url, Some(signer(i)?), &deployments).await?)
    };
    let deployer = connect(DEPLOYER).await?;
    let owner_c = connect(HUB_OWNER).await?;
    let miner_c = [
        connect(MINERS[0]).await?,
        connect(MINERS[1]).await?,
        connect(MINERS[2]).await?,
    ];
    let honest_c = connect(SOLVER_HONEST).await?;
    let map_cheat_c = connect(SOLVER_MAP_CHEAT).await?;
    let chain_cheat_c = connect(SOLVER_CHAIN_CHEAT).await?;
    let buyer_c = connect(BUYER).await?;
    let addr = |c: &Client| c.sender_opt().unwrap_or_default();
    let watcher_addr = signer(WATCHER)?.address();

    let mut story = Story {
        provider: devnet::provider(&anvil),
        steps: Vec::new(),
        checks: Vec::new(),
    };
    let token = Token::new(&deployer)?;
    let dao = deployer.address(Contract::TimelockController)?;

    // Everyone who pays or bonds starts with SNM from the deployer (who holds the whole supply); the miners start
    // with nothing and are paid by the hub.
    section("SNM for everyone");
    let allowances = [
        (&owner_c, "hub owner", 1_000u64),
        (&honest_c, "solver-1", 100),
        (&map_cheat_c, "solver-2", 100),
        (&chain_cheat_c, "solver-3", 100),
        (&buyer_c, "buyer", 1_000),
    ];
    for (c, who, amount) in allowances {
        let tx = token.transfer(addr(c), snm(amount)).await?;
        story
            .record(
                "setup",
                "deployer",
                format!("transfer {amount} SNM to {who}"),
                tx,
            )
            .await?;
    }
    let tx = token.transfer(watcher_addr, snm(100)).await?;
    story
        .record("setup", "deployer", "transfer 100 SNM to watcher", tx)
        .await?;
    println!("  the deployer sent SNM to the hub owner, 3 solvers, the buyer and the watcher");

    let roles: [(&str, Address); 10] = [
        ("hub owner", addr(&owner_c)),
        ("miner-1", addr(&miner_c[0])),
        ("miner-2", addr(&miner_c[1])),
        ("miner-3", addr(&miner_c[2])),
        ("solver-1 (honest)", addr(&honest_c)),
        ("solver-2 (map cheat)", addr(&map_cheat_c)),
        ("solver-3 (chain cheat)", addr(&chain_cheat_c)),
        ("buyer", addr(&buyer_c)),
        ("watcher", watcher_addr),
        ("DAO (timelock)", dao),
    ];
    let mut before = Vec::new();
    for (_, a) in roles {
        before.push(story.balance(&token, a).await?);
    }

    // ---------------------------------------------------------------- the hub
    section("A hub pays its miners (the anti-fraud wallet)");
    let owner = HubOwner::new(&owner_c)?;
    let (hub, tx) = owner.create("hub.demo.sonm:15010", "demo hub").await?;
    story.record("hub", "hub owner", "createHub", tx).await?;
    println!("  hub {hub} created and whitelisted");
    let tx = owner.deposit(hub, snm(500)).await?;
    story
        .record("hub", "hub owner", "deposit 500 SNM", tx)
        .await?;
    let tx = owner.register(hub).await?;
    story.record("hub", "hub owner", "register", tx).await?;
    let wallet = HubWallet::new(hub, story.provider.clone());
    let rpc = |what: &'static str| {
        move |e: alloy::contract::Error| DemoError::Rpc {
            what: what.into(),
            reason: sonm_bindings::describe_error(&e),
        }
    };
    let pays = [
        (&miner_c[0], "miner-1", 10u64),
        (&miner_c[1], "miner-2", 20),
        (&miner_c[2], "miner-3", 30),
    ];
    let mut locked_total = U256::ZERO;
    for (c, who, amount) in pays {
        // Work outside any deal: the demo's hub pays its miners from its own funds (deal 0).
        let p = owner.pay(hub, addr(c), snm(amount), 0).await?;
        locked_total += p.lock;
        story
            .record("hub", "hub owner", format!("pay {who} {amount} SNM"), p.tx)
            .await?;
    }
    let locked = wallet.locked().call().await.map_err(rpc("locked"))?;
    story.check(
        locked == locked_total && locked == snm(60) * U256::from(3u64) / U256::from(10u64),
        format!(
            "the hub locked 30% of its payouts: {} SNM",
            format_snm(locked)
        ),
    )?;
    for (c, who, amount) in pays {
        let (got, tx) = Miner::new(c)?.claim(hub).await?;
        story.record("hub", who, "claim", tx).await?;
        story.check(
            got == snm(amount),
            format!("{who} claimed {} SNM from the hub", format_snm(got)),
        )?;
    }
    let pay_day_at: u64 = wallet
        .payDayAt()
        .call()
        .await
        .map_err(rpc("payDayAt"))?
        .saturating_to();
    let now = owner_c.now().await?;
    let wait = pay_day_at.saturating_sub(now) + 1;
    travel(&story.provider, wait).await?;
    println!(
        "  time travel: {} days, past the payout period",
        wait.div_ceil(86_400)
    );
    let wallet_dao = wallet.dao().call().await.map_err(rpc("dao"))?;
    let dao_before = story.balance(&token, wallet_dao).await?;
    let tx = owner.pay_day(hub).await?;
    story.record("hub", "hub owner", "payDay", tx).await?;
    let fee = story.balance(&token, wallet_dao).await? - dao_before;
    // 0.5% of the locked funds, as the factory's default terms say.
    story.check(
        fee == locked * U256::from(5u64) / U256::from(1_000u64),
        format!("PayDay sent the DAO its 0.5% fee: {} SNM", format_snm(fee)),
    )?;
    let hubs = owner.hubs();
    story.check(
        hubs.state(hub).await? == HubState::Idle
            && wallet
                .locked()
                .call()
                .await
                .map_err(rpc("locked"))?
                .is_zero(),
        "after PayDay the hub is Idle with nothing locked",
    )?;
    let free = hubs.free_balance(hub).await?;
    let owner_before = story.balance(&token, addr(&owner_c)).await?;
    let tx = owner.withdraw(hub, free).await?;
    story
        .record(
            "hub",
            "hub owner",
            format!("withdraw {} SNM", format_snm(free)),
            tx,
        )
        .await?;
    story.check(
        story.balance(&token, addr(&owner_c)).await? - owner_before == free && !free.is_zero(),
        format!(
            "the owner withdrew the free balance: {} SNM",
            format_snm(free)
        ),
    )?;

    // ---------------------------------------------------------------- the tasks
    section(&format!(
        "A buyer posts two Mandelbrot rendering tasks ({} rows x {WIDTH} px) and a KeccakChain task",
        args.rows
    ));
    let buyer_tasks = MapTasks::new(&buyer_c)?;
    let params = buyer_tasks.parameters().await?;
    let mandelbrot = buyer_c.address(Contract::MandelbrotRow)?;
    let step = (3.0 / f64::from(WIDTH)).max(2.6 / f64::from(args.rows));
    let inputs_a = mandelbrot_inputs(WIDTH, args.rows, (-0.6, 0.0), step, MAX_ITER);
    let inputs_b = mandelbrot_inputs(WIDTH, args.rows, (-0.745, 0.11), step / 8.0, MAX_ITER);
    let reward = snm(5);
    let solver_bond = U256::from(params.minSolverBond).max(snm(10));
    let mut post = async |name: &str, inputs: &[Bytes]| -> Result<u64, DemoError> {
        let tree = IndexedTree::from_data(inputs.iter().cloned(), BuildOptions::default())?;
        let uri = dump(&tree, &args.out.join(format!("inputs-{name}.json")))?;
        let spec = PostSpec {
            computation: mandelbrot,
            gas_per_leaf: GAS_PER_ROW,
            reward,
            solver_bond,
            challenger_bond: U256::from(params.minChallengerBond),
            commit_deadline: buyer_c.now().await? + 86_400,
            input_uri: uri,
        };
        let posted = buyer_tasks.post(spec, inputs).await?;
        story.approval("map", "buyer", &posted.approval).await?;
        story
            .record(
                "map",
                "buyer",
                format!("post Mandelbrot task {name}"),
                posted.tx,
            )
            .await?;
        Ok(posted.task)
    };
    let task_a = post("A", &inputs_a).await?;
    let task_b = post("B", &inputs_b).await?;
    let chain_buyer = ChainTasks::new(&buyer_c)?;
    let (task_c, approval, tx) = chain_buyer
        .post(ChainPostSpec {
            computation: buyer_c.address(Contract::KeccakChain)?,
            initial_state: Bytes::from_static(b"sonm demo"),
            steps: CHAIN_STEPS,
            gas_per_step: 50_000,
            reward,
            commit_within: 86_400,
        })
        .await?;
    story.approval("chain", "buyer", &approval).await?;
    story
        .record("chain", "buyer", "post KeccakChain task C", tx)
        .await?;
    println!(
        "  map tasks A = {task_a}, B = {task_b} ({} rows each, reward {} SNM, bond {} SNM); chain task C = {task_c} ({CHAIN_STEPS} steps)",
        args.rows,
        format_snm(reward),
        format_snm(solver_bond)
    );

    section(
        "Solvers solve: solver-1 honestly, solver-2 falsifies rows, solver-3 a wrong final state",
    );
    // solver-1: task A, every row as the executor computes it.
    let honest = MapTasks::new(&honest_c)?;
    let (approval, tx) = honest.claim(task_a).await?;
    story.approval("map", "solver-1", &approval).await?;
    story.record("map", "solver-1", "claim task A", tx).await?;
    let results_a = honest
        .solve(task_a, &inputs_a, &SolveMode::Honest, &|_| {})
        .await?;
    let uri_a = dump(&results_a, &args.out.join("results-A.json"))?;
    let tx = honest
        .commit(task_a, results_a.root(), uri_a.clone())
        .await?;
    story.record("map", "solver-1", "commit task A", tx).await?;
    println!(
        "  solver-1 committed task A: root {}, data at {uri_a}",
        results_a.root()
    );
    // solver-2: task B, a few rows falsified.
    let cheats = vec![5, u64::from(args.rows) / 2, u64::from(args.rows) - 2];
    let cheater = MapTasks::new(&map_cheat_c)?;
    let (approval, tx) = cheater.claim(task_b).await?;
    story.approval("map", "solver-2", &approval).await?;
    story.record("map", "solver-2", "claim task B", tx).await?;
    let results_b = cheater
        .solve(
            task_b,
            &inputs_b,
            &SolveMode::Cheat(cheats.clone()),
            &|_| {},
        )
        .await?;
    let uri_b = dump(&results_b, &args.out.join("results-B.json"))?;
    let tx = cheater.commit(task_b, results_b.root(), uri_b).await?;
    story.record("map", "solver-2", "commit task B", tx).await?;
    println!("  solver-2 committed task B with rows {cheats:?} falsified");
    // solver-3: chain task C, a wrong final hash.
    let chain_cheater = ChainTasks::new(&chain_cheat_c)?;
    let (approval, tx) = chain_cheater.claim(task_c).await?;
    story.approval("chain", "solver-3", &approval).await?;
    story
        .record("chain", "solver-3", "claim task C", tx)
        .await?;
    let chain_bond = chain_cheater.task(task_c).await?.solver_bond;
    let (wrong, tx) = chain_cheater.commit(task_c, true).await?;
    story
        .record("chain", "solver-3", "commit task C", tx)
        .await?;
    println!("  solver-3 committed task C with a wrong final state hash {wrong}");

    // ---------------------------------------------------------------- the watcher
    section("The watcher checks every commitment");
    let mut config = WatcherConfig::new(url.clone(), deployments.clone(), signer(WATCHER)?);
    config.confirmations = 0;
    config.poll_interval = Duration::from_millis(100);
    let mut bot = Watcher::connect(config).await?;
    let watch_from = story.head().await? + 1;
    let map_game = buyer_tasks.address();
    let chain_game = chain_buyer.address();
    let deadline = Instant::now() + WATCH_LIMIT;
    let mut dispute: Option<u64> = None;
    let mut sent = Vec::new();
    loop {
        let report = bot.pass().await?;
        sent.extend(report.sent.iter().cloned());
        if dispute.is_none() {
            dispute = dispute_of(&story, chain_game, task_c).await?;
        }
        // solver-3 defends its commitment: it reveals (honest) midpoints until the one step it got wrong is judged.
        let mut decided = false;
        if let Some(d) = dispute {
            decided = chain_buyer.dispute(d).await?.decided();
            if !decided {
                match chain_cheater.play(d).await {
                    Ok((_, info)) => decided = info.decided(),
                    Err(e) => warn!(error = %e, "solver-3's move failed; retrying"),
                }
            }
        }
        let slashed = !map_slashes(&story, map_game, task_b).await?.is_empty();
        if slashed && decided && report.pending == 0 {
            break;
        }
        if Instant::now() > deadline {
            return Err(DemoError::Outcome(format!(
                "the watcher did not catch both cheats within {} s (map cheat proven: {slashed}, chain dispute decided: {decided}; sent {sent:?})",
                WATCH_LIMIT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let watch_to = story.head().await?;
    let movers: HashMap<Address, String> = [
        (watcher_addr, "watcher".to_owned()),
        (addr(&chain_cheat_c), "solver-3".to_owned()),
    ]
    .into_iter()
    .collect();
    story.scan("watch", watch_from, watch_to, &movers).await?;
    let dispute = dispute.ok_or_else(|| DemoError::Outcome("no dispute over task C".into()))?;

    // Map cheat: proven by the watcher, the solver slashed, the task reopened.
    let slashes_b = map_slashes(&story, map_game, task_b).await?;
    let to_watcher_map: U256 = slashes_b
        .iter()
        .filter(|s| s.challenger == watcher_addr && s.solver == addr(&map_cheat_c))
        .map(|s| s.toChallenger)
        .sum();
    let to_dao_map: U256 = slashes_b.iter().map(|s| s.toDao).sum();
    story.check(
        slashes_b.len() == 1 && !to_watcher_map.is_zero(),
        format!(
            "solver-2's falsified rows were proven by the watcher: bond slashed, {} SNM to the watcher",
            format_snm(to_watcher_map)
        ),
    )?;
    story.check(
        buyer_tasks.task(task_b).await?.status == TaskStatus::Open,
        "task B reopened for an honest solver",
    )?;
    // Chain cheat: the bisection went to the judged step and the watcher won.
    let d = chain_buyer.dispute(dispute).await?;
    story.check(
        d.phase == DisputePhase::ChallengerWon && d.challenger == watcher_addr,
        format!(
            "the watcher won the bisection dispute {dispute} over task C (phase {})",
            d.phase
        ),
    )?;
    let judged = story
        .logs(
            &Filter::new()
                .address(chain_game)
                .event_signature(ChainGame::StepJudged::SIGNATURE_HASH)
                .topic1(U256::from(dispute))
                .from_block(watch_from),
        )
        .await?;
    story.check(
        judged.len() == 1,
        "the dispute ended with one step executed on chain (not by a clock)",
    )?;
    let chain_slashes = story
        .logs(
            &Filter::new()
                .address(chain_game)
                .event_signature(ChainGame::SolverSlashed::SIGNATURE_HASH)
                .topic1(U256::from(task_c))
                .from_block(watch_from),
        )
        .await?;
    let chain_slashes: Vec<_> = chain_slashes
        .iter()
        .filter_map(|l| l.log_decode::<ChainGame::SolverSlashed>().ok())
        .map(|l| l.inner.data)
        .filter(|s| s.solver == addr(&chain_cheat_c))
        .collect();
    let to_watcher_chain: U256 = chain_slashes.iter().map(|s| s.toChallenger).sum();
    let to_dao_chain: U256 = chain_slashes.iter().map(|s| s.toDao).sum();
    story.check(
        !to_watcher_chain.is_zero()
            && chain_buyer.task(task_c).await?.status == ChainTaskStatus::Open,
        format!(
            "solver-3 was slashed ({} SNM to the watcher) and task C reopened",
            format_snm(to_watcher_chain)
        ),
    )?;

    // ---------------------------------------------------------------- the honest task
    section("The challenge window passes: solver-1 is paid");
    let info = honest.task(task_a).await?;
    story.check(
        info.status == TaskStatus::Committed
            && map_slashes(&story, map_game, task_a).await?.is_empty(),
        "the watcher left the honest task A alone",
    )?;
    let now = honest_c.now().await?;
    travel(&story.provider, info.deadline.saturating_sub(now) + 1).await?;
    let report = bot.pass().await?;
    story.check(
        report
            .sent
            .iter()
            .all(|k| !k.contains(&format!(":{task_a}:"))),
        "still nothing sent against task A after its window",
    )?;
    let tx = honest.finalize(task_a).await?;
    story
        .record("map", "solver-1", "finalize task A", tx)
        .await?;
    story.check(
        honest.task(task_a).await?.status == TaskStatus::Finalized,
        "task A finalized: solver-1 got the reward and its bond back",
    )?;

    // ---------------------------------------------------------------- the image
    let mut leaves: Vec<_> = results_a.values().to_vec();
    leaves.sort_by_key(|l| l.index);
    let rows: Vec<Bytes> = leaves.into_iter().map(|l| l.data).collect();
    story.check(
        rows.iter().all(|r| r.len() == WIDTH as usize),
        format!("every row of task A rendered within {GAS_PER_ROW} gas"),
    )?;
    let image_path = args.out.join("mandelbrot.png");
    image::write_png(&image_path, &rows, WIDTH, MAX_ITER)?;
    println!("  wrote {}", image_path.display());

    // ---------------------------------------------------------------- the ledger
    let notes = [
        format!(
            "ran hub {hub}: paid 60 SNM, PayDay, withdrew {} SNM",
            format_snm(free)
        ),
        "paid 10 SNM by the hub, claimed it".to_owned(),
        "paid 20 SNM by the hub, claimed it".to_owned(),
        "paid 30 SNM by the hub, claimed it".to_owned(),
        "rendered task A honestly: paid the reward, bond back".to_owned(),
        format!("falsified {} rows of task B: bond slashed", cheats.len()),
        "wrong final state of task C: lost the dispute, bond slashed".to_owned(),
        "posted A (paid), B and C (reopened, rewards still in escrow)".to_owned(),
        "proved the map cheat, won the chain dispute".to_owned(),
        format!(
            "PayDay fee {} SNM + the DAO's share of both slashes",
            format_snm(fee)
        ),
    ];
    let slashed = [
        false, false, false, false, false, true, true, false, false, false,
    ];
    let mut parties = Vec::new();
    for (i, ((role, a), note)) in roles.iter().zip(notes).enumerate() {
        parties.push(Party {
            role: (*role).to_owned(),
            address: *a,
            before: before[i],
            after: story.balance(&token, *a).await?,
            slashed: slashed[i],
            note,
        });
    }
    let gain = |i: usize| parties[i].after.checked_sub(parties[i].before);
    story.check(
        (gain(1), gain(2), gain(3)) == (Some(snm(10)), Some(snm(20)), Some(snm(30))),
        "the miners earned 10, 20 and 30 SNM from the hub",
    )?;
    story.check(gain(4) == Some(reward), "solver-1 earned the 5 SNM reward")?;
    story.check(
        gain(8) == Some(to_watcher_map + to_watcher_chain),
        format!(
            "the watcher earned {} SNM (its bonds back)",
            format_snm(to_watcher_map + to_watcher_chain)
        ),
    )?;
    story.check(
        gain(9) == Some(fee + to_dao_map + to_dao_chain),
        format!(
            "the DAO got the PayDay fee and its share of both slashes: {} SNM",
            format_snm(fee + to_dao_map + to_dao_chain)
        ),
    )?;
    story.check(
        parties[5].after + solver_bond == parties[5].before,
        "solver-2 lost its bond",
    )?;
    story.check(
        parties[6].after + chain_bond == parties[6].before,
        format!(
            "solver-3 lost its {} SNM chain bond",
            format_snm(chain_bond)
        ),
    )?;

    let summary = DemoSummary {
        rpc_url: url.clone(),
        parties,
        steps: std::mem::take(&mut story.steps),
        checks: std::mem::take(&mut story.checks),
        image: image_path,
        elapsed: started.elapsed(),
    };
    println!("\n{}", summary.table());
    if args.keep_chain {
        println!("the chain stays up on {url} (deployments/31337.json); Ctrl-C to stop it");
        let _ = tokio::signal::ctrl_c().await;
    }
    // The clients' pollers go before the node does.
    drop((
        bot,
        honest,
        cheater,
        chain_cheater,
        chain_buyer,
        buyer_tasks,
        owner,
        token,
    ));
    drop((
        deployer,
        owner_c,
        miner_c,
        honest_c,
        map_cheat_c,
        chain_cheat_c,
        buyer_c,
        story,
    ));
    drop(anvil);
    Ok(summary)
}

/// The dispute opened over chain task `task`, if any.
async fn dispute_of(story: &Story, game: Address, task: u64) -> Result<Option<u64>, DemoError> {
    let logs = story
        .logs(
            &Filter::new()
                .address(game)
                .event_signature(ChainGame::DisputeOpened::SIGNATURE_HASH)
                .topic2(U256::from(task))
                .from_block(0),
        )
        .await?;
    Ok(logs
        .iter()
        .filter_map(|l| l.log_decode::<ChainGame::DisputeOpened>().ok())
        .map(|l| l.inner.data.disputeId.saturating_to())
        .next())
}

/// Every `SolverSlashed` of map task `task`.
async fn map_slashes(
    story: &Story,
    game: Address,
    task: u64,
) -> Result<Vec<MapGame::SolverSlashed>, DemoError> {
    let logs = story
        .logs(
            &Filter::new()
                .address(game)
                .event_signature(MapGame::SolverSlashed::SIGNATURE_HASH)
                .topic1(U256::from(task))
                .from_block(0),
        )
        .await?;
    Ok(logs
        .iter()
        .filter_map(|l| l.log_decode::<MapGame::SolverSlashed>().ok())
        .map(|l| l.inner.data)
        .collect())
}
