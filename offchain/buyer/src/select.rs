//! Choosing an offer: every offer heard is checked (the chain's view of it, the buyer's terms, the hub's history and
//! mark), and the cheapest acceptable one is taken, or the one of the hub asked for with `--hub`.

use alloy::primitives::{Address, U256};
use serde::Serialize;
use sonm_agents::units::format_snm;
use sonm_agents::{HubHistory, SignedOffer};

use crate::{BuyerError, Result};

/// A hub's mark as the buyer reads it (from `sonm_agents::mark`, the miners' marks): its name, whether the buyer
/// deals with a hub so marked, and why the hub has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MarkView {
    /// The mark's name ("not confirmed", "checked", "safe", ...).
    pub label: String,
    /// Whether a buyer deals with a hub so marked.
    pub acceptable: bool,
    /// Why the hub has it, one line.
    pub why: String,
}

/// An offer heard on the network, with what the chain says of it and of its hub.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The offer.
    pub signed: SignedOffer,
    /// The hub wallet that announced it (an offer must be for the hub that announces it).
    pub announced_by: Address,
    /// The hub's display name.
    pub hub_name: String,
    /// The libp2p peer of the hub's node (to send it the inputs).
    pub peer: String,
    /// Leaves of the offer not taken yet.
    pub left: u64,
    /// The hub's history in the market.
    pub history: HubHistory,
    /// The hub's mark, if it could be read.
    pub mark: Option<MarkView>,
    /// Whether a row of the buyer's picture renders within the offer's gas per leaf (`None`: not tried).
    pub renders: Option<bool>,
    /// Every reason the chain gives why the offer cannot be taken now (`Market::status`).
    pub chain_problems: Vec<String>,
}

/// What the buyer wants.
#[derive(Clone, Debug)]
pub struct Wanted {
    /// The computation the work runs (`MandelbrotRow` for a picture).
    pub computation: Address,
    /// How many leaves (rows).
    pub leaves: u64,
    /// Only this hub's offers (`--hub`).
    pub hub: Option<Address>,
    /// The most SNM (wei) per leaf.
    pub max_price: Option<U256>,
    /// The longest turnaround (seconds).
    pub max_turnaround: Option<u32>,
}

impl Candidate {
    /// Every reason the buyer does not take this offer (empty: acceptable).
    pub fn problems(&self, want: &Wanted) -> Vec<String> {
        let offer = &self.signed.offer;
        let mut p = self.chain_problems.clone();
        if offer.hub != self.announced_by {
            p.push(format!(
                "it is an offer of hub {}, announced by hub {}",
                offer.hub, self.announced_by
            ));
        }
        if offer.computation != want.computation {
            p.push(format!(
                "it runs computation {}, not {}",
                offer.computation, want.computation
            ));
        }
        if self.left < want.leaves {
            p.push(format!(
                "it has {} leaves left, {} wanted",
                self.left, want.leaves
            ));
        }
        if let Some(max) = want.max_price
            && offer.price_per_leaf > max
        {
            p.push(format!(
                "{} SNM a leaf is more than --max-price {} SNM",
                format_snm(offer.price_per_leaf),
                format_snm(max)
            ));
        }
        if let Some(max) = want.max_turnaround
            && offer.turnaround > max
        {
            p.push(format!(
                "its turnaround {} s is longer than --max-turnaround {max} s",
                offer.turnaround
            ));
        }
        if self.renders == Some(false) {
            p.push(format!(
                "a row of this picture does not render within its {} gas per leaf",
                offer.gas_per_leaf
            ));
        }
        if self.history.banned {
            p.push("the DAO banned the hub".into());
        }
        if let Some(m) = &self.mark
            && !m.acceptable
        {
            p.push(format!("the hub is marked {} ({})", m.label, m.why));
        }
        p
    }

    /// The hub's faults in its history: proven cheats, unanswered queries, no commits.
    fn faults(&self) -> u32 {
        self.history.faults()
    }

    /// Deals the hub delivered (accepted or settled).
    fn delivered(&self) -> u32 {
        self.history.accepted.saturating_add(self.history.settled)
    }
}

/// The offer to take: with `want.hub`, that hub's cheapest acceptable offer; otherwise the cheapest acceptable one
/// (ties: fewer faults, then more deals delivered, then the lower hub address). Refused with every reason when none
/// fits.
pub fn choose<'a>(candidates: &'a [Candidate], want: &Wanted) -> Result<&'a Candidate> {
    let considered: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| want.hub.is_none_or(|h| c.signed.offer.hub == h))
        .collect();
    if considered.is_empty() {
        return Err(BuyerError::NoOffer(match want.hub {
            Some(h) => format!(
                "no offer of hub {h} was heard ({} offers of other hubs)",
                candidates.len()
            ),
            None => {
                "no hub announced an offer: is a hub running, and does this node reach it (--peer)?"
                    .into()
            }
        }));
    }
    let mut acceptable: Vec<&Candidate> = considered
        .iter()
        .copied()
        .filter(|c| c.problems(want).is_empty())
        .collect();
    acceptable.sort_by(|a, b| {
        a.signed
            .offer
            .price_per_leaf
            .cmp(&b.signed.offer.price_per_leaf)
            .then(a.faults().cmp(&b.faults()))
            .then(b.delivered().cmp(&a.delivered()))
            .then(a.signed.offer.hub.cmp(&b.signed.offer.hub))
    });
    acceptable.first().copied().ok_or_else(|| {
        let reasons: Vec<String> = considered
            .iter()
            .map(|c| {
                format!(
                    "hub {} ({}) at {} SNM a leaf: {}",
                    c.signed.offer.hub,
                    c.hub_name,
                    format_snm(c.signed.offer.price_per_leaf),
                    c.problems(want).join("; ")
                )
            })
            .collect();
        BuyerError::NoOffer(reasons.join(" | "))
    })
}
