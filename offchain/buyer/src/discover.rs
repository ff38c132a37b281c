//! Hearing offers: hubs announce their signed offers on the network (`sonm/hubs/1`, checked against the Whitelist
//! before anyone believes them); a node that just connected to a hub also asks it directly (`/sonm/info/1`), so a
//! buyer does not wait for the next announcement.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::Address;
use serde::Serialize;
use serde_json::json;
use sonm_agents::mark::{HubFacts, Mark, ReportSummary, assess};
use sonm_agents::market::offers_from_bytes;
use sonm_agents::units::format_snm;
use sonm_agents::{Client, HubState, Hubs, Market, SignedOffer};
use sonm_executor::Executor;
use sonm_net::{
    Event, Events, HubAnnouncement, Identity, Multiaddr, Node, NodeConfig, PeerId, WhitelistChain,
};
use tokio::task::JoinSet;
use tracing::debug;

use crate::select::{Candidate, MarkView};
use crate::{Reporter, Result};

/// A hub heard on the network: its latest announcement.
#[derive(Clone, Debug)]
pub struct Heard {
    /// The hub wallet.
    pub hub: Address,
    /// Its display name.
    pub name: String,
    /// Its node.
    pub peer: PeerId,
    /// Where its node listens.
    pub addrs: Vec<Multiaddr>,
    /// Its offers, each parsed (signature, market and expiry are checked later, against the chain).
    pub offers: Vec<SignedOffer>,
    /// Why its offers could not be read, if they could not.
    pub unreadable: Option<String>,
}

