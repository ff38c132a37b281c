//! `sonm buy`'s flags ([`BuyArgs`], for the CLI to flatten), the optional TOML file whose keys are the long flag
//! names in snake_case, and what they resolve to ([`Buy`]). Precedence: flag > environment > file > default.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, Bytes, U256};
use serde::Deserialize;
use sonm_agents::task::mandelbrot_inputs;
use sonm_agents::units::parse_snm;
use sonm_net::Multiaddr;

use crate::{BuyerError, Result};

/// Defaults (also in each flag's help).
const DISCOVER: f64 = 10.0;
const SAMPLE: f64 = 0.05;
const OUT: &str = "mandelbrot.png";
const SIZE: u32 = 512;
const CENTER: (f64, f64) = (-0.75, 0.0);
const MAX_ITER: u8 = 64;
const LISTEN: &str = "/ip4/0.0.0.0/tcp/0";
const STATE: &str = "sonm-buyer-state";

/// `sonm buy`'s flags.
///
/// Inputs and results are public to anyone who asks for them: the buyer serves its inputs and the hub its results
/// to any peer that names their root (confidentiality is not a goal yet).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct BuyArgs {
    /// A TOML file of these settings (keys: the long flag names in snake_case); flags and environment win over it.
    #[arg(long, env = "SONM_BUY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Take an offer of this hub only (its wallet address); by default the cheapest acceptable offer heard.
    #[arg(long, env = "SONM_BUY_HUB", value_name = "HUB", value_parser = parse_address)]
    pub hub: Option<Address>,
    /// The most SNM a row (leaf) may cost.
    #[arg(long, env = "SONM_BUY_MAX_PRICE", value_name = "SNM", value_parser = parse_amount)]
    pub max_price: Option<U256>,
    /// The longest turnaround (seconds the hub may take to commit) to accept.
    #[arg(long, env = "SONM_BUY_MAX_TURNAROUND", value_name = "SECONDS")]
    pub max_turnaround: Option<u32>,
    /// Seconds to listen for hubs' offers on the network, less if every hub of the Whitelist answered sooner
    /// (default 10).
    #[arg(long, env = "SONM_BUY_DISCOVER", value_name = "SECONDS")]
    pub discover: Option<f64>,
    /// The fraction of the rows the buyer recomputes itself before accepting, at least one row (default 0.05).
    #[arg(long, env = "SONM_BUY_SAMPLE", value_name = "FRACTION")]
    pub sample: Option<f64>,
    /// Do not accept: wait out the challenge window (the hub, or this buyer, finalizes the deal when it ends).
    #[arg(long)]
    pub no_accept: bool,
    /// The picture to write, PNG (default mandelbrot.png).
    #[arg(long, env = "SONM_BUY_OUT", value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Width of the Mandelbrot picture in pixels (default 512).
    #[arg(long, value_name = "PIXELS")]
    pub width: Option<u32>,
    /// Height of the picture: one row (one leaf, one unit of work) per pixel row (default 512).
    #[arg(long, value_name = "PIXELS")]
    pub height: Option<u32>,
    /// The centre of the view, `X,Y` on the complex plane (default -0.75,0).
    #[arg(long, value_name = "X,Y", value_parser = parse_center, allow_hyphen_values = true)]
    pub center: Option<(f64, f64)>,
    /// Magnification: the view is 3/zoom wide (default 1).
    #[arg(long, value_name = "FACTOR", conflicts_with = "step")]
    pub zoom: Option<f64>,
    /// The distance between two pixels on the complex plane (instead of --zoom).
    #[arg(long, value_name = "STEP")]
    pub step: Option<f64>,
    /// Iterations before a point counts as inside the set, 1-255 (default 64).
    #[arg(long, value_name = "N")]
    pub max_iter: Option<u8>,
    /// Where the buyer's P2P node listens; it serves the inputs from there (repeatable; default
    /// /ip4/0.0.0.0/tcp/0).
    #[arg(
        long,
        env = "SONM_BUY_LISTEN",
        value_name = "MULTIADDR",
        value_delimiter = ','
    )]
    pub listen: Vec<Multiaddr>,
    /// The address to name in the input URI, if the listen address is not reachable from the hub (NAT).
    #[arg(long, env = "SONM_BUY_PUBLIC_ADDR", value_name = "MULTIADDR")]
    pub public_addr: Option<Multiaddr>,
    /// A peer to dial at start (repeatable); the Whitelist's hub endpoints are dialed anyway.
    #[arg(
        long,
        env = "SONM_BUY_PEER",
        value_name = "MULTIADDR",
        value_delimiter = ','
    )]
    pub peer: Vec<Multiaddr>,
    /// The buyer's directory: its libp2p key, `node.key`, readable by the owner only (default
    /// ./sonm-buyer-state).
    #[arg(long, env = "SONM_BUY_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Seed of the sample's draw (tests; by default a random one).
    #[arg(long, hide = true)]
    pub sample_seed: Option<u64>,
}

