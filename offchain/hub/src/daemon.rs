//! The daemon: one loop that owns the state and reacts to the network (market requests, miners going away), to its
//! own tasks (inputs fetched, leases answered and sampled) and, every `--interval`, to the chain (new deals and
//! queries, the journal's receipts, each deal's next step, offers, PayDay, warnings).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider as _};
use alloy::rpc::types::Filter;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolEvent as _, SolValue as _};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde_json::json;
use sonm_agents::market::Offer;
use sonm_agents::units::format_snm;
use sonm_agents::{
    Client, HubState, Hubs, MapTasks, Market, Receipts, SignedOffer, TaskStatus, WorkReceipt,
};
use sonm_bindings::enums::IMapGame::QueryStatus;
use sonm_bindings::{Contract, HubWallet, MapGame, Market as MarketContract};
use sonm_executor::Executor;
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_net::multiaddr::Protocol;
use sonm_net::{
    DealProgress, Event, Events, Gossip, HubConfig, HubReport, Identity, MarketRequest,
    MarketResponse, Metrics, MetricsServer, Multiaddr, Node, NodeConfig, PeerId, ProtocolLimits,
    WhitelistChain, WorkLease, WorkResult, outputs_tree,
};
use tokio::sync::mpsc;
use tracing::{debug, error, info, warn};

use crate::config::{OfferSpec, ServeConfig};
use crate::error::{HubError, Result, rpc};
use crate::report::Reporter;
use crate::sampler::Sampler;
use crate::scheduler::{Lease, Scheduler};
use crate::sender::{Acted, CrashAt, Sender};
use crate::store::{DealRecord, MinerRecord, Stage, Store, TxStatus, UnitRecord};

/// The most blocks one `eth_getLogs` asks for.
const LOG_RANGE: u64 = 10_000;
/// How long after a failed attempt the inputs are asked for again from the input URI.
const REFETCH_AFTER: Duration = Duration::from_secs(5);
/// Passes between two checks of balances and PayDay.
const SLOW_EVERY: u64 = 10;
/// How long a miner whose lease failed waits before it gets another (at most the lease timeout).
const PAUSE: Duration = Duration::from_secs(3);
/// How long a work receipt is good: 6 days of chain time (the wallet takes at most 7).
const RECEIPT_LIFETIME: u64 = 6 * 86_400;

/// Runs the hub until `shutdown` completes (or an error that the daemon cannot go on with).
pub async fn run(config: ServeConfig, shutdown: impl Future<Output = ()>) -> Result<()> {
    let crash = CrashAt::from_env()?;
    let client = Client::connect(
        &config.rpc_url,
        Some(config.signer.clone()),
        &config.deployments_dir,
    )
    .await?;
    let operator = config.signer.address();
    let tasks = MapTasks::new(&client)?;
    Hubs::new(&client)?.require_hub(config.hub).await?;
    if !tasks.acts_for(config.hub, operator).await? {
        return Err(HubError::Config(format!(
            "{operator} is neither the owner nor the operator of hub {}: run the daemon with the hub's operator key \
             (the owner sets it with `sonm hub operator {} ADDRESS`)",
            config.hub, config.hub
        )));
    }
    let store = Arc::new(Store::open(
        &config.state_dir.join("state.redb"),
        client.chain_id(),
        config.hub,
    )?);

    let mut registry = Registry::default();
    let net_metrics = Metrics::new(&mut registry);
    let gauges = Gauges::new(&mut registry);
    let metrics_server = match config.metrics {
        Some(addr) => Some(
            MetricsServer::bind(addr, Arc::new(registry))
                .await
                .map_err(|e| HubError::Metrics(e.to_string()))?,
        ),
        None => None,
    };

    let reporter = Reporter::new(config.json, config.text, config.events.clone());
    let market = Market::new(&client)?;
    let mut offers = sign_offers(&client, &market, &tasks, &config, &reporter).await?;
    let pay_per_unit = config.miner_pay.unwrap_or_else(|| {
        offers
            .iter()
            .map(|o| o.offer.price_per_leaf)
            .min()
            .unwrap_or_default()
            * U256::from(2u64)
            / U256::from(3u64)
    });
    let mut hub_config = HubConfig::new(config.signer.clone(), config.hub, config.name.clone());
    hub_config.offers = sonm_agents::market::offers_to_bytes(&offers)?;
    hub_config.addrs = config.announce.clone().map(|a| vec![a]);
    let limits = ProtocolLimits {
        work_timeout: config.lease_timeout + Duration::from_secs(5),
        ..ProtocolLimits::default()
    };
    let net_chain = Arc::new(WhitelistChain::new(
        client.provider_ref().clone(),
        client.deployment().clone(),
    ));
    let (node, events) = Node::start(
        NodeConfig {
            identity: Identity::File(config.state_dir.join("node.key")),
            listen: config.listen.clone(),
            peers: config.peers.clone(),
            mdns: config.mdns,
            hub: Some(hub_config),
            limits,
            metrics: net_metrics,
            ..NodeConfig::default()
        },
        net_chain,
    )
    .await?;
    let status = node.status().await?;
    let addr = config
        .announce
        .clone()
        .or_else(|| sonm_net::dialable_addr(&status.listen_addrs))
        .ok_or_else(|| HubError::Config("the node listens nowhere".into()))?;
    let uri_base = format!("sonm://{}/p2p/{}", strip_p2p(&addr), node.peer_id());
    reporter.emit(
        "listening",
        json!({
            "peer": node.peer_id().to_string(),
            "addrs": status.listen_addrs.iter().map(|a| format!("{a}/p2p/{}", node.peer_id())).collect::<Vec<_>>(),
            "hub": config.hub,
            "operator": operator,
            "pay_per_unit": pay_per_unit.to_string(),
            "metrics": metrics_server.as_ref().map(|m| m.local_addr().to_string()),
        }),
    );
    info!(peer = %node.peer_id(), uri = %uri_base, "hub daemon up");
    offers.sort_by_key(|o| o.offer.expiry);

    let sender = Sender::new(
        client.provider_ref().clone(),
        config.signer.clone(),
        client.chain_id(),
        Arc::clone(&store),
        crash,
    );
    let (tx, rx) = mpsc::unbounded_channel();
    let game = MapGame::new(
        client.address(Contract::MapGame)?,
        client.provider_ref().clone(),
    );
    let mut hub = Hub {
        sched: Scheduler::new(config.lease_units, config.lease_timeout),
        sampler: Sampler::new(config.sample_seed, config.sample_rate),
        provider: client.provider_ref().clone(),
        receipts: Receipts::new(&client)?,
        hubs: Hubs::new(&client)?,
        market_addr: client.address(Contract::Market)?,
        game,
        cfg: config,
        client,
        market,
        tasks,
        store,
        sender,
        node,
        data: HashMap::new(),
        results: HashMap::new(),
        fetching: HashSet::new(),
        last_fetch: HashMap::new(),
        executors: HashMap::new(),
        tx,
        offers,
        pay_per_unit,
        uri_base,
        reporter,
        gauges,
        passes: 0,
        low_eth: false,
        low_free: false,
    };
    hub.restore()?;
    let result = hub.run(events, rx, shutdown).await;
    hub.node.shutdown().await;
    if let Some(m) = metrics_server {
        m.shutdown().await;
    }
    result
}

