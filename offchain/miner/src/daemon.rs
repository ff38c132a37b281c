//! The daemon: a sonm-net node that finds hubs, marks them, joins the ones it accepts with its briefcase's split,
//! computes their leases with the executor on a rayon pool, fetches, redeems and claims its work receipts, and
//! reports on every hub that paid it.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use rayon::prelude::*;
use sonm_agents::mark::{Assessment, HubFacts, Mark, assess};
use sonm_agents::units::format_snm;
use sonm_agents::{Client, Hubs, MapTasks, Miner as MinerRole, Receipts, SignedReceipt};
use sonm_executor::Executor;
use sonm_net::{
    Chain, Event, Gossip, Identity, MarketRequest, MarketResponse, MinerReport, Multiaddr, Node,
    NodeConfig, PeerId, WhitelistChain, WorkLease, WorkResponse,
};
use tokio::sync::Notify;
use tracing::{debug, info, warn};

use crate::briefcase::{self, Prospect};
use crate::config::MinerConfig;
use crate::events::MinerEvent;
use crate::state::{HubLedger, ReceiptRecord, State, StoredReport};
use crate::{MinerError, Result};

/// How long a published report lives on the network (wall clock, as gossip expiry is).
const REPORT_LIFETIME: Duration = Duration::from_secs(600);
/// A report is published again after this long even if its figures did not change.
const REPORT_EVERY: Duration = Duration::from_secs(120);

/// What a lease's task is, from the chain.
#[derive(Clone, Debug)]
struct TaskSpec {
    solver: Address,
    input_root: B256,
    computation: Address,
    gas_per_leaf: u64,
    max_leaf_bytes: u32,
}

struct Miner {
    config: MinerConfig,
    me: Address,
    client: Client,
    chain: Arc<WhitelistChain>,
    node: Node,
    state: State,
    pool: Arc<rayon::ThreadPool>,
    /// Hub peers as announced.
    peers: Mutex<HashMap<PeerId, Address>>,
    tasks: Mutex<HashMap<U256, TaskSpec>>,
    executors: Mutex<HashMap<Address, Executor>>,
    /// Per hub: the figures last reported and when.
    published: Mutex<HashMap<Address, (U256, U256, Instant)>>,
    /// Units done per hub (and what they earned) since the last flush to the state: a lease is counted here, the
    /// state is written once a round (a disk flush per lease would cost more than a lease of small units).
    pending: Mutex<HashMap<Address, (u64, U256)>>,
    /// When each hub last leased to this miner.
    last_lease: Mutex<HashMap<Address, Instant>>,
    /// When this miner joined each hub (capacity from 0 to more).
    joined_at: Mutex<HashMap<Address, Instant>>,
    /// Where each hub's peer said it listens (its announcement).
    addrs: Mutex<HashMap<PeerId, Vec<Multiaddr>>>,
    /// Hubs learnt by asking their peer (`/sonm/info/1`): peer, name, expiry of the announcement.
    asked: Mutex<HashMap<Address, (PeerId, String, u64)>>,
    /// Hubs whose peer reconnected: join them again.
    rejoin: Mutex<HashSet<Address>>,
    /// Warnings already told (each once).
    warned: Mutex<HashSet<String>>,
    /// Hubs that refused a join, not asked again before the instant.
    refused: Mutex<HashMap<Address, Instant>>,
    round_running: AtomicBool,
    wake: Notify,
}

/// A hub that leased nothing for this long counts as idle in the briefcase.
const WORK_MEMORY: Duration = Duration::from_secs(15);
/// The utilization an idle hub is counted with.
const IDLE_UTILIZATION: f64 = 0.1;

