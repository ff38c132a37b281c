//! `sonm watch`'s flags, for the CLI to flatten into its command (`#[command(flatten)]`) and turn into a
//! [`WatcherConfig`] with its global `--rpc-url`, `--deployments` and key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use clap::Args;

use crate::{PassReport, Result, WatcherConfig};

/// How long `--once` waits for the transactions of its pass to be mined and followed up.
pub const ONCE_WAIT: Duration = Duration::from_secs(120);

/// Watch the games: recompute every commitment, prove cheats, play disputes, defend this key's solver.
#[derive(Clone, Debug, Args)]
pub struct WatchArgs {
    /// One pass over the chain (waiting for the transactions it sends), then exit.
    #[arg(long)]
    pub once: bool,
    /// The first block to read events from (default: the deployment's start block).
    #[arg(long, value_name = "N")]
    pub from_block: Option<u64>,
    /// Act only on events at least this many blocks under the head.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub confirmations: u64,
    /// Recompute N random leaves of each map commitment instead of all of them.
    #[arg(long, value_name = "N")]
    pub sample: Option<u64>,
    /// Serve Prometheus metrics at http://ADDR/metrics (e.g. 127.0.0.1:9464).
    #[arg(long, value_name = "ADDR", env = "SONM_METRICS")]
    pub metrics: Option<SocketAddr>,
    /// Start the P2P node listening here (e.g. /ip4/0.0.0.0/tcp/4002); without it or --peer the node starts at the
    /// first `sonm://` result URI, listening on a free port.
    #[arg(long, value_name = "MULTIADDR")]
    pub p2p_listen: Vec<sonm_net::Multiaddr>,
    /// A peer for the P2P node to dial at start (repeatable).
    #[arg(long, value_name = "MULTIADDR")]
    pub peer: Vec<sonm_net::Multiaddr>,
    /// The state file: the transactions signed and not yet final, so a restart never signs an action twice.
    #[arg(
        long,
        value_name = "PATH",
        env = "SONM_WATCH_STATE",
        default_value = "sonm-watch.json"
    )]
    pub state: PathBuf,
    /// Seconds between passes.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub interval: f64,
    /// The most transactions in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub max_pending: usize,
    /// Blocks a transaction may wait before it is resubmitted with higher fees.
    #[arg(long, value_name = "BLOCKS", default_value_t = 5)]
    pub bump_after: u64,
    /// Queries to open, one after the other, against a commitment whose result data is withheld (each answered one
    /// costs the task's challenger bond).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub queries: u32,
    /// Do not finalize this key's own solved tasks after their challenge window.
    #[arg(long)]
    pub no_finalize: bool,
}

impl WatchArgs {
    /// Runs `sonm watch`: one pass with `--once` (its report returned), else until Ctrl-C (`None`).
    pub async fn execute(
        self,
        rpc_url: impl Into<String>,
        deployments_dir: PathBuf,
        signer: PrivateKeySigner,
    ) -> Result<Option<PassReport>> {
        let once = self.once;
        let config = self.into_config(rpc_url, deployments_dir, signer);
        if once {
            return crate::run_once(config, ONCE_WAIT).await.map(Some);
        }
        crate::run(config, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(None)
    }

    /// The configuration these flags describe, with the CLI's node, deployments directory and key.
    pub fn into_config(
        self,
        rpc_url: impl Into<String>,
        deployments_dir: PathBuf,
        signer: PrivateKeySigner,
    ) -> WatcherConfig {
        let mut c = WatcherConfig::new(rpc_url, deployments_dir, signer);
        c.from_block = self.from_block;
        c.confirmations = self.confirmations;
        c.sample = self.sample;
        c.metrics_addr = self.metrics;
        c.p2p_listen = self.p2p_listen;
        c.peers = self.peer;
        c.state_path = Some(self.state);
        c.poll_interval = Duration::from_secs_f64(self.interval.clamp(0.05, 3600.0));
        c.max_pending = self.max_pending;
        c.bump_after_blocks = self.bump_after;
        c.queries_per_commitment = self.queries;
        c.finalize_own = !self.no_finalize;
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        watch: WatchArgs,
    }

    #[test]
    fn flags_become_a_config() {
        let cli = Cli::try_parse_from([
            "sonm",
            "--once",
            "--from-block",
            "7",
            "--confirmations",
            "0",
            "--sample",
            "64",
            "--metrics",
            "127.0.0.1:9464",
            "--state",
            "/tmp/w.json",
        ])
        .expect("parse");
        assert!(cli.watch.once);
        let c = cli
            .watch
            .into_config("http://x", PathBuf::from("d"), PrivateKeySigner::random());
        assert_eq!(c.from_block, Some(7));
        assert_eq!(c.confirmations, 0);
        assert_eq!(c.sample, Some(64));
        assert_eq!(c.state_path, Some(PathBuf::from("/tmp/w.json")));
        assert_eq!(
            c.metrics_addr,
            Some("127.0.0.1:9464".parse().expect("addr"))
        );
        assert!(Cli::try_parse_from(["sonm", "--metrics", "nonsense"]).is_err());
    }
}