/// `addr` without a trailing `/p2p/<peer>`.
fn strip_p2p(addr: &Multiaddr) -> Multiaddr {
    addr.iter()
        .filter(|p| !matches!(p, Protocol::P2p(_)))
        .collect()
}

/// Splits `sonm://<multiaddr ending in /p2p/<peer id>>/<root>`.
pub(crate) fn parse_sonm_uri(uri: &str) -> Option<(Multiaddr, PeerId, B256)> {
    let rest = uri.strip_prefix("sonm://")?;
    let (addr, root) = rest.rsplit_once('/')?;
    let root: B256 = root.parse().ok()?;
    let addr: Multiaddr = addr.parse().ok()?;
    match addr.iter().last()? {
        Protocol::P2p(peer) => Some((addr, peer, root)),
        _ => None,
    }
}

/// Wall-clock unix seconds, for gossip expiry (the network's validators use the wall clock).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Signs the configured offers (terms not given come from the game's parameters).
async fn sign_offers(
    client: &Client,
    market: &Market,
    tasks: &MapTasks,
    config: &ServeConfig,
    reporter: &Reporter,
) -> Result<Vec<SignedOffer>> {
    let params = tasks.parameters().await?;
    let now = client.now().await?;
    let mut out = Vec::new();
    for spec in &config.offers {
        let offer = resolve_offer(client, spec, &params, config.hub, now)?;
        let signed = market.sign(offer).await?;
        reporter.emit(
            "offer signed",
            json!({
                "hash": signed.hash()?,
                "computation": signed.offer.computation,
                "price_per_leaf": signed.offer.price_per_leaf.to_string(),
                "max_leaves": signed.offer.max_leaves,
                "hub_bond": signed.offer.hub_bond.to_string(),
                "expiry": signed.offer.expiry,
            }),
        );
        out.push(signed);
    }
    Ok(out)
}

fn resolve_offer(
    client: &Client,
    spec: &OfferSpec,
    params: &sonm_bindings::IMapGame::Parameters,
    hub: Address,
    now: u64,
) -> Result<Offer> {
    let snm = |v: &Option<String>, default: U256| -> Result<U256> {
        match v {
            Some(v) => sonm_agents::units::parse_snm(v)
                .map_err(|e| HubError::Config(format!("offer amount {v:?}: {e}"))),
            None => Ok(default),
        }
    };
    let one = U256::from(10u64).pow(U256::from(18u64));
    let name = spec.computation.as_deref().unwrap_or("MandelbrotRow");
    let computation = match name.parse::<Address>() {
        Ok(a) => a,
        Err(_) => {
            let contract = Contract::ALL
                .iter()
                .find(|c| c.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    HubError::Config(format!(
                        "computation {name:?}: give an address or a deployment name such as MandelbrotRow"
                    ))
                })?;
            client.address(*contract)?
        }
    };
    let hub_bond = snm(
        &spec.hub_bond,
        U256::from(params.minSolverBond).max(U256::from(10u64) * one),
    )?;
    Ok(Offer {
        hub,
        computation,
        price_per_leaf: snm(&spec.price, one * U256::from(3u64) / U256::from(2u64))?,
        max_leaves: spec.max_leaves.unwrap_or(65_536),
        gas_per_leaf: spec.gas_per_leaf.unwrap_or(8_000_000),
        hub_bond,
        challenger_bond: snm(&spec.challenger_bond, U256::from(params.minChallengerBond))?,
        challenge_window: spec.challenge_window.unwrap_or(params.challengeWindow),
        response_window: spec.response_window.unwrap_or(params.responseWindow),
        turnaround: spec.turnaround.unwrap_or(3_600),
        expiry: now + spec.lifetime.unwrap_or(86_400),
        nonce: U256::from_be_bytes(rand::random::<[u8; 32]>()),
    })
}

/// The hub's own metrics (`sonm_hub_*`), beside the node's.
#[derive(Clone, Debug, Default)]
struct Gauges {
    eth: Gauge<f64, std::sync::atomic::AtomicU64>,
    free_bonds: Gauge<f64, std::sync::atomic::AtomicU64>,
    low_eth: Gauge,
    low_free_balance: Gauge,
    units_accepted: Counter,
    miners_caught: Counter,
    leases_failed: Counter,
    deals_committed: Counter,
}

impl Gauges {
    fn new(registry: &mut Registry) -> Self {
        let g = Self::default();
        let r = registry.sub_registry_with_prefix("sonm_hub");
        r.register("eth_balance", "The operator's ETH for gas", g.eth.clone());
        r.register(
            "free_balance_bonds",
            "The hub wallet's free balance, in hub bonds",
            g.free_bonds.clone(),
        );
        r.register(
            "low_eth",
            "1 while the operator's ETH is under --min-eth",
            g.low_eth.clone(),
        );
        r.register(
            "low_free_balance",
            "1 while the free balance covers fewer than --min-free-bonds bonds",
            g.low_free_balance.clone(),
        );
        r.register(
            "units_accepted",
            "Units accepted from miners",
            g.units_accepted.clone(),
        );
        r.register(
            "miners_caught",
            "Miners caught with a wrong unit",
            g.miners_caught.clone(),
        );
        r.register(
            "leases_failed",
            "Leases failed or timed out",
            g.leases_failed.clone(),
        );
        r.register(
            "deals_committed",
            "Deals committed",
            g.deals_committed.clone(),
        );
        g
    }
}

/// A deal being computed: its inputs as a tree (for leases and reports) and the executor that checks samples.
#[derive(Debug)]
struct DealData {
    tree: IndexedTree,
    executor: Executor,
    gas: u64,
    max_bytes: u32,
}

/// What the daemon's own tasks report back.
#[derive(Debug)]
enum Internal {
    Fetched {
        deal: u64,
        from: String,
        inputs: std::result::Result<Vec<Bytes>, String>,
    },
    LeaseDone {
        id: u64,
        outcome: Outcome,
    },
}

/// A lease's answer, checked and sampled.
#[derive(Debug)]
enum Outcome {
    /// The answer passed the sample.
    Good { result: WorkResult, sampled: usize },
    /// A sampled unit is wrong.
    Wrong {
        unit: u64,
        expected: Bytes,
        result: WorkResult,
    },
    /// The lease receipt is not signed by the joined miner.
    BadSigner(Option<Address>),
    /// The miner refused the lease (it stops taking work from this hub until it joins again).
    Refused(String),
    /// Timed out, disconnected, or the sample could not be computed.
    Failed(String),
}