/// How long a hub that refused a join is left alone.
const REFUSED_BACKOFF: Duration = Duration::from_secs(60);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn wall_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Runs the miner until `shutdown` resolves (or the node stops).
pub async fn run(config: MinerConfig, shutdown: impl Future<Output = ()>) -> Result<()> {
    let state = State::open(&config.state)?;
    // A hub forgets a miner that went away: after a restart every join is to be made again.
    for ledger in state.hubs()? {
        if ledger.capacity > 0 {
            state.update_hub(ledger.hub, |h| h.capacity = 0)?;
        }
    }
    let client = Client::connect(
        &config.rpc_url,
        Some(config.signer.clone()),
        &config.deployments,
    )
    .await?;
    let chain = Arc::new(WhitelistChain::new(
        client.provider_ref().clone(),
        client.deployment().clone(),
    ));
    let node_config = NodeConfig {
        identity: Identity::File(config.state.join("node.key")),
        listen: vec![config.listen.clone()],
        peers: config.peers.clone(),
        bootstrap_from_chain: config.bootstrap_from_chain,
        mdns: config.mdns,
        ..NodeConfig::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("sonm-miner-{i}"))
        .build()
        .map_err(|e| MinerError::Threads {
            threads: config.threads,
            reason: e.to_string(),
        })?;
    let (node, mut events) = Node::start(node_config, Arc::clone(&chain)).await?;
    let me = config.signer.address();
    let miner = Arc::new(Miner {
        me,
        client,
        chain,
        node: node.clone(),
        state,
        pool: Arc::new(pool),
        peers: Mutex::new(HashMap::new()),
        tasks: Mutex::new(HashMap::new()),
        executors: Mutex::new(HashMap::new()),
        published: Mutex::new(HashMap::new()),
        rejoin: Mutex::new(HashSet::new()),
        asked: Mutex::new(HashMap::new()),
        pending: Mutex::new(HashMap::new()),
        addrs: Mutex::new(HashMap::new()),
        last_lease: Mutex::new(HashMap::new()),
        joined_at: Mutex::new(HashMap::new()),
        warned: Mutex::new(HashSet::new()),
        refused: Mutex::new(HashMap::new()),
        round_running: AtomicBool::new(false),
        wake: Notify::new(),
        config,
    });
    let status = node.status().await?;
    miner.emit(MinerEvent::Listening {
        peer: node.peer_id().to_string(),
        addrs: status
            .listen_addrs
            .iter()
            .map(ToString::to_string)
            .collect(),
        miner: me,
    });
    let mut ticker = tokio::time::interval(miner.config.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            e = events.next() => match e {
                Some(e) => miner.on_event(e),
                None => break,
            },
            _ = ticker.tick() => miner.spawn_round(),
            () = miner.wake.notified() => miner.spawn_round(),
        }
    }
    // Let a round under way finish what it sends (a redeem, a claim), for a while.
    let deadline = Instant::now() + Duration::from_secs(15);
    while miner.round_running.load(Ordering::SeqCst) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    node.shutdown().await;
    miner.flush();
    miner.emit(MinerEvent::Stopped);
    Ok(())
}

impl Miner {
    fn emit(&self, event: MinerEvent) {
        info!(event = %event.to_json(), "miner");
        if self.config.json {
            println!("{}", event.to_json());
        }
        if let Some(tx) = &self.config.events {
            let _ = tx.send(event);
        }
    }

    /// A failure retried next round: logged every time, a `warning` event the first time its text is seen.
    fn warn(&self, message: String) {
        warn!("{message}");
        let new = {
            let mut warned = lock(&self.warned);
            if warned.len() >= 1024 {
                warned.clear();
            }
            warned.insert(message.clone())
        };
        if new {
            self.emit(MinerEvent::Warning { message });
        }
    }

    fn on_event(self: &Arc<Self>, e: Event) {
        match e {
            Event::Announcement { announcement, .. } => {
                if let Some(peer) = announcement.peer() {
                    lock(&self.addrs).insert(peer, announcement.multiaddrs());
                    let new =
                        lock(&self.peers).insert(peer, announcement.hub) != Some(announcement.hub);
                    if new {
                        self.wake.notify_one();
                    }
                }
            }
            Event::MinerReport { report, .. } if report.miner != self.me => {
                let stored = StoredReport {
                    hub: report.hub,
                    seq: report.seq,
                    expiry: report.expiry,
                    summary: sonm_agents::mark::ReportSummary {
                        miner: report.miner,
                        paid: report.paid,
                        owed: report.owed,
                        last_paid: report.lastPaid,
                    },
                };
                match self.state.keep_report(&stored) {
                    Ok(true) if stored.summary.warns() => self.wake.notify_one(),
                    Ok(_) => {}
                    Err(e) => self.warn(e.to_string()),
                }
            }
            Event::Connected(peer) => {
                if let Some(hub) = lock(&self.peers).get(&peer).copied() {
                    lock(&self.rejoin).insert(hub);
                    self.wake.notify_one();
                } else {
                    // A hub announces itself every few minutes: ask a new peer now whether it is one.
                    let me = Arc::clone(self);
                    tokio::spawn(async move { me.ask_info(peer).await });
                }
            }
            Event::WorkRequest {
                id,
                peer,
                lease,
                inputs,
            } => {
                let me = Arc::clone(self);
                tokio::spawn(async move { me.serve_lease(id, peer, lease, inputs).await });
            }
            _ => {}
        }
    }

