//! The watcher/challenger bot of sonm (`sonm watch`): it keeps solvers honest.
//!
//! It follows both verification games' events from the deployment's start block (log ranges split when the node
//! refuses them), acting only on blocks under a confirmation depth and re-reading the state it acts on from the
//! chain. For every map commitment it fetches the result data (a file path or an http(s) URL holding the Merkle
//! dump, or a `sonm://` URI: the tree fetched from a peer over sonm-net's data protocol, every leaf checked), recomputes every leaf (or a random sample) with the executor, and proves a wrong leaf (commit, then reveal
//! a block later, with a salt derived from its key); missing or unmatched data gets a bonded query. For every chain
//! commitment it runs the chain and, on another final hash, opens a dispute and plays the bisection to the end. It
//! defends its own solver the same way: it answers queries and plays disputes as the solver.
//!
//! Every transaction goes through one nonce manager ([`Watcher`]'s sender): simulated first (a call that would revert
//! is skipped with its decoded reason), written to the state file before it is broadcast, rebroadcast or resubmitted
//! with higher fees while it is stuck, never signed twice for the same action, so the bot can be killed at any point
//! and restarted.
//!
//! ```no_run
//! # async fn f(signer: alloy::signers::local::PrivateKeySigner) -> Result<(), sonm_watcher::WatchError> {
//! let config = sonm_watcher::WatcherConfig::new("http://127.0.0.1:8545", "deployments".into(), signer);
//! sonm_watcher::run(config, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

mod chain;
pub mod cli;
mod data;
mod error;
mod index;
mod journal;
mod logs;
mod map;
mod metrics;
mod sender;
mod verdict;
mod watcher;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use tracing::{info, warn};

pub use error::{Result, WatchError};
pub use metrics::Metrics;
pub use watcher::{PassReport, Watcher};

/// The longest pause between two attempts while the node does not answer: short, so the bot is back soon after
/// the node is.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Everything the bot needs. [`WatcherConfig::new`] gives the defaults; `sonm watch`'s flags
/// ([`cli::WatchArgs`]) set the rest.
#[derive(Clone, Debug)]
pub struct WatcherConfig {
    /// The node.
    pub rpc_url: String,
    /// Where `deployments/<chainId>.json` is.
    pub deployments_dir: PathBuf,
    /// The bot's key: it pays gas and bonds, receives the challenger's share and defends the solver of this address.
    pub signer: PrivateKeySigner,
    /// The first block to read events from (default: the deployment's `startBlock`).
    pub from_block: Option<u64>,
    /// Blocks a block must be under the head before the bot acts on its events.
    pub confirmations: u64,
    /// Recompute this many random leaves of each map commitment instead of all of them.
    pub sample: Option<u64>,
    /// Serve Prometheus metrics on this address.
    pub metrics_addr: Option<SocketAddr>,
    /// Where the P2P node listens (`--p2p-listen`); the node starts at connect when this or `peers` is set, else at
    /// the first `sonm://` result URI.
    pub p2p_listen: Vec<sonm_net::Multiaddr>,
    /// Peers the P2P node dials at start (`--peer`).
    pub peers: Vec<sonm_net::Multiaddr>,
    /// The state file (the signed transactions not yet final); `None` keeps it in memory (tests, `--once`).
    pub state_path: Option<PathBuf>,
    /// Time between passes.
    pub poll_interval: Duration,
    /// The most transactions in flight at once.
    pub max_pending: usize,
    /// Blocks a pending transaction may wait before it is resubmitted with higher fees.
    pub bump_after_blocks: u64,
    /// The largest block range asked of `eth_getLogs` at once (halved while the node refuses).
    pub max_log_range: u64,
    /// Chain tasks with more steps are not recomputed (they are logged as too long).
    pub max_chain_steps: u64,
    /// Checkpoint interval of recomputed chains.
    pub checkpoint_interval: u64,
    /// Queries the bot opens, one after the other, against a commitment whose data is withheld: each answered one
    /// costs the challenger bond, an unanswered one slashes the solver.
    pub queries_per_commitment: u32,
    /// Finalize the bot's own solver's tasks once their challenge window is over.
    pub finalize_own: bool,
}

