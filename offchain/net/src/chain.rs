//! What the network checks against the chain, behind one small trait: the Whitelist's record of a hub (with its
//! wallet's operator key), what a hub paid a miner, a task's input root, the registry's endpoints.
//!
//! [`WhitelistChain`] reads a deployment over an alloy provider (what a node runs with); [`MemoryChain`] holds the
//! same facts in memory, for unit tests and benchmarks that have no node.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alloy::eips::BlockId;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::Filter;
use alloy::sol_types::{Eip712Domain, SolEvent as _};
use sonm_bindings::{Deployment, HubWallet, MapGame, Whitelist, one_line};
use tracing::debug;

use crate::message::domain;

/// The chain could not answer (not that the answer was "no").
#[derive(Debug, Clone, thiserror::Error)]
#[error("chain read failed ({what}): {reason}")]
pub struct ChainError {
    /// The call.
    pub what: &'static str,
    /// Why.
    pub reason: String,
}

/// A hub wallet's state, as the Whitelist mirrors it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HubState {
    /// Created, never registered.
    Created,
    /// Registered: the only state in which the network believes the hub.
    Registered,
    /// After PayDay or rehabilitation.
    Idle,
    /// Suspected by the DAO.
    Suspected,
    /// Banned.
    Punished,
    /// A state this crate does not know.
    Unknown(u8),
}

impl From<u8> for HubState {
    fn from(v: u8) -> Self {
        match v {
            0 => Self::Created,
            1 => Self::Registered,
            2 => Self::Idle,
            3 => Self::Suspected,
            4 => Self::Punished,
            other => Self::Unknown(other),
        }
    }
}

impl std::fmt::Display for HubState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown(v) => write!(f, "Unknown({v})"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A hub's record in the Whitelist, as read at `block`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubStanding {
    /// The wallet's owner: its announcements and reports speak for the hub.
    pub owner: Address,
    /// The wallet's operator key (`HubWallet.operator()`; zero: none): its announcements and reports speak for the
    /// hub too. A retired operator key does not.
    pub operator: Address,
    /// The wallet's state.
    pub state: HubState,
    /// Its endpoint (a multiaddr for the network's bootstrap).
    pub endpoint: String,
    /// Its name.
    pub name: String,
    /// The block the record was read at.
    pub block: u64,
}

/// What a hub has paid a miner on chain (its wallet's `Paid` events) up to a block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Payments {
    /// How many payments.
    pub count: u64,
    /// Their sum.
    pub total: U256,
    /// The time of the block of the last one (0 if none).
    pub last_paid_at: u64,
}

/// The chain as the network sees it. Every method reads at a recent block.
pub trait Chain: Send + Sync + 'static {
    /// The EIP-712 domain of the deployment's messages ([`crate::message::domain`]).
    fn domain(&self) -> Eip712Domain;

    /// The Whitelist's record of `hub`, `None` if it is not listed.
    fn hub(
        &self,
        hub: Address,
    ) -> impl Future<Output = Result<Option<HubStanding>, ChainError>> + Send;

    /// What `hub` paid `miner` in blocks up to `to_block`.
    fn payments(
        &self,
        hub: Address,
        miner: Address,
        to_block: u64,
    ) -> impl Future<Output = Result<Payments, ChainError>> + Send;

    /// The input root of map task `task`, `None` if there is no such task.
    fn input_root(
        &self,
        task: U256,
    ) -> impl Future<Output = Result<Option<B256>, ChainError>> + Send;

    /// The latest block number.
    fn block_number(&self) -> impl Future<Output = Result<u64, ChainError>> + Send;

    /// The endpoints of the registered hubs (the network's bootstrap list).
    fn endpoints(&self) -> impl Future<Output = Result<Vec<String>, ChainError>> + Send;
}

// ---- in memory ----

/// The facts of [`Chain`] held in memory: for unit tests, benchmarks and tools without a node.
#[derive(Debug)]
pub struct MemoryChain {
    domain: Eip712Domain,
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    block: u64,
    hubs: HashMap<Address, HubStanding>,
    payments: Vec<(Address, Address, u64, U256, u64)>,
    roots: HashMap<U256, B256>,
}

