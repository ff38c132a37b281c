//! The miner's flags (clap), their environment variables and the optional TOML file: flag > env > file > default.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::primitives::U256;
use alloy::signers::local::PrivateKeySigner;
use clap::Args;
use serde::Deserialize;
use sonm_agents::mark::Mark;
use sonm_agents::units::parse_snm;
use sonm_net::Multiaddr;
use tokio::sync::mpsc::UnboundedSender;

use crate::events::MinerEvent;
use crate::{MinerError, Result};

/// The debt limit when `--max-debt` is not given, SNM. Work receipts come once a deal settles, so a hub owes a miner
/// its share of a whole deal for a while: the limit must exceed it.
pub const DEFAULT_MAX_DEBT: &str = "1000";

/// Where the state goes when `--state` is not given.
pub const DEFAULT_STATE: &str = "./sonm-miner-state";

/// `sonm miner run`: the miner daemon.
#[derive(Clone, Debug, Default, Args)]
pub struct RunArgs {
    /// A TOML file of these settings (keys: the long flag names in snake_case); flags and environment win.
    #[arg(long, env = "SONM_MINER_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The state directory: `state.redb` (hubs, units done, receipts, reports) and `node.key` (the libp2p key,
    /// mode 0600). Default ./sonm-miner-state.
    #[arg(long, env = "SONM_MINER_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The address to listen on (default /ip4/0.0.0.0/tcp/0).
    #[arg(long, env = "SONM_MINER_LISTEN", value_name = "MULTIADDR")]
    pub listen: Option<String>,
    /// A peer to dial at start (repeat, or comma-separated in the environment); the Whitelist's hub endpoints are
    /// dialed too.
    #[arg(
        long = "peer",
        env = "SONM_MINER_PEERS",
        value_delimiter = ',',
        value_name = "MULTIADDR"
    )]
    pub peers: Vec<String>,
    /// Find peers on the LAN with mDNS.
    #[arg(long, env = "SONM_MINER_MDNS", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub mdns: Option<bool>,
    /// Units in flight the miner takes over all hubs (default 4 per thread).
    #[arg(long, env = "SONM_MINER_CAPACITY", value_name = "UNITS")]
    pub capacity: Option<u32>,
    /// Compute threads (default: every core).
    #[arg(long, env = "SONM_MINER_THREADS", value_name = "N")]
    pub threads: Option<usize>,
    /// The unpaid debt (SNM) past which the miner stops working for a hub until it pays (default 1000). Receipts come
    /// when a deal settles: give more than the miner's share of one deal.
    #[arg(long, env = "SONM_MINER_MAX_DEBT", value_name = "SNM")]
    pub max_debt: Option<String>,
    /// The most SNM of work in flight at one hub, the briefcase's exposure cap (default 20).
    #[arg(long, env = "SONM_MINER_MAX_EXPOSURE", value_name = "SNM")]
    pub max_exposure: Option<String>,
    /// The briefcase's risk aversion λ, per SNM: how much half the variance of a hub's pay costs (default 0.1;
    /// 0 puts everything on the best expected pay).
    #[arg(long, env = "SONM_MINER_RISK_AVERSION", value_name = "LAMBDA")]
    pub risk_aversion: Option<f64>,
    /// The lowest mark of a hub the miner works for: checked or safe (default checked).
    #[arg(long, env = "SONM_MINER_ACCEPT", value_name = "MARK")]
    pub accept: Option<Mark>,
    /// Seconds between rounds of marks, joins, receipts and reports (default 5).
    #[arg(long, env = "SONM_MINER_INTERVAL", value_name = "SECONDS")]
    pub interval: Option<u64>,
    /// Test and demo only: return a wrong output for about one unit in N.
    #[arg(
        long,
        env = "SONM_MINER_DISHONEST_ONE_IN",
        value_name = "N",
        hide = true
    )]
    pub dishonest_one_in: Option<u64>,
}

/// `sonm miner hubs`: the miner's view of every hub.
#[derive(Clone, Debug, Default, Args)]
pub struct HubsArgs {
    /// The miner's state directory (default ./sonm-miner-state).
    #[arg(long, env = "SONM_MINER_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// A TOML file with `state` (and the run's settings).
    #[arg(long, env = "SONM_MINER_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The unpaid debt (SNM) past which a hub is dropped (default 1000, or the file's).
    #[arg(long, env = "SONM_MINER_MAX_DEBT", value_name = "SNM")]
    pub max_debt: Option<String>,
}

