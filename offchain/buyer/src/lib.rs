//! sonm's buyer client (`sonm buy`; docs/protocol.md, "A deal between the daemons"): it hears the hubs' signed
//! offers on the network, reads each hub's history and mark from the chain, takes the cheapest acceptable offer (or
//! the one of `--hub`), serves its inputs over the data protocol and tells the hub (`Inputs`), follows the work
//! (`Progress`: units done, by which miner), waits for the commit on chain, fetches the results (every leaf checked
//! against the committed root), recomputes a sample itself with the executor, accepts (or waits out the window) and
//! writes the picture.
//!
//! **Inputs and results are public**: anyone who knows a root may fetch the data from whoever serves it
//! (confidentiality is not a goal yet).
//!
//! ```no_run
//! # async fn go(client: sonm_agents::Client) -> sonm_buyer::Result<()> {
//! use clap::Parser as _;
//! #[derive(clap::Parser)]
//! struct Cli { #[command(flatten)] buy: sonm_buyer::BuyArgs }
//! let args = Cli::parse_from(["buy", "--width", "512", "--height", "512", "--out", "picture.png"]).buy;
//! let bought = sonm_buyer::run(&client, args, sonm_buyer::Reporter::new(false)).await?;
//! println!("deal {} from hub {}: {}", bought.deal, bought.hub, bought.out.display());
//! # Ok(()) }
//! ```

mod config;
pub mod discover;
mod error;
pub mod image;
mod report;
pub mod sample;
pub mod select;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes, U256};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::json;
use sonm_agents::units::format_snm;
use sonm_agents::{Client, MapTasks, Market, TaskStatus};
use sonm_bindings::Contract;
use sonm_executor::Executor;
use sonm_net::multiaddr::Protocol;
use sonm_net::{
    DealProgress, Identity, MarketRequest, MarketResponse, Node, NodeConfig, PeerId, WhitelistChain,
};
use tracing::{debug, warn};

pub use config::{Buy, BuyArgs};
pub use error::{BuyerError, Result};
pub use report::Reporter;
use select::{Candidate, Wanted};
pub use sonm_net::Multiaddr;

/// How long the buyer keeps telling the hub about its inputs (it may not have seen the deal on chain yet).
const INPUTS_PATIENCE: Duration = Duration::from_secs(30);
/// How often the buyer asks the hub how far it is, and the chain whether it committed.
const POLL: Duration = Duration::from_millis(500);

/// What `sonm buy` did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bought {
    /// The deal (the map game's task id).
    pub deal: u64,
    /// The hub wallet.
    pub hub: Address,
    /// What the buyer paid (SNM wei, escrowed at the take).
    #[serde(serialize_with = "sonm_agents::units::ser_dec")]
    pub price: U256,
    /// Rows (leaves).
    pub rows: u64,
    /// The committed result root.
    pub result_root: B256,
    /// The rows the buyer recomputed, all equal to the committed ones.
    pub sampled: Vec<u64>,
    /// Whether the buyer accepted (else the window ran out and the deal settled).
    pub accepted: bool,
    /// Units accepted per miner, as the hub last said.
    pub by_miner: Vec<(Address, u64)>,
    /// Units redone, as the hub last said.
    pub redone: u64,
    /// The picture written.
    pub out: PathBuf,
}

/// Runs `sonm buy` with `client`'s key: see the crate's documentation.
pub async fn run(client: &Client, args: BuyArgs, reporter: Reporter) -> Result<Bought> {
    let args = args.resolve()?;
    let me = client.sender()?;
    let inputs = args.inputs();
    let tasks = MapTasks::new(client)?;
    let market = Market::new(client)?;
    let computation = client.address(Contract::MandelbrotRow)?;
    let input_tree = tasks.input_tree(&inputs).await?;
    let rows = inputs.len() as u64;
    let middle = inputs
        .get(inputs.len() / 2)
        .cloned()
        .ok_or_else(|| BuyerError::Args("no rows".into()))?;

    // The node: serves the inputs, hears the offers, talks to the hub.
    let chain = Arc::new(WhitelistChain::new(
        client.provider_ref().clone(),
        client.deployment().clone(),
    ));
    let config = NodeConfig {
        identity: Identity::File(args.state.join("node.key")),
        listen: args.listen.clone(),
        peers: args.peer.clone(),
        ..NodeConfig::default()
    };
    let (node, mut events) = Node::start(config, chain).await?;
    let result = buy(
        client,
        &args,
        reporter,
        &node,
        &mut events,
        Job {
            me,
            inputs: &inputs,
            input_tree,
            rows,
            computation,
            middle,
            tasks: &tasks,
            market: &market,
        },
    )
    .await;
    node.shutdown().await;
    result
}

