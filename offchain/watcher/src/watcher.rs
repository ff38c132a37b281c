//! The bot's pass: follow the events under the confirmation depth, follow the transactions in flight, then act on
//! every live commitment, query and dispute.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use alloy::eips::BlockNumberOrTag;
use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::{DynProvider, Provider as _, ProviderBuilder};
use alloy::rpc::types::Filter;
use alloy::transports::http::reqwest;
use sonm_agents::proof::SaltSeed;
use sonm_bindings::{ChainGame, Contract, Deployment, MapGame, SonmToken};
use sonm_executor::{ChainRun, Executor};
use tracing::{Instrument as _, Span, debug, info, warn};

use crate::WatcherConfig;
use crate::data::LeafData;
use crate::error::{Result, WatchError, rpc};
use crate::index::{Applied, Index};
use crate::journal::Journal;
use crate::logs::{LogsFailure, fetch_split};
use crate::metrics::Metrics;
use crate::sender::{Sender, Sent};
use crate::verdict::Verdict;
use prometheus_client::registry::Registry;

/// What one pass did.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PassReport {
    /// The head when the pass started.
    pub head: u64,
    /// The last block whose events were acted on.
    pub safe: u64,
    /// The actions sent in this pass (their journal keys, e.g. `map:proveCheat:3:1:0`).
    pub sent: Vec<String>,
    /// Calls skipped because they would revert: `key: decoded reason`.
    pub skipped: Vec<String>,
    /// Transactions still waiting for a block.
    pub pending: usize,
}

/// The watcher/challenger bot: connect, then call [`Watcher::pass`] (or let [`crate::run`] do it).
#[derive(Debug)]
pub struct Watcher {
    pub(crate) cfg: WatcherConfig,
    pub(crate) provider: DynProvider,
    pub(crate) me: Address,
    pub(crate) chain_id: u64,
    pub(crate) deployment: Deployment,
    pub(crate) map: MapGame::MapGameInstance<DynProvider>,
    pub(crate) chain: ChainGame::ChainGameInstance<DynProvider>,
    pub(crate) token: SonmToken::SonmTokenInstance<DynProvider>,
    pub(crate) judge: Address,
    pub(crate) http: reqwest::Client,
    pub(crate) sender: Sender,
    pub(crate) metrics: Arc<Metrics>,
    /// The one registry: the watcher's metrics and the P2P node's.
    registry: Arc<Registry>,
    net_metrics: sonm_net::Metrics,
    /// The P2P node, started at connect with `--p2p-listen`/`--peer`, else at the first `sonm://` URI.
    net: Option<sonm_net::Node>,
    /// Derived from the key: the root of every salt, never stored (the same as `sonm map prove-cheat`'s).
    salt_seed: SaltSeed,
    pub(crate) index: Index,
    /// The next block to scan; the hash of the last block scanned, to notice a reorg deeper than the depth.
    cursor: u64,
    scanned: Option<(u64, B256)>,
    /// The head of the last complete pass.
    last_head: Option<u64>,
    log_chunk: u64,
    pub(crate) executors: HashMap<Address, Executor>,
    pub(crate) inputs: HashMap<u64, Arc<LeafData>>,
    pub(crate) own_results: HashMap<(u64, u32), Arc<LeafData>>,
    pub(crate) verdicts: HashMap<(u64, u32), Verdict>,
    pub(crate) chain_runs: HashMap<u64, Arc<ChainRun>>,
    pub(crate) chain_checked: HashSet<(u64, B256)>,
    /// Answers to the bot's queries already recomputed.
    pub(crate) answers_checked: HashSet<u64>,
    /// The current pass's report.
    pub(crate) report: PassReport,
}

/// The ids of `entries` for which `live` holds, in order.
fn live_ids<T>(entries: &BTreeMap<u64, T>, live: impl Fn(&T) -> bool) -> Vec<u64> {
    entries
        .iter()
        .filter(|(_, e)| live(e))
        .map(|(id, _)| *id)
        .collect()
}

/// The state a pass acts at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub head: u64,
    pub safe: u64,
    /// The safe block's timestamp.
    pub now: u64,
}