impl Heard {
    fn new(a: &HubAnnouncement, peer: PeerId) -> Self {
        let (offers, unreadable) = match offers_from_bytes(&a.offers) {
            Ok(o) => (o, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        Self {
            hub: a.hub,
            name: a.name.clone(),
            peer: a.peer().unwrap_or(peer),
            addrs: a.multiaddrs(),
            offers,
            unreadable,
        }
    }
}

/// How many hubs of the Whitelist are Registered and name an endpoint: the most a buyer can hear from.
pub async fn reachable_hubs(client: &Client) -> Result<usize> {
    let hubs = Hubs::new(client)?;
    let (_, page) = hubs.list(0, 1_000, true).await?;
    Ok(page
        .iter()
        .filter(|r| r.state == HubState::Registered && !r.endpoint.trim().is_empty())
        .count())
}

/// What was heard: the hubs and their offers, and miners' reports about hubs (one per miner and hub, the latest).
#[derive(Clone, Debug, Default)]
pub struct Hearing {
    /// The hubs heard, by wallet.
    pub hubs: Vec<Heard>,
    /// Miners' reports (believed: checked against the chain's `Paid` events), by hub, then by miner.
    pub reports: BTreeMap<Address, BTreeMap<Address, ReportSummary>>,
}

impl Hearing {
    /// The reports about `hub`.
    pub fn reports_about(&self, hub: Address) -> Vec<ReportSummary> {
        self.reports
            .get(&hub)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }
}

/// Listens for hubs' announcements for at most `window` (wall time), and asks every peer it connects to for its
/// own. Stops early once `want` has been heard from, or once `expected` hubs (the Whitelist's reachable ones) have.
pub async fn hear(
    node: &Node,
    events: &mut Events,
    window: Duration,
    want: Option<Address>,
    expected: usize,
) -> Hearing {
    let mut reports: BTreeMap<Address, BTreeMap<Address, ReportSummary>> = BTreeMap::new();
    let mut heard: BTreeMap<Address, Heard> = BTreeMap::new();
    for known in node.hubs().await.unwrap_or_default() {
        heard.insert(
            known.announcement.hub,
            Heard::new(&known.announcement, known.peer),
        );
    }
    let deadline = tokio::time::Instant::now() + window;
    let mut asking: JoinSet<(PeerId, sonm_net::Result<sonm_net::SignedAnnouncement>)> =
        JoinSet::new();
    let done = |heard: &BTreeMap<Address, Heard>| match want {
        Some(h) => heard.contains_key(&h),
        None => expected > 0 && heard.len() >= expected,
    };
    while !done(&heard) {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => break,
            Some(joined) = asking.join_next(), if !asking.is_empty() => {
                match joined {
                    Ok((peer, Ok(signed))) => {
                        heard.insert(signed.announcement.hub, Heard::new(&signed.announcement, peer));
                    }
                    Ok((peer, Err(e))) => debug!(%peer, error = %e, "no hub announcement from the peer"),
                    Err(e) => debug!(error = %e, "asking a peer for its announcement failed"),
                }
            }
            event = events.next() => match event {
                Some(Event::Connected(peer)) => {
                    let node = node.clone();
                    asking.spawn(async move { (peer, node.hub_info(peer).await) });
                }
                Some(Event::Announcement { from, announcement }) => {
                    heard.insert(announcement.hub, Heard::new(&announcement, from));
                }
                Some(Event::MinerReport { report, .. }) => {
                    reports.entry(report.hub).or_default().insert(report.miner, ReportSummary {
                        miner: report.miner,
                        paid: report.paid,
                        owed: report.owed,
                        last_paid: report.lastPaid,
                    });
                }
                Some(_) => {}
                None => break,
            },
        }
    }
    Hearing {
        hubs: heard.into_values().collect(),
        reports,
    }
}

/// A hub's mark ([`sonm_agents::mark`]) from the chain and the miners' reports heard, as the buyer reads it: a
/// hub marked not confirmed (not Registered, banned, a recent fault, short of what its miners are owed) is refused.
pub async fn mark_of(client: &Client, hub: Address, reports: &[ReportSummary]) -> Result<MarkView> {
    let facts = HubFacts::read(client, hub).await?;
    let a = assess(&facts, reports);
    Ok(MarkView {
        label: a.mark.as_str().to_owned(),
        acceptable: a.mark != Mark::NotConfirmed,
        why: a.reasons.join("; "),
    })
}

/// Whether a row of the buyer's work computes with this executor within this gas per leaf.
pub type RendersWithin<'a> = dyn Fn(&Executor, u32) -> bool + 'a;

/// What the chain says of every offer heard: the candidates to choose from. `renders` (if given) tells whether a
/// row of the buyer's work computes within an offer's gas per leaf: it gets the offer's computation and gas.
pub async fn candidates(
    client: &Client,
    hearing: &Hearing,
    renders: Option<&RendersWithin<'_>>,
) -> Result<Vec<Candidate>> {
    let market = Market::new(client)?;
    let judge = client.address(sonm_bindings::Contract::JudgeHarness)?;
    let mut executors: BTreeMap<Address, Option<Executor>> = BTreeMap::new();
    let mut out = Vec::new();
    for h in &hearing.hubs {
        let hub_mark = mark_of(client, h.hub, &hearing.reports_about(h.hub)).await?;
        for signed in &h.offers {
            let status = market.status(signed).await?;
            let computation = signed.offer.computation;
            if renders.is_some()
                && let std::collections::btree_map::Entry::Vacant(slot) =
                    executors.entry(computation)
            {
                slot.insert(
                    Executor::from_chain(client.provider_ref(), judge, computation)
                        .await
                        .ok(),
                );
            }
            let renders = renders.and_then(|renders| {
                executors
                    .get(&computation)
                    .and_then(Option::as_ref)
                    .map(|e| renders(e, signed.offer.gas_per_leaf))
            });
            out.push(Candidate {
                signed: signed.clone(),
                announced_by: h.hub,
                hub_name: h.name.clone(),
                peer: h.peer.to_string(),
                left: status.left,
                history: status.history,
                mark: Some(hub_mark.clone()),
                renders,
                chain_problems: status.problems,
            });
        }
    }
    Ok(out)
}

/// `sonm market offers --network`: listens on the network for `window` (less if every reachable hub of the Whitelist
/// answered sooner), dialing `peers` and the Whitelist's hub endpoints, and returns every offer heard with what the
/// chain says of it and of its hub (history, mark), in the order heard.
pub async fn network_offers(
    client: &Client,
    peers: Vec<Multiaddr>,
    window: Duration,
) -> Result<Vec<Candidate>> {
    let chain = Arc::new(WhitelistChain::new(
        client.provider_ref().clone(),
        client.deployment().clone(),
    ));
    let config = NodeConfig {
        identity: Identity::Ephemeral,
        peers,
        ..NodeConfig::default()
    };
    let (node, mut events) = Node::start(config, chain).await?;
    let expected = reachable_hubs(client).await;
    let result = match expected {
        Ok(expected) => {
            let hearing = hear(&node, &mut events, window, None, expected).await;
            candidates(client, &hearing, None).await
        }
        Err(e) => Err(e),
    };
    node.shutdown().await;
    result
}

/// One offer as `sonm buy` and `sonm market offers --network` list it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferLine {
    /// The hub wallet.
    pub hub: Address,
    /// Its name.
    pub name: String,
    /// Its node.
    pub peer: String,
    /// The offer's digest.
    pub offer: String,
    /// The computation.
    pub computation: Address,
    /// SNM (decimal) a leaf.
    pub price_per_leaf: String,
    /// Leaves left.
    pub left: u64,
    /// The hub's bond per deal (SNM, decimal).
    pub hub_bond: String,
    /// Seconds the hub commits within.
    pub turnaround: u32,
    /// Deals taken / accepted / settled, faults.
    pub history: serde_json::Value,
    /// The hub's mark.
    pub mark: Option<MarkView>,
    /// Why the buyer would not take it (empty: acceptable).
    pub problems: Vec<String>,
}