impl WatcherConfig {
    /// The defaults: confirmations 2, every leaf, no metrics, state in memory, a pass a second.
    pub fn new(
        rpc_url: impl Into<String>,
        deployments_dir: PathBuf,
        signer: PrivateKeySigner,
    ) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            deployments_dir,
            signer,
            from_block: None,
            confirmations: 2,
            sample: None,
            metrics_addr: None,
            p2p_listen: Vec::new(),
            peers: Vec::new(),
            state_path: None,
            poll_interval: Duration::from_secs(1),
            max_pending: 16,
            bump_after_blocks: 5,
            max_log_range: 10_000,
            max_chain_steps: 1 << 26,
            checkpoint_interval: sonm_executor::DEFAULT_CHECKPOINT_INTERVAL,
            queries_per_commitment: 1,
            finalize_own: true,
        }
    }
}

/// Runs the bot until `shutdown` completes: a pass every `poll_interval`. A pass that fails (the node gone, a
/// refused request) is logged and retried with a growing pause, so the bot rides out an RPC outage; only a bad
/// configuration (a missing deployment, a state file of another account) ends it with an error.
pub async fn run(config: WatcherConfig, shutdown: impl Future<Output = ()>) -> Result<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut watcher = tokio::select! {
        w = connect_retrying(&config) => w?,
        () = &mut shutdown => return Ok(()),
    };
    let server = match config.metrics_addr {
        Some(addr) => {
            let server = sonm_net::MetricsServer::bind(addr, watcher.registry())
                .await
                .map_err(|e| WatchError::Metrics {
                    addr: addr.to_string(),
                    reason: e.to_string(),
                })?;
            info!(addr = %server.local_addr(), "serving /metrics");
            Some(server)
        }
        None => None,
    };
    let mut backoff = config.poll_interval;
    loop {
        let pause = match watcher.pass().await {
            Ok(_) => {
                backoff = config.poll_interval;
                config.poll_interval
            }
            Err(e) => {
                warn!(error = %e, retry_in = ?backoff, "pass failed");
                let pause = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF.max(config.poll_interval));
                pause
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = &mut shutdown => break,
        }
    }
    if let Some(server) = server {
        server.shutdown().await;
    }
    watcher.shutdown().await;
    info!("stopped");
    Ok(())
}

/// Connects, retrying while the node does not answer (a configuration error is returned at once).
async fn connect_retrying(config: &WatcherConfig) -> Result<Watcher> {
    let mut backoff = Duration::from_millis(500);
    loop {
        match Watcher::connect(config.clone()).await {
            Ok(w) => return Ok(w),
            Err(WatchError::Rpc { what, reason }) => {
                warn!(%what, %reason, retry_in = ?backoff, "node unreachable");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF.max(config.poll_interval));
            }
            Err(e) => return Err(e),
        }
    }
}

/// `sonm watch --once`: one pass over the chain, then waits (up to `wait`) for the transactions it sent to be mined
/// and follows up on them (a proof committed is revealed), until nothing is left to send.
pub async fn run_once(config: WatcherConfig, wait: Duration) -> Result<PassReport> {
    let mut watcher = Watcher::connect(config.clone()).await?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut report = watcher.pass().await?;
    let mut total = report.clone();
    while (report.pending > 0 || !report.sent.is_empty()) && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(config.poll_interval.min(Duration::from_millis(500))).await;
        report = watcher.pass().await?;
        total.sent.extend(report.sent.iter().cloned());
        total.skipped.extend(report.skipped.iter().cloned());
        total.head = report.head;
        total.safe = report.safe;
        total.pending = report.pending;
    }
    Ok(total)
}