impl MemoryChain {
    /// An empty chain whose messages use the domain of `chain_id` and `whitelist`.
    pub fn new(chain_id: u64, whitelist: Address) -> Self {
        Self {
            domain: domain(chain_id, whitelist),
            state: Mutex::new(MemoryState {
                block: 1,
                ..MemoryState::default()
            }),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut MemoryState) -> R) -> R {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Lists `hub`, owned by `owner`, in `state`, with no operator (or the one it had).
    pub fn set_hub(&self, hub: Address, owner: Address, state: HubState, endpoint: &str) {
        self.with(|s| {
            let block = s.block;
            let operator = s.hubs.get(&hub).map_or(Address::ZERO, |h| h.operator);
            s.hubs.insert(
                hub,
                HubStanding {
                    owner,
                    operator,
                    state,
                    endpoint: endpoint.to_owned(),
                    name: String::new(),
                    block,
                },
            );
        });
    }

    /// Sets the operator key of listed `hub` (the zero address: none), as `HubWallet.setOperator` does. Returns
    /// whether `hub` is listed.
    pub fn set_operator(&self, hub: Address, operator: Address) -> bool {
        self.with(|s| {
            let block = s.block;
            s.hubs.get_mut(&hub).is_some_and(|h| {
                h.operator = operator;
                h.block = block;
                true
            })
        })
    }

    /// Records a payment of `amount` from `hub` to `miner` in a new block at time `at`.
    pub fn pay(&self, hub: Address, miner: Address, amount: U256, at: u64) {
        self.with(|s| {
            s.block += 1;
            let block = s.block;
            s.payments.push((hub, miner, block, amount, at));
        });
    }

    /// Posts a task with `input_root`.
    pub fn set_input_root(&self, task: U256, input_root: B256) {
        self.with(|s| {
            s.roots.insert(task, input_root);
        });
    }

    /// Mines `n` empty blocks.
    pub fn mine(&self, n: u64) {
        self.with(|s| s.block += n);
    }
}

impl Chain for MemoryChain {
    fn domain(&self) -> Eip712Domain {
        self.domain.clone()
    }

    async fn hub(&self, hub: Address) -> Result<Option<HubStanding>, ChainError> {
        Ok(self.with(|s| s.hubs.get(&hub).cloned()))
    }

    async fn payments(
        &self,
        hub: Address,
        miner: Address,
        to_block: u64,
    ) -> Result<Payments, ChainError> {
        Ok(self.with(|s| {
            s.payments
                .iter()
                .filter(|p| p.0 == hub && p.1 == miner && p.2 <= to_block)
                .fold(Payments::default(), |acc, p| Payments {
                    count: acc.count + 1,
                    total: acc.total + p.3,
                    last_paid_at: p.4,
                })
        }))
    }

    async fn input_root(&self, task: U256) -> Result<Option<B256>, ChainError> {
        Ok(self.with(|s| s.roots.get(&task).copied()))
    }

    async fn block_number(&self) -> Result<u64, ChainError> {
        Ok(self.with(|s| s.block))
    }

    async fn endpoints(&self) -> Result<Vec<String>, ChainError> {
        Ok(self.with(|s| {
            s.hubs
                .values()
                .filter(|h| h.state == HubState::Registered)
                .map(|h| h.endpoint.clone())
                .collect()
        }))
    }
}

// ---- on chain ----

/// Most hubs read per `activeHubs` call.
const PAGE: u64 = 100;

/// A deployment read over an alloy provider: the Whitelist, the hub wallets' `Paid` events, the MapGame's tasks.
///
/// Hub records are cached for [`cache_ttl`](Self::with_cache_ttl) (a gossip burst checks the same hub once), so a
/// hub that changed state is believed as before for at most that long.
#[derive(Debug)]
pub struct WhitelistChain {
    provider: DynProvider,
    deployment: Deployment,
    domain: Eip712Domain,
    cache_ttl: Duration,
    cache: Mutex<HashMap<Address, (Instant, Option<HubStanding>)>>,
}

impl WhitelistChain {
    /// Reads `deployment` through `provider`. Hub records are cached for 12 s.
    pub fn new(provider: DynProvider, deployment: Deployment) -> Self {
        let domain = domain(deployment.chain_id, deployment.contracts.whitelist);
        Self {
            provider,
            deployment,
            domain,
            cache_ttl: Duration::from_secs(12),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Sets how long a hub's record is believed without reading it again (zero: read every time).
    pub fn with_cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    fn err(what: &'static str) -> impl FnOnce(alloy::contract::Error) -> ChainError {
        move |e| ChainError {
            what,
            reason: one_line(&e),
        }
    }

    fn cached(&self, hub: Address) -> Option<Option<HubStanding>> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(&hub)
            .filter(|(at, _)| at.elapsed() < self.cache_ttl)
            .map(|(_, s)| s.clone())
    }
}

impl Chain for WhitelistChain {
    fn domain(&self) -> Eip712Domain {
        self.domain.clone()
    }