    /// Asks `peer` for its hub announcement (checked as gossip is); a hub's is kept as if it had been gossiped.
    async fn ask_info(&self, peer: PeerId) {
        match self.node.hub_info(peer).await {
            Ok(signed) => {
                let a = signed.announcement;
                lock(&self.peers).insert(peer, a.hub);
                lock(&self.addrs).insert(peer, a.multiaddrs());
                lock(&self.rejoin).insert(a.hub);
                lock(&self.asked).insert(a.hub, (peer, a.name.clone(), a.expiry));
                self.wake.notify_one();
            }
            Err(e) => debug!(%peer, "not a hub: {e}"),
        }
    }

    /// Dials again the hubs this miner works for (or may) that are not connected, and the `--peer`s: a restarted hub
    /// comes back at its announced addresses, and the miner joins it again once connected.
    async fn redial(&self) {
        let Ok(status) = self.node.status().await else {
            return;
        };
        let mut targets: Vec<Multiaddr> = Vec::new();
        let hubs: Vec<(PeerId, Address)> =
            lock(&self.peers).iter().map(|(p, h)| (*p, *h)).collect();
        for (peer, hub) in hubs {
            if status.peers.contains(&peer) || peer == self.node.peer_id() {
                continue;
            }
            let wanted = self
                .ledger(hub)
                .is_ok_and(|l| !l.dropped && l.mark.is_none_or(|m| m >= self.config.accept));
            if !wanted {
                continue;
            }
            for addr in lock(&self.addrs).get(&peer).cloned().unwrap_or_default() {
                targets.push(addr.with_p2p(peer).unwrap_or_else(|a| a));
            }
        }
        for addr in &self.config.peers {
            let peer = addr.iter().find_map(|p| match p {
                sonm_net::multiaddr::Protocol::P2p(id) => Some(id),
                _ => None,
            });
            if peer.is_some_and(|p| !status.peers.contains(&p)) {
                targets.push(addr.clone());
            }
        }
        for addr in targets {
            if let Err(e) = self.node.dial(addr.clone()).await {
                debug!(%addr, "redial: {e}");
            }
        }
    }

    /// `hub`'s ledger with the units done since the last flush.
    fn ledger(&self, hub: Address) -> Result<HubLedger> {
        let mut l = self.state.hub(hub)?;
        if let Some((units, earned)) = lock(&self.pending).get(&hub) {
            l.units_done += units;
            l.earned = l.earned.saturating_add(*earned);
        }
        Ok(l)
    }

    /// Writes the units done since the last flush to the state.
    fn flush(&self) {
        let pending = std::mem::take(&mut *lock(&self.pending));
        for (hub, (units, earned)) in pending {
            let written = self.state.update_hub(hub, |h| {
                h.units_done += units;
                h.earned = h.earned.saturating_add(earned);
            });
            if let Err(e) = written {
                // Keep them for the next flush.
                let mut p = lock(&self.pending);
                let e2 = p.entry(hub).or_default();
                e2.0 += units;
                e2.1 = e2.1.saturating_add(earned);
                drop(p);
                self.warn(e.to_string());
            }
        }
    }