/// The settings file: the flags' long names in snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    hub: Option<String>,
    max_price: Option<String>,
    max_turnaround: Option<u32>,
    discover: Option<f64>,
    sample: Option<f64>,
    no_accept: Option<bool>,
    out: Option<PathBuf>,
    width: Option<u32>,
    height: Option<u32>,
    center: Option<String>,
    zoom: Option<f64>,
    step: Option<f64>,
    max_iter: Option<u8>,
    listen: Option<Vec<String>>,
    public_addr: Option<String>,
    peer: Option<Vec<String>>,
    state: Option<PathBuf>,
}

/// What `sonm buy` runs with: the flags, the environment and the file resolved.
#[derive(Clone, Debug)]
pub struct Buy {
    /// `--hub`.
    pub hub: Option<Address>,
    /// `--max-price` (wei).
    pub max_price: Option<U256>,
    /// `--max-turnaround`.
    pub max_turnaround: Option<u32>,
    /// `--discover` (seconds).
    pub discover: f64,
    /// `--sample`.
    pub sample: f64,
    /// `--no-accept`.
    pub no_accept: bool,
    /// `--out`.
    pub out: PathBuf,
    /// `--width`.
    pub width: u32,
    /// `--height`.
    pub height: u32,
    /// `--center`.
    pub center: (f64, f64),
    /// The distance between pixels (`--step`, or 3 / (zoom * width)).
    pub step: f64,
    /// `--max-iter`.
    pub max_iter: u8,
    /// `--listen`.
    pub listen: Vec<Multiaddr>,
    /// `--public-addr`.
    pub public_addr: Option<Multiaddr>,
    /// `--peer`.
    pub peer: Vec<Multiaddr>,
    /// `--state`.
    pub state: PathBuf,
    /// `--sample-seed`.
    pub sample_seed: Option<u64>,
}

fn parse_address(s: &str) -> std::result::Result<Address, String> {
    s.trim()
        .parse()
        .map_err(|_| "not an address: expected 0x followed by 40 hex digits".to_owned())
}

fn parse_amount(s: &str) -> std::result::Result<U256, String> {
    parse_snm(s).map_err(|e| e.to_string())
}

fn parse_center(s: &str) -> std::result::Result<(f64, f64), String> {
    let (x, y) = s
        .split_once(',')
        .ok_or_else(|| format!("{s:?}: expected X,Y (e.g. -0.75,0)"))?;
    let num = |v: &str| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| format!("{v:?} is not a number"))
    };
    Ok((num(x)?, num(y)?))
}

fn read_file(path: &Path) -> Result<FileSettings> {
    let text = std::fs::read_to_string(path).map_err(|source| BuyerError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| {
        BuyerError::Args(format!(
            "{}: {}",
            path.display(),
            e.message().trim_end_matches('\n')
        ))
    })
}

impl BuyArgs {
    /// Resolves the flags (and environment) over the `--config` file over the defaults; checks them.
    pub fn resolve(self) -> Result<Buy> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let bad = |key: &str, e: String| BuyerError::Args(format!("config key {key}: {e}"));
        let addrs = |key: &str, list: Option<Vec<String>>| -> Result<Vec<Multiaddr>> {
            list.unwrap_or_default()
                .iter()
                .map(|a| a.parse().map_err(|e| bad(key, format!("{a:?}: {e}"))))
                .collect()
        };
        let hub = match (self.hub, file.hub) {
            (Some(h), _) => Some(h),
            (None, Some(h)) => Some(parse_address(&h).map_err(|e| bad("hub", e))?),
            (None, None) => None,
        };
        let max_price = match (self.max_price, file.max_price) {
            (Some(p), _) => Some(p),
            (None, Some(p)) => Some(parse_amount(&p).map_err(|e| bad("max_price", e))?),
            (None, None) => None,
        };
        let center = match (self.center, file.center) {
            (Some(c), _) => c,
            (None, Some(c)) => parse_center(&c).map_err(|e| bad("center", e))?,
            (None, None) => CENTER,
        };
        let width = self.width.or(file.width).unwrap_or(SIZE);
        // A step or a zoom given by flag wins over either from the file.
        let step = match (self.step, self.zoom) {
            (Some(s), _) => s,
            (None, Some(z)) => zoom_step(z, width)?,
            (None, None) => match (file.step, file.zoom) {
                (Some(s), _) => s,
                (None, z) => zoom_step(z.unwrap_or(1.0), width)?,
            },
        };
        let listen = if self.listen.is_empty() {
            match file.listen {
                Some(l) => addrs("listen", Some(l))?,
                None => vec![LISTEN.parse().map_err(|e| bad("listen", format!("{e}")))?],
            }
        } else {
            self.listen
        };
        let public_addr = match (self.public_addr, file.public_addr) {
            (Some(a), _) => Some(a),
            (None, Some(a)) => Some(
                a.parse()
                    .map_err(|e| bad("public_addr", format!("{a:?}: {e}")))?,
            ),
            (None, None) => None,
        };
        let peer = if self.peer.is_empty() {
            addrs("peer", file.peer)?
        } else {
            self.peer
        };
        let buy = Buy {
            hub,
            max_price,
            max_turnaround: self.max_turnaround.or(file.max_turnaround),
            discover: self.discover.or(file.discover).unwrap_or(DISCOVER),
            sample: self.sample.or(file.sample).unwrap_or(SAMPLE),
            no_accept: self.no_accept || file.no_accept.unwrap_or(false),
            out: self.out.or(file.out).unwrap_or_else(|| OUT.into()),
            width,
            height: self.height.or(file.height).unwrap_or(SIZE),
            center,
            step,
            max_iter: self.max_iter.or(file.max_iter).unwrap_or(MAX_ITER),
            listen,
            public_addr,
            peer,
            state: self.state.or(file.state).unwrap_or_else(|| STATE.into()),
            sample_seed: self.sample_seed,
        };
        buy.check()?;
        Ok(buy)
    }
}