/// What is bought.
struct Job<'a> {
    me: Address,
    inputs: &'a [Bytes],
    input_tree: sonm_merkle::IndexedTree,
    rows: u64,
    computation: Address,
    middle: Bytes,
    tasks: &'a MapTasks,
    market: &'a Market,
}

async fn buy(
    client: &Client,
    args: &Buy,
    reporter: Reporter,
    node: &Node,
    events: &mut sonm_net::Events,
    job: Job<'_>,
) -> Result<Bought> {
    let peer_id = node.peer_id();
    reporter.event(
        "listening",
        json!({ "peer": peer_id.to_string(), "buyer": job.me }),
        format!("buyer {} on the network as {peer_id}", job.me),
    );
    let expected = discover::reachable_hubs(client).await?;
    let heard = discover::hear(
        node,
        events,
        Duration::from_secs_f64(args.discover.clamp(0.0, 3_600.0)),
        args.hub,
        expected,
    )
    .await;
    for h in heard.hubs.iter().filter(|h| h.unreadable.is_some()) {
        warn!(hub = %h.hub, reason = ?h.unreadable, "a hub's offers could not be read");
    }
    let middle = job.middle.clone();
    // The middle row crosses the set where a picture centred on it is darkest: the costliest row, usually.
    let renders = |executor: &Executor, gas: u32| {
        executor
            .leaf(&middle, u64::from(gas), 32_768)
            .is_ok_and(|out| !out.is_empty())
    };
    let candidates = discover::candidates(client, &heard, Some(&renders)).await?;
    let want = Wanted {
        computation: job.computation,
        leaves: job.rows,
        hub: args.hub,
        max_price: args.max_price,
        max_turnaround: args.max_turnaround,
    };
    discover::report_offers(&reporter, &candidates, Some(&want));
    let chosen: Candidate = select::choose(&candidates, &want)?.clone();
    let offer = &chosen.signed.offer;
    let hub = offer.hub;
    let hub_peer: PeerId = chosen.peer.parse().map_err(|_| BuyerError::Hub {
        hub,
        reason: format!("its announcement names no peer id ({})", chosen.peer),
    })?;
    reporter.event(
        "chosen",
        json!({
            "hub": hub, "name": chosen.hub_name, "pricePerLeaf": format_snm(offer.price_per_leaf),
            "price": format_snm(offer.price(job.rows)), "offer": chosen.signed.hash()?,
        }),
        format!(
            "chose hub {hub} ({}): {} SNM a row, {} SNM for {} rows",
            chosen.hub_name,
            format_snm(offer.price_per_leaf),
            format_snm(offer.price(job.rows)),
            job.rows
        ),
    );

    // Serve the inputs, then take the offer naming where they are.
    let input_root = job.input_tree.root();
    node.data().insert(job.input_tree)?;
    let addr = input_addr(node, args.public_addr.as_ref()).await?;
    let input_uri = format!("sonm://{addr}/p2p/{peer_id}/{input_root}");
    let taken = job
        .market
        .take(&chosen.signed, input_root, job.rows, input_uri.clone())
        .await?;
    let deal = taken.deal;
    reporter.event(
        "taken",
        json!({
            "deal": deal, "hub": hub, "price": format_snm(taken.price), "tx": taken.tx,
            "inputRoot": input_root, "inputUri": input_uri,
        }),
        format!(
            "took deal {deal}: {} SNM escrowed, inputs at {input_uri}",
            format_snm(taken.price)
        ),
    );
    tell_hub(node, hub, hub_peer, deal, job.rows, reporter).await;

    // Follow the work until the hub commits.
    let progress = follow(client, node, job.tasks, hub_peer, deal, job.rows, reporter).await?;
    let info = job.tasks.task(deal).await?;
    let root = info.result_root;
    let uri = job.tasks.result_uri(deal).await?;
    reporter.event(
        "committed",
        json!({ "deal": deal, "root": root, "uri": uri }),
        format!("the hub committed root {root} ({uri})"),
    );

    // Fetch the results, every leaf checked against the committed root.
    let results = fetch_results(node, &uri, root, job.rows).await?;
    reporter.event(
        "fetched",
        json!({ "deal": deal, "rows": results.len() }),
        format!(
            "fetched the {} rows, each checked against the committed root",
            results.len()
        ),
    );

    // Recompute a sample.
    let seed = args.sample_seed.unwrap_or_else(rand::random);
    let sampled = sample::pick(job.rows, args.sample, seed);
    let judge = client.address(Contract::JudgeHarness)?;
    let executor = Executor::from_chain(client.provider_ref(), judge, info.computation).await?;
    let (gas, max_bytes) = (u64::from(info.gas_per_leaf), info.max_leaf_bytes);
    let wrong = sample::mismatches(job.inputs, &results, &sampled, |ins| {
        Ok(executor.leaves(ins, gas, max_bytes)?)
    })?;
    if !wrong.is_empty() {
        reporter.event(
            "mismatch",
            json!({ "deal": deal, "rows": wrong, "sampled": sampled }),
            format!(
                "rows {wrong:?} differ from the buyer's own computation: not accepting deal {deal}"
            ),
        );
        serve_until_settled(client, job.tasks, deal, reporter).await?;
        return Err(BuyerError::Mismatch { deal, rows: wrong });
    }
    reporter.event(
        "sampled",
        json!({ "deal": deal, "rows": sampled }),
        format!(
            "recomputed {} of the {} rows ({:.1}%): all equal",
            sampled.len(),
            job.rows,
            sampled.len() as f64 * 100.0 / job.rows.max(1) as f64
        ),
    );

    let accepted = if args.no_accept {
        wait_out(client, job.tasks, deal, reporter).await?;
        false
    } else {
        let tx = job.tasks.accept(deal).await?;
        reporter.event(
            "accepted",
            json!({ "deal": deal, "tx": tx }),
            format!("accepted deal {deal}: the price and the hub's bond go to its wallet"),
        );
        true
    };

    image::write_mandelbrot(&args.out, &results, args.width, args.max_iter)?;
    reporter.event(
        "written",
        json!({ "deal": deal, "out": args.out }),
        format!("wrote {}", args.out.display()),
    );
    Ok(Bought {
        deal,
        hub,
        price: taken.price,
        rows: job.rows,
        result_root: root,
        sampled,
        accepted,
        by_miner: progress
            .as_ref()
            .map(|p| p.by_miner.clone())
            .unwrap_or_default(),
        redone: progress.as_ref().map(|p| p.redone).unwrap_or_default(),
        out: args.out.clone(),
    })
}

