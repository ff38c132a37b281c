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
    Market, Miner, Offer, PostSpec, SolveMode, TaskStatus, Token,
};
use sonm_bindings::{ChainGame, Contract, HubWallet, MapGame};
use sonm_executor::Executor;
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

/// The hub's offer: how many rows all its deals may have together.
const OFFER_ROWS: u64 = 64;
/// The rows the buyer takes from the offer (one map leaf each).
const DEAL_ROWS: u32 = 16;
/// The rows each of the hub's three miners computes, in order.
const MINER_ROWS: [u32; 3] = [6, 5, 5];

// Anvil's accounts (chain::ACCOUNTS), one per role: the hub's three miners (paid out of its wallet for the deal's
// rows) are not the solvers (bound in the games by their bonds).
const DEPLOYER: usize = 0;
const HUB_OWNER: usize = 1;
const MINERS: [usize; 3] = [2, 3, 4];
const SOLVER_HONEST: usize = 5;
const SOLVER_MAP_CHEAT: usize = 6;
const SOLVER_CHAIN_CHEAT: usize = 7;
const BUYER: usize = 8;
const WATCHER: usize = 9;
const OPERATOR: usize = 10;

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
    let operator_c = connect(OPERATOR).await?;
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

    let roles: [(&str, Address); 11] = [
        ("hub owner", addr(&owner_c)),
        ("hub operator", addr(&operator_c)),
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

    // ---------------------------------------------------------------- the hub: a deal of the market
    section(
        "A hub sells Mandelbrot rows on the market; its miners compute them and are paid for them",
    );
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
    let operator_addr = addr(&operator_c);
    let tx = owner.set_operator(hub, operator_addr).await?;
    story.record("hub", "hub owner", "setOperator", tx).await?;
    let hubs = owner.hubs();
    let keys = hubs.keys(hub).await?;
    story.check(
        keys.owner == addr(&owner_c)
            && keys.operator == operator_addr
            && hubs.state(hub).await? == HubState::Registered,
        format!("the hub is Registered and its operator key is {operator_addr}"),
    )?;
    let wallet = HubWallet::new(hub, story.provider.clone());
    let rpc = |what: &'static str| {
        move |e: alloy::contract::Error| DemoError::Rpc {
            what: what.into(),
            reason: sonm_bindings::describe_error(&e),
        }
    };

    // The operator key runs the hub from here on: it signs an offer, commits the deal, pays the miners, holds
    // PayDay. The owner's key only withdraws.
    let operator = HubOwner::new(&operator_c)?;
    let operator_market = Market::new(&operator_c)?;
    let operator_tasks = MapTasks::new(&operator_c)?;
    let buyer_market = Market::new(&buyer_c)?;
    let buyer_tasks = MapTasks::new(&buyer_c)?;
    let params = buyer_tasks.parameters().await?;
    let mandelbrot = buyer_c.address(Contract::MandelbrotRow)?;
    let row_price = snm(3) / U256::from(2u64);
    // What the hub pays a miner per row; the rest of the price is its margin.
    let row_pay = snm(1);
    let offer = Offer {
        hub,
        computation: mandelbrot,
        price_per_leaf: row_price,
        max_leaves: OFFER_ROWS,
        gas_per_leaf: GAS_PER_ROW,
        hub_bond: U256::from(params.minSolverBond).max(snm(10)),
        challenger_bond: U256::from(params.minChallengerBond),
        challenge_window: params.challengeWindow,
        response_window: params.responseWindow,
        turnaround: 3_600,
        expiry: operator_c.now().await? + 86_400,
        nonce: U256::from(1u64),
    };
    let signed = operator_market.sign(offer).await?;
    let offer_path = args.out.join("offer.json");
    let offer_json =
        serde_json::to_string_pretty(&signed.to_json()?).map_err(|e| DemoError::Io {
            action: "write",
            path: offer_path.clone(),
            source: e.into(),
        })?;
    std::fs::write(&offer_path, offer_json).map_err(|source| DemoError::Io {
        action: "write",
        path: offer_path.clone(),
        source,
    })?;
    let hub_bond = signed.offer.hub_bond;
    println!(
        "  the operator signed offer {} (EIP-712, off chain), written to {}",
        signed.hash()?,
        offer_path.display()
    );
    println!(
        "  its terms: Mandelbrot rows at {} SNM each, up to {OFFER_ROWS} rows, a {} SNM hub bond per deal",
        format_snm(row_price),
        format_snm(hub_bond)
    );

    // The buyer takes 16 rows: the price goes into the game, and the hub's bond with it.
    let deal_rows = u64::from(DEAL_ROWS);
    let deal_inputs = mandelbrot_inputs(
        WIDTH,
        DEAL_ROWS,
        (-0.75, 0.0),
        3.0 / f64::from(WIDTH),
        MAX_ITER,
    );
    let input_tree = buyer_tasks.input_tree(&deal_inputs).await?;
    let input_uri = dump(&input_tree, &args.out.join("inputs-deal.json"))?;
    let game = buyer_tasks.address();
    let buyer_addr = addr(&buyer_c);
    let before_take = (
        story.balance(&token, game).await?,
        story.balance(&token, hub).await?,
        story.balance(&token, buyer_addr).await?,
    );
    let taken = buyer_market
        .take(&signed, input_tree.root(), deal_rows, input_uri)
        .await?;
    let deal = taken.deal;
    story.approval("market", "buyer", &taken.approval).await?;
    story
        .record(
            "market",
            "buyer",
            format!("take the offer: {DEAL_ROWS} rows (deal {deal})"),
            taken.tx,
        )
        .await?;
    let price = taken.price;
    story.check(
        price == row_price * U256::from(deal_rows)
            && story.balance(&token, game).await? == before_take.0 + price + hub_bond
            && story.balance(&token, hub).await? + hub_bond == before_take.1
            && story.balance(&token, buyer_addr).await? + price == before_take.2,
        format!(
            "at the take the buyer's {} SNM escrow and the hub's {} SNM bond (its free balance) went into the game",
            format_snm(price),
            format_snm(hub_bond)
        ),
    )?;
    let info = buyer_tasks.task(deal).await?;
    story.check(
        info.is_deal()
            && info.status == TaskStatus::Claimed
            && info.solver == hub
            && info.buyer == buyer_addr,
        format!("deal {deal} opened as a map task claimed by the hub wallet"),
    )?;

    // The hub's three miners compute the rows, each its share, with the executor (the judge's own EVM semantics).
    let judge = buyer_c.address(Contract::JudgeHarness)?;
    let mut deal_outputs = Vec::with_capacity(deal_inputs.len());
    let mut shares = Vec::new();
    let mut miner_rows = Vec::new();
    for (i, rows) in MINER_ROWS.iter().enumerate() {
        let from = deal_outputs.len();
        let to = from + *rows as usize;
        let (Some(c), Some(inputs)) = (miner_c.get(i), deal_inputs.get(from..to)) else {
            return Err(DemoError::Outcome(format!(
                "miner {i} has no rows {from}..{to} of the deal's {DEAL_ROWS}"
            )));
        };
        let executor = Executor::from_chain(c.provider_ref(), judge, info.computation).await?;
        deal_outputs.extend(executor.leaves(
            inputs,
            u64::from(info.gas_per_leaf),
            info.max_leaf_bytes,
        )?);
        println!(
            "  miner-{} computed rows {from}..{} of deal {deal}",
            i + 1,
            to - 1
        );
        shares.push((addr(c), row_pay * U256::from(*rows)));
        miner_rows.push(format!("rows {from}..{}", to - 1));
    }
    story.check(
        deal_outputs.len() == deal_inputs.len(),
        format!("the three miners computed all {DEAL_ROWS} rows, {MINER_ROWS:?}"),
    )?;
    let results = IndexedTree::from_data(deal_outputs, BuildOptions::default())?;
    let results_uri = dump(&results, &args.out.join("results-deal.json"))?;
    let tx = operator_tasks
        .commit(deal, results.root(), results_uri)
        .await?;
    story
        .record("market", "hub operator", "commit the result root", tx)
        .await?;
    // Before accepting, the buyer checks the result: it recomputes every row itself.
    let own = buyer_tasks
        .solve(deal, &deal_inputs, &SolveMode::Honest, &|_| {})
        .await?;
    let info = buyer_tasks.task(deal).await?;
    story.check(
        info.status == TaskStatus::Committed && info.result_root == own.root(),
        format!(
            "the operator committed root {} for the hub; the buyer recomputed the {DEAL_ROWS} rows: the same root",
            info.result_root
        ),
    )?;
    let wallet_before = story.balance(&token, hub).await?;
    let tx = buyer_tasks.accept(deal).await?;
    story
        .record("market", "buyer", format!("accept deal {deal}"), tx)
        .await?;
    story.check(
        story.balance(&token, hub).await? == wallet_before + price + hub_bond
            && buyer_tasks.task(deal).await?.status == TaskStatus::Finalized,
        format!(
            "the buyer accepted: the price and the bond ({} SNM) landed in the hub wallet",
            format_snm(price + hub_bond)
        ),
    )?;
    let history = buyer_market.history(hub).await?;
    story.check(
        history.taken == 1
            && history.accepted == 1
            && history.settled == 0
            && history.faults() == 0
            && history.leaves_delivered == deal_rows
            && history.earned == price
            && history.buyers == 1,
        format!(
            "the market's history of the hub: {} taken, {} accepted, {} rows delivered, {} SNM earned, {} buyer",
            history.taken,
            history.accepted,
            history.leaves_delivered,
            format_snm(history.earned),
            history.buyers
        ),
    )?;

    // The operator pays the miners for the rows each computed, in one payMany naming the deal.
    let paid_from = story.head().await? + 1;
    let batch = operator.pay_many(hub, deal, &shares).await?;
    story
        .record(
            "hub",
            "hub operator",
            format!("payMany: 3 miners, deal {deal}"),
            batch.tx,
        )
        .await?;
    let paid_total: U256 = shares.iter().map(|(_, a)| *a).sum();
    let locked = wallet.locked().call().await.map_err(rpc("locked"))?;
    story.check(
        batch.total == paid_total
            && locked == batch.lock
            && locked == paid_total * U256::from(3u64) / U256::from(10u64),
        format!(
            "the hub paid its miners {} SNM for the deal's rows and locked 30% on top: {} SNM",
            format_snm(paid_total),
            format_snm(locked)
        ),
    )?;
    let paid: Vec<HubWallet::Paid> = story
        .logs(
            &Filter::new()
                .address(hub)
                .event_signature(HubWallet::Paid::SIGNATURE_HASH)
                .from_block(paid_from),
        )
        .await?
        .iter()
        .filter_map(|l| l.log_decode::<HubWallet::Paid>().ok())
        .map(|l| l.inner.data)
        .collect();
    story.check(
        paid.len() == shares.len()
            && paid
                .iter()
                .zip(&shares)
                .all(|(p, (m, a))| p.deal == U256::from(deal) && p.miner == *m && p.amount == *a),
        format!(
            "{} Paid events, each naming deal {deal} and the rows' pay",
            paid.len()
        ),
    )?;
    for (i, ((_, amount), c)) in shares.iter().zip(&miner_c).enumerate() {
        let who = format!("miner-{}", i + 1);
        let (got, tx) = Miner::new(c)?.claim(hub).await?;
        story.record("hub", &who, "claim", tx).await?;
        story.check(
            got == *amount,
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
    let tx = operator.pay_day(hub).await?;
    story.record("hub", "hub operator", "payDay", tx).await?;
    let fee = story.balance(&token, wallet_dao).await? - dao_before;
    // 0.5% of the locked funds, as the factory's default terms say.
    story.check(
        fee == locked * U256::from(5u64) / U256::from(1_000u64),
        format!("PayDay sent the DAO its 0.5% fee: {} SNM", format_snm(fee)),
    )?;
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
    let (cooling, _) = hubs.cooling(hub).await?;
    story.check(
        cooling == locked - fee,
        format!(
            "what PayDay unlocked stays in the wallet for its cool-down: {} SNM",
            format_snm(cooling)
        ),
    )?;

    // ---------------------------------------------------------------- the tasks
    section(&format!(
        "A buyer posts two Mandelbrot rendering tasks ({} rows x {WIDTH} px) and a KeccakChain task",
        args.rows
    ));
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
    let mut notes = vec![
        format!(
            "ran hub {hub}: sold {DEAL_ROWS} rows for {} SNM, paid its miners {} SNM; withdrew {} SNM after PayDay, {} SNM cooling",
            format_snm(price),
            format_snm(paid_total),
            format_snm(free),
            format_snm(cooling)
        ),
        format!("signed the offer, committed deal {deal}, paid the miners, PayDay (gas only)"),
    ];
    for ((_, amount), rows) in shares.iter().zip(&miner_rows) {
        notes.push(format!(
            "computed {rows} of deal {deal}: paid {} SNM by the hub, claimed it",
            format_snm(*amount)
        ));
    }
    notes.extend([
        "rendered task A honestly: paid the reward, bond back".to_owned(),
        format!("falsified {} rows of task B: bond slashed", cheats.len()),
        "wrong final state of task C: lost the dispute, bond slashed".to_owned(),
        format!(
            "bought deal {deal} ({} SNM, accepted); posted A (paid), B and C (reopened, rewards in escrow)",
            format_snm(price)
        ),
        "proved the map cheat, won the chain dispute".to_owned(),
        format!(
            "PayDay fee {} SNM + the DAO's share of both slashes",
            format_snm(fee)
        ),
    ]);
    // The parties, in the order of `roles`.
    const MINER_1: usize = 2;
    const SOLVER_1: usize = 5;
    const SOLVER_2: usize = 6;
    const SOLVER_3: usize = 7;
    const BUYER_P: usize = 8;
    const WATCHER_P: usize = 9;
    const DAO_P: usize = 10;
    let mut parties = Vec::new();
    for (i, ((role, a), note)) in roles.iter().zip(notes).enumerate() {
        parties.push(Party {
            role: (*role).to_owned(),
            address: *a,
            before: before[i],
            after: story.balance(&token, *a).await?,
            slashed: i == SOLVER_2 || i == SOLVER_3,
            note,
        });
    }
    let gain = |i: usize| parties[i].after.checked_sub(parties[i].before);
    let loss = |i: usize| parties[i].before.checked_sub(parties[i].after);
    story.check(
        shares
            .iter()
            .enumerate()
            .all(|(i, (_, amount))| gain(MINER_1 + i) == Some(*amount)),
        format!(
            "the miners earned {} SNM from the hub, for the rows of deal {deal} each computed",
            shares
                .iter()
                .map(|(_, a)| format_snm(*a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )?;
    story.check(
        gain(1) == Some(U256::ZERO),
        "the operator key held no SNM: it only signs and sends",
    )?;
    story.check(
        gain(SOLVER_1) == Some(reward),
        "solver-1 earned the 5 SNM reward",
    )?;
    story.check(
        loss(BUYER_P) == Some(price + reward * U256::from(3u64)),
        format!(
            "the buyer paid {} SNM for the deal and 3 rewards of {} SNM",
            format_snm(price),
            format_snm(reward)
        ),
    )?;
    story.check(
        gain(WATCHER_P) == Some(to_watcher_map + to_watcher_chain),
        format!(
            "the watcher earned {} SNM (its bonds back)",
            format_snm(to_watcher_map + to_watcher_chain)
        ),
    )?;
    story.check(
        gain(DAO_P) == Some(fee + to_dao_map + to_dao_chain),
        format!(
            "the DAO got the PayDay fee and its share of both slashes: {} SNM",
            format_snm(fee + to_dao_map + to_dao_chain)
        ),
    )?;
    story.check(
        parties[SOLVER_2].after + solver_bond == parties[SOLVER_2].before,
        "solver-2 lost its bond",
    )?;
    story.check(
        parties[SOLVER_3].after + chain_bond == parties[SOLVER_3].before,
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
        buyer_market,
        owner,
        operator,
        operator_market,
        operator_tasks,
        token,
    ));
    drop((
        deployer,
        owner_c,
        operator_c,
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