impl Watcher {
    /// Connects to the node, reads the deployment and opens the state file.
    pub async fn connect(cfg: WatcherConfig) -> Result<Self> {
        let url = cfg
            .rpc_url
            .parse::<reqwest::Url>()
            .map_err(|e| WatchError::BadRpcUrl {
                url: cfg.rpc_url.clone(),
                reason: e.to_string(),
            })?;
        let provider = ProviderBuilder::new().connect_http(url).erased();
        let chain_id = provider.get_chain_id().await.map_err(rpc("eth_chainId"))?;
        // A deployments file left from before anvil restarted is refused here, in one line, not at the first call.
        let deployment =
            Deployment::load_checked(&cfg.deployments_dir, chain_id, &provider).await?;
        let map = MapGame::new(deployment.address(Contract::MapGame)?, provider.clone());
        let chain = ChainGame::new(deployment.address(Contract::ChainGame)?, provider.clone());
        let token = SonmToken::new(deployment.address(Contract::SonmToken)?, provider.clone());
        let judge = deployment.address(Contract::JudgeHarness)?;
        let me = cfg.signer.address();
        let mut registry = Registry::default();
        let metrics = Arc::new(Metrics::new(&mut registry));
        let net_metrics = sonm_net::Metrics::new(&mut registry);
        let journal = Journal::open(cfg.state_path.as_deref(), chain_id, me)?;
        let sender = Sender::new(
            provider.clone(),
            EthereumWallet::from(cfg.signer.clone()),
            me,
            chain_id,
            journal,
            cfg.max_pending,
            cfg.bump_after_blocks,
            metrics.clone(),
        );
        let salt_seed = SaltSeed::new(&cfg.signer);
        let cursor = cfg.from_block.unwrap_or(deployment.start_block);
        info!(%me, chain_id, from_block = cursor, confirmations = cfg.confirmations, "watching");
        let mut watcher = Self {
            log_chunk: cfg.max_log_range.max(1),
            cfg,
            provider,
            me,
            chain_id,
            deployment,
            map,
            chain,
            token,
            judge,
            http: reqwest::Client::new(),
            sender,
            metrics,
            registry: Arc::new(registry),
            net_metrics,
            net: None,
            salt_seed,
            index: Index::default(),
            cursor,
            scanned: None,
            last_head: None,
            executors: HashMap::new(),
            inputs: HashMap::new(),
            own_results: HashMap::new(),
            verdicts: HashMap::new(),
            chain_runs: HashMap::new(),
            chain_checked: HashSet::new(),
            answers_checked: HashSet::new(),
            report: PassReport::default(),
        };
        if !watcher.cfg.p2p_listen.is_empty() || !watcher.cfg.peers.is_empty() {
            watcher.node().await.map_err(WatchError::Config)?;
        }
        Ok(watcher)
    }

    /// The registry every metric is in (the watcher's and its P2P node's), for a `/metrics` server.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    /// The P2P node, started on first use.
    pub(crate) async fn node(&mut self) -> std::result::Result<&sonm_net::Node, String> {
        if self.net.is_none() {
            let mut config = sonm_net::NodeConfig {
                peers: self.cfg.peers.clone(),
                metrics: self.net_metrics.clone(),
                ..sonm_net::NodeConfig::default()
            };
            if !self.cfg.p2p_listen.is_empty() {
                config.listen = self.cfg.p2p_listen.clone();
            }
            let chain = Arc::new(sonm_net::WhitelistChain::new(
                self.provider.clone(),
                self.deployment.clone(),
            ));
            let (node, mut events) = sonm_net::Node::start(config, chain)
                .await
                .map_err(|e| format!("the P2P node did not start: {e}"))?;
            info!(peer_id = %node.peer_id(), "P2P node started");
            // The watcher asks, it does not follow gossip: the events are read and dropped.
            tokio::spawn(async move { while events.next().await.is_some() {} });
            self.net = Some(node);
        }
        self.net
            .as_ref()
            .ok_or_else(|| "the P2P node did not start".to_owned())
    }