/// The address to name in the input URI: `--public-addr`, else a listen address (not a wildcard; a routable one
/// before a loopback one).
async fn input_addr(node: &Node, public: Option<&Multiaddr>) -> Result<Multiaddr> {
    if let Some(a) = public {
        return Ok(a.clone());
    }
    let status = node.status().await?;
    sonm_net::dialable_addr(&status.listen_addrs).ok_or_else(|| {
        BuyerError::Args("the node listens nowhere a hub can reach: give --listen".into())
    })
}

/// Tells the hub where the inputs of `deal` are (`Inputs`). The hub may not have seen the deal on chain yet, so a
/// refusal or a failed request is tried again for a while; if it never answers, the hub can still fetch the inputs
/// from the deal's input URI, which this node serves.
async fn tell_hub(
    node: &Node,
    hub: Address,
    peer: PeerId,
    deal: u64,
    rows: u64,
    reporter: Reporter,
) {
    let until = tokio::time::Instant::now() + INPUTS_PATIENCE;
    let mut last = String::new();
    while tokio::time::Instant::now() < until {
        let request = MarketRequest::Inputs {
            task_id: U256::from(deal),
            leaf_count: rows,
        };
        match node.market(peer, request).await {
            Ok(MarketResponse::Accepted) => {
                reporter.event(
                    "inputs",
                    json!({ "deal": deal, "hub": hub }),
                    format!("hub {hub} is fetching the {rows} inputs"),
                );
                return;
            }
            Ok(MarketResponse::Refused { reason }) => last = format!("refused: {reason}"),
            Ok(other) => last = format!("answered {other:?}"),
            Err(e) => last = e.to_string(),
        }
        debug!(deal, %last, "telling the hub about the inputs");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    reporter.event(
        "inputs",
        json!({ "deal": deal, "hub": hub, "warning": last }),
        format!(
            "warning: hub {hub} did not take the inputs ({last}); it can still fetch them from the input URI"
        ),
    );
}

/// Shows the work's progress until the deal is committed on chain. Fails if the deal ends before a commit (the hub
/// declined it, or the turnaround passed: then this buyer forfeits the hub's claim and gets its escrow and the
/// hub's bond).
async fn follow(
    client: &Client,
    node: &Node,
    tasks: &MapTasks,
    hub_peer: PeerId,
    deal: u64,
    rows: u64,
    reporter: Reporter,
) -> Result<Option<DealProgress>> {
    let bar = ProgressBar::with_draw_target(
        Some(rows),
        if reporter.is_json() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("deal {deal}: waiting for the hub"));
    let mut last: Option<DealProgress> = None;
    loop {
        let info = tasks.task(deal).await?;
        match info.status {
            TaskStatus::Committed => break,
            TaskStatus::Claimed => {}
            other => {
                bar.abandon();
                return Err(BuyerError::Deal {
                    deal,
                    reason: format!(
                        "ended {other} before the hub committed (the hub declined it, or its claim was forfeited): \
                         the escrow is back with the buyer"
                    ),
                });
            }
        }
        if client.now().await? >= info.deadline {
            bar.abandon();
            let tx = tasks.forfeit_claim(deal).await?;
            return Err(BuyerError::Deal {
                deal,
                reason: format!(
                    "the hub did not commit by its turnaround: claim forfeited ({tx}), the escrow and the hub's \
                     bond went to the buyer"
                ),
            });
        }
        let request = MarketRequest::Progress {
            task_id: U256::from(deal),
        };
        if let Ok(MarketResponse::Progress(p)) = node.market(hub_peer, request).await
            && last.as_ref() != Some(&p)
        {
            bar.set_position(p.done.min(rows));
            let by: Vec<String> = p
                .by_miner
                .iter()
                .map(|(m, n)| format!("{}: {n}", short(m)))
                .collect();
            bar.set_message(format!("deal {deal}: {} ({})", p.stage, by.join(", ")));
            reporter.event(
                "progress",
                json!({
                    "deal": deal, "units": p.units, "done": p.done, "redone": p.redone, "stage": p.stage,
                    "byMiner": p.by_miner.iter().map(|(m, n)| json!({"miner": m, "units": n})).collect::<Vec<_>>(),
                }),
                "",
            );
            last = Some(p);
        }
        tokio::time::sleep(POLL).await;
    }
    bar.set_position(rows);
    bar.finish_and_clear();
    if let Some(p) = &last {
        let by: Vec<String> = p.by_miner.iter().map(|(m, n)| format!("{m} {n}")).collect();
        reporter.note(format!(
            "the hub's miners: {}{}",
            by.join(", "),
            if p.redone > 0 {
                format!("; {} units redone", p.redone)
            } else {
                String::new()
            }
        ));
    }
    Ok(last)
}

fn short(a: &Address) -> String {
    let s = a.to_string();
    format!("{}…{}", &s[..6], &s[s.len() - 4..])
}

/// Fetches a deal's results from `uri` (`sonm://<multiaddr>/p2p/<peer>/<root>`), every leaf checked against
/// `root` (the committed one).
async fn fetch_results(node: &Node, uri: &str, root: B256, rows: u64) -> Result<Vec<Bytes>> {
    let (addr, peer, named) = parse_sonm_uri(uri).map_err(BuyerError::Args)?;
    if named != root {
        warn!(%named, %root, "the result URI names another root than the committed one; fetching the committed one");
    }
    node.dial(addr).await?;
    Ok(node.fetch_tree(peer, root, rows).await?)
}

/// Splits `sonm://<multiaddr ending in /p2p/<peer id>>/<root>`.
pub fn parse_sonm_uri(uri: &str) -> std::result::Result<(Multiaddr, PeerId, B256), String> {
    let rest = uri.strip_prefix("sonm://").ok_or_else(|| {
        format!("{uri}: the hub's result URI is not a sonm:// URI; fetch the results by hand")
    })?;
    let (addr, root) = rest
        .rsplit_once('/')
        .ok_or_else(|| format!("{uri}: expected sonm://<multiaddr>/p2p/<peer id>/<root>"))?;
    let root: B256 = root
        .parse()
        .map_err(|e| format!("{uri}: root {root:?}: {e}"))?;
    let addr: Multiaddr = addr
        .parse()
        .map_err(|e| format!("{uri}: multiaddr {addr:?}: {e}"))?;
    match addr.iter().last() {
        Some(Protocol::P2p(peer)) => Ok((addr, peer, root)),
        _ => Err(format!(
            "{uri}: the multiaddr does not end in /p2p/<peer id>"
        )),
    }
}

/// After a mismatch: the buyer keeps serving its inputs while the deal is open to challenges (until it is no longer
/// Committed, or its window ends in chain time), so that anyone (a watcher) can prove the cheat on chain.
async fn serve_until_settled(
    client: &Client,
    tasks: &MapTasks,
    deal: u64,
    reporter: Reporter,
) -> Result<()> {
    let info = tasks.task(deal).await?;
    reporter.event(
        "serving",
        json!({ "deal": deal, "until": info.deadline }),
        format!(
            "serving the inputs until deal {deal} ends or its window closes at {} (chain time), so that anyone can \
             prove the cheat on chain (sonm watch does)",
            info.deadline
        ),
    );
    loop {
        let info = tasks.task(deal).await?;
        if info.status != TaskStatus::Committed {
            reporter.event(
                "ended",
                json!({ "deal": deal, "status": info.status.to_string() }),
                format!(
                    "deal {deal} ended {}{}",
                    info.status,
                    if info.status == TaskStatus::Refunded {
                        ": a cheat was proven, the escrow is back with the buyer"
                    } else {
                        ""
                    }
                ),
            );
            return Ok(());
        }
        if client.now().await? >= info.deadline {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `--no-accept`: waits until the deal settles. When the challenge window ends (chain time) and nobody finalized
/// it yet, the buyer finalizes it (the reward and the bond go to the hub wallet). A cheat proven meanwhile ends the
/// deal with the escrow back with the buyer: an error, since there is no picture to trust.
async fn wait_out(client: &Client, tasks: &MapTasks, deal: u64, reporter: Reporter) -> Result<()> {
    let info = tasks.task(deal).await?;
    reporter.event(
        "waiting",
        json!({ "deal": deal, "until": info.deadline }),
        format!(
            "not accepting: waiting for the challenge window to end at {} (unix time, chain clock)",
            info.deadline
        ),
    );
    loop {
        let info = tasks.task(deal).await?;
        match info.status {
            TaskStatus::Finalized => {
                reporter.event(
                    "settled",
                    json!({ "deal": deal }),
                    format!("deal {deal} settled after its window"),
                );
                return Ok(());
            }
            TaskStatus::Committed => {}
            other => {
                return Err(BuyerError::Deal {
                    deal,
                    reason: format!(
                        "ended {other} during the challenge window: a cheat was proven or a query went unanswered; \
                         the escrow is back with the buyer"
                    ),
                });
            }
        }
        if client.now().await? >= info.deadline
            && let Err(e) = tasks.finalize(deal).await
        {
            debug!(deal, error = %e, "finalize (someone else may have)");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sonm_uris_split_into_address_peer_and_root() {
        let peer = PeerId::random();
        let root = B256::repeat_byte(7);
        let uri = format!("sonm:///ip4/127.0.0.1/tcp/4001/p2p/{peer}/{root}");
        let (addr, p, r) = parse_sonm_uri(&uri).expect("parses");
        assert_eq!((p, r), (peer, root));
        assert_eq!(
            addr.to_string(),
            format!("/ip4/127.0.0.1/tcp/4001/p2p/{peer}")
        );
        assert!(parse_sonm_uri("file:///x.json").is_err());
        assert!(parse_sonm_uri(&format!("sonm:///ip4/127.0.0.1/tcp/1/{root}")).is_err());
    }
}
