//! `sonm hub serve`'s flags ([`ServeArgs`], for the CLI to flatten), the optional TOML file whose keys are the long
//! flag names in snake_case, and the configuration they resolve to ([`ServeConfig`]). Precedence: flag > env >
//! file > default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use clap::Args;
use serde::Deserialize;
use sonm_agents::units::parse_snm;
use sonm_net::Multiaddr;

use crate::error::{HubError, Result};

/// Run the hub daemon: offers on the network, deals from the chain, units leased to miners and sampled, results
/// committed, queries answered, deals settled, miners given work receipts. Holds only the hub's operator key.
#[derive(Clone, Debug, Default, Args)]
pub struct ServeArgs {
    /// The hub wallet this daemon runs (its operator key signs).
    #[arg(long, env = "SONM_HUB", value_name = "ADDRESS")]
    pub hub: Option<Address>,
    /// A TOML file of these settings (keys: the long flag names in snake_case); flags and env win over it.
    #[arg(long, env = "SONM_HUB_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The state directory: state.redb (deals, units, miners, receipts, the transaction journal) and node.key.
    #[arg(long, env = "SONM_HUB_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The name in the hub's announcements.
    #[arg(long, env = "SONM_HUB_NAME")]
    pub name: Option<String>,
    /// Where the P2P node listens (repeatable; default /ip4/0.0.0.0/tcp/0).
    #[arg(
        long,
        env = "SONM_HUB_LISTEN",
        value_name = "MULTIADDR",
        value_delimiter = ','
    )]
    pub listen: Vec<Multiaddr>,
    /// The address to announce and to put in result URIs (a public address behind NAT).
    #[arg(long, env = "SONM_HUB_ANNOUNCE", value_name = "MULTIADDR")]
    pub announce: Option<Multiaddr>,
    /// A peer to dial at start (repeatable).
    #[arg(
        long,
        env = "SONM_HUB_PEER",
        value_name = "MULTIADDR",
        value_delimiter = ','
    )]
    pub peer: Vec<Multiaddr>,
    /// Find peers on the LAN with mDNS.
    #[arg(long)]
    pub mdns: bool,
    /// The offers, a TOML file of `[[offer]]` tables (keys as the offer flags below); without it one offer from
    /// the flags.
    #[arg(long, env = "SONM_HUB_OFFERS", value_name = "FILE")]
    pub offers: Option<PathBuf>,
    /// The offer's computation: an address or a deployment name (default MandelbrotRow).
    #[arg(long, value_name = "ADDRESS|NAME")]
    pub computation: Option<String>,
    /// The offer's price per leaf, in SNM (default 1.5).
    #[arg(long, value_name = "SNM")]
    pub price: Option<String>,
    /// The offer's volume in leaves, all its deals together (default 65536).
    #[arg(long, value_name = "N")]
    pub max_leaves: Option<u64>,
    /// The most gas a leaf may need (default 8000000).
    #[arg(long, value_name = "GAS")]
    pub gas_per_leaf: Option<u32>,
    /// The hub's bond per deal, in SNM (default the game's minimum, at least 10).
    #[arg(long, value_name = "SNM")]
    pub hub_bond: Option<String>,
    /// A query's bond on the hub's deals, in SNM (default the game's minimum).
    #[arg(long, value_name = "SNM")]
    pub challenger_bond: Option<String>,
    /// The deals' challenge window, seconds (default the game's).
    #[arg(long, value_name = "SECONDS")]
    pub challenge_window: Option<u32>,
    /// The deals' response window, seconds (default the game's).
    #[arg(long, value_name = "SECONDS")]
    pub response_window: Option<u32>,
    /// Seconds from the take within which the hub commits (default 3600).
    #[arg(long, value_name = "SECONDS")]
    pub turnaround: Option<u32>,
    /// How long an offer is good, seconds of chain time; it is signed again with a fresh nonce before it expires
    /// (default 86400).
    #[arg(long, value_name = "SECONDS")]
    pub offer_lifetime: Option<u64>,
    /// What a miner is paid per accepted unit, in SNM (default 2/3 of the cheapest offer's price).
    #[arg(long, env = "SONM_HUB_MINER_PAY", value_name = "SNM")]
    pub miner_pay: Option<String>,
    /// Units per lease (default 8).
    #[arg(long, value_name = "N")]
    pub lease_units: Option<u64>,
    /// Seconds a miner has to answer a lease before its units go to another (default 30).
    #[arg(long, value_name = "SECONDS")]
    pub lease_timeout: Option<f64>,
    /// The probability that a unit a miner returned is recomputed, 0 < s < 1 (default 0.125).
    #[arg(long, value_name = "S")]
    pub sample_rate: Option<f64>,
    /// The sample's seed (default: a random one at each start).
    #[arg(long, value_name = "N")]
    pub sample_seed: Option<u64>,
    /// Decline a deal whose inputs have not arrived this many seconds (chain time) before its declineBy (default
    /// 60).
    #[arg(long, value_name = "SECONDS")]
    pub decline_margin: Option<u64>,
    /// Seconds between passes over the chain (default 1).
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<f64>,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, env = "SONM_METRICS", value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
    /// Warn when the operator's ETH for gas falls under this (default 0.05).
    #[arg(long, value_name = "ETH")]
    pub min_eth: Option<String>,
    /// Warn when the wallet's free balance covers fewer than this many hub bonds (default 2).
    #[arg(long, value_name = "N")]
    pub min_free_bonds: Option<u64>,
    /// Test and demo only: commit a root with K falsified rows (the watcher proves it).
    #[arg(long, hide = true, value_name = "K")]
    pub dishonest_rows: Option<u64>,
    /// Test and demo only: sign no work receipts (a hub that stops paying its miners).
    #[arg(long, hide = true)]
    pub no_receipts: bool,
}