struct Hub {
    cfg: ServeConfig,
    client: Client,
    provider: DynProvider,
    market: Market,
    market_addr: Address,
    tasks: MapTasks,
    game: MapGame::MapGameInstance<DynProvider>,
    receipts: Receipts,
    hubs: Hubs,
    store: Arc<Store>,
    sender: Sender,
    node: Node,
    sched: Scheduler,
    sampler: Sampler,
    data: HashMap<u64, Arc<DealData>>,
    results: HashMap<u64, IndexedTree>,
    fetching: HashSet<u64>,
    last_fetch: HashMap<u64, Instant>,
    executors: HashMap<Address, Executor>,
    tx: mpsc::UnboundedSender<Internal>,
    offers: Vec<SignedOffer>,
    pay_per_unit: U256,
    uri_base: String,
    reporter: Reporter,
    gauges: Gauges,
    passes: u64,
    low_eth: bool,
    low_free: bool,
}

impl Hub {
    fn signer(&self) -> &PrivateKeySigner {
        &self.cfg.signer
    }

    /// Takes back what the state holds: banned miners.
    fn restore(&mut self) -> Result<()> {
        for m in self.store.miners()? {
            if m.banned {
                self.sched.ban(m.miner);
            }
        }
        Ok(())
    }

    async fn run(
        &mut self,
        mut events: Events,
        mut rx: mpsc::UnboundedReceiver<Internal>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<()> {
        let mut tick = tokio::time::interval(self.cfg.interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => {
                    info!("shutting down");
                    return Ok(());
                }
                event = events.next() => match event {
                    Some(e) => self.on_event(e).await?,
                    None => return Err(HubError::Config("the P2P node stopped".into())),
                },
                Some(m) = rx.recv() => self.on_internal(m).await?,
                _ = tick.tick() => {
                    if let Err(e) = self.pass().await {
                        if matches!(e, HubError::State { .. }) {
                            return Err(e);
                        }
                        warn!(error = %e, "pass failed; retrying at the next");
                    }
                }
            }
            self.dispatch();
        }
    }

    // ------------------------------------------------------------------ the network

    async fn on_event(&mut self, event: Event) -> Result<()> {
        match event {
            Event::MarketRequest { id, peer, request } => {
                let response = self.on_market(peer, request).await?;
                if let Err(e) = self.node.answer_market(id, response).await {
                    debug!(%peer, error = %e, "market answer not delivered");
                }
            }
            Event::Disconnected(peer) => self.sched.disconnected(&peer),
            Event::Banned { peer, reason } => {
                debug!(%peer, %reason, "peer banned");
                self.sched.disconnected(&peer);
            }
            _ => {}
        }
        Ok(())
    }

    async fn on_market(&mut self, peer: PeerId, request: MarketRequest) -> Result<MarketResponse> {
        Ok(match request {
            MarketRequest::Join { miner, capacity } => {
                if self.sched.is_banned(&miner) {
                    MarketResponse::Refused {
                        reason: format!(
                            "miner {miner} was caught returning a wrong unit: this hub leases it nothing"
                        ),
                    }
                } else {
                    self.sched.join(peer, miner, capacity);
                    self.store.put_miner(&MinerRecord {
                        miner,
                        peer: peer.to_string(),
                        capacity,
                        banned: false,
                    })?;
                    self.reporter.emit(
                        "joined",
                        json!({"miner": miner, "peer": peer.to_string(), "capacity": capacity}),
                    );
                    MarketResponse::Joined {
                        hub: self.cfg.hub,
                        pay_per_unit: self.pay_per_unit,
                    }
                }
            }
            MarketRequest::Inputs {
                task_id,
                leaf_count,
            } => {
                let id: u64 = task_id.saturating_to();
                if self.store.deal(id)?.is_none()
                    && let Err(e) = self.scan().await
                {
                    warn!(error = %e, "scan for a deal a buyer named failed");
                }
                match self.store.deal(id)? {
                    None => MarketResponse::Refused {
                        reason: format!("deal {task_id} is not a deal of hub {}", self.cfg.hub),
                    },
                    Some(d) if d.leaf_count != leaf_count => MarketResponse::Refused {
                        reason: format!(
                            "deal {id} has {} leaves on chain, not {leaf_count}",
                            d.leaf_count
                        ),
                    },
                    Some(d) if matches!(d.stage, Stage::Declined | Stage::Failed) => {
                        MarketResponse::Refused {
                            reason: format!("deal {id} is {}: nothing to fetch", d.stage.words()),
                        }
                    }
                    Some(d) => {
                        if d.stage == Stage::FetchingInputs && self.fetching.insert(id) {
                            self.spawn_fetch(d.id, peer, None, d.input_root, d.leaf_count);
                        }
                        MarketResponse::Accepted
                    }
                }
            }
            MarketRequest::Progress { task_id } => {
                let id: u64 = task_id.saturating_to();
                match self.store.deal(id)? {
                    None => MarketResponse::Refused {
                        reason: format!("deal {task_id} is not a deal of hub {}", self.cfg.hub),
                    },
                    Some(d) => MarketResponse::Progress(self.progress(&d)?),
                }
            }
            MarketRequest::Receipts { miner } => MarketResponse::Receipts {
                receipts: self.store.receipts(miner)?,
            },
        })
    }

    fn progress(&self, d: &DealRecord) -> Result<DealProgress> {
        let units = self.store.units(d.id)?;
        let mut by: HashMap<Address, u64> = HashMap::new();
        for (_, u) in &units {
            *by.entry(u.miner).or_default() += 1;
        }
        let mut by_miner: Vec<(Address, u64)> = by.into_iter().collect();
        by_miner.sort();
        Ok(DealProgress {
            task_id: U256::from(d.id),
            units: d.leaf_count,
            done: units.len() as u64,
            by_miner,
            redone: d.redone,
            committed: match d.stage {
                Stage::Committed | Stage::Settled | Stage::Paid => d.result_root,
                _ => None,
            },
            stage: d.stage.words().to_owned(),
        })
    }