    /// The result data at `uri`: a `sonm://` URI's tree is fetched from its peer over the data protocol (every leaf
    /// checked against `root`), anything else is read as a file or an http(s) URL.
    pub(crate) async fn fetch_results(
        &mut self,
        uri: &str,
        root: B256,
        leaf_count: u64,
    ) -> std::result::Result<crate::data::Fetched, String> {
        let Some(rest) = uri.strip_prefix("sonm://") else {
            return crate::data::fetch(uri, &self.http)
                .await
                .map(crate::data::Fetched::Text);
        };
        let (addr, peer, named) = crate::data::parse_sonm_uri(rest)?;
        if named != root {
            return Err(format!("{uri} names root {named}, the commitment {root}"));
        }
        let node = self.node().await?;
        node.dial(addr).await.map_err(|e| format!("{uri}: {e}"))?;
        let leaves = node
            .fetch_tree(peer, root, leaf_count)
            .await
            .map_err(|e| format!("{uri}: {e}"))?;
        Ok(crate::data::Fetched::Leaves(leaves))
    }

    /// Stops the P2P node, if one runs.
    pub async fn shutdown(&mut self) {
        if let Some(node) = self.net.take() {
            node.shutdown().await;
        }
    }

    /// The bot's metrics (shared with the `/metrics` endpoint).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// The bot's address.
    pub fn address(&self) -> Address {
        self.me
    }

    /// One pass: read the newly confirmed events, follow the transactions in flight, act on everything live.
    pub async fn pass(&mut self) -> Result<PassReport> {
        self.metrics.pass();
        self.report = PassReport::default();
        let head = self.rpc_result("eth_blockNumber", self.provider.get_block_number().await)?;
        let safe = head.saturating_sub(self.cfg.confirmations);
        if self.last_head == Some(head) && self.sender.pending() == 0 {
            // Nothing on chain changes without a block, and nothing of ours is in flight.
            self.report.head = head;
            self.report.safe = safe;
            return Ok(self.report.clone());
        }
        let block = self
            .rpc_result(
                "eth_getBlockByNumber",
                self.provider
                    .get_block_by_number(BlockNumberOrTag::Number(safe))
                    .await,
            )?
            .ok_or_else(|| WatchError::Rpc {
                what: "eth_getBlockByNumber".into(),
                reason: format!("no block {safe}"),
            })?;
        self.follow_events(safe, block.header.hash, block.header.parent_hash)
            .await?;
        let at = At {
            head,
            safe,
            now: block.header.timestamp,
        };
        self.metrics
            .safe_block
            .set(i64::try_from(safe).unwrap_or(i64::MAX));
        self.sender.poll(head, safe).await?;

        // Answers first: a wrong one becomes a proof in this same pass.
        let me = self.me;
        let answered: Vec<u64> = self
            .index
            .queries
            .iter()
            .filter(|(id, q)| {
                q.challenger == me && q.answer.is_some() && !self.answers_checked.contains(id)
            })
            .map(|(id, _)| *id)
            .collect();
        self.act_on_each(
            "answer check",
            answered,
            |id| tracing::info_span!("answer", query = id),
            async |w, id| w.check_answer(id).await,
        )
        .await;
        let map_tasks = live_ids(&self.index.map_tasks, |t| t.live.is_some());
        self.act_on_each(
            "map task",
            map_tasks,
            |id| tracing::info_span!("map_task", task = id),
            async move |w, id| w.act_map_task(id, at).await,
        )
        .await;
        let queries = live_ids(&self.index.queries, |q| q.open);
        self.act_on_each(
            "query",
            queries,
            |id| tracing::info_span!("query", query = id),
            async move |w, id| w.act_query(id, at).await,
        )
        .await;
        let chain_tasks = live_ids(&self.index.chain_tasks, |t| t.live.is_some());
        self.act_on_each(
            "chain task",
            chain_tasks,
            |id| tracing::info_span!("chain_task", task = id),
            async move |w, id| w.act_chain_task(id, at).await,
        )
        .await;
        self.act_disputes(at).await;
        self.forget_finished();
        self.last_head = Some(head);
        self.report.head = head;
        self.report.safe = safe;
        self.report.pending = self.sender.pending();
        Ok(self.report.clone())
    }