/// The settings file: the same keys as the flags, snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    hub: Option<String>,
    state: Option<PathBuf>,
    name: Option<String>,
    listen: Option<Vec<String>>,
    announce: Option<String>,
    peer: Option<Vec<String>>,
    mdns: Option<bool>,
    offers: Option<PathBuf>,
    computation: Option<String>,
    price: Option<String>,
    max_leaves: Option<u64>,
    gas_per_leaf: Option<u32>,
    hub_bond: Option<String>,
    challenger_bond: Option<String>,
    challenge_window: Option<u32>,
    response_window: Option<u32>,
    turnaround: Option<u32>,
    offer_lifetime: Option<u64>,
    miner_pay: Option<String>,
    lease_units: Option<u64>,
    lease_timeout: Option<f64>,
    sample_rate: Option<f64>,
    sample_seed: Option<u64>,
    decline_margin: Option<u64>,
    interval: Option<f64>,
    metrics: Option<String>,
    min_eth: Option<String>,
    min_free_bonds: Option<u64>,
}

/// An offer's terms as given; what is not given comes from the game's parameters when the hub starts.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferSpec {
    /// An address or a deployment name (`MandelbrotRow`).
    pub computation: Option<String>,
    /// SNM per leaf (decimal SNM).
    pub price: Option<String>,
    /// The offer's volume.
    pub max_leaves: Option<u64>,
    /// Gas per leaf.
    pub gas_per_leaf: Option<u32>,
    /// SNM.
    pub hub_bond: Option<String>,
    /// SNM.
    pub challenger_bond: Option<String>,
    /// Seconds.
    pub challenge_window: Option<u32>,
    /// Seconds.
    pub response_window: Option<u32>,
    /// Seconds.
    pub turnaround: Option<u32>,
    /// Seconds.
    pub lifetime: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OffersFile {
    offer: Vec<OfferSpec>,
}