fn zoom_step(zoom: f64, width: u32) -> Result<f64> {
    if !(zoom.is_finite() && zoom > 0.0) {
        return Err(BuyerError::Args(format!(
            "--zoom {zoom}: give a positive factor"
        )));
    }
    Ok(3.0 / (zoom * f64::from(width.max(1))))
}

impl Buy {
    fn check(&self) -> Result<()> {
        crate::sample::check_fraction(self.sample)?;
        if self.width == 0 || self.height == 0 {
            return Err(BuyerError::Args(format!(
                "a {}x{} picture has no pixels",
                self.width, self.height
            )));
        }
        if self.max_iter == 0 {
            return Err(BuyerError::Args("--max-iter must be at least 1".into()));
        }
        if !(self.step.is_finite() && self.step > 0.0 && self.step < 8.0) {
            return Err(BuyerError::Args(format!(
                "--step {}: give a positive distance below 8",
                self.step
            )));
        }
        if !(self.discover.is_finite() && self.discover >= 0.0) {
            return Err(BuyerError::Args(format!(
                "--discover {}: give seconds, 0 or more",
                self.discover
            )));
        }
        Ok(())
    }

    /// The picture's inputs: one `MandelbrotRow` leaf per pixel row.
    pub fn inputs(&self) -> Vec<Bytes> {
        mandelbrot_inputs(
            self.width,
            self.height,
            self.center,
            self.step,
            self.max_iter,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        buy: BuyArgs,
    }

    fn parse(args: &[&str]) -> BuyArgs {
        Cli::parse_from(std::iter::once("b").chain(args.iter().copied())).buy
    }

    #[test]
    fn the_picture_flags_make_one_row_a_leaf() {
        let a = parse(&["--width", "8", "--height", "3", "--center", "-0.5,0.25"])
            .resolve()
            .expect("resolves");
        assert_eq!(a.center, (-0.5, 0.25));
        assert_eq!(a.step, 3.0 / 8.0);
        assert_eq!(a.inputs().len(), 3);
        assert!(parse(&["--height", "0"]).resolve().is_err());
        assert!(parse(&["--sample", "0"]).resolve().is_err());
        assert!(Cli::try_parse_from(["b", "--center", "1"]).is_err());
        assert!(Cli::try_parse_from(["b", "--zoom", "2", "--step", "0.1"]).is_err());
        let d = parse(&[]).resolve().expect("defaults");
        assert_eq!(
            (d.width, d.height, d.max_iter, d.sample),
            (512, 512, 64, 0.05)
        );
        assert_eq!(d.out, PathBuf::from("mandelbrot.png"));
    }

    #[test]
    fn the_file_fills_what_flags_leave_and_flags_win() {
        let dir = std::env::temp_dir().join(format!("sonm-buy-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("buy.toml");
        std::fs::write(
            &path,
            "width = 64\nheight = 32\nsample = 0.5\nmax_price = \"1.5\"\nno_accept = true\nzoom = 2.0\n\
             listen = [\"/ip4/127.0.0.1/tcp/0\"]\ncenter = \"0,0.5\"\n",
        )
        .expect("write");
        let p = path.display().to_string();
        let a = parse(&["--config", &p, "--height", "16"])
            .resolve()
            .expect("resolves");
        assert_eq!((a.width, a.height, a.sample), (64, 16, 0.5));
        assert_eq!(
            a.max_price,
            Some(U256::from(15u64) * U256::from(10u64).pow(U256::from(17u64)))
        );
        assert!(a.no_accept);
        assert_eq!(a.step, 3.0 / 128.0);
        assert_eq!(a.center, (0.0, 0.5));
        assert_eq!(a.listen[0].to_string(), "/ip4/127.0.0.1/tcp/0");
        // A step given by flag wins over the file's zoom.
        let a = parse(&["--config", &p, "--step", "0.01"])
            .resolve()
            .expect("resolves");
        assert_eq!(a.step, 0.01);
        std::fs::write(&path, "widht = 3\n").expect("write");
        let e = parse(&["--config", &p]).resolve().expect_err("unknown key");
        assert!(e.to_string().contains("widht"), "{e}");
        std::fs::write(&path, "max_price = \"lots\"\n").expect("write");
        let e = parse(&["--config", &p]).resolve().expect_err("bad amount");
        assert!(e.to_string().contains("max_price"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
