//! The story, step by step, with every outcome checked on chain. The demo itself only sets up the chain (as a
//! deployer and the hubs' owners would) and moves its clock; everything else is done by separate `sonm` processes
//! that talk over libp2p and the chain.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alloy::network::TransactionBuilder as _;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{Filter, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolEvent};
use serde_json::Value;
use sonm_agents::units::format_snm;
use sonm_agents::{Client, HubOwner, Hubs, MapTasks, Market, TaskStatus, Token};
use sonm_bindings::{Contract, HubWallet, MapGame};
use sonm_net::{Event, Identity, Node, NodeConfig, WhitelistChain};
use sonm_testkit::devnet::{self, travel};

use crate::ledger::{Party, Step};
use crate::procs::{Line, Procs};
use crate::rowmap::{RowMap, colour_name};
use crate::{DemoArgs, DemoError, DemoSummary, chain};

// anvil's accounts: the deployer (all the SNM) and the two hubs' owners (cold keys: they create, fund and register
// their hub and name its operator). Every other key is made fresh and given ETH for gas.
const DEPLOYER: usize = 0;
const OWNERS: [usize; 2] = [1, 2];

/// The hubs: role, price per row (SNM), whether it falsifies a committed row (`--dishonest-rows 1`).
const HUBS: [(&str, &str, bool); 2] = [("hub-a", "1.2", false), ("hub-b", "1.5", true)];
/// The miners; the last one falsifies about one unit in eight (`--dishonest-one-in 8`).
const MINERS: usize = 4;
/// The hubs' sample rate for a picture of `rows` rows. A demo must not depend on luck: the dishonest miner renders
/// about a quarter of the rows and falsifies one in eight of them, `rows / 32` wrong units, each escaping a sample
/// of rate `s` with probability `1 - s`; the rate is the one that lets it escape with probability 1/1000 at most
/// (0.35 for 512 rows; the hubs' default, 1/8, is what a real hub would run with).
fn sample_rate(rows: u32) -> f64 {
    let wrong = (f64::from(rows) / 32.0).max(1.0);
    (1.0 - 0.001f64.powf(1.0 / wrong)).clamp(0.125, 0.9)
}
/// The rows of the small purchases (the hub that cheats, the window that passes).
const SMALL_ROWS: u32 = 16;

/// How long a purchase may take, and the slower things after it.
const BUY_LIMIT: Duration = Duration::from_secs(150);
const SETTLE_LIMIT: Duration = Duration::from_secs(60);

fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

fn rpc_err(what: &str) -> impl FnOnce(alloy::transports::TransportError) -> DemoError + '_ {
    move |e| DemoError::Rpc {
        what: what.to_owned(),
        reason: e.to_string(),
    }
}

/// The transactions recorded and the outcomes checked.
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
            .map_err(rpc_err("eth_getTransactionReceipt"))?
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

    /// Checks an outcome: a line for the summary, or the error that ends the demo.
    fn check(&mut self, ok: bool, what: impl Into<String>) -> Result<(), DemoError> {
        let what = what.into();
        if !ok {
            return Err(DemoError::Outcome(what));
        }
        println!("  ok  {what}");
        self.checks.push(what);
        Ok(())
    }

    async fn head(&self) -> Result<u64, DemoError> {
        self.provider
            .get_block_number()
            .await
            .map_err(rpc_err("eth_blockNumber"))
    }

    async fn logs(&self, filter: &Filter) -> Result<Vec<alloy::rpc::types::Log>, DemoError> {
        self.provider
            .get_logs(filter)
            .await
            .map_err(rpc_err("eth_getLogs"))
    }

    /// Records every transaction that a known actor sent in blocks `from..=to` (what the daemons sent themselves),
    /// named after the function it calls and phased by `phase_of(block)`.
    async fn scan(
        &mut self,
        from: u64,
        to: u64,
        who: &HashMap<Address, String>,
        phase_of: impl Fn(u64) -> &'static str,
    ) -> Result<(), DemoError> {
        let names = function_names();
        for n in from..=to {
            let block = self
                .provider
                .get_block_by_number(n.into())
                .full()
                .await
                .map_err(rpc_err("eth_getBlockByNumber"))?;
            let Some(block) = block else { continue };
            for tx in block.transactions.into_transactions() {
                let from = alloy::network::TransactionResponse::from(&tx);
                let Some(actor) = who.get(&from) else {
                    continue;
                };
                let input = alloy::consensus::Transaction::input(&tx);
                let name = if input.is_empty() {
                    "send ETH"
                } else {
                    input
                        .get(..4)
                        .and_then(|s| names.get(s).copied())
                        .unwrap_or("call")
                };
                let hash = alloy::network::TransactionResponse::tx_hash(&tx);
                self.record(phase_of(n), actor, name, hash).await?;
            }
        }
        Ok(())
    }
}

/// The functions the daemons call, by selector.
fn function_names() -> HashMap<[u8; 4], &'static str> {
    use sonm_bindings::{Market as M, SonmToken as T};
    [
        (M::takeCall::SELECTOR, "take an offer"),
        (MapGame::commitCall::SELECTOR, "commit the result root"),
        (MapGame::acceptCall::SELECTOR, "accept"),
        (MapGame::finalizeCall::SELECTOR, "finalize"),
        (MapGame::commitProofCall::SELECTOR, "commitProof"),
        (MapGame::proveCheatCall::SELECTOR, "proveCheat"),
        (MapGame::openQueryCall::SELECTOR, "openQuery"),
        (MapGame::answerQueryCall::SELECTOR, "answerQuery"),
        (MapGame::timeoutQueryCall::SELECTOR, "timeoutQuery"),
        (MapGame::declineDealCall::SELECTOR, "declineDeal"),
        (MapGame::forfeitClaimCall::SELECTOR, "forfeitClaim"),
        (HubWallet::redeemCall::SELECTOR, "redeem a work receipt"),
        (HubWallet::claimCall::SELECTOR, "claim"),
        (HubWallet::payManyCall::SELECTOR, "payMany"),
        (HubWallet::payCall::SELECTOR, "pay"),
        (HubWallet::payDayCall::SELECTOR, "payDay"),
        (HubWallet::registerCall::SELECTOR, "register"),
        (T::approveCall::SELECTOR, "approve SNM"),
        (T::transferCall::SELECTOR, "transfer SNM"),
    ]
    .into_iter()
    .collect()
}