impl OfferLine {
    /// The line of `c` for a buyer who wants `want` (`None`: list without judging the buyer's terms).
    pub fn new(c: &Candidate, want: Option<&crate::select::Wanted>) -> Self {
        let o = &c.signed.offer;
        let h = &c.history;
        Self {
            hub: o.hub,
            name: c.hub_name.clone(),
            peer: c.peer.clone(),
            offer: c
                .signed
                .hash()
                .map(|h| h.to_string())
                .unwrap_or_else(|e| e.to_string()),
            computation: o.computation,
            price_per_leaf: format_snm(o.price_per_leaf),
            left: c.left,
            hub_bond: format_snm(o.hub_bond),
            turnaround: o.turnaround,
            history: json!({
                "taken": h.taken, "accepted": h.accepted, "settled": h.settled, "faults": h.faults(),
                "cheatsProven": h.cheats_proven, "declined": h.declined, "leavesDelivered": h.leaves_delivered,
                "lastFaultAt": h.last_fault_at, "receiptsDishonoured": h.receipts_dishonoured,
            }),
            mark: c.mark.clone(),
            problems: match want {
                Some(w) => c.problems(w),
                None => c.chain_problems.clone(),
            },
        }
    }

    /// The line for people.
    pub fn text(&self) -> String {
        let h = &self.history;
        format!(
            "  hub {} ({}): {} SNM a leaf, {} left, bond {} SNM, turnaround {} s; history {} taken, {} accepted, {} \
             settled, {} faults; mark {}{}",
            self.hub,
            self.name,
            self.price_per_leaf,
            self.left,
            self.hub_bond,
            self.turnaround,
            h["taken"],
            h["accepted"],
            h["settled"],
            h["faults"],
            self.mark
                .as_ref()
                .map(|m| m.label.clone())
                .unwrap_or_else(|| "-".into()),
            if self.problems.is_empty() {
                String::new()
            } else {
                format!("\n      not taken: {}", self.problems.join("; "))
            }
        )
    }
}

/// Lists `candidates` (as events `offer`, one per offer).
pub fn report_offers(
    reporter: &Reporter,
    candidates: &[Candidate],
    want: Option<&crate::select::Wanted>,
) {
    for c in candidates {
        let line = OfferLine::new(c, want);
        let text = line.text();
        reporter.event(
            "offer",
            serde_json::to_value(&line).unwrap_or_default(),
            text,
        );
    }
}