    fn spawn_round(self: &Arc<Self>) {
        if self.round_running.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(e) = me.round().await {
                me.warn(format!("round: {e}"));
            }
            me.round_running.store(false, Ordering::SeqCst);
        });
    }

    // ---- leases ----

    async fn serve_lease(&self, id: u64, peer: PeerId, lease: WorkLease, inputs: Vec<Bytes>) {
        let hub = lock(&self.peers).get(&peer).copied();
        let started = Instant::now();
        let response = match self.compute(hub, &lease, inputs).await {
            Ok((hub, outputs, falsified)) => {
                match lease.answer_signed(outputs, self.node.domain(), &self.config.signer) {
                    Ok(answer) => Ok((hub, answer, falsified)),
                    Err(e) => Err(format!("cannot sign the lease receipt: {e}")),
                }
            }
            Err(reason) => Err(reason),
        };
        match response {
            Ok((hub, answer, falsified)) => {
                if let Err(e) = self.node.answer_work(id, answer).await {
                    self.warn(format!("cannot answer the lease of hub {hub}: {e}"));
                    return;
                }
                let n = lease.count();
                lock(&self.last_lease).insert(hub, Instant::now());
                match self.ledger(hub) {
                    Ok(l) => {
                        let mut pending = lock(&self.pending);
                        let p = pending.entry(hub).or_default();
                        p.0 += n;
                        p.1 =
                            p.1.saturating_add(l.pay_per_unit.saturating_mul(U256::from(n)));
                    }
                    Err(e) => self.warn(e.to_string()),
                }
                self.emit(MinerEvent::LeaseDone {
                    hub,
                    task: lease.task_id,
                    first: lease.first,
                    units: n,
                    millis: started.elapsed().as_millis() as u64,
                    falsified,
                });
            }
            Err(reason) => {
                self.emit(MinerEvent::LeaseRefused {
                    hub,
                    peer: peer.to_string(),
                    reason: reason.clone(),
                });
                if let Err(e) = self
                    .node
                    .answer_work(id, WorkResponse::Refused { reason })
                    .await
                {
                    debug!(%peer, "cannot refuse the lease: {e}");
                }
            }
        }
    }

    /// Checks a lease and computes it: the outputs and the units falsified (test knob). Refusals are reasons.
    async fn compute(
        &self,
        hub: Option<Address>,
        lease: &WorkLease,
        inputs: Vec<Bytes>,
    ) -> std::result::Result<(Address, Vec<Bytes>, Vec<u64>), String> {
        let hub = hub.ok_or("the peer is not a hub this miner knows (no announcement seen)")?;
        let ledger = self.ledger(hub).map_err(|e| e.to_string())?;
        if ledger.debt() > self.config.max_debt {
            self.drop_hub(hub, &ledger).await;
            return Err(format!(
                "hub {hub} owes this miner {} SNM, over its limit of {} SNM: no work until it pays",
                format_snm(ledger.debt()),
                format_snm(self.config.max_debt)
            ));
        }
        if ledger.dropped {
            return Err(format!("this miner dropped hub {hub}: it does not pay"));
        }
        if ledger.capacity == 0 {
            return Err(format!("this miner has not joined hub {hub} (or left it)"));
        }
        if let Some(mark) = ledger.mark.filter(|m| *m < self.config.accept) {
            return Err(format!(
                "this miner marks hub {hub} {mark}: it works for it no more"
            ));
        }
        let spec = self.task(lease.task_id).await.map_err(|e| e.to_string())?;
        if spec.solver != hub {
            return Err(format!("task {} is not a deal of hub {hub}", lease.task_id));
        }
        if spec.input_root != lease.input_root {
            return Err(format!(
                "the lease's input root is not task {}'s",
                lease.task_id
            ));
        }
        let executor = self
            .executor(spec.computation)
            .await
            .map_err(|e| e.to_string())?;
        let pool = Arc::clone(&self.pool);
        let (gas, max_bytes) = (spec.gas_per_leaf, spec.max_leaf_bytes);
        let mut outputs = tokio::task::spawn_blocking(move || {
            pool.install(|| {
                inputs
                    .par_iter()
                    .map(|x| executor.leaf(x, gas, max_bytes))
                    .collect::<std::result::Result<Vec<Bytes>, _>>()
            })
        })
        .await
        .map_err(|e| format!("the compute task failed: {e}"))?
        .map_err(|e| format!("executor: {e}"))?;
        let mut falsified = Vec::new();
        if let Some(n) = self.config.dishonest_one_in {
            for (k, out) in outputs.iter_mut().enumerate() {
                let index = lease.first + k as u64;
                if falsify(lease.task_id, index, self.me, n) {
                    let mut wrong = out.to_vec();
                    match wrong.first_mut() {
                        Some(b) => *b ^= 0xff,
                        None => wrong.push(1),
                    }
                    *out = Bytes::from(wrong);
                    falsified.push(index);
                }
            }
        }
        Ok((hub, outputs, falsified))
    }

    async fn task(&self, id: U256) -> Result<TaskSpec> {
        if let Some(t) = lock(&self.tasks).get(&id) {
            return Ok(t.clone());
        }
        let n = u64::try_from(id)
            .map_err(|_| MinerError::Config(format!("task {id} is not a map task id")))?;
        let t = MapTasks::new(&self.client)?.task(n).await?;
        let spec = TaskSpec {
            solver: t.solver,
            input_root: t.input_root,
            computation: t.computation,
            gas_per_leaf: u64::from(t.gas_per_leaf),
            max_leaf_bytes: t.max_leaf_bytes,
        };
        lock(&self.tasks).insert(id, spec.clone());
        Ok(spec)
    }

    async fn executor(&self, computation: Address) -> Result<Executor> {
        if let Some(e) = lock(&self.executors).get(&computation) {
            return Ok(e.clone());
        }
        let e = Executor::from_deployment(
            self.client.provider_ref(),
            self.client.deployment(),
            computation,
        )
        .await?;
        info!(%computation, "executor loaded from the chain");
        lock(&self.executors).insert(computation, e.clone());
        Ok(e)
    }

    async fn drop_hub(&self, hub: Address, ledger: &HubLedger) {
        if ledger.dropped {
            return;
        }
        if let Err(e) = self.state.update_hub(hub, |h| h.dropped = true) {
            self.warn(e.to_string());
        }
        self.emit(MinerEvent::HubDropped {
            hub,
            debt: ledger.debt(),
            max_debt: self.config.max_debt,
        });
        if ledger.capacity > 0 {
            self.join(hub, 0, "its unpaid debt passed the limit").await;
        }
    }

    // ---- the round: marks, joins, receipts, reports ----

    async fn round(self: &Arc<Self>) -> Result<()> {
        self.flush();
        let known = self.node.hubs().await?;
        {
            let mut peers = lock(&self.peers);
            let mut addrs = lock(&self.addrs);
            for k in &known {
                peers.insert(k.peer, k.announcement.hub);
                addrs.insert(k.peer, k.announcement.multiaddrs());
            }
        }
        self.redial().await;
        let mut announced: HashMap<Address, (PeerId, String)> = HashMap::new();
        let wall = wall_now().as_secs();
        for (hub, (peer, name, expiry)) in lock(&self.asked).iter() {
            if *expiry > wall {
                announced.insert(*hub, (*peer, name.clone()));
            }
        }
        for k in &known {
            announced.insert(k.announcement.hub, (k.peer, k.announcement.name.clone()));
        }
        let mut hubs: Vec<Address> = announced.keys().copied().collect();
        for l in self.state.hubs()? {
            if !hubs.contains(&l.hub) {
                hubs.push(l.hub);
            }
        }
        hubs.sort();

        // Marks and the debt limit.
        let mut marks: HashMap<Address, Assessment> = HashMap::new();
        for &hub in &hubs {
            let facts = match HubFacts::read(&self.client, hub).await {
                Ok(f) => f,
                Err(e) => {
                    self.warn(format!("cannot read hub {hub}: {e}"));
                    continue;
                }
            };
            let reports = self.state.reports(hub, wall)?;
            let mut ledger = self.ledger(hub)?;
            let a = judge(&facts, &reports, &ledger, self.config.max_debt);
            let over = ledger.debt() > self.config.max_debt;
            if over && !ledger.dropped {
                self.drop_hub(hub, &ledger).await;
                ledger.dropped = true;
            } else if !over && ledger.dropped {
                self.emit(MinerEvent::HubRestored {
                    hub,
                    debt: ledger.debt(),
                });
                ledger.dropped = false;
            }
            let name = announced
                .get(&hub)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| facts.name.clone());
            let peer = announced.get(&hub).map(|(p, _)| p.to_string());
            if ledger.mark != Some(a.mark) {
                self.emit(MinerEvent::HubMarked {
                    hub,
                    name: name.clone(),
                    mark: a.mark,
                    reasons: a.reasons.clone(),
                });
            }
            let dropped = ledger.dropped;
            self.state.update_hub(hub, |h| {
                h.mark = Some(a.mark);
                h.reasons = a.reasons.clone();
                h.dropped = dropped;
                h.name = name;
                if let Some(p) = peer {
                    h.peer = p;
                }
            })?;
            marks.insert(hub, a);
        }

        // Who is accepted: marked well enough, not dropped, reachable.
        let accepted: Vec<Address> = hubs
            .iter()
            .copied()
            .filter(|h| {
                announced.contains_key(h)
                    && marks.get(h).is_some_and(|a| a.mark >= self.config.accept)
            })
            .collect();
        // A hub never joined: join with a fair share to learn its pay.
        let mut joined_now = HashSet::new();
        for &hub in &accepted {
            let ledger = self.ledger(hub)?;
            if ledger.pay_per_unit.is_zero() && !ledger.dropped {
                let share = (self.config.capacity / accepted.len().max(1) as u32).max(1);
                self.join(hub, share, "first contact").await;
                joined_now.insert(hub);
            }
        }
        let max_exposure = snm_f64(self.config.max_exposure);
        let max_debt = snm_f64(self.config.max_debt);
        let mut prospects = Vec::new();
        for &hub in &accepted {
            let ledger = self.ledger(hub)?;
            if ledger.pay_per_unit.is_zero() || ledger.dropped {
                continue;
            }
            let pay = snm_f64(ledger.pay_per_unit);
            let busy = [&self.last_lease, &self.joined_at]
                .iter()
                .any(|m| lock(m).get(&hub).is_some_and(|t| t.elapsed() < WORK_MEMORY));
            prospects.push(Prospect {
                hub,
                pay_per_unit: pay * if busy { 1.0 } else { IDLE_UTILIZATION },
                pay_probability: marks.get(&hub).map_or(0.0, |a| a.pay_probability),
                cap: briefcase::cap(pay, max_exposure, max_debt, snm_f64(ledger.debt())),
                min: 1,
            });
        }
        let split =
            briefcase::allocate(self.config.capacity, &prospects, self.config.risk_aversion);
        let target: HashMap<Address, u32> = prospects
            .iter()
            .zip(&split.units)
            .map(|(p, &x)| (p.hub, x))
            .collect();
        let rejoin: HashSet<Address> = std::mem::take(&mut *lock(&self.rejoin));
        for &hub in &hubs {
            let ledger = self.ledger(hub)?;
            let want = target.get(&hub).copied().unwrap_or(0);
            if !announced.contains_key(&hub) && ledger.capacity == 0 {
                continue;
            }
            if !marks.contains_key(&hub) {
                // Its facts could not be read this round: change nothing on a passing error.
                continue;
            }
            let backing_off = lock(&self.refused)
                .get(&hub)
                .is_some_and(|until| Instant::now() < *until);
            if want > 0 && backing_off {
                continue;
            }
            let again = rejoin.contains(&hub) && !joined_now.contains(&hub);
            if want != ledger.capacity || (want > 0 && again) {
                let why = match marks.get(&hub) {
                    _ if ledger.dropped => "its unpaid debt passed the limit".to_owned(),
                    Some(a) if a.mark < self.config.accept => format!(
                        "marked {}: {}",
                        a.mark,
                        a.reasons.first().cloned().unwrap_or_default()
                    ),
                    _ if !announced.contains_key(&hub) => {
                        "its announcement is gone (expired, or no longer believed)".to_owned()
                    }
                    _ => "the briefcase gives it no capacity".to_owned(),
                };
                self.join(hub, want, &why).await;
            }
        }

        // Receipts, claims, reports.
        for &hub in &hubs {
            let ledger = self.ledger(hub)?;
            if ledger.units_done == 0 {
                continue;
            }
            if let Some((peer, _)) = announced.get(&hub)
                && let Err(e) = self.receipts(hub, *peer).await
            {
                self.warn(format!("receipts of hub {hub}: {e}"));
            }
            if let Err(e) = self.claim(hub).await {
                self.warn(format!("claim from hub {hub}: {e}"));
            }
            if let Err(e) = self.report(hub).await {
                debug!(%hub, "no report: {e}");
            }
        }
        Ok(())
    }

    /// Sends `Join { capacity }` and records the answer.
    async fn join(&self, hub: Address, capacity: u32, why: &str) {
        let peer = lock(&self.peers)
            .iter()
            .find(|(_, h)| **h == hub)
            .map(|(p, _)| *p);
        let Some(peer) = peer else {
            if capacity == 0 {
                // Never reached: nothing to tell it, and nothing of its to take.
                let _ = self.state.update_hub(hub, |h| h.capacity = 0);
            }
            return;
        };
        let before = self.state.hub(hub).map(|l| l.capacity).unwrap_or(0);
        // Take leases from it as soon as it may send them (it may lease before its answer arrives here).
        if capacity > 0
            && let Err(e) = self.state.update_hub(hub, |h| h.capacity = capacity)
        {
            self.warn(e.to_string());
        }
        let answer = self
            .node
            .market(
                peer,
                MarketRequest::Join {
                    miner: self.me,
                    capacity,
                },
            )
            .await;
        match answer {
            Ok(MarketResponse::Joined {
                hub: said,
                pay_per_unit,
            }) if said == hub => {
                if let Err(e) = self.state.update_hub(hub, |h| {
                    h.capacity = capacity;
                    h.pay_per_unit = pay_per_unit;
                }) {
                    self.warn(e.to_string());
                }
                if capacity > 0 && before == 0 {
                    lock(&self.joined_at).insert(hub, Instant::now());
                }
                if capacity > 0 && capacity != before {
                    self.emit(MinerEvent::Joined {
                        hub,
                        capacity,
                        pay_per_unit,
                    });
                } else if capacity == 0 && before > 0 {
                    self.emit(MinerEvent::Left {
                        hub,
                        reason: why.to_owned(),
                    });
                }
            }
            Ok(MarketResponse::Joined { hub: said, .. }) => {
                let _ = self.state.update_hub(hub, |h| h.capacity = 0);
                self.warn(format!("hub {hub}'s peer answered a join as hub {said}"));
            }
            Ok(MarketResponse::Refused { reason }) => {
                let _ = self.state.update_hub(hub, |h| h.capacity = 0);
                lock(&self.refused).insert(hub, Instant::now() + REFUSED_BACKOFF);
                self.warn(format!("hub {hub} refused the join: {reason}"));
            }
            Ok(other) => {
                let _ = self.state.update_hub(hub, |h| h.capacity = before);
                self.warn(format!("hub {hub} answered a join with {other:?}"));
            }
            Err(e) => {
                if capacity > 0 {
                    let _ = self.state.update_hub(hub, |h| h.capacity = before);
                } else {
                    // It cannot be reached: it leases nothing to us either way.
                    let _ = self.state.update_hub(hub, |h| h.capacity = 0);
                    if before > 0 {
                        self.emit(MinerEvent::Left {
                            hub,
                            reason: why.to_owned(),
                        });
                    }
                }
                self.warn(format!("cannot join hub {hub}: {e}"));
            }
        }
    }

    /// Fetches the receipts hub `hub` signed for this miner and presents every one not yet paid.
    async fn receipts(&self, hub: Address, peer: PeerId) -> Result<()> {
        let answer = self
            .node
            .market(peer, MarketRequest::Receipts { miner: self.me })
            .await?;
        let receipts = match answer {
            MarketResponse::Receipts { receipts } => receipts,
            MarketResponse::Refused { reason } => {
                return Err(MinerError::Config(format!("refused: {reason}")));
            }
            other => return Err(MinerError::Config(format!("answered {other:?}"))),
        };
        let origin = format!("a receipt from hub {hub}");
        let agent = Receipts::new(&self.client)?;
        for bytes in receipts {
            let signed = match std::str::from_utf8(&bytes)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    SignedReceipt::from_json(t, Path::new(&origin)).map_err(|e| e.to_string())
                }) {
                Ok(s) => s,
                Err(e) => {
                    self.warn(format!("hub {hub} sent a receipt that does not parse: {e}"));
                    continue;
                }
            };
            let r = signed.receipt.clone();
            if r.miner != self.me || r.hub != hub {
                self.warn(format!(
                    "hub {hub} sent a receipt of hub {} for miner {}",
                    r.hub, r.miner
                ));
                continue;
            }
            let hash = signed.hash()?;
            // What the miner's books keep of this receipt: whether it was paid, and by which transaction.
            let record = |redeemed, tx| ReceiptRecord {
                hub,
                deal: r.deal,
                amount: r.amount,
                nonce: r.nonce,
                redeemed,
                tx,
            };
            let seen = self.state.receipt(hash)?;
            if seen.as_ref().is_some_and(|s| s.redeemed) {
                continue;
            }
            let status = agent.status(&signed).await?;
            if status.used {
                // Presented by someone else: the miner was credited.
                self.state.record_receipt(hash, &record(true, B256::ZERO))?;
                continue;
            }
            if let Some(problem) = status.problems.first() {
                if seen.is_none() {
                    self.warn(format!("receipt {} of hub {hub}: {problem}", r.nonce));
                    self.state
                        .record_receipt(hash, &record(false, B256::ZERO))?;
                }
                continue;
            }
            if seen.is_some() && !status.payable() {
                // Dishonoured once already; present it again once the wallet can pay it.
                continue;
            }
            let redemption = agent.redeem(&signed).await?;
            self.state
                .record_receipt(hash, &record(redemption.redeemed, redemption.tx))?;
            if redemption.redeemed {
                self.emit(MinerEvent::ReceiptRedeemed {
                    hub,
                    deal: r.deal,
                    amount: r.amount,
                    tx: redemption.tx,
                });
            } else {
                self.emit(MinerEvent::ReceiptDishonoured {
                    hub,
                    deal: r.deal,
                    amount: r.amount,
                    reason: redemption
                        .dishonoured_because
                        .unwrap_or_else(|| "the wallet could not pay it".into()),
                    tx: redemption.tx,
                });
            }
        }
        Ok(())
    }

    /// Claims what `hub`'s wallet owes this miner, if anything.
    async fn claim(&self, hub: Address) -> Result<()> {
        let owed = Hubs::new(&self.client)?.owed(hub, self.me).await?;
        if owed.is_zero() {
            return Ok(());
        }
        let (amount, tx) = MinerRole::new(&self.client)?.claim(hub).await?;
        self.state
            .update_hub(hub, |h| h.claimed = h.claimed.saturating_add(amount))?;
        self.emit(MinerEvent::Claimed { hub, amount, tx });
        Ok(())
    }

    /// Publishes a `MinerReport` on `hub` when its figures changed or the last one is getting old (only a miner the
    /// hub paid can report: the network refuses the others').
    async fn report(&self, hub: Address) -> Result<()> {
        let block = self
            .chain
            .block_number()
            .await
            .map_err(|e| MinerError::Config(e.to_string()))?;
        let paid = self
            .chain
            .payments(hub, self.me, block)
            .await
            .map_err(|e| MinerError::Config(e.to_string()))?;
        if paid.count == 0 {
            return Ok(());
        }
        let owed = self.ledger(hub)?.debt();
        if let Some((p, o, at)) = lock(&self.published).get(&hub)
            && *p == paid.total
            && *o == owed
            && at.elapsed() < REPORT_EVERY
        {
            return Ok(());
        }
        let now = wall_now();
        let report = MinerReport {
            hub,
            miner: self.me,
            paid: paid.total,
            owed,
            lastPaid: paid.last_paid_at,
            atBlock: block,
            expiry: now.as_secs() + REPORT_LIFETIME.as_secs(),
            seq: now.as_millis() as u64,
        }
        .sign(self.node.domain(), &self.config.signer)?;
        self.node.publish(&Gossip::MinerReport(report)).await?;
        lock(&self.published).insert(hub, (paid.total, owed, Instant::now()));
        self.emit(MinerEvent::Reported {
            hub,
            paid: paid.total,
            owed,
        });
        Ok(())
    }
}

