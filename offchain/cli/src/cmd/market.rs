//! `sonm market`: a hub's operator signs offers, a buyer takes one as a deal of the map game and accepts its result;
//! offers are files of EIP-712 typed data (the format is in `sonm_agents::market` and the crate's README), so an
//! offer signed with `cast wallet sign --data --from-file` is taken here, and one signed here is checked by cast.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, U256};
use clap::{Args, Subcommand};
use eyre::{Result, eyre};
use serde_json::{Value, json};
use sonm_agents::task::read_inputs;
use sonm_agents::{MapTasks, Market, Offer, OfferStatus, SignedOffer};

use super::{connect, parse_address, parse_amount, parse_u256, snm};
use crate::Global;
use crate::ui::{Output, spin};

/// Below this, `--expiry` is seconds from now; from it on, a unix time (2001-09-09).
const UNIX_TIME_FROM: u64 = 1_000_000_000;

#[derive(Debug, Subcommand)]
pub(crate) enum MarketCmd {
    /// Sign an offer with the hub's operator (or owner) key and print the offer file (EIP-712 typed data plus the
    /// signature).
    Offer(OfferArgs),
    /// Check offer files against the chain: signer, taken and cancelled, volume left, expiry, the hub's history.
    Offers(OffersArgs),
    /// Take an offer as a deal: escrow the price (approving the market if needed); prints the deal id.
    Take(TakeArgs),
    /// Accept a deal's committed result at once, ending its challenge window (the buyer).
    Accept(AcceptArgs),
    /// Cancel an offer for good (the hub's operator or owner).
    Cancel(CancelArgs),
    /// Take the escrow of an uncommitted deal back while its hub is Suspected or Punished (the buyer).
    CancelDeal(CancelDealArgs),
    /// Decline an uncommitted deal before its decline deadline, e.g. because the buyer does not serve the inputs
    /// (the hub's operator or owner): the escrow goes back to the buyer, the bond to the wallet.
    Decline(DeclineArgs),
}

impl MarketCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Offer(a) => a.run(g).await,
            Self::Offers(a) => a.run(g).await,
            Self::Take(a) => a.run(g).await,
            Self::Accept(a) => a.run(g).await,
            Self::Cancel(a) => a.run(g).await,
            Self::CancelDeal(a) => a.run(g).await,
            Self::Decline(a) => a.run(g).await,
        }
    }
}

/// The market as the signer (if any).
async fn market(g: &Global) -> Result<Market> {
    Ok(Market::new(&connect(g).await?)?)
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_owned())
        .display()
        .to_string()
}