    fn spawn_fetch(
        &mut self,
        deal: u64,
        peer: PeerId,
        dial: Option<Multiaddr>,
        root: B256,
        leaf_count: u64,
    ) {
        self.last_fetch.insert(deal, Instant::now());
        let node = self.node.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let inputs = async {
                if let Some(addr) = dial {
                    node.dial(addr).await.map_err(|e| e.to_string())?;
                }
                node.fetch_tree(peer, root, leaf_count)
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            let _ = tx.send(Internal::Fetched {
                deal,
                from: peer.to_string(),
                inputs,
            });
        });
    }

    // ------------------------------------------------------------------ the daemon's own tasks

    async fn on_internal(&mut self, m: Internal) -> Result<()> {
        match m {
            Internal::Fetched { deal, from, inputs } => {
                self.fetching.remove(&deal);
                let Some(mut d) = self.store.deal(deal)? else {
                    return Ok(());
                };
                match inputs {
                    Err(e) => warn!(deal, %from, error = %e, "inputs not fetched"),
                    Ok(_) if d.stage != Stage::FetchingInputs => {}
                    // Too late: the hub declined the deal (the transaction may still be on its way).
                    Ok(_) if self.sender.entry(&format!("decline:{deal}"))?.is_some() => {
                        info!(deal, "inputs arrived after the deal was declined: ignored");
                    }
                    Ok(inputs) => {
                        let tree = IndexedTree::from_data(
                            inputs.iter().cloned(),
                            BuildOptions::default(),
                        )?;
                        if tree.root() != d.input_root {
                            warn!(deal, %from, "inputs under another root: ignored");
                            return Ok(());
                        }
                        d.stage = Stage::Computing;
                        self.store.put_inputs(&d, &inputs)?;
                        self.reporter.emit(
                            "inputs fetched",
                            json!({"deal": deal, "from": from, "leaves": inputs.len()}),
                        );
                        self.activate(&d).await?;
                    }
                }
            }
            Internal::LeaseDone { id, outcome } => self.on_lease_done(id, outcome).await?,
        }
        Ok(())
    }

    /// Puts a deal whose inputs are in into the scheduler (after a restart too).
    async fn activate(&mut self, d: &DealRecord) -> Result<()> {
        if self.data.contains_key(&d.id) {
            return Ok(());
        }
        let Some(inputs) = self.store.inputs(d.id)? else {
            return Ok(());
        };
        let executor = match self.executors.get(&d.computation) {
            Some(e) => e.clone(),
            None => {
                let e = Executor::from_deployment(
                    &self.provider,
                    self.client.deployment(),
                    d.computation,
                )
                .await?;
                self.executors.insert(d.computation, e.clone());
                e
            }
        };
        let tree = IndexedTree::from_data(inputs, BuildOptions::default())?;
        self.data.insert(
            d.id,
            Arc::new(DealData {
                tree,
                executor,
                gas: u64::from(d.gas_per_leaf),
                max_bytes: d.max_leaf_bytes,
            }),
        );
        let done = self.store.units(d.id)?;
        self.sched.add_deal(
            d.id,
            d.leaf_count,
            done.into_iter().map(|(i, u)| (i, u.miner)),
        );
        Ok(())
    }

    /// Leases what can be leased now.
    fn dispatch(&mut self) {
        let now = Instant::now();
        for lease in self.sched.expire(now) {
            // A straggler: its units go to others, and it waits before it gets more.
            self.sched
                .pause(&lease.peer, now + self.cfg.lease_timeout.min(PAUSE));
            self.lease_failed(&lease, "timed out");
        }
        for lease in self.sched.assign(now) {
            let Some(data) = self.data.get(&lease.deal).cloned() else {
                self.sched.fail(lease.id);
                continue;
            };
            let work = match WorkLease::new(U256::from(lease.deal), &data.tree, lease.units.clone())
            {
                Ok(w) => w,
                Err(e) => {
                    error!(deal = lease.deal, error = %e, "cannot build a lease");
                    self.sched.fail(lease.id);
                    continue;
                }
            };
            self.reporter.emit(
                "lease",
                json!({
                    "deal": lease.deal, "lease": lease.id, "miner": lease.miner, "peer": lease.peer.to_string(),
                    "first": lease.units.start, "count": lease.units.end - lease.units.start,
                }),
            );
            let node = self.node.clone();
            let tx = self.tx.clone();
            let sampler = self.sampler;
            let timeout = self.cfg.lease_timeout;
            tokio::spawn(async move {
                let outcome = match tokio::time::timeout(timeout, node.lease(lease.peer, work))
                    .await
                {
                    Err(_) => Outcome::Failed("timed out".into()),
                    Ok(Err(sonm_net::NetError::Refused { reason, .. })) => Outcome::Refused(reason),
                    Ok(Err(e)) => Outcome::Failed(e.to_string()),
                    Ok(Ok(result)) => check(&lease, result, &data, sampler).await,
                };
                let _ = tx.send(Internal::LeaseDone {
                    id: lease.id,
                    outcome,
                });
            });
        }
    }

    fn lease_failed(&mut self, lease: &Lease, reason: &str) {
        self.gauges.leases_failed.inc();
        let count = lease.units.end - lease.units.start;
        info!(deal = lease.deal, lease = lease.id, miner = %lease.miner, reason, "lease failed: its units go back to the queue");
        if let Ok(Some(mut d)) = self.store.deal(lease.deal) {
            d.redone += count;
            if let Err(e) = self.store.put_deal(&d) {
                error!(error = %e, "cannot record the redone units");
            }
        }
        self.reporter.emit(
            "lease failed",
            json!({"deal": lease.deal, "lease": lease.id, "miner": lease.miner, "first": lease.units.start,
                   "count": count, "reason": reason}),
        );
    }

    async fn on_lease_done(&mut self, id: u64, outcome: Outcome) -> Result<()> {
        let Some(lease) = self.sched.lease(id).cloned() else {
            // Given up already (timed out, or its deal or miner is gone): its units went elsewhere.
            return Ok(());
        };
        match outcome {
            Outcome::Failed(reason) => {
                self.sched.fail(id);
                self.sched.pause(
                    &lease.peer,
                    Instant::now() + self.cfg.lease_timeout.min(PAUSE),
                );
                self.lease_failed(&lease, &reason);
            }
            Outcome::Refused(reason) => {
                // It takes no more work from this hub until it joins again.
                self.sched.fail(id);
                self.sched.disconnected(&lease.peer);
                self.lease_failed(&lease, &format!("refused: {reason}"));
            }
            Outcome::BadSigner(signer) => {
                self.sched.fail(id);
                self.sched.disconnected(&lease.peer);
                let reason = format!(
                    "its lease receipt is signed by {}, not by the miner {} it joined as",
                    signer.map_or("nobody".to_owned(), |s| s.to_string()),
                    lease.miner
                );
                self.node.ban(lease.peer, reason.clone());
                self.lease_failed(&lease, &reason);
            }
            Outcome::Wrong {
                unit,
                expected,
                result,
            } => self.caught(&lease, unit, expected, result).await?,
            Outcome::Good { result, sampled } => {
                if self.sched.complete(id).is_none() {
                    return Ok(());
                }
                let units: Vec<(u64, UnitRecord)> = lease
                    .units
                    .clone()
                    .zip(result.outputs)
                    .map(|(i, output)| {
                        (
                            i,
                            UnitRecord {
                                output,
                                miner: lease.miner,
                            },
                        )
                    })
                    .collect();
                self.store.accept_units(lease.deal, &units)?;
                self.gauges.units_accepted.inc_by(units.len() as u64);
                debug!(deal = lease.deal, lease = id, sampled, "lease accepted");
                if self.sched.is_done(lease.deal) {
                    self.all_in(lease.deal).await?;
                }
            }
        }
        Ok(())
    }

    /// A miner caught with a wrong unit: every unit of it in the task discarded, banned, reported.
    async fn caught(
        &mut self,
        lease: &Lease,
        unit: u64,
        expected: Bytes,
        result: WorkResult,
    ) -> Result<()> {
        let k = (unit - lease.units.start) as usize;
        let output = result.outputs.get(k).cloned().unwrap_or_default();
        self.sched.caught(lease.deal, lease.miner);
        self.node.ban(
            lease.peer,
            format!(
                "returned a wrong output for unit {unit} of deal {}",
                lease.deal
            ),
        );
        let mut discarded = Vec::new();
        if let Some(mut d) = self.store.deal(lease.deal)? {
            discarded = self.store.discard_miner(&mut d, lease.miner)?;
            d.redone += lease.units.end - lease.units.start;
            self.store.put_deal(&d)?;
        }
        self.gauges.miners_caught.inc();
        error!(deal = lease.deal, unit, miner = %lease.miner, peer = %lease.peer,
               "caught: the miner returned a wrong unit; its units of the task are discarded and it is banned");
        let published = match self.hub_report(lease, unit, output.clone(), &result) {
            Ok(report) => match self.node.publish(&Gossip::HubReport(report)).await {
                Ok(()) => true,
                Err(e) => {
                    warn!(error = %e, "the report about the miner could not be published");
                    false
                }
            },
            Err(e) => {
                warn!(error = %e, "cannot build the report about the miner");
                false
            }
        };
        self.reporter.emit(
            "caught",
            json!({
                "miner": lease.miner, "peer": lease.peer.to_string(), "task": lease.deal, "deal": lease.deal,
                "unit": unit, "output": output, "expected": expected, "discarded": discarded.len(),
                "reported": published,
            }),
        );
        Ok(())
    }

    fn hub_report(
        &self,
        lease: &Lease,
        unit: u64,
        output: Bytes,
        result: &WorkResult,
    ) -> Result<sonm_net::SignedHubReport> {
        let data = self
            .data
            .get(&lease.deal)
            .ok_or_else(|| HubError::Config(format!("deal {} has no inputs", lease.deal)))?;
        let k = (unit - lease.units.start) as usize;
        let input = data
            .tree
            .values()
            .get(unit as usize)
            .map(|l| l.data.clone())
            .unwrap_or_default();
        let report = HubReport {
            hub: self.cfg.hub,
            miner: lease.miner,
            taskId: U256::from(lease.deal),
            index: unit,
            input,
            inputProof: data.tree.proof(unit as usize)?,
            output,
            outputProof: outputs_tree(lease.units.start, &result.outputs)?.proof(k)?,
            receipt: result.receipt.clone(),
            receiptSignature: result.receipt_signature.clone().unwrap_or_default(),
            expiry: unix_now() + 3_600,
            seq: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        };
        Ok(report.sign(self.node.domain(), self.signer())?)
    }

    /// Every unit of `deal` is in: the results tree, served, and the deal to commit.
    async fn all_in(&mut self, deal: u64) -> Result<()> {
        let Some(mut d) = self.store.deal(deal)? else {
            return Ok(());
        };
        if d.stage != Stage::Computing {
            return Ok(());
        }
        let root = self.build_results(&d)?;
        d.result_root = Some(root);
        d.stage = Stage::Committing;
        self.store.put_deal(&d)?;
        self.sched.remove_deal(deal);
        self.data.remove(&deal);
        info!(deal, %root, "every unit in: committing at the next pass");
        let by = self.progress(&d)?.by_miner;
        self.reporter.emit(
            "computed",
            json!({"deal": deal, "root": root, "units": d.leaf_count, "redone": d.redone,
                   "by_miner": by.iter().map(|(m, n)| json!({"miner": m, "units": n})).collect::<Vec<_>>()}),
        );
        Ok(())
    }

    /// The results tree of a deal from its accepted units (with `--dishonest-rows`, falsified), served.
    fn build_results(&mut self, d: &DealRecord) -> Result<B256> {
        if let Some(t) = self.results.get(&d.id) {
            return Ok(t.root());
        }
        let units = self.store.units(d.id)?;
        if units.len() as u64 != d.leaf_count {
            return Err(HubError::Config(format!(
                "deal {} has {} of its {} units",
                d.id,
                units.len(),
                d.leaf_count
            )));
        }
        let mut outputs: Vec<Bytes> = units.into_iter().map(|(_, u)| u.output).collect();
        let k = self.cfg.dishonest_rows.min(d.leaf_count);
        for j in 0..k {
            let i = (j * d.leaf_count / k) as usize;
            if let Some(out) = outputs.get_mut(i) {
                let mut bytes = out.to_vec();
                match bytes.last_mut() {
                    Some(b) => *b ^= 0xff,
                    None => bytes.push(1),
                }
                *out = Bytes::from(bytes);
            }
        }
        if k > 0 {
            warn!(
                deal = d.id,
                rows = k,
                "--dishonest-rows: the committed result has falsified rows"
            );
        }
        let tree = IndexedTree::from_data(outputs, BuildOptions::default())?;
        let root = self.node.data().insert(tree.clone())?;
        self.results.insert(d.id, tree);
        Ok(root)
    }

    // ------------------------------------------------------------------ the chain

    async fn pass(&mut self) -> Result<()> {
        self.passes += 1;
        for (key, entry) in self.sender.poll().await? {
            debug!(key, ?entry.status, "journal entry mined");
        }
        self.scan().await?;
        let now = self.client.now().await?;
        for d in self.store.deals()? {
            if d.stage.is_final() {
                continue;
            }
            let id = d.id;
            if let Err(e) = self.step_deal_at(d, now).await {
                if matches!(e, HubError::State { .. }) {
                    return Err(e);
                }
                warn!(deal = id, error = %e, "deal step failed; retrying at the next pass");
            }
        }
        self.refresh_offers(now).await?;
        if self.passes % SLOW_EVERY == 1 {
            self.check_funds().await?;
            self.pay_day(now).await?;
        }
        Ok(())
    }

    /// Reads new `DealTaken` (naming this hub), `TaskPosted` and `QueryOpened` events.
    async fn scan(&mut self) -> Result<()> {
        let head = self
            .provider
            .get_block_number()
            .await
            .map_err(rpc("eth_blockNumber"))?;
        let start: u64 = match self.store.meta::<u64>("scanned")? {
            Some(b) => b + 1,
            None => self.client.deployment().start_block,
        };
        let mut from = start;
        while from <= head {
            let to = (from + LOG_RANGE - 1).min(head);
            let deals = Filter::new()
                .address(self.market_addr)
                .event_signature(MarketContract::DealTaken::SIGNATURE_HASH)
                .topic3(self.cfg.hub.into_word())
                .from_block(from)
                .to_block(to);
            let game_logs = Filter::new()
                .address(*self.game.address())
                .event_signature(vec![
                    MapGame::TaskPosted::SIGNATURE_HASH,
                    MapGame::QueryOpened::SIGNATURE_HASH,
                ])
                .from_block(from)
                .to_block(to);
            let deal_logs = self
                .provider
                .get_logs(&deals)
                .await
                .map_err(rpc("eth_getLogs"))?;
            let game_logs = self
                .provider
                .get_logs(&game_logs)
                .await
                .map_err(rpc("eth_getLogs"))?;
            let mut uris: HashMap<u64, String> = HashMap::new();
            let mut queries: Vec<(u64, u64)> = Vec::new();
            for log in &game_logs {
                if let Ok(ev) = log.log_decode::<MapGame::TaskPosted>() {
                    uris.insert(
                        ev.inner.data.taskId.saturating_to(),
                        ev.inner.data.inputURI.clone(),
                    );
                } else if let Ok(ev) = log.log_decode::<MapGame::QueryOpened>() {
                    queries.push((
                        ev.inner.data.taskId.saturating_to(),
                        ev.inner.data.queryId.saturating_to(),
                    ));
                }
            }
            for log in deal_logs {
                let Ok(ev) = log.log_decode::<MarketContract::DealTaken>() else {
                    continue;
                };
                let ev = ev.inner.data;
                if ev.hub != self.cfg.hub {
                    continue;
                }
                let id: u64 = ev.dealId.saturating_to();
                if self.store.deal(id)?.is_some() {
                    continue;
                }
                let info = self.tasks.task(id).await?;
                let input_uri = match uris.remove(&id) {
                    Some(u) => u,
                    None => self.tasks.input_uri(id).await.unwrap_or_default(),
                };
                let d = DealRecord {
                    id,
                    buyer: ev.buyer,
                    leaf_count: ev.leafCount,
                    input_root: info.input_root,
                    input_uri,
                    computation: info.computation,
                    gas_per_leaf: info.gas_per_leaf,
                    max_leaf_bytes: info.max_leaf_bytes,
                    decline_by: info.deal.map_or(0, |t| t.decline_by),
                    pay_per_unit: self.pay_per_unit,
                    stage: Stage::FetchingInputs,
                    result_root: None,
                    redone: 0,
                    queries: Vec::new(),
                };
                self.store.put_deal(&d)?;
                self.reporter.emit(
                    "deal seen",
                    json!({
                        "deal": id, "buyer": d.buyer, "leaves": d.leaf_count, "price": ev.price.to_string(),
                        "input_root": d.input_root, "input_uri": d.input_uri, "decline_by": d.decline_by,
                        "commit_by": info.deadline,
                    }),
                );
            }
            for (task, query) in queries {
                if let Some(mut d) = self.store.deal(task)?
                    && !d.queries.contains(&query)
                {
                    info!(deal = task, query, "query opened on a deal");
                    d.queries.push(query);
                    self.store.put_deal(&d)?;
                }
            }
            self.store.set_meta("scanned", &to)?;
            from = to + 1;
        }
        Ok(())
    }

    /// One step of a deal, from what the chain says of it now.
    async fn step_deal_at(&mut self, mut d: DealRecord, now: u64) -> Result<()> {
        let info = self.tasks.task(d.id).await?;
        let id = d.id;
        match d.stage {
            Stage::FetchingInputs => {
                if let Some(entry) = self.sender.entry(&format!("decline:{id}"))?
                    && matches!(entry.status, TxStatus::Mined { success: true, .. })
                {
                    d.stage = Stage::Declined;
                    self.store.put_deal(&d)?;
                    self.reporter.emit(
                        "declined",
                        json!({"deal": id, "tx": entry.hash, "reason": "the inputs did not arrive"}),
                    );
                    return Ok(());
                }
                if info.status != TaskStatus::Claimed {
                    return self.failed(
                        d,
                        &format!("the deal is {} before its inputs arrived", info.status),
                    );
                }
                if now.saturating_add(self.cfg.decline_margin) >= d.decline_by {
                    if now < d.decline_by {
                        let call = self.game.declineDeal(U256::from(id));
                        let acted = self
                            .sender
                            .act(
                                &format!("decline:{id}"),
                                "declineDeal",
                                *self.game.address(),
                                call.calldata().clone(),
                            )
                            .await?;
                        if let Acted::Sent(tx) = acted {
                            warn!(deal = id, %tx, "declining: the inputs did not arrive before declineBy");
                        }
                    }
                    return Ok(());
                }
                self.fetch_from_uri(&d);
            }
            Stage::Computing => {
                if info.status != TaskStatus::Claimed {
                    return self.failed(
                        d,
                        &format!("the deal is {} before the hub committed", info.status),
                    );
                }
                self.activate(&d).await?;
                if self.sched.is_done(id) {
                    self.all_in(id).await?;
                }
            }
            Stage::Committing => {
                let root = self.build_results(&d)?;
                if info.status == TaskStatus::Committed || info.status == TaskStatus::Finalized {
                    let tx = self.sender.entry(&format!("commit:{id}"))?.map(|e| e.hash);
                    d.stage = Stage::Committed;
                    d.result_root = Some(info.result_root);
                    self.store.put_deal(&d)?;
                    self.gauges.deals_committed.inc();
                    self.reporter.emit(
                        "committed",
                        json!({"deal": id, "root": info.result_root, "tx": tx, "challenge_end": info.deadline}),
                    );
                    return Ok(());
                }
                if info.status != TaskStatus::Claimed {
                    return self.failed(
                        d,
                        &format!("the deal is {} before the commit landed", info.status),
                    );
                }
                let key = format!("commit:{id}");
                if let Some(entry) = self.sender.entry(&key)? {
                    if matches!(
                        entry.status,
                        TxStatus::Mined { success: false, .. } | TxStatus::Dropped
                    ) {
                        return self.failed(d, "the commit transaction failed");
                    }
                    return Ok(());
                }
                if now >= info.deadline {
                    return self.failed(d, "the commit deadline passed before every unit was in");
                }
                let uri = format!("{}/{root}", self.uri_base);
                let call = self.game.commit(U256::from(id), root, uri);
                match self
                    .sender
                    .act(
                        &key,
                        "commit",
                        *self.game.address(),
                        call.calldata().clone(),
                    )
                    .await?
                {
                    Acted::Sent(tx) => info!(deal = id, %root, %tx, "commit sent"),
                    Acted::Skipped(reason) => warn!(deal = id, %reason, "commit skipped"),
                    Acted::Already(_) => {}
                }
            }
            Stage::Committed => {
                self.build_results(&d)?;
                self.answer_queries(&mut d).await?;
                match info.status {
                    TaskStatus::Finalized => {
                        let finalize = self.sender.entry(&format!("finalize:{id}"))?;
                        let by_us = finalize.as_ref().is_some_and(|e| {
                            matches!(e.status, TxStatus::Mined { success: true, .. })
                        });
                        d.stage = Stage::Settled;
                        self.store.put_deal(&d)?;
                        self.reporter.emit(
                            if by_us { "finalized" } else { "accepted" },
                            json!({"deal": id, "tx": finalize.filter(|_| by_us).map(|e| e.hash)}),
                        );
                        return Box::pin(self.step_deal_at(d, now)).await;
                    }
                    TaskStatus::Committed => {
                        if now >= info.deadline && info.open_queries == 0 {
                            let call = self.game.finalize(U256::from(id));
                            self.sender
                                .act(
                                    &format!("finalize:{id}"),
                                    "finalize",
                                    *self.game.address(),
                                    call.calldata().clone(),
                                )
                                .await?;
                        }
                    }
                    other => {
                        return self.failed(d, &format!("the committed deal ended {other}"));
                    }
                }
            }
            Stage::Settled => {
                self.sign_receipts(d, now).await?;
                // Settled for good: nobody can query or prove anything about the result any more.
                if let Some(tree) = self.results.remove(&id) {
                    self.node.data().remove(&tree.root());
                }
            }
            Stage::Paid | Stage::Declined | Stage::Failed => {}
        }
        Ok(())
    }

    fn failed(&mut self, mut d: DealRecord, why: &str) -> Result<()> {
        warn!(
            deal = d.id,
            why, "deal ended without settling into the wallet"
        );
        d.stage = Stage::Failed;
        self.store.put_deal(&d)?;
        self.sched.remove_deal(d.id);
        self.data.remove(&d.id);
        self.reporter
            .emit("deal failed", json!({"deal": d.id, "reason": why}));
        Ok(())
    }

    /// Asks the input URI for the inputs (after a restart, or when the buyer never called), every few seconds.
    fn fetch_from_uri(&mut self, d: &DealRecord) {
        if self.fetching.contains(&d.id)
            || self
                .last_fetch
                .get(&d.id)
                .is_some_and(|t| t.elapsed() < REFETCH_AFTER)
        {
            return;
        }
        let Some((addr, peer, root)) = parse_sonm_uri(&d.input_uri) else {
            self.last_fetch.insert(d.id, Instant::now());
            debug!(deal = d.id, uri = %d.input_uri, "the input URI is not sonm://: waiting for the buyer's call");
            return;
        };
        if root != d.input_root {
            self.last_fetch.insert(d.id, Instant::now());
            warn!(deal = d.id, uri = %d.input_uri, "the input URI names another root than the deal's");
            return;
        }
        self.fetching.insert(d.id);
        self.spawn_fetch(d.id, peer, Some(addr), d.input_root, d.leaf_count);
    }

    async fn answer_queries(&mut self, d: &mut DealRecord) -> Result<()> {
        if d.queries.is_empty() {
            return Ok(());
        }
        let Some(tree) = self.results.get(&d.id) else {
            return Ok(());
        };
        let mut still = Vec::new();
        for q in d.queries.clone() {
            let query = self
                .game
                .query(U256::from(q))
                .call()
                .await
                .map_err(|e| self.client.classify("query", &e))?;
            if query.status != QueryStatus::Open {
                continue;
            }
            still.push(q);
            let index = query.index as usize;
            let Some(leaf) = tree.values().get(index) else {
                continue;
            };
            let proof = tree.proof(index)?;
            let call = self
                .game
                .answerQuery(U256::from(q), leaf.data.clone(), proof);
            let acted = self
                .sender
                .act(
                    &format!("answer:{q}"),
                    "answerQuery",
                    *self.game.address(),
                    call.calldata().clone(),
                )
                .await?;
            if let Acted::Sent(tx) = acted {
                self.reporter.emit(
                    "query answered",
                    json!({"deal": d.id, "query": q, "index": index, "tx": tx}),
                );
            }
        }
        if still != d.queries {
            d.queries = still;
            self.store.put_deal(d)?;
        }
        Ok(())
    }

    /// A work receipt per miner for its accepted units of a settled deal.
    async fn sign_receipts(&mut self, mut d: DealRecord, now: u64) -> Result<()> {
        if self.cfg.no_receipts {
            warn!(
                deal = d.id,
                "--no-receipts: the miners of this deal get no work receipt"
            );
            d.stage = Stage::Paid;
            self.store.put_receipts(&d, &[])?;
            self.reporter
                .emit("receipts withheld", json!({"deal": d.id}));
            return Ok(());
        }
        let mut by: HashMap<Address, u64> = HashMap::new();
        for (_, u) in self.store.units(d.id)? {
            *by.entry(u.miner).or_default() += 1;
        }
        let mut miners: Vec<(Address, u64)> = by.into_iter().collect();
        miners.sort();
        let mut files = Vec::new();
        let mut listed = Vec::new();
        for (miner, units) in miners {
            let amount = d.pay_per_unit * U256::from(units);
            if amount.is_zero() {
                continue;
            }
            let nonce = U256::from_be_bytes(keccak256((U256::from(d.id), miner).abi_encode()).0);
            let receipt = WorkReceipt {
                hub: self.cfg.hub,
                miner,
                deal: U256::from(d.id),
                amount,
                nonce,
                expiry: now + RECEIPT_LIFETIME,
            };
            let signed = self.receipts.sign(receipt).await?;
            let file = serde_json::to_vec(&signed.to_json()?)
                .map_err(|e| HubError::Config(e.to_string()))?;
            files.push((miner, Bytes::from(file)));
            listed.push(json!({"miner": miner, "units": units, "amount": amount.to_string(), "snm": format_snm(amount)}));
        }
        d.stage = Stage::Paid;
        self.store.put_receipts(&d, &files)?;
        self.reporter
            .emit("receipts signed", json!({"deal": d.id, "receipts": listed}));
        Ok(())
    }

    /// Signs fresh offers (new nonces) when the current ones are within a quarter of their lifetime of expiring.
    async fn refresh_offers(&mut self, now: u64) -> Result<()> {
        let soon = self.offers.iter().any(|o| {
            let life = self
                .cfg
                .offers
                .first()
                .and_then(|s| s.lifetime)
                .unwrap_or(86_400);
            o.offer.expiry <= now + life / 4
        });
        if !soon {
            return Ok(());
        }
        let offers = sign_offers(
            &self.client,
            &self.market,
            &self.tasks,
            &self.cfg,
            &self.reporter,
        )
        .await?;
        let bytes = sonm_agents::market::offers_to_bytes(&offers)?;
        self.offers = offers;
        if let Err(e) = self.node.announce(Some(bytes)).await {
            debug!(error = %e, "fresh offers announced at the next republish");
        }
        Ok(())
    }

    /// Warns when the operator's ETH or the wallet's free balance runs low.
    async fn check_funds(&mut self) -> Result<()> {
        let me = self.sender.account();
        let eth = self
            .provider
            .get_balance(me)
            .await
            .map_err(rpc("eth_getBalance"))?;
        let free = self.hubs.free_balance(self.cfg.hub).await?;
        let bond = self
            .offers
            .iter()
            .map(|o| o.offer.hub_bond)
            .max()
            .unwrap_or_default();
        let to_f = |v: U256| v.to_string().parse::<f64>().unwrap_or(f64::MAX);
        self.gauges.eth.set(to_f(eth) / 1e18);
        let bonds = if bond.is_zero() {
            0.0
        } else {
            to_f(free) / to_f(bond)
        };
        self.gauges.free_bonds.set(bonds);
        let low_eth = eth < self.cfg.min_eth;
        let low_free = free < bond * U256::from(self.cfg.min_free_bonds);
        self.gauges.low_eth.set(i64::from(low_eth));
        self.gauges.low_free_balance.set(i64::from(low_free));
        if low_eth && !self.low_eth {
            warn!(operator = %me, eth = %format_snm(eth), "the operator's ETH for gas runs low");
            self.reporter.emit(
                "warning",
                json!({"kind": "low eth", "operator": me, "eth": format_snm(eth), "min": format_snm(self.cfg.min_eth)}),
            );
        }
        if low_free && !self.low_free {
            warn!(hub = %self.cfg.hub, free = %format_snm(free), bonds, "the wallet's free balance runs low");
            self.reporter.emit(
                "warning",
                json!({"kind": "low free balance", "hub": self.cfg.hub, "free": format_snm(free), "bonds": bonds,
                       "min_bonds": self.cfg.min_free_bonds}),
            );
        }
        self.low_eth = low_eth;
        self.low_free = low_free;
        Ok(())
    }

    /// PayDay once the payout period is over, then registers again (so the hub keeps selling).
    async fn pay_day(&mut self, now: u64) -> Result<()> {
        let wallet = HubWallet::new(self.cfg.hub, self.provider.clone());
        match self.hubs.state(self.cfg.hub).await? {
            HubState::Registered => {
                let at: u64 = wallet
                    .payDayAt()
                    .call()
                    .await
                    .map_err(|e| self.client.classify("payDayAt", &e))?
                    .saturating_to();
                if at != 0 && now >= at {
                    let call = wallet.payDay();
                    if let Acted::Sent(tx) = self
                        .sender
                        .act(
                            &format!("payday:{at}"),
                            "payDay",
                            self.cfg.hub,
                            call.calldata().clone(),
                        )
                        .await?
                    {
                        self.reporter
                            .emit("payday", json!({"hub": self.cfg.hub, "tx": tx}));
                    }
                }
            }
            HubState::Idle => {
                // Registered again after the PayDay this daemon held.
                let held: Vec<String> = self
                    .store
                    .journal_entries()?
                    .into_iter()
                    .filter(|(k, e)| {
                        k.starts_with("payday:")
                            && matches!(e.status, TxStatus::Mined { success: true, .. })
                    })
                    .map(|(k, _)| k)
                    .collect();
                if let Some(key) = held.last() {
                    let register = key.replacen("payday:", "register:", 1);
                    let call = wallet.register();
                    if let Acted::Sent(tx) = self
                        .sender
                        .act(&register, "register", self.cfg.hub, call.calldata().clone())
                        .await?
                    {
                        self.reporter
                            .emit("registered", json!({"hub": self.cfg.hub, "tx": tx}));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Checks a lease's answer: the lease receipt is the joined miner's, and the sample (drawn now, after the answer)
/// recomputes to the outputs returned.
async fn check(
    lease: &Lease,
    result: WorkResult,
    data: &Arc<DealData>,
    sampler: Sampler,
) -> Outcome {
    if result.miner != Some(lease.miner) {
        return Outcome::BadSigner(result.miner);
    }
    let count = lease.units.end - lease.units.start;
    let mut drawn = sampler.draw(lease.deal, lease.id, lease.units.start, count);
    let sampled = drawn.len();
    // An output longer than the task allows is wrong whatever the sample (the game reads it as a failed leaf):
    // checked on every unit, first.
    if let Some(k) = result
        .outputs
        .iter()
        .position(|o| o.len() > data.max_bytes as usize)
    {
        drawn.insert(0, lease.units.start + k as u64);
    }
    let inputs: Vec<(u64, Bytes, Bytes)> = drawn
        .into_iter()
        .filter_map(|u| {
            let input = data.tree.values().get(u as usize)?.data.clone();
            let output = result
                .outputs
                .get((u - lease.units.start) as usize)?
                .clone();
            Some((u, input, output))
        })
        .collect();
    let data = Arc::clone(data);
    let checked = tokio::task::spawn_blocking(move || {
        for (u, input, output) in inputs {
            let expected = data.executor.leaf(&input, data.gas, data.max_bytes)?;
            if expected != output {
                return Ok(Some((u, expected)));
            }
        }
        Ok::<_, sonm_executor::ExecutorError>(None)
    })
    .await;
    match checked {
        Ok(Ok(None)) => Outcome::Good { result, sampled },
        Ok(Ok(Some((unit, expected)))) => Outcome::Wrong {
            unit,
            expected,
            result,
        },
        Ok(Err(e)) => Outcome::Failed(format!("the sample could not be recomputed: {e}")),
        Err(e) => Outcome::Failed(format!("the sample's task failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sonm_uris_split_into_address_peer_and_root() {
        let peer = PeerId::random();
        let root = B256::repeat_byte(0xab);
        let uri = format!("sonm:///ip4/127.0.0.1/tcp/4001/p2p/{peer}/{root}");
        let (addr, p, r) = parse_sonm_uri(&uri).expect("parses");
        assert_eq!(p, peer);
        assert_eq!(r, root);
        assert_eq!(strip_p2p(&addr).to_string(), "/ip4/127.0.0.1/tcp/4001");
        assert!(parse_sonm_uri("file:///x.json").is_none());
        assert!(parse_sonm_uri(&format!("sonm:///ip4/127.0.0.1/tcp/4001/{root}")).is_none());
    }
}