/// The TOML file: the long flag names in snake_case.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    state: Option<PathBuf>,
    listen: Option<String>,
    peer: Option<Vec<String>>,
    mdns: Option<bool>,
    capacity: Option<u32>,
    threads: Option<usize>,
    max_debt: Option<String>,
    max_exposure: Option<String>,
    risk_aversion: Option<f64>,
    accept: Option<String>,
    interval: Option<u64>,
    dishonest_one_in: Option<u64>,
}

fn read_file(path: Option<&Path>) -> Result<File> {
    let Some(path) = path else {
        return Ok(File::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        MinerError::Config(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text).map_err(|e| {
        MinerError::Config(format!(
            "config file {}: {}",
            path.display(),
            e.to_string().lines().collect::<Vec<_>>().join(" ")
        ))
    })
}

fn snm(flag: &str, text: &str) -> Result<U256> {
    parse_snm(text).map_err(|e| MinerError::Config(format!("--{flag}: {e}")))
}

/// Everything the daemon runs with.
#[derive(Clone, Debug)]
pub struct MinerConfig {
    /// The chain's node.
    pub rpc_url: String,
    /// Where `deployments/<chainId>.json` is.
    pub deployments: PathBuf,
    /// The miner's key: signs lease receipts and reports, is paid, sends redeems and claims.
    pub signer: PrivateKeySigner,
    /// Print one JSON object per event on stdout.
    pub json: bool,
    /// The state directory.
    pub state: PathBuf,
    /// Where to listen.
    pub listen: Multiaddr,
    /// Peers to dial.
    pub peers: Vec<Multiaddr>,
    /// mDNS.
    pub mdns: bool,
    /// Dial the Whitelist's endpoints (off in tests that give every peer by hand).
    pub bootstrap_from_chain: bool,
    /// Units in flight over all hubs.
    pub capacity: u32,
    /// Compute threads.
    pub threads: usize,
    /// The debt limit per hub (wei).
    pub max_debt: U256,
    /// The exposure cap per hub (wei).
    pub max_exposure: U256,
    /// λ.
    pub risk_aversion: f64,
    /// The lowest mark worked for.
    pub accept: Mark,
    /// Between rounds.
    pub interval: Duration,
    /// Test knob: a wrong output for about one unit in N.
    pub dishonest_one_in: Option<u64>,
    /// Also send every event here (tests, embedding).
    pub events: Option<UnboundedSender<MinerEvent>>,
}

impl RunArgs {
    /// The configuration: these flags (and their environment), then the file, then the defaults.
    pub fn into_config(
        self,
        rpc_url: String,
        deployments: PathBuf,
        signer: PrivateKeySigner,
        json: bool,
    ) -> Result<MinerConfig> {
        let file = read_file(self.config.as_deref())?;
        let threads = self
            .threads
            .or(file.threads)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        if threads == 0 {
            return Err(MinerError::Config("--threads must be at least 1".into()));
        }
        let capacity = self
            .capacity
            .or(file.capacity)
            .unwrap_or((threads as u32).saturating_mul(4));
        let listen_text = self
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "/ip4/0.0.0.0/tcp/0".into());
        let listen = listen_text
            .parse()
            .map_err(|e| MinerError::Config(format!("--listen {listen_text}: {e}")))?;
        let peers_text = if self.peers.is_empty() {
            file.peer.unwrap_or_default()
        } else {
            self.peers
        };
        let peers = peers_text
            .iter()
            .map(|p| {
                p.parse()
                    .map_err(|e| MinerError::Config(format!("--peer {p}: {e}")))
            })
            .collect::<Result<Vec<Multiaddr>>>()?;
        let accept = match (self.accept, file.accept) {
            (Some(m), _) => m,
            (None, Some(text)) => text.parse().map_err(MinerError::Config)?,
            (None, None) => Mark::Checked,
        };
        if accept == Mark::NotConfirmed {
            return Err(MinerError::Config(
                "--accept not-confirmed would work for hubs the miner does not trust: give checked or safe".into(),
            ));
        }
        let risk_aversion = self.risk_aversion.or(file.risk_aversion).unwrap_or(0.1);
        if !(risk_aversion >= 0.0 && risk_aversion.is_finite()) {
            return Err(MinerError::Config(format!(
                "--risk-aversion {risk_aversion}: give a number of at least 0"
            )));
        }
        let interval = self.interval.or(file.interval).unwrap_or(5);
        if interval == 0 {
            return Err(MinerError::Config(
                "--interval must be at least 1 second".into(),
            ));
        }
        let dishonest_one_in = self.dishonest_one_in.or(file.dishonest_one_in);
        if dishonest_one_in == Some(0) {
            return Err(MinerError::Config(
                "--dishonest-one-in must be at least 1".into(),
            ));
        }
        Ok(MinerConfig {
            rpc_url,
            deployments,
            signer,
            json,
            state: self
                .state
                .or(file.state)
                .unwrap_or_else(|| DEFAULT_STATE.into()),
            listen,
            peers,
            mdns: self.mdns.or(file.mdns).unwrap_or(false),
            bootstrap_from_chain: true,
            capacity,
            threads,
            max_debt: snm(
                "max-debt",
                &self
                    .max_debt
                    .or(file.max_debt)
                    .unwrap_or_else(|| DEFAULT_MAX_DEBT.into()),
            )?,
            max_exposure: snm(
                "max-exposure",
                &self
                    .max_exposure
                    .or(file.max_exposure)
                    .unwrap_or_else(|| "20".into()),
            )?,
            risk_aversion,
            accept,
            interval: Duration::from_secs(interval),
            dishonest_one_in,
            events: None,
        })
    }
}

impl HubsArgs {
    /// The state directory and the debt limit: flag (and environment), then the file, then the defaults.
    pub fn resolve(&self) -> Result<(PathBuf, U256)> {
        let file = read_file(self.config.as_deref())?;
        let state = self
            .state
            .clone()
            .or(file.state)
            .unwrap_or_else(|| DEFAULT_STATE.into());
        let max_debt = snm(
            "max-debt",
            &self
                .max_debt
                .clone()
                .or(file.max_debt)
                .unwrap_or_else(|| DEFAULT_MAX_DEBT.into()),
        )?;
        Ok((state, max_debt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: RunArgs) -> Result<MinerConfig> {
        args.into_config(
            "http://127.0.0.1:8545".into(),
            "deployments".into(),
            PrivateKeySigner::random(),
            false,
        )
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_the_defaults() {
        let dir = std::env::temp_dir().join(format!("sonm-miner-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("miner.toml");
        std::fs::write(
            &path,
            "capacity = 12\nthreads = 3\nmax_debt = \"7.5\"\naccept = \"safe\"\npeer = [\"/ip4/127.0.0.1/tcp/9\"]\n",
        )
        .expect("write");
        let c = config(RunArgs {
            config: Some(path.clone()),
            threads: Some(2),
            ..RunArgs::default()
        })
        .expect("config");
        assert_eq!((c.capacity, c.threads, c.accept), (12, 2, Mark::Safe));
        assert_eq!(c.max_debt, U256::from(7_500_000_000_000_000_000u64));
        assert_eq!(
            c.max_exposure,
            U256::from(20u64) * U256::from(10u64).pow(U256::from(18u64))
        );
        assert_eq!(c.peers.len(), 1);
        assert_eq!(c.state, PathBuf::from(DEFAULT_STATE));
        // Without the file: 4 units a thread.
        let c = config(RunArgs {
            threads: Some(3),
            ..RunArgs::default()
        })
        .expect("config");
        assert_eq!((c.capacity, c.accept), (12, Mark::Checked));

        std::fs::write(&path, "capacty = 3\n").expect("write");
        let e = config(RunArgs {
            config: Some(path),
            ..RunArgs::default()
        })
        .expect_err("unknown key")
        .to_string();
        assert!(
            e.contains("unknown field `capacty`") && !e.contains('\n'),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_values_are_one_line_each() {
        let bad = |args: RunArgs| config(args).expect_err("refused").to_string();
        assert!(
            bad(RunArgs {
                threads: Some(0),
                ..RunArgs::default()
            })
            .contains("--threads")
        );
        assert!(
            bad(RunArgs {
                max_debt: Some("lots".into()),
                ..RunArgs::default()
            })
            .starts_with("--max-debt")
        );
        assert!(
            bad(RunArgs {
                accept: Some(Mark::NotConfirmed),
                ..RunArgs::default()
            })
            .contains("checked or safe")
        );
        assert!(
            bad(RunArgs {
                risk_aversion: Some(-1.0),
                ..RunArgs::default()
            })
            .contains("at least 0")
        );
        assert!(
            bad(RunArgs {
                listen: Some("nowhere".into()),
                ..RunArgs::default()
            })
            .starts_with("--listen")
        );
        assert!(
            bad(RunArgs {
                dishonest_one_in: Some(0),
                ..RunArgs::default()
            })
            .contains("at least 1")
        );
    }
}