/// A hub's mark as this miner holds it: the chain and the peers' reports ([`assess`]), and not confirmed while it owes
/// this miner more than `max_debt`.
pub fn judge(
    facts: &HubFacts,
    reports: &[sonm_agents::mark::ReportSummary],
    ledger: &HubLedger,
    max_debt: U256,
) -> Assessment {
    let mut a = assess(facts, reports);
    if ledger.debt() > max_debt {
        a.mark = Mark::NotConfirmed;
        a.pay_probability = Mark::NotConfirmed.pay_probability();
        a.reasons.insert(
            0,
            format!(
                "it owes this miner {} SNM for {} units, over the limit of {} SNM",
                format_snm(ledger.debt()),
                ledger.units_done,
                format_snm(max_debt)
            ),
        );
    }
    a
}

/// Whether the test knob falsifies unit `index` of `task`: about one unit in `n`, the same ones every run.
pub fn falsify(task: U256, index: u64, miner: Address, n: u64) -> bool {
    let h = keccak256(
        [
            task.to_be_bytes::<32>().as_slice(),
            &index.to_be_bytes(),
            miner.as_slice(),
        ]
        .concat(),
    );
    let mut word = [0u8; 8];
    word.copy_from_slice(&h[..8]);
    u64::from_be_bytes(word) % n.max(1) == 0
}