#[derive(Debug, Args)]
pub(crate) struct OfferArgs {
    /// The hub wallet the offer is for (the signer must be its operator or owner).
    #[arg(long, value_parser = parse_address)]
    hub: Address,
    /// The registered computation run on each leaf: `mandelbrot`, `montecarlo` or a contract address.
    #[arg(long)]
    computation: String,
    /// Price per leaf, in SNM.
    #[arg(long, value_parser = parse_amount)]
    price: U256,
    /// The most leaves all deals of this offer may have together.
    #[arg(long)]
    max_leaves: u64,
    /// The most gas a leaf may need (each leaf is judged with exactly this much).
    #[arg(long)]
    gas_per_leaf: u32,
    /// The hub's bond per deal, in SNM (at least the game's minimum solver bond).
    #[arg(long, value_parser = parse_amount)]
    hub_bond: U256,
    /// A query's bond on a deal, in SNM (the game's minimum to the hub bond).
    #[arg(long, value_parser = parse_amount)]
    challenger_bond: U256,
    /// Seconds a committed result may be challenged (default: the game's challenge window).
    #[arg(long)]
    challenge_window: Option<u32>,
    /// Seconds the hub has to answer a query (default: the game's response window).
    #[arg(long)]
    response_window: Option<u32>,
    /// Seconds from a take within which the hub commits.
    #[arg(long)]
    turnaround: u32,
    /// When the offer stops being takeable: seconds from now (below 1,000,000,000) or a unix time.
    #[arg(long)]
    expiry: u64,
    /// Any number telling apart offers of the same terms (default: random).
    #[arg(long, value_parser = parse_u256)]
    nonce: Option<U256>,
    /// Write the offer file here instead of printing it.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

impl OfferArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let market = Market::new(&client)?;
        let params = MapTasks::new(&client)?.parameters().await?;
        let computation = super::map::computation_address(&client, &self.computation)?;
        let expiry = if self.expiry < UNIX_TIME_FROM {
            client.now().await? + self.expiry
        } else {
            self.expiry
        };
        let offer = Offer {
            hub: self.hub,
            computation,
            price_per_leaf: self.price,
            max_leaves: self.max_leaves,
            gas_per_leaf: self.gas_per_leaf,
            hub_bond: self.hub_bond,
            challenger_bond: self.challenger_bond,
            challenge_window: self.challenge_window.unwrap_or(params.challengeWindow),
            response_window: self.response_window.unwrap_or(params.responseWindow),
            turnaround: self.turnaround,
            expiry,
            nonce: self
                .nonce
                .unwrap_or_else(|| U256::from_be_bytes(rand::random::<[u8; 32]>())),
        };
        let signed = spin("signing the offer", market.sign(offer)).await?;
        let file = signed.to_json()?;
        let hash = signed.hash()?;
        match self.out {
            None => Ok(Output::new(serde_json::to_string_pretty(&file)?, file)),
            Some(path) => {
                std::fs::write(&path, serde_json::to_string_pretty(&file)?)
                    .map_err(|e| eyre!("cannot write {}: {e}", path.display()))?;
                Ok(Output::new(
                    format!(
                        "offer {hash} of hub {} signed, written to {}: {} leaves at {} SNM each, expires at {expiry}",
                        signed.offer.hub,
                        path.display(),
                        signed.offer.max_leaves,
                        snm(signed.offer.price_per_leaf)
                    ),
                    json!({"file": path, "hash": hash, "offer": file}),
                ))
            }
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct OffersArgs {
    /// Offer files.
    #[arg(required_unless_present = "network")]
    files: Vec<PathBuf>,
    /// Instead of files: listen this many seconds for the offers hubs announce on the network (the Whitelist's hub
    /// endpoints are dialed), each checked against the chain, with its hub's history and mark.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "5", conflicts_with = "files")]
    network: Option<f64>,
    /// A peer to dial, with --network (repeatable).
    #[arg(long, value_name = "MULTIADDR", requires = "network")]
    peer: Vec<sonm_buyer::Multiaddr>,
}

fn status_json(file: &Path, s: &OfferStatus) -> Value {
    json!({
        "file": file,
        "valid": s.valid(),
        "problems": s.problems,
        "hash": s.hash,
        "signer": s.signer,
        "offer": s.offer,
        "taken": s.taken,
        "left": s.left,
        "cancelled": s.cancelled,
        "expired": s.expired,
        "hub_state": s.hub_state,
        "history": s.history,
    })
}

fn status_text(file: &Path, s: &OfferStatus, now: u64) -> String {
    let o = &s.offer;
    let verdict = if s.valid() {
        "valid".to_owned()
    } else {
        format!("INVALID: {}", s.problems.join("; "))
    };
    let expires = if o.expiry > now {
        format!("expires at {} (in {} s)", o.expiry, o.expiry - now)
    } else {
        format!("expired at {}", o.expiry)
    };
    format!(
        "{} (offer {})  {verdict}\n  hub {} ({}), signed by {}\n  {} SNM per leaf, {} of {} leaves left, {}, hub bond {} SNM, \
         turnaround {} s, challenge window {} s\n  history: {}",
        file.display(),
        s.hash,
        o.hub,
        s.hub_state
            .map_or_else(|| "not a hub".to_owned(), |st| st.to_string()),
        s.signer,
        snm(o.price_per_leaf),
        s.left,
        o.max_leaves,
        expires,
        snm(o.hub_bond),
        o.turnaround,
        o.challenge_window,
        s.history.summary()
    )
}

impl OffersArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        if let Some(seconds) = self.network {
            let window = std::time::Duration::from_secs_f64(seconds.clamp(0.0, 3_600.0));
            let heard = spin(
                format!("listening for offers ({seconds} s)"),
                sonm_buyer::discover::network_offers(&client, self.peer, window),
            )
            .await?;
            let lines: Vec<_> = heard
                .iter()
                .map(|c| sonm_buyer::discover::OfferLine::new(c, None))
                .collect();
            let mut text = vec![format!("{} offers heard on the network", lines.len())];
            text.extend(lines.iter().map(|l| l.text()));
            return Ok(Output::new(text.join("\n"), json!({ "offers": lines })));
        }
        let market = Market::new(&client)?;
        let now = client.now().await?;
        let (mut texts, mut items) = (Vec::new(), Vec::new());
        for file in &self.files {
            let checked = match SignedOffer::read(file) {
                Ok(signed) => market.status(&signed).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match checked {
                Ok(status) => {
                    texts.push(status_text(file, &status, now));
                    items.push(status_json(file, &status));
                }
                Err(reason) => {
                    texts.push(format!("{}  INVALID: {reason}", file.display()));
                    items.push(json!({"file": file, "valid": false, "problems": [reason]}));
                }
            }
        }
        let valid = items.iter().filter(|v| v["valid"] == true).count();
        texts.insert(0, format!("{valid} of {} offers can be taken", items.len()));
        Ok(Output::new(texts.join("\n"), json!({"offers": items})))
    }
}

#[derive(Debug, Args)]
pub(crate) struct TakeArgs {
    /// The offer file.
    file: PathBuf,
    /// The inputs (a JSON array of hex leaves, or a Merkle dump): the root, the leaf count and (by default) the
    /// input URI come from it, as `sonm map post` does.
    #[arg(long, conflicts_with = "input_root")]
    inputs: Option<PathBuf>,
    /// The input root, when the inputs are elsewhere (with --leaves and --input-uri).
    #[arg(long, requires_all = ["leaves", "input_uri"])]
    input_root: Option<B256>,
    /// How many leaves to buy (with --input-root).
    #[arg(long)]
    leaves: Option<u64>,
    /// Where the hub finds the inputs (default with --inputs: the file's absolute path).
    #[arg(long)]
    input_uri: Option<String>,
}

impl TakeArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let signed = SignedOffer::read(&self.file)?;
        let client = connect(g).await?;
        let market = Market::new(&client)?;
        let (root, leaves, uri) = match (self.inputs, self.input_root) {
            (Some(path), _) => {
                let data = read_inputs(&path)?;
                let tree = MapTasks::new(&client)?.input_tree(&data).await?;
                let leaves = tree.len() as u64;
                if self.leaves.is_some_and(|n| n != leaves) {
                    return Err(eyre!(
                        "--leaves {} differs from the {leaves} leaves of {}: leave it out with --inputs",
                        self.leaves.unwrap_or_default(),
                        path.display()
                    ));
                }
                (
                    tree.root(),
                    leaves,
                    self.input_uri.unwrap_or_else(|| absolute(&path)),
                )
            }
            (None, Some(root)) => (
                root,
                self.leaves.unwrap_or_default(),
                self.input_uri.unwrap_or_default(),
            ),
            (None, None) => {
                return Err(eyre!(
                    "give the inputs: --inputs FILE, or --input-root ROOT --leaves N --input-uri URI"
                ));
            }
        };
        let t = spin("taking the offer", market.take(&signed, root, leaves, uri)).await?;
        Ok(Output::new(
            format!(
                "{}\ndeal {} taken from hub {}: {} leaves for {} SNM escrowed, input root {} (tx {})",
                t.approval.describe(),
                t.deal,
                t.hub,
                t.leaf_count,
                snm(t.price),
                t.input_root,
                t.tx
            ),
            serde_json::to_value(&t)?,
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct AcceptArgs {
    /// The deal (the game's task id).
    deal: u64,
}

impl AcceptArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let deal = self.deal;
        let tx = spin(
            "accepting the result",
            MapTasks::new(&connect(g).await?)?.accept(deal),
        )
        .await?;
        Ok(Output::new(
            format!("deal {deal}: result accepted, the hub wallet is paid (tx {tx})"),
            json!({"deal": deal, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct CancelArgs {
    /// The offer file.
    file: PathBuf,
}

impl CancelArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let signed = SignedOffer::read(&self.file)?;
        let hash = signed.hash()?;
        let tx = spin("cancelling the offer", market(g).await?.cancel(&signed)).await?;
        Ok(Output::new(
            format!(
                "offer {hash} of hub {} cancelled (tx {tx})",
                signed.offer.hub
            ),
            json!({"hash": hash, "hub": signed.offer.hub, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct CancelDealArgs {
    /// The deal (the game's task id).
    deal: u64,
}

impl CancelDealArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let deal = self.deal;
        let tx = spin(
            "cancelling the deal",
            MapTasks::new(&connect(g).await?)?.cancel_deal(deal),
        )
        .await?;
        Ok(Output::new(
            format!("deal {deal} cancelled: its escrow is back with the buyer (tx {tx})"),
            json!({"deal": deal, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct DeclineArgs {
    /// The deal (the game's task id).
    deal: u64,
}

impl DeclineArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let deal = self.deal;
        let tx = spin(
            "declining the deal",
            MapTasks::new(&connect(g).await?)?.decline_deal(deal),
        )
        .await?;
        Ok(Output::new(
            format!(
                "deal {deal} declined: its escrow is back with the buyer, the bond with the hub wallet (tx {tx})"
            ),
            json!({"deal": deal, "tx": tx}),
        ))
    }
}