/// Everything the daemon runs with.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// The node's RPC URL.
    pub rpc_url: String,
    /// The deployments directory.
    pub deployments_dir: PathBuf,
    /// The operator key.
    pub signer: PrivateKeySigner,
    /// The hub wallet.
    pub hub: Address,
    /// The state directory.
    pub state_dir: PathBuf,
    /// The announced name.
    pub name: String,
    /// Listen addresses.
    pub listen: Vec<Multiaddr>,
    /// The address announced and put in result URIs.
    pub announce: Option<Multiaddr>,
    /// Peers to dial.
    pub peers: Vec<Multiaddr>,
    /// mDNS.
    pub mdns: bool,
    /// The offers.
    pub offers: Vec<OfferSpec>,
    /// SNM wei per unit paid to miners (`None`: 2/3 of the cheapest offer's price).
    pub miner_pay: Option<U256>,
    /// Units per lease.
    pub lease_units: u64,
    /// A lease's timeout.
    pub lease_timeout: Duration,
    /// The sample rate.
    pub sample_rate: f64,
    /// The sample's seed.
    pub sample_seed: u64,
    /// Seconds before declineBy at which a deal without inputs is declined.
    pub decline_margin: u64,
    /// Between passes.
    pub interval: Duration,
    /// The metrics address.
    pub metrics: Option<SocketAddr>,
    /// Warn under this much ETH (wei).
    pub min_eth: U256,
    /// Warn under this many bonds of free balance.
    pub min_free_bonds: u64,
    /// Test knob: falsified rows in each commit.
    pub dishonest_rows: u64,
    /// Test knob: no receipts.
    pub no_receipts: bool,
    /// Print JSON events on stdout.
    pub json: bool,
    /// Without `json`: print each event as a line for people on stdout (the CLI; not a library user).
    pub text: bool,
    /// Also send every JSON event here (in-process observers: tests, the demo).
    pub events: Option<tokio::sync::mpsc::UnboundedSender<serde_json::Value>>,
}

fn bad(what: &str, value: &str, why: impl std::fmt::Display) -> HubError {
    HubError::Config(format!("{what} {value:?}: {why}"))
}

fn parse_multiaddrs(what: &str, v: &[String]) -> Result<Vec<Multiaddr>> {
    v.iter()
        .map(|s| s.parse().map_err(|e| bad(what, s, e)))
        .collect()
}

fn snm(what: &str, v: &str) -> Result<U256> {
    parse_snm(v).map_err(|e| bad(what, v, e))
}