fn section(title: &str) {
    println!("\n== {title}");
}

/// A port free on 127.0.0.1 now (the hub's node listens there; its endpoint in the Whitelist names it).
fn free_port() -> Result<u16, DemoError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|source| DemoError::Io {
        action: "find a free port on",
        path: "127.0.0.1".into(),
        source,
    })?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|source| DemoError::Io {
            action: "find a free port on",
            path: "127.0.0.1".into(),
            source,
        })
}

/// The `sonm` executable the processes run: `--sonm-bin`, else this very program if it is `sonm`, else the `sonm`
/// built beside it (an example or a test binary in `target/<profile>/...`).
fn sonm_binary(given: Option<&Path>) -> Result<PathBuf, DemoError> {
    if let Some(p) = given {
        return if p.is_file() {
            Ok(p.to_owned())
        } else {
            Err(DemoError::Args(format!(
                "--sonm-bin {}: no such file",
                p.display()
            )))
        };
    }
    let exe = std::env::current_exe().map_err(|source| DemoError::Io {
        action: "find",
        path: "the running program".into(),
        source,
    })?;
    if exe.file_stem().is_some_and(|s| s == "sonm") {
        return Ok(exe);
    }
    exe.ancestors()
        .skip(1)
        .take(3)
        .map(|d| d.join("sonm"))
        .find(|c| c.is_file())
        .ok_or_else(|| {
            DemoError::Args(format!(
                "{} is not sonm and no sonm was built beside it: run `cargo build -p sonm-cli` or pass --sonm-bin",
                exe.display()
            ))
        })
}

fn addr_of(v: &Value) -> Option<Address> {
    v.as_str()?.parse().ok()
}

fn u64_of(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

fn wei_of(v: &Value) -> Option<U256> {
    let s = v.as_str()?;
    U256::from_str_radix(s, 10).ok()
}

fn snm_text(v: &Value) -> String {
    wei_of(v).map_or_else(|| v.to_string(), format_snm)
}

/// A line for people of the events worth telling (the rest are in `DIR/logs/<role>.jsonl`).
fn narrate(l: &Line) -> Option<String> {
    let v = &l.value;
    let s = |k: &str| {
        v[k].as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v[k].to_string())
    };
    Some(match (l.role.split('-').next().unwrap_or(""), l.event()) {
        ("hub", "listening") => format!("listening as {}", s("peer")),
        ("hub", "joined") => format!("miner {} joined (capacity {})", s("miner"), s("capacity")),
        ("hub", "deal seen") => format!("deal {} taken: {} rows", s("deal"), s("leaves")),
        ("hub", "inputs fetched") => format!(
            "fetched the {} inputs of deal {} from the buyer, each checked against the input root",
            s("leaves"),
            s("deal")
        ),
        ("hub", "caught") => format!(
            "CAUGHT miner {}: its unit {} of deal {} is wrong (sampled); its {} units discarded and redone, the \
             miner banned, reported: {}",
            s("miner"),
            s("unit"),
            s("deal"),
            s("discarded"),
            s("reported")
        ),
        ("hub", "committed") => format!("committed deal {}: root {}", s("deal"), s("root")),
        ("hub", "accepted") => format!("deal {} accepted by its buyer", s("deal")),
        ("hub", "finalized") => format!("finalized deal {} after its window", s("deal")),
        ("hub", "receipts signed") => format!("signed work receipts for deal {}", s("deal")),
        ("hub", "deal failed") => format!("deal {} failed: {}", s("deal"), s("reason")),
        ("hub", "declined") => format!("declined deal {}", s("deal")),
        ("hub", "payday") => "PayDay: what it locked is unlocked, 0.5% of it to the DAO".to_owned(),
        ("hub", "registered") => "registered again: it sells on".to_owned(),
        ("miner", "joined") => format!(
            "joined {} ({} units in flight, paid {} SNM a unit)",
            s("hub"),
            s("capacity"),
            snm_text(&v["pay_per_unit"])
        ),
        ("miner", "hub_marked") => format!("marks hub {} ({}): {}", s("name"), s("hub"), s("mark")),
        ("miner", "lease_done") if v["falsified"].as_array().is_some_and(|a| !a.is_empty()) => {
            format!(
                "returned units {} of deal {} falsified",
                v["falsified"],
                s("task")
            )
        }
        ("miner", "receipt_redeemed") => format!(
            "redeemed a work receipt of {} for deal {}: {} SNM",
            s("hub"),
            s("deal"),
            snm_text(&v["amount"])
        ),
        ("miner", "claimed") => format!("claimed {} SNM from {}", snm_text(&v["amount"]), s("hub")),
        ("miner", "hub_dropped") => format!("stops working for {}: it owes too much", s("hub")),
        ("buy", "offer") => format!(
            "offer of {} ({}): {} SNM a row, mark {}{}",
            s("name"),
            s("hub"),
            s("pricePerLeaf"),
            v["mark"]["label"].as_str().unwrap_or("-"),
            match v["problems"].as_array() {
                Some(p) if !p.is_empty() => format!(", not taken: {}", v["problems"]),
                _ => String::new(),
            }
        ),
        ("buy", "chosen") => format!(
            "chose {} ({}): {} SNM a row, {} SNM",
            s("name"),
            s("hub"),
            s("pricePerLeaf"),
            s("price")
        ),
        ("buy", "taken") => format!(
            "took deal {} ({} SNM escrowed); inputs served at {}",
            s("deal"),
            s("price"),
            s("inputUri")
        ),
        ("buy", "committed") => format!("saw the commit of deal {} on chain", s("deal")),
        ("buy", "fetched") => format!(
            "fetched {} result rows, every one checked against the committed root",
            s("rows")
        ),
        ("buy", "sampled") => format!(
            "recomputed {} of the rows itself: all equal",
            v["rows"].as_array().map_or(0, |a| a.len())
        ),
        ("buy", "serving") => format!(
            "keeps serving the inputs of deal {} so that anyone can prove the cheat",
            s("deal")
        ),
        ("buy", "ended") => format!("deal {} ended {}", s("deal"), s("status")),
        ("buy", "mismatch") => format!(
            "rows {} differ from its own computation: NOT accepting",
            v["rows"]
        ),
        ("buy", "accepted") => format!("accepted deal {}", s("deal")),
        ("buy", "waiting") => format!(
            "not accepting deal {}: waiting for its window to end at {} (chain time)",
            s("deal"),
            s("until")
        ),
        ("buy", "settled") => format!("deal {} settled after its window", s("deal")),
        ("buy", "written") => format!("wrote {}", s("out")),
        _ => return None,
    })
}