/// Wei as SNM in floating point (for the briefcase only).
pub fn snm_f64(wei: U256) -> f64 {
    let whole: u128 = (wei / U256::from(10u64).pow(U256::from(18u64))).saturating_to();
    let frac: u128 = (wei % U256::from(10u64).pow(U256::from(18u64))).saturating_to();
    whole as f64 + frac as f64 / 1e18
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNM: u64 = 1_000_000_000_000_000_000;

    fn facts() -> HubFacts {
        HubFacts {
            hub: Address::repeat_byte(1),
            listed: true,
            state: Some(sonm_agents::HubState::Registered),
            free_balance: U256::from(50u64) * U256::from(SNM),
            now: 1_900_000_000,
            ..HubFacts::default()
        }
    }

    #[test]
    fn a_hub_owing_more_than_the_limit_is_not_confirmed_and_the_reason_comes_first() {
        let mut ledger = HubLedger {
            hub: Address::repeat_byte(1),
            units_done: 30,
            earned: U256::from(30u64) * U256::from(SNM),
            redeemed: U256::from(10u64) * U256::from(SNM),
            ..HubLedger::default()
        };
        let limit = U256::from(20u64) * U256::from(SNM);
        // Owes exactly the limit: still checked.
        let a = judge(&facts(), &[], &ledger, limit);
        assert_eq!(a.mark, Mark::Checked);
        ledger.redeemed -= U256::from(1u64);
        let a = judge(&facts(), &[], &ledger, limit);
        assert_eq!(a.mark, Mark::NotConfirmed);
        assert_eq!(a.pay_probability, 0.0);
        assert!(
            a.reasons[0].starts_with("it owes this miner 20.000000000000000001 SNM for 30 units, over the limit of 20 SNM"),
            "{:?}",
            a.reasons
        );
    }

    #[test]
    fn the_dishonest_knob_falsifies_about_one_unit_in_n_and_always_the_same() {
        let miner = Address::repeat_byte(9);
        let hits = (0..8000u64)
            .filter(|&i| falsify(U256::from(3u64), i, miner, 8))
            .count();
        assert!((850..1150).contains(&hits), "{hits} of 8000");
        assert_eq!(
            falsify(U256::from(3u64), 17, miner, 8),
            falsify(U256::from(3u64), 17, miner, 8)
        );
        assert!((0..100).all(|i| falsify(U256::from(1u64), i, miner, 1)));
    }

    #[test]
    fn wei_read_as_snm() {
        assert_eq!(
            snm_f64(U256::from(SNM) * U256::from(3u64) / U256::from(2u64)),
            1.5
        );
        assert_eq!(snm_f64(U256::ZERO), 0.0);
    }
}