    /// Runs `act` on each of `ids` inside the span `span(id)`. A failure is counted, logged and left for the next
    /// pass; the other ids are still acted on.
    async fn act_on_each(
        &mut self,
        what: &'static str,
        ids: Vec<u64>,
        span: impl Fn(u64) -> Span,
        act: impl AsyncFn(&mut Self, u64) -> Result<()>,
    ) {
        for id in ids {
            let span = span(id);
            if let Err(e) = act(self, id).instrument(span.clone()).await {
                self.note_error(&e);
                span.in_scope(|| warn!(error = %e, "{what}: will retry next pass"));
            }
        }
    }

    fn note_error(&self, e: &WatchError) {
        if matches!(e, WatchError::Rpc { .. }) {
            self.metrics.rpc_error();
        }
    }

    /// Counts an RPC call and maps its error.
    pub(crate) fn rpc_result<T, E: std::error::Error + 'static>(
        &self,
        what: &str,
        r: std::result::Result<T, E>,
    ) -> Result<T> {
        self.metrics.rpc();
        r.map_err(|e| {
            self.metrics.rpc_error();
            rpc(what)(e)
        })
    }

    /// Reads the events of `[cursor, safe]` (`hash` and `parent` are block `safe`'s). If the last block scanned is no
    /// longer on the chain (a reorg deeper than the confirmation depth), everything is forgotten and read again from
    /// the start.
    async fn follow_events(&mut self, safe: u64, hash: B256, parent: B256) -> Result<()> {
        if let Some((number, scanned)) = self.scanned {
            let still = if number == safe {
                hash == scanned
            } else if number + 1 == safe {
                parent == scanned
            } else {
                let now = self.rpc_result(
                    "eth_getBlockByNumber",
                    self.provider
                        .get_block_by_number(BlockNumberOrTag::Number(number))
                        .await,
                )?;
                now.map(|b| b.header.hash) == Some(scanned)
            };
            if !still {
                warn!(
                    block = number,
                    "a reorg deeper than the confirmation depth: reading the events again"
                );
                self.index = Index::default();
                self.verdicts.clear();
                self.chain_checked.clear();
                self.cursor = self.cfg.from_block.unwrap_or(self.deployment.start_block);
                self.scanned = None;
            }
        }
        if self.cursor > safe {
            return Ok(());
        }
        let addresses = vec![*self.map.address(), *self.chain.address()];
        let provider = self.provider.clone();
        let metrics = self.metrics.clone();
        let logs = fetch_split(self.cursor, safe, &mut self.log_chunk, |lo, hi| {
            let filter = Filter::new()
                .address(addresses.clone())
                .from_block(lo)
                .to_block(hi);
            let provider = provider.clone();
            let metrics = metrics.clone();
            async move {
                metrics.rpc();
                provider.get_logs(&filter).await.map_err(|e| {
                    metrics.rpc_error();
                    LogsFailure::from_rpc(&e)
                })
            }
        })
        .await?;
        if logs
            .iter()
            .any(|l| l.block_number == Some(safe) && l.block_hash.is_some_and(|h| h != hash))
        {
            // Block `safe` changed between the two reads: read the range again next pass.
            return Ok(());
        }
        let (map, chain) = (*self.map.address(), *self.chain.address());
        for log in &logs {
            if log.removed {
                continue;
            }
            if self.index.apply(log, map, chain) == Applied::TaskPosted {
                self.metrics.task_seen();
            }
        }
        self.scanned = Some((safe, hash));
        debug!(
            from = self.cursor,
            to = safe,
            logs = logs.len(),
            "events read"
        );
        self.cursor = safe + 1;
        Ok(())
    }

    /// Drops what was computed for commitments that are over (finalized, slashed, refunded): a long-running bot's
    /// memory follows the open tasks, not the history.
    fn forget_finished(&mut self) {
        let index = &self.index;
        let live_round = |id: &u64, round: &u32| {
            index
                .map_tasks
                .get(id)
                .and_then(|t| t.live.as_ref())
                .is_some_and(|c| c.round == *round)
        };
        self.inputs
            .retain(|id, _| index.map_tasks.get(id).is_some_and(|t| t.live.is_some()));
        self.verdicts.retain(|(id, round), _| live_round(id, round));
        self.own_results
            .retain(|(id, round), _| live_round(id, round));
        self.chain_runs.retain(|id, _| {
            index.chain_tasks.get(id).is_some_and(|t| t.live.is_some())
                || index.disputes.values().any(|d| d.open && d.task == *id)
        });
    }

    /// The executor of a computation (its code and the judge's read from the chain once).
    pub(crate) async fn executor(&mut self, computation: Address) -> Result<Executor> {
        if let Some(e) = self.executors.get(&computation) {
            return Ok(e.clone());
        }
        self.metrics.rpc();
        self.metrics.rpc();
        let e = Executor::from_chain(&self.provider, self.judge, computation).await?;
        self.executors.insert(computation, e.clone());
        Ok(e)
    }

    /// Map task `id`'s byte bound (`Task.maxLeafBytes`, fixed at posting), read once and kept in the index.
    pub(crate) async fn map_leaf_bound(&mut self, id: u64) -> Result<u32> {
        if let Some(max) = self.index.map_tasks.get(&id).and_then(|t| t.max_leaf_bytes) {
            return Ok(max);
        }
        let t = self.rpc_result("task", self.map.task(U256::from(id)).call().await)?;
        let max = u32::from(t.maxLeafBytes);
        if let Some(entry) = self.index.map_tasks.get_mut(&id) {
            entry.max_leaf_bytes = Some(max);
        }
        Ok(max)
    }

    /// Chain task `id`'s byte bound (`Task.maxStateBytes`, fixed at posting), read once and kept in the index.
    pub(crate) async fn chain_state_bound(&mut self, id: u64) -> Result<u32> {
        if let Some(max) = self
            .index
            .chain_tasks
            .get(&id)
            .and_then(|t| t.max_state_bytes)
        {
            return Ok(max);
        }
        let t = self.rpc_result("task", self.chain.task(U256::from(id)).call().await)?;
        let max = t.maxStateBytes.to::<u32>();
        if let Some(entry) = self.index.chain_tasks.get_mut(&id) {
            entry.max_state_bytes = Some(max);
        }
        Ok(max)
    }

    /// A salt only this key can know, for one proof (or one query index): revealing it later needs nothing
    /// stored, and `sonm map prove-cheat` with the same key derives the same one.
    pub(crate) fn salt(&self, game: Address, task: u64, round: u32, index: u64) -> B256 {
        self.salt_seed.salt(self.chain_id, game, task, round, index)
    }

    /// Sends an action through the nonce manager and records it in the pass's report.
    pub(crate) async fn send(
        &mut self,
        key: &str,
        what: &str,
        to: Address,
        data: Bytes,
        head: u64,
    ) -> Result<Sent> {
        let sent = self.sender.send(key, what, to, data, head).await?;
        match &sent {
            Sent::New(_) => self.report.sent.push(key.to_owned()),
            Sent::Skipped(reason) => {
                self.metrics.tx_skipped();
                self.report.skipped.push(format!("{key}: {reason}"));
            }
            Sent::Already | Sent::Deferred => {}
        }
        Ok(sent)
    }

    /// Makes sure the game `spender` may take `amount` of the bot's SNM for a bond. A bot posts bonds again and again,
    /// and exact approvals of concurrent bonds would overwrite each other, so the game is approved once for good (the
    /// token does not spend down an unlimited allowance). True once the allowance covers `amount`.
    pub(crate) async fn ensure_allowance(
        &mut self,
        spender: Address,
        amount: U256,
        head: u64,
    ) -> Result<bool> {
        let allowance = self.rpc_result(
            "allowance",
            self.token.allowance(self.me, spender).call().await,
        )?;
        if allowance >= amount {
            return Ok(true);
        }
        let data = self.token.approve(spender, U256::MAX).calldata().clone();
        let token = *self.token.address();
        self.send(&format!("approve:{spender}"), "approve", token, data, head)
            .await?;
        Ok(false)
    }
}