impl ServeArgs {
    /// Resolves the flags (and env), the `--config` file and the defaults into a configuration, with the CLI's node,
    /// deployments directory and key. Reads `--offers` too. Bad values are refused in one line.
    pub fn into_config(
        self,
        rpc_url: impl Into<String>,
        deployments_dir: PathBuf,
        signer: PrivateKeySigner,
        json: bool,
    ) -> Result<ServeConfig> {
        let file = match &self.config {
            Some(path) => read_toml::<FileSettings>(path)?,
            None => FileSettings::default(),
        };
        let hub = match (self.hub, &file.hub) {
            (Some(h), _) => h,
            (None, Some(h)) => h.parse().map_err(|e| bad("hub", h, e))?,
            (None, None) => {
                return Err(HubError::Config(
                    "no hub wallet: pass --hub ADDRESS (or SONM_HUB, or hub = \"0x…\" in --config)"
                        .into(),
                ));
            }
        };
        let listen = if !self.listen.is_empty() {
            self.listen
        } else if let Some(l) = &file.listen {
            parse_multiaddrs("listen", l)?
        } else {
            vec![
                "/ip4/0.0.0.0/tcp/0"
                    .parse()
                    .map_err(|e| bad("listen", "default", e))?,
            ]
        };
        let peers = if !self.peer.is_empty() {
            self.peer
        } else {
            parse_multiaddrs("peer", file.peer.as_deref().unwrap_or_default())?
        };
        let announce = match (self.announce, &file.announce) {
            (Some(a), _) => Some(a),
            (None, Some(a)) => Some(a.parse().map_err(|e| bad("announce", a, e))?),
            (None, None) => None,
        };
        let offers_path = self.offers.or(file.offers);
        let offers = match offers_path {
            Some(path) => {
                let f: OffersFile = read_toml(&path)?;
                if f.offer.is_empty() {
                    return Err(HubError::Config(format!(
                        "{}: no [[offer]] table",
                        path.display()
                    )));
                }
                f.offer
            }
            None => vec![OfferSpec {
                computation: self.computation.or(file.computation),
                price: self.price.or(file.price),
                max_leaves: self.max_leaves.or(file.max_leaves),
                gas_per_leaf: self.gas_per_leaf.or(file.gas_per_leaf),
                hub_bond: self.hub_bond.or(file.hub_bond),
                challenger_bond: self.challenger_bond.or(file.challenger_bond),
                challenge_window: self.challenge_window.or(file.challenge_window),
                response_window: self.response_window.or(file.response_window),
                turnaround: self.turnaround.or(file.turnaround),
                lifetime: self.offer_lifetime.or(file.offer_lifetime),
            }],
        };
        for o in &offers {
            for (what, v) in [
                ("price", &o.price),
                ("hub_bond", &o.hub_bond),
                ("challenger_bond", &o.challenger_bond),
            ] {
                if let Some(v) = v {
                    snm(what, v)?;
                }
            }
        }
        let miner_pay = self
            .miner_pay
            .or(file.miner_pay)
            .map(|v| snm("miner_pay", &v))
            .transpose()?;
        let sample_rate = self.sample_rate.or(file.sample_rate).unwrap_or(0.125);
        if !(sample_rate > 0.0 && sample_rate < 1.0) {
            return Err(HubError::Config(format!(
                "sample rate {sample_rate}: it must be strictly between 0 and 1"
            )));
        }
        let lease_units = self.lease_units.or(file.lease_units).unwrap_or(8);
        if lease_units == 0 {
            return Err(HubError::Config("lease units: at least 1".into()));
        }
        let lease_timeout = self.lease_timeout.or(file.lease_timeout).unwrap_or(30.0);
        if !(lease_timeout > 0.0 && lease_timeout < 86_400.0) {
            return Err(HubError::Config(format!(
                "lease timeout {lease_timeout}: give seconds, more than 0"
            )));
        }
        let interval = self
            .interval
            .or(file.interval)
            .unwrap_or(1.0)
            .clamp(0.05, 3600.0);
        let metrics = match (self.metrics, &file.metrics) {
            (Some(m), _) => Some(m),
            (None, Some(m)) => Some(m.parse().map_err(|e| bad("metrics", m, e))?),
            (None, None) => None,
        };
        let min_eth = match self.min_eth.or(file.min_eth) {
            Some(v) => snm("min_eth", &v)?,
            None => U256::from(5u64) * U256::from(10u64).pow(U256::from(16u64)),
        };
        Ok(ServeConfig {
            rpc_url: rpc_url.into(),
            deployments_dir,
            signer,
            hub,
            state_dir: self
                .state
                .or(file.state)
                .unwrap_or_else(|| PathBuf::from("sonm-hub-state")),
            name: self
                .name
                .or(file.name)
                .unwrap_or_else(|| "sonm hub".to_owned()),
            listen,
            announce,
            peers,
            mdns: self.mdns || file.mdns.unwrap_or(false),
            offers,
            miner_pay,
            lease_units,
            lease_timeout: Duration::from_secs_f64(lease_timeout),
            sample_rate,
            sample_seed: self
                .sample_seed
                .or(file.sample_seed)
                .unwrap_or_else(rand::random),
            decline_margin: self.decline_margin.or(file.decline_margin).unwrap_or(60),
            interval: Duration::from_secs_f64(interval),
            metrics,
            min_eth,
            min_free_bonds: self.min_free_bonds.or(file.min_free_bonds).unwrap_or(2),
            dishonest_rows: self.dishonest_rows.unwrap_or(0),
            no_receipts: self.no_receipts,
            json,
            text: !json,
            events: None,
        })
    }
}