/// One party of the summary.
struct Role {
    name: String,
    address: Address,
    before: U256,
}

pub(crate) async fn run(args: DemoArgs) -> Result<DemoSummary, DemoError> {
    if args.rows < 256 || args.width < 64 {
        return Err(DemoError::Args(format!(
            "a {}x{} picture is too small: the demo renders at least 256 rows of 64 pixels (512x512 by default)",
            args.width, args.rows
        )));
    }
    let started = Instant::now();
    let out = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    for sub in ["procs", "logs"] {
        let d = out.join(sub);
        if d.exists() {
            std::fs::remove_dir_all(&d).map_err(|source| DemoError::Io {
                action: "clear",
                path: d.clone(),
                source,
            })?;
        }
    }
    std::fs::create_dir_all(&out).map_err(|source| DemoError::Io {
        action: "create",
        path: out.clone(),
        source,
    })?;
    let bin = sonm_binary(args.sonm_bin.as_deref())?;
    let repo = chain::repo_root()?;

    section("An embedded chain, and sonm deployed through script/Deploy.s.sol");
    let anvil = chain::deployed_chain(&repo).await?;
    let url = anvil.endpoint();
    let deployments = repo.join("deployments");
    let deployments_file = deployments.join(format!("{}.json", chain::CHAIN_ID));
    println!(
        "  anvil on {url}, chain {}; every process gets its own copy of deployments/{}.json",
        chain::CHAIN_ID,
        chain::CHAIN_ID
    );
    let keys = anvil.keys();
    let account = |i: usize| -> Result<PrivateKeySigner, DemoError> {
        keys.get(i)
            .cloned()
            .map(PrivateKeySigner::from)
            .ok_or(DemoError::Accounts(i))
    };
    let connect = async |key: PrivateKeySigner| -> Result<Client, DemoError> {
        Ok(Client::connect(&url, Some(key), &deployments).await?)
    };
    let deployer = connect(account(DEPLOYER)?).await?;
    let owners = [
        connect(account(OWNERS[0])?).await?,
        connect(account(OWNERS[1])?).await?,
    ];
    let operators = [PrivateKeySigner::random(), PrivateKeySigner::random()];
    let miners: Vec<PrivateKeySigner> = (0..MINERS).map(|_| PrivateKeySigner::random()).collect();
    let buyer = PrivateKeySigner::random();
    let watcher = PrivateKeySigner::random();
    let provider = devnet::provider(&anvil);
    let mut story = Story {
        provider: provider.clone(),
        steps: Vec::new(),
        checks: Vec::new(),
    };
    let token = Token::new(&deployer)?;
    let dao = deployer.address(Contract::TimelockController)?;
    let addr = |c: &Client| c.sender_opt().unwrap_or_default();

    section("SNM and ETH for everyone");
    for (to, who, amount) in [
        (addr(&owners[0]), "owner of hub-a", 1_000u64),
        (addr(&owners[1]), "owner of hub-b", 1_000),
        (buyer.address(), "buyer", 1_000),
        (watcher.address(), "watcher", 100),
    ] {
        let tx = token.transfer(to, snm(amount)).await?;
        story
            .record(
                "setup",
                "deployer",
                format!("transfer {amount} SNM to the {who}"),
                tx,
            )
            .await?;
    }
    let fresh: Vec<(String, Address)> = [
        ("operator of hub-a".to_owned(), operators[0].address()),
        ("operator of hub-b".to_owned(), operators[1].address()),
        ("buyer".to_owned(), buyer.address()),
        ("watcher".to_owned(), watcher.address()),
    ]
    .into_iter()
    .chain(
        miners
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("miner-{}", i + 1), m.address())),
    )
    .collect();
    for (who, to) in &fresh {
        let tx = TransactionRequest::default()
            .with_to(*to)
            .with_value(U256::from(10u64) * U256::from(10u64).pow(U256::from(18u64)));
        let pending = deployer
            .provider_ref()
            .send_transaction(tx)
            .await
            .map_err(rpc_err("eth_sendTransaction"))?;
        let hash = *pending.tx_hash();
        pending.get_receipt().await.map_err(|e| DemoError::Rpc {
            what: "eth_getTransactionReceipt".into(),
            reason: e.to_string(),
        })?;
        story
            .record(
                "setup",
                "deployer",
                format!("send 10 ETH to the {who}"),
                hash,
            )
            .await?;
    }
    println!(
        "  the deployer sent SNM to both hub owners, the buyer and the watcher, and ETH for gas to the {} fresh keys",
        fresh.len()
    );

    section("Two hubs: created, funded, registered, each with an operator key for its daemon");
    let mut procs = Procs::new(
        bin.clone(),
        url.clone(),
        deployments_file.clone(),
        out.clone(),
        narrate,
    );
    let mut hubs: Vec<(String, Address, String)> = Vec::new();
    for (k, (role, price, dishonest)) in HUBS.iter().enumerate() {
        let dir = procs.dir(role);
        let key = sonm_net::identity::load_or_create(&dir.join("node.key"))
            .map_err(|e| DemoError::Args(format!("the node key of {role}: {e}")))?;
        let peer = key.public().to_peer_id();
        let port = free_port()?;
        let listen = format!("/ip4/127.0.0.1/tcp/{port}");
        let endpoint = format!("{listen}/p2p/{peer}");
        let owner = HubOwner::new(&owners[k])?;
        let (hub, tx) = owner.create(&endpoint, role).await?;
        story
            .record("setup", &format!("owner of {role}"), "createHub", tx)
            .await?;
        let tx = owner.deposit(hub, snm(500)).await?;
        story
            .record("setup", &format!("owner of {role}"), "deposit 500 SNM", tx)
            .await?;
        let tx = owner.register(hub).await?;
        story
            .record("setup", &format!("owner of {role}"), "register", tx)
            .await?;
        let tx = owner.set_operator(hub, operators[k].address()).await?;
        story
            .record("setup", &format!("owner of {role}"), "setOperator", tx)
            .await?;
        println!(
            "  {role}: wallet {hub}, endpoint {endpoint}, {price} SNM a row{}",
            if *dishonest {
                " (it will falsify a row of what it commits: --dishonest-rows 1)"
            } else {
                ""
            }
        );
        hubs.push((role.to_string(), hub, listen));
    }
    let (hub_a, hub_b) = (hubs[0].1, hubs[1].1);
    let hubs_view = Hubs::new(&deployer)?;
    let mut registered = true;
    for (_, hub, _) in &hubs {
        registered &= hubs_view.state(*hub).await? == sonm_agents::HubState::Registered;
    }
    story.check(
        registered,
        "both hubs are Registered, each run by an operator key only",
    )?;

    // Every party, its SNM now.
    let mut roles: Vec<Role> = Vec::new();
    let mut add = async |name: String, address: Address| -> Result<(), DemoError> {
        roles.push(Role {
            before: token.balance(address).await?,
            name,
            address,
        });
        Ok(())
    };
    add("hub-a wallet".into(), hub_a).await?;
    add("hub-b wallet".into(), hub_b).await?;
    add("operator of hub-a".into(), operators[0].address()).await?;
    add("operator of hub-b".into(), operators[1].address()).await?;
    for (i, m) in miners.iter().enumerate() {
        add(format!("miner-{}", i + 1), m.address()).await?;
    }
    add("buyer".into(), buyer.address()).await?;
    add("watcher".into(), watcher.address()).await?;
    add("DAO (timelock)".into(), dao).await?;
    let story_from = story.head().await? + 1;

    section("The daemons start: the watcher, two hubs, four miners (separate processes)");
    let s = |x: &dyn ToString| x.to_string();
    procs
        .spawn(
            "watcher",
            "watcher",
            &watcher,
            &[
                s(&"watch"),
                s(&"--confirmations"),
                s(&0),
                s(&"--interval"),
                s(&"0.5"),
                s(&"--state"),
                s(&procs.dir("watcher").join("watch.json").display()),
                s(&"--p2p-listen"),
                s(&"/ip4/127.0.0.1/tcp/0"),
            ],
        )
        .await?;
    for (k, (role, price, dishonest)) in HUBS.iter().enumerate() {
        let dir = procs.dir(role);
        let mut a = vec![
            s(&"hub"),
            s(&"serve"),
            s(&"--hub"),
            s(&hubs[k].1),
            s(&"--state"),
            s(&dir.display()),
            s(&"--name"),
            s(role),
            s(&"--listen"),
            s(&hubs[k].2),
            s(&"--price"),
            s(price),
            s(&"--sample-rate"),
            s(&format!("{:.3}", sample_rate(args.rows))),
            s(&"--lease-units"),
            s(&8),
            s(&"--interval"),
            s(&"0.5"),
        ];
        if *dishonest {
            a.extend([s(&"--dishonest-rows"), s(&1)]);
        }
        procs.spawn(role, role, &operators[k], &a).await?;
    }
    for (i, m) in miners.iter().enumerate() {
        let role = format!("miner-{}", i + 1);
        let dir = procs.dir(&role);
        let mut a = vec![
            s(&"miner"),
            s(&"run"),
            s(&"--state"),
            s(&dir.display()),
            s(&"--listen"),
            s(&"/ip4/127.0.0.1/tcp/0"),
            s(&"--threads"),
            s(&1),
            s(&"--capacity"),
            s(&16),
            s(&"--max-debt"),
            s(&1_000),
            s(&"--interval"),
            s(&1),
        ];
        if i + 1 == MINERS {
            a.extend([s(&"--dishonest-one-in"), s(&8)]);
        }
        procs.spawn(&role, &role, m, &a).await?;
    }
    let cheater = miners[MINERS - 1].address();
    println!(
        "  miner-{MINERS} ({cheater}) returns a wrong row about one time in eight (--dishonest-one-in 8); the hubs \
         recompute {:.0}% of the rows they are given (--sample-rate)",
        sample_rate(args.rows) * 100.0
    );
    for (role, _, _) in &hubs {
        procs
            .wait_for(
                &format!("{role} did not start listening"),
                Duration::from_secs(60),
                |l| l.is(role, "listening"),
            )
            .await?;
    }
    // Each miner joins hub-a (and hub-b: the briefcase spreads its capacity over the hubs it accepts).
    let mut pay_a = U256::ZERO;
    for m in &miners {
        let who = m.address();
        let l = procs
            .wait_for(
                &format!("miner {who} did not join hub-a"),
                Duration::from_secs(60),
                |l| l.is("hub-a", "joined") && addr_of(&l.value["miner"]) == Some(who),
            )
            .await?;
        let _ = l;
    }
    for l in procs.seen.iter().filter(|l| l.is("miner", "joined")) {
        if addr_of(&l.value["hub"]) == Some(hub_a)
            && let Some(p) = wei_of(&l.value["pay_per_unit"])
        {
            pay_a = p;
        }
    }
    story.check(
        !pay_a.is_zero(),
        format!(
            "all {MINERS} miners found the hubs through the Whitelist's endpoints and joined hub-a, which pays {} SNM a row",
            format_snm(pay_a)
        ),
    )?;

    // The demo's own node listens to the reports topic, to see the hub's report about the miner it catches.
    let reports: Arc<Mutex<Vec<sonm_net::HubReport>>> = Arc::default();
    let observer = {
        let chain = Arc::new(WhitelistChain::new(
            provider.clone(),
            deployer.deployment().clone(),
        ));
        let config = NodeConfig {
            identity: Identity::Ephemeral,
            listen: vec![
                "/ip4/127.0.0.1/tcp/0"
                    .parse()
                    .map_err(|e| DemoError::Args(format!("listen address: {e}")))?,
            ],
            bootstrap_from_chain: true,
            ..NodeConfig::default()
        };
        let (node, mut events) = Node::start(config, chain)
            .await
            .map_err(|e| DemoError::Args(format!("the demo's own P2P node: {e}")))?;
        let heard = reports.clone();
        tokio::spawn(async move {
            while let Some(e) = events.next().await {
                if let Event::HubReport { report, .. } = e
                    && let Ok(mut r) = heard.lock()
                {
                    r.push(report);
                }
            }
        });
        node
    };

    // ---------------------------------------------------------------- the purchase
    section(&format!(
        "The buyer buys a {}x{} Mandelbrot rendering from the hub it judges best",
        args.width, args.rows
    ));
    let picture = out.join("mandelbrot.png");
    let buyer_dir = procs.dir("buyer");
    let buy_args = |extra: &[String], out_png: &Path| -> Vec<String> {
        let mut a = vec![
            s(&"buy"),
            s(&"--state"),
            s(&buyer_dir.display()),
            s(&"--listen"),
            s(&"/ip4/127.0.0.1/tcp/0"),
            s(&"--discover"),
            s(&15),
            s(&"--out"),
            s(&out_png.display()),
            s(&"--width"),
            s(&args.width),
        ];
        a.extend(extra.iter().cloned());
        a
    };
    let a = buy_args(&[s(&"--height"), s(&args.rows)], &picture);
    procs.spawn("buy-1", "buyer", &buyer, &a).await?;
    let status = procs.wait_exit("buy-1", BUY_LIMIT).await?;
    story.check(
        status.success(),
        format!(
            "the buyer's purchase ended well (exit code {}; its log: logs/buy-1.log)",
            status.code().unwrap_or(-1)
        ),
    )?;
    let chosen = procs
        .wait_for("the buyer chose no offer", Duration::ZERO, |l| {
            l.is("buy-1", "chosen")
        })
        .await?;
    story.check(
        addr_of(&chosen.value["hub"]) == Some(hub_a),
        "of the two hubs' offers heard on the network, the buyer took hub-a's, the cheaper (both marked checked)",
    )?;
    let taken = procs
        .wait_for("the buyer took no deal", Duration::ZERO, |l| {
            l.is("buy-1", "taken")
        })
        .await?;
    let deal1 = u64_of(&taken.value["deal"])
        .ok_or_else(|| DemoError::Outcome("the buyer's taken event has no deal".into()))?;
    let sampled = procs
        .wait_for("the buyer did not check a sample", Duration::ZERO, |l| {
            l.is("buy-1", "sampled")
        })
        .await?;
    let tasks = MapTasks::new(&deployer)?;
    let market = Market::new(&deployer)?;
    let info = tasks.task(deal1).await?;
    story.check(
        info.status == TaskStatus::Finalized && info.buyer == buyer.address() && info.solver == hub_a,
        format!(
            "deal {deal1} ({} rows) was committed by hub-a and accepted by the buyer after recomputing {} rows itself: Finalized",
            info.leaf_count,
            sampled.value["rows"].as_array().map_or(0, |a| a.len())
        ),
    )?;
    let rows = u64::from(args.rows);
    let caught = procs
        .wait_for(
            "hub-a did not catch the dishonest miner",
            Duration::from_secs(10),
            |l| l.is("hub-a", "caught") && u64_of(&l.value["deal"]) == Some(deal1),
        )
        .await?;
    story.check(
        addr_of(&caught.value["miner"]) == Some(cheater),
        format!(
            "hub-a's sample caught miner-{MINERS} on unit {} of deal {deal1}: its units were discarded and redone by others",
            caught.value["unit"]
        ),
    )?;
    let map = RowMap::from_hub_events(procs.of("hub-a"), deal1, rows as usize);
    let counts = map.counts();
    story.check(
        map.unowned() == 0 && !counts.contains_key(&cheater),
        format!(
            "every row of deal {deal1} was rendered by an honest miner ({}); {} rows redone",
            counts
                .iter()
                .map(|(m, n)| format!("{}: {n}", miner_name(&miners, *m)))
                .collect::<Vec<_>>()
                .join(", "),
            map.redone.iter().filter(|r| **r).count()
        ),
    )?;

    // The hub signs each miner a work receipt for its rows; the miners redeem them and claim.
    section("hub-a pays its miners: work receipts, redeemed and claimed by the miners");
    let paid = wait_paid(&story, &hubs_view, hub_a, deal1, &counts, pay_a).await?;
    procs.drain();
    story.check(
        counts
            .iter()
            .all(|(m, n)| paid.get(m) == Some(&(pay_a * U256::from(*n)))),
        format!(
            "each honest miner was paid {} SNM a row for the rows it rendered (Paid events naming deal {deal1}) and claimed it",
            format_snm(pay_a)
        ),
    )?;
    story.check(
        !paid.contains_key(&cheater),
        format!("miner-{MINERS}, caught, was paid nothing for deal {deal1}"),
    )?;
    let heard = reports
        .lock()
        .map(|r| r.iter().any(|r| r.miner == cheater && r.hub == hub_a))
        .unwrap_or(false);
    story.check(
        heard || caught.value["reported"] == Value::Bool(true),
        if heard {
            format!(
                "hub-a's report about miner-{MINERS} (the wrong unit, its input and the miner's signed lease receipt) reached the demo's own node, which checked it"
            )
        } else {
            format!("hub-a published its report about miner-{MINERS} on sonm/reports/1")
        },
    )?;
    let map_path = out.join("miners.png");
    let miner_addrs: Vec<Address> = miners.iter().map(|m| m.address()).collect();
    map.write_png(&map_path, args.width, &miner_addrs)?;
    println!(
        "  the buyer wrote {}; the demo wrote {} (who rendered each row: {}; white on the left: redone; red across: \
         the unit that caught the cheat)",
        picture.display(),
        map_path.display(),
        miner_addrs
            .iter()
            .enumerate()
            .map(|(k, _)| format!("miner-{} {}", k + 1, colour_name(k)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // ---------------------------------------------------------------- a hub that cheats
    section(
        "A hub cheats: hub-b commits a falsified row; the buyer's own check and the watcher catch it",
    );
    let buyer_before_2 = token.balance(buyer.address()).await?;
    let cheat_from = story.head().await? + 1;
    let a = buy_args(
        &[
            s(&"--height"),
            s(&SMALL_ROWS),
            s(&"--hub"),
            s(&hub_b),
            s(&"--sample"),
            s(&1),
        ],
        &out.join("hub-b.png"),
    );
    procs.spawn("buy-2", "buyer", &buyer, &a).await?;
    let status = procs.wait_exit("buy-2", BUY_LIMIT).await?;
    let taken = procs
        .wait_for("the second purchase took no deal", Duration::ZERO, |l| {
            l.is("buy-2", "taken")
        })
        .await?;
    let deal2 = u64_of(&taken.value["deal"])
        .ok_or_else(|| DemoError::Outcome("the buyer's taken event has no deal".into()))?;
    story.check(
        !status.success() && !procs.of("buy-2").any(|l| l.event() == "accepted"),
        format!(
            "the buyer did not accept deal {deal2} from hub-b ({})",
            if procs.of("buy-2").any(|l| l.event() == "mismatch") {
                "its own recomputation found the falsified row"
            } else {
                "the cheat was proven before it could check"
            }
        ),
    )?;
    let slash = wait_slashed(&story, &tasks, deal2).await?;
    procs.drain();
    story.check(
        slash.challenger == watcher.address() && slash.solver == hub_b,
        format!(
            "the watcher proved hub-b's cheat on chain: {} SNM of its bond to the watcher, {} SNM to the DAO",
            format_snm(slash.toChallenger),
            format_snm(slash.toDao)
        ),
    )?;
    story.check(
        tasks.task(deal2).await?.status == TaskStatus::Refunded
            && token.balance(buyer.address()).await? == buyer_before_2,
        format!("deal {deal2} ended Refunded: the buyer has its escrow back"),
    )?;
    let history_b = market.history(hub_b).await?;
    story.check(
        history_b.cheats_proven == 1 && history_b.last_fault_at > 0,
        format!(
            "hub-b's history shows the fault: {} taken, {} cheat proven",
            history_b.taken, history_b.cheats_proven
        ),
    )?;
    for m in &miner_addrs {
        let name = miner_name(&miners, *m);
        let role = name.clone();
        procs
            .wait_for(
                &format!("{name} did not lower its mark of hub-b"),
                Duration::from_secs(30),
                |l| {
                    l.role == role
                        && l.event() == "hub_marked"
                        && addr_of(&l.value["hub"]) == Some(hub_b)
                        && l.value["mark"] == "not_confirmed"
                },
            )
            .await?;
    }
    let before_marks: Vec<String> = procs
        .seen
        .iter()
        .filter(|l| {
            l.is("miner", "hub_marked")
                && addr_of(&l.value["hub"]) == Some(hub_b)
                && l.value["mark"] != "not_confirmed"
        })
        .filter_map(|l| l.value["mark"].as_str().map(str::to_owned))
        .collect();
    story.check(
        !before_marks.is_empty(),
        format!(
            "every miner's mark of hub-b dropped from {} to not_confirmed: they stop working for it",
            before_marks.first().map_or("checked", String::as_str)
        ),
    )?;

    // ---------------------------------------------------------------- a window passes
    section("A buyer who does not accept: the challenge window passes (chain time moved forward)");
    let window_from = story.head().await? + 1;
    let a = buy_args(
        &[
            s(&"--height"),
            s(&SMALL_ROWS),
            s(&"--hub"),
            s(&hub_a),
            s(&"--no-accept"),
        ],
        &out.join("window.png"),
    );
    procs.spawn("buy-3", "buyer", &buyer, &a).await?;
    let waiting = procs
        .wait_for(
            "the third purchase never waited for its window",
            BUY_LIMIT,
            |l| l.is("buy-3", "waiting"),
        )
        .await?;
    let until = u64_of(&waiting.value["until"]).unwrap_or(0);
    let now = deployer.now().await?;
    travel(&provider, until.saturating_sub(now) + 1).await?;
    println!(
        "  time travel: {} s of chain time, past the end of the window",
        until.saturating_sub(now) + 1
    );
    let status = procs.wait_exit("buy-3", SETTLE_LIMIT).await?;
    let deal3 = procs
        .of("buy-3")
        .find(|l| l.event() == "taken")
        .and_then(|l| u64_of(&l.value["deal"]))
        .unwrap_or(0);
    let history_a = market.history(hub_a).await?;
    story.check(
        status.success()
            && tasks.task(deal3).await?.status == TaskStatus::Finalized
            && history_a.accepted == 1
            && history_a.settled == 1
            && history_a.faults() == 0,
        format!(
            "deal {deal3} settled after its window; hub-a's history: {} taken, {} accepted, {} settled, {} rows delivered, {} SNM earned, no fault",
            history_a.taken,
            history_a.accepted,
            history_a.settled,
            history_a.leaves_delivered,
            format_snm(history_a.earned)
        ),
    )?;

    // ---------------------------------------------------------------- PayDay
    section("The payout period passes (chain time): hub-a's daemon holds PayDay");
    let receipts3 = procs
        .wait_for(
            &format!("hub-a signed no work receipts for deal {deal3}"),
            SETTLE_LIMIT,
            |l| l.is("hub-a", "receipts signed") && u64_of(&l.value["deal"]) == Some(deal3),
        )
        .await?;
    let mut counts3: BTreeMap<Address, u64> = BTreeMap::new();
    for r in receipts3.value["receipts"].as_array().into_iter().flatten() {
        if let (Some(m), Some(n)) = (addr_of(&r["miner"]), u64_of(&r["units"])) {
            counts3.insert(m, n);
        }
    }
    // The receipts are redeemed before the month passes (they expire within a week).
    let paid3 = wait_paid(&story, &hubs_view, hub_a, deal3, &counts3, pay_a).await?;
    procs.drain();
    story.check(
        counts3.values().sum::<u64>() == u64::from(SMALL_ROWS) && !counts3.contains_key(&cheater),
        format!(
            "the miners of deal {deal3} redeemed their work receipts and claimed ({})",
            counts3
                .iter()
                .map(|(m, n)| format!("{}: {n} rows", miner_name(&miners, *m)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )?;
    let wallet_a = HubWallet::new(hub_a, provider.clone());
    let locked: U256 = wallet_a.locked().call().await.map_err(|e| DemoError::Rpc {
        what: "locked".into(),
        reason: sonm_bindings::describe_error(&e),
    })?;
    let pay_day_at: u64 = wallet_a
        .payDayAt()
        .call()
        .await
        .map_err(|e| DemoError::Rpc {
            what: "payDayAt".into(),
            reason: sonm_bindings::describe_error(&e),
        })?
        .saturating_to();
    let dao_before_payday = token.balance(dao).await?;
    let payday_from = story.head().await? + 1;
    let now = deployer.now().await?;
    let wait = pay_day_at.saturating_sub(now) + 1;
    travel(&provider, wait).await?;
    println!(
        "  time travel: {} days of chain time, past hub-a's payout period",
        wait.div_ceil(86_400)
    );
    let payday = procs
        .wait_for("hub-a held no PayDay", SETTLE_LIMIT, |l| {
            l.is("hub-a", "payday")
        })
        .await?;
    // The daemon says so once it sent the transaction: the fee is counted once it is mined.
    let tx: B256 = payday.value["tx"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| DemoError::Outcome("hub-a's payday event names no transaction".into()))?;
    wait_mined(&story, tx).await?;
    // hub-b held its PayDay too if it had one due; it locked nothing, so its fee is nothing.
    let fee = token.balance(dao).await? - dao_before_payday;
    story.check(
        fee == locked * U256::from(5u64) / U256::from(1_000u64) && !fee.is_zero(),
        format!(
            "PayDay sent the DAO 0.5% of the {} SNM hub-a had locked (30% of every payment): {} SNM",
            format_snm(locked),
            format_snm(fee)
        ),
    )?;

    // ---------------------------------------------------------------- the ledger
    procs.drain();
    let story_to = story.head().await?;
    let mut who: HashMap<Address, String> = HashMap::new();
    for r in &roles {
        who.insert(r.address, r.name.clone());
    }
    let phases = [
        (story_from, "buy"),
        (cheat_from, "cheat"),
        (window_from, "window"),
        (payday_from, "payday"),
    ];
    let phase_of = |n: u64| {
        phases
            .iter()
            .rev()
            .find(|(from, _)| n >= *from)
            .map_or("setup", |(_, p)| *p)
    };
    story.scan(story_from, story_to, &who, phase_of).await?;
    let mut parties = Vec::new();
    for r in &roles {
        let after = token.balance(r.address).await?;
        let note = note_of(r, hub_a, hub_b, cheater, &counts, &miners);
        parties.push(Party {
            role: r.name.clone(),
            address: r.address,
            before: r.before,
            after,
            slashed: r.address == hub_b,
            note,
        });
    }

    // Every balance, as the story says it must be.
    let delta = |a: Address| -> Option<(U256, U256)> {
        parties
            .iter()
            .find(|p| p.address == a)
            .map(|p| (p.before, p.after))
    };
    let gained = |a: Address| delta(a).and_then(|(b, a)| a.checked_sub(b));
    let lost = |a: Address| delta(a).and_then(|(b, a)| b.checked_sub(a));
    let price1 = tasks.task(deal1).await?.reward;
    let price3 = tasks.task(deal3).await?.reward;
    story.check(
        lost(buyer.address()) == Some(price1 + price3),
        format!(
            "the buyer paid {} SNM for the picture and {} SNM for the deal it let settle; deal {deal2} cost it nothing",
            format_snm(price1),
            format_snm(price3)
        ),
    )?;
    let claimed: U256 =
        paid.values().copied().sum::<U256>() + paid3.values().copied().sum::<U256>();
    story.check(
        gained(hub_a) == Some(price1 + price3 - claimed - fee),
        format!(
            "hub-a's wallet gained both prices less what its miners claimed ({} SNM) and the PayDay fee",
            format_snm(claimed)
        ),
    )?;
    story.check(
        miner_addrs.iter().all(|m| {
            let due = paid.get(m).copied().unwrap_or_default()
                + paid3.get(m).copied().unwrap_or_default();
            gained(*m) == Some(due)
        }),
        format!("each miner holds exactly what it was paid; miner-{MINERS} nothing"),
    )?;
    story.check(
        lost(hub_b) == Some(slash.toChallenger + slash.toDao)
            && gained(watcher.address()) == Some(slash.toChallenger)
            && gained(dao) == Some(slash.toDao + fee),
        format!(
            "hub-b lost its {} SNM bond: the watcher's share and the DAO's (which also got the PayDay fee)",
            format_snm(slash.toChallenger + slash.toDao)
        ),
    )?;
    let summary = DemoSummary {
        rpc_url: url.clone(),
        parties,
        steps: std::mem::take(&mut story.steps),
        checks: std::mem::take(&mut story.checks),
        image: picture,
        row_map: map_path,
        elapsed: started.elapsed(),
    };
    println!("\n{}", summary.table());
    if args.keep_chain {
        println!(
            "the chain and the daemons stay up on {url}; logs in {}; Ctrl-C to stop",
            out.join("logs").display()
        );
        let _ = tokio::signal::ctrl_c().await;
    }
    procs.stop_all().await;
    observer.shutdown().await;
    drop((deployer, owners, tasks, market, token, story));
    drop(anvil);
    Ok(summary)
}

fn miner_name(miners: &[PrivateKeySigner], m: Address) -> String {
    miners
        .iter()
        .position(|k| k.address() == m)
        .map_or_else(|| m.to_string(), |i| format!("miner-{}", i + 1))
}

fn note_of(
    r: &Role,
    hub_a: Address,
    hub_b: Address,
    cheater: Address,
    counts: &BTreeMap<Address, u64>,
    miners: &[PrivateKeySigner],
) -> String {
    if r.address == hub_a {
        "sold two deals (one accepted, one settled after its window); paid its miners through work receipts".into()
    } else if r.address == hub_b {
        "committed a falsified row: its bond slashed (proven by the watcher)".into()
    } else if r.address == cheater {
        "falsified rows: caught by hub-a's sample, paid nothing for them, banned and reported"
            .into()
    } else if let Some(n) = counts.get(&r.address) {
        format!(
            "{} rendered {n} rows of the big picture; paid by work receipts",
            miner_name(miners, r.address)
        )
    } else if r.name == "buyer" {
        "bought the picture (accepted) and a window's worth (settled); the cheat refunded".into()
    } else if r.name == "watcher" {
        "proved hub-b's cheat on chain".into()
    } else if r.name.starts_with("DAO") {
        "its share of hub-b's slashed bond".into()
    } else if r.name.starts_with("operator") {
        "held no SNM: signed offers, commits, receipts (gas only)".into()
    } else {
        String::new()
    }
}

/// Waits until every miner of `counts` has been paid for deal `deal` by `hub` (its `Paid` events) and has claimed
/// (the wallet owes it nothing); returns what each was paid for the deal.
async fn wait_paid(
    story: &Story,
    hubs: &Hubs,
    hub: Address,
    deal: u64,
    counts: &BTreeMap<Address, u64>,
    pay: U256,
) -> Result<BTreeMap<Address, U256>, DemoError> {
    let deadline = Instant::now() + SETTLE_LIMIT;
    loop {
        let logs = story
            .logs(
                &Filter::new()
                    .address(hub)
                    .event_signature(HubWallet::Paid::SIGNATURE_HASH)
                    .topic2(U256::from(deal))
                    .from_block(0),
            )
            .await?;
        let mut paid: BTreeMap<Address, U256> = BTreeMap::new();
        for p in logs
            .iter()
            .filter_map(|l| l.log_decode::<HubWallet::Paid>().ok())
        {
            *paid.entry(p.inner.data.miner).or_default() += p.inner.data.amount;
        }
        let mut all = counts
            .iter()
            .all(|(m, n)| paid.get(m) == Some(&(pay * U256::from(*n))));
        if all {
            for m in counts.keys() {
                all &= hubs.owed(hub, *m).await?.is_zero();
            }
        }
        if all {
            return Ok(paid);
        }
        if Instant::now() > deadline {
            return Err(DemoError::Outcome(format!(
                "the miners were not all paid and claimed for deal {deal} within {} s: paid {:?}, expected {:?} rows at {} SNM",
                SETTLE_LIMIT.as_secs(),
                paid.iter()
                    .map(|(m, a)| (m.to_string(), format_snm(*a)))
                    .collect::<Vec<_>>(),
                counts,
                format_snm(pay)
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until transaction `tx` is mined (and succeeded).
async fn wait_mined(story: &Story, tx: B256) -> Result<(), DemoError> {
    let deadline = Instant::now() + SETTLE_LIMIT;
    loop {
        let receipt = story
            .provider
            .get_transaction_receipt(tx)
            .await
            .map_err(rpc_err("eth_getTransactionReceipt"))?;
        match receipt {
            Some(r) if r.status() => return Ok(()),
            Some(_) => return Err(DemoError::Outcome(format!("transaction {tx} reverted"))),
            None if Instant::now() > deadline => {
                return Err(DemoError::Outcome(format!(
                    "transaction {tx} was not mined within {} s",
                    SETTLE_LIMIT.as_secs()
                )));
            }
            None => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Waits for the `SolverSlashed` of deal `deal` (a proven cheat).
async fn wait_slashed(
    story: &Story,
    tasks: &MapTasks,
    deal: u64,
) -> Result<MapGame::SolverSlashed, DemoError> {
    let deadline = Instant::now() + SETTLE_LIMIT;
    loop {
        let logs = story
            .logs(
                &Filter::new()
                    .address(tasks.address())
                    .event_signature(MapGame::SolverSlashed::SIGNATURE_HASH)
                    .topic1(U256::from(deal))
                    .from_block(0),
            )
            .await?;
        if let Some(s) = logs
            .iter()
            .filter_map(|l| l.log_decode::<MapGame::SolverSlashed>().ok())
            .map(|l| l.inner.data)
            .next()
        {
            return Ok(s);
        }
        if Instant::now() > deadline {
            return Err(DemoError::Outcome(format!(
                "nobody proved the falsified row of deal {deal} within {} s",
                SETTLE_LIMIT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