    async fn hub(&self, hub: Address) -> Result<Option<HubStanding>, ChainError> {
        if let Some(hit) = self.cached(hub) {
            return Ok(hit);
        }
        let block = self.block_number().await?;
        let at = BlockId::number(block);
        let whitelist = Whitelist::new(self.deployment.contracts.whitelist, self.provider.clone());
        let listed = whitelist
            .isListed(hub)
            .block(at)
            .call()
            .await
            .map_err(Self::err("Whitelist.isListed"))?;
        let standing = if listed {
            let r = whitelist
                .record(hub)
                .block(at)
                .call()
                .await
                .map_err(Self::err("Whitelist.record"))?;
            let operator = HubWallet::new(hub, self.provider.clone())
                .operator()
                .block(at)
                .call()
                .await
                .map_err(Self::err("HubWallet.operator"))?;
            Some(HubStanding {
                owner: r.owner,
                operator,
                state: HubState::from(r.status),
                endpoint: r.endpoint,
                name: r.name,
                block,
            })
        } else {
            None
        };
        debug!(%hub, block, ?standing, "hub read");
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(hub, (Instant::now(), standing.clone()));
        Ok(standing)
    }

    async fn payments(
        &self,
        hub: Address,
        miner: Address,
        to_block: u64,
    ) -> Result<Payments, ChainError> {
        let filter = Filter::new()
            .address(hub)
            .event_signature(HubWallet::Paid::SIGNATURE_HASH)
            .topic1(miner.into_word())
            .from_block(self.deployment.start_block)
            .to_block(to_block);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| ChainError {
                what: "eth_getLogs(Paid)",
                reason: one_line(&e),
            })?;
        let mut p = Payments::default();
        let mut last_block = None;
        for log in &logs {
            let paid = log
                .log_decode::<HubWallet::Paid>()
                .map_err(|e| ChainError {
                    what: "Paid event",
                    reason: e.to_string(),
                })?;
            p.count += 1;
            p.total += paid.inner.data.amount;
            last_block = log.block_number.or(last_block);
            if let Some(t) = log.block_timestamp {
                p.last_paid_at = t;
            }
        }
        // Not every node fills in the log's block time: read the block then.
        if let (Some(n), true) = (last_block, p.last_paid_at == 0) {
            let block = self
                .provider
                .get_block_by_number(n.into())
                .await
                .map_err(|e| ChainError {
                    what: "eth_getBlockByNumber",
                    reason: one_line(&e),
                })?
                .ok_or_else(|| ChainError {
                    what: "eth_getBlockByNumber",
                    reason: format!("block {n} not found"),
                })?;
            p.last_paid_at = block.header.timestamp;
        }
        Ok(p)
    }

    async fn input_root(&self, task: U256) -> Result<Option<B256>, ChainError> {
        let game = MapGame::new(self.deployment.contracts.map_game, self.provider.clone());
        let count = game
            .taskCount()
            .call()
            .await
            .map_err(Self::err("MapGame.taskCount"))?;
        if task.is_zero() || task > count {
            return Ok(None);
        }
        let t = game
            .task(task)
            .call()
            .await
            .map_err(Self::err("MapGame.task"))?;
        Ok(Some(t.inputRoot))
    }

    async fn block_number(&self) -> Result<u64, ChainError> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| ChainError {
                what: "eth_blockNumber",
                reason: one_line(&e),
            })
    }

    async fn endpoints(&self) -> Result<Vec<String>, ChainError> {
        let whitelist = Whitelist::new(self.deployment.contracts.whitelist, self.provider.clone());
        let mut out = Vec::new();
        let mut offset = 0u64;
        loop {
            let page = whitelist
                .activeHubs(U256::from(offset), U256::from(PAGE))
                .call()
                .await
                .map_err(Self::err("Whitelist.activeHubs"))?;
            let n = page.len() as u64;
            out.extend(page.into_iter().map(|r| r.endpoint));
            if n < PAGE {
                return Ok(out);
            }
            offset += n;
        }
    }
}