impl ServeConfig {
    /// A configuration with every default, for tests and programs that build one in code.
    pub fn new(
        rpc_url: impl Into<String>,
        deployments_dir: PathBuf,
        signer: PrivateKeySigner,
        hub: Address,
        state_dir: PathBuf,
    ) -> Result<Self> {
        let mut c = ServeArgs {
            hub: Some(hub),
            state: Some(state_dir),
            ..ServeArgs::default()
        }
        .into_config(rpc_url, deployments_dir, signer, false)?;
        c.text = false;
        Ok(c)
    }
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| HubError::Config(format!("cannot read {}: {e}", path.display())))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        HubError::Config(format!(
            "{}{}: {}",
            path.display(),
            line.map(|l| format!(" line {l}")).unwrap_or_default(),
            e.message().replace('\n', " ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn config(args: &[&str]) -> Result<ServeConfig> {
        let mut argv = vec!["sonm"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)
            .expect("parses")
            .serve
            .into_config(
                "http://x",
                PathBuf::from("d"),
                PrivateKeySigner::random(),
                false,
            )
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let dir = std::env::temp_dir().join(format!("sonm-hub-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("hub.toml");
        std::fs::write(
            &file,
            "hub = \"0x1111111111111111111111111111111111111111\"\nlease_units = 16\nsample_rate = 0.5\nprice = \"3\"\n",
        )
        .expect("write");
        let c = config(&[
            "--config",
            file.to_str().expect("utf-8"),
            "--lease-units",
            "4",
        ])
        .expect("ok");
        assert_eq!(c.hub, Address::repeat_byte(0x11));
        assert_eq!(c.lease_units, 4, "the flag wins");
        assert_eq!(c.sample_rate, 0.5, "the file wins over the default");
        assert_eq!(c.offers[0].price.as_deref(), Some("3"));
        assert_eq!(c.lease_timeout, Duration::from_secs(30), "the default");
        assert_eq!(c.state_dir, PathBuf::from("sonm-hub-state"));
        std::fs::write(
            &file,
            "hub = \"0x1111111111111111111111111111111111111111\"\nbogus = 1\n",
        )
        .expect("write");
        let err = config(&["--config", file.to_str().expect("utf-8")]).expect_err("unknown key");
        assert!(err.to_string().contains("bogus"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_offers_file_gives_one_offer_per_table() {
        let dir = std::env::temp_dir().join(format!("sonm-hub-offers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("offers.toml");
        std::fs::write(
            &file,
            "[[offer]]\ncomputation = \"MandelbrotRow\"\nprice = \"1.5\"\nmax_leaves = 512\n\n\
             [[offer]]\ncomputation = \"0x2222222222222222222222222222222222222222\"\nprice = \"3\"\nturnaround = 7200\n",
        )
        .expect("write");
        let hub = "0x1111111111111111111111111111111111111111";
        let c = config(&["--hub", hub, "--offers", file.to_str().expect("utf-8")]).expect("ok");
        assert_eq!(c.offers.len(), 2);
        assert_eq!(c.offers[0].max_leaves, Some(512));
        assert_eq!(c.offers[1].price.as_deref(), Some("3"));
        assert_eq!(c.offers[1].turnaround, Some(7200));
        std::fs::write(&file, "[[offer]]\nprice = \"cheap\"\n").expect("write");
        let err = config(&["--hub", hub, "--offers", file.to_str().expect("utf-8")])
            .expect_err("bad price");
        assert!(err.to_string().contains("price \"cheap\""), "{err}");
        std::fs::write(&file, "[[offer]]\nprize = \"1\"\n").expect("write");
        let err = config(&["--hub", hub, "--offers", file.to_str().expect("utf-8")])
            .expect_err("unknown key");
        assert!(err.to_string().contains("prize"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_values_are_refused_in_one_line() {
        let hub = "0x1111111111111111111111111111111111111111";
        for (args, needle) in [
            (
                vec!["--hub", hub, "--sample-rate", "1"],
                "strictly between 0 and 1",
            ),
            (
                vec!["--hub", hub, "--sample-rate", "0"],
                "strictly between 0 and 1",
            ),
            (vec!["--hub", hub, "--price", "lots"], "price"),
            (vec![], "no hub wallet"),
        ] {
            let err = config(&args).expect_err("refused").to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }
}
