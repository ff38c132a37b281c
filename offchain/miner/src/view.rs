//! `sonm miner hubs`: the miner's view of every hub — the Whitelist's hubs and every hub in its state — with the
//! mark, why, and its own books with each.

use std::path::Path;

use alloy::primitives::{Address, U256};
use serde::Serialize;
use sonm_agents::mark::{HubFacts, Mark};
use sonm_agents::{Client, Hubs};

use crate::Result;
use crate::daemon::judge;
use crate::state::{HubLedger, State};

/// One hub as the miner sees it.
#[derive(Clone, Debug, Serialize)]
pub struct HubView {
    /// The hub wallet.
    pub hub: Address,
    /// Its display name.
    pub name: String,
    /// Its mark.
    pub mark: Mark,
    /// Why.
    pub reasons: Vec<String>,
    /// Miners' reports kept about it.
    pub reports: usize,
    /// The miner's books with it (a fresh ledger if it never met it).
    pub ledger: HubLedger,
    /// Its unpaid debt to the miner (wei).
    #[serde(serialize_with = "dec")]
    pub debt: U256,
}

fn dec<S: serde::Serializer>(v: &U256, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// Every hub of the Whitelist and of the state in `state_dir` (if there is one), marked now.
pub async fn hubs(
    client: &Client,
    state_dir: &Path,
    max_debt: U256,
) -> Result<(Vec<HubView>, Option<String>)> {
    let (state, note) = match State::open_read_only(state_dir) {
        Ok(s) => (Some(s), None),
        Err(e) => (
            None,
            Some(format!(
                "{e}; peers' reports and the miner's books left out"
            )),
        ),
    };
    let registry = Hubs::new(client)?;
    let mut addresses = Vec::new();
    let mut offset = 0u64;
    loop {
        let (total, page) = registry.list(offset, 100, false).await?;
        offset += page.len() as u64;
        addresses.extend(page.into_iter().map(|r| r.hub));
        if offset >= total || offset == 0 {
            break;
        }
    }
    let ledgers = match &state {
        Some(s) => s.hubs()?,
        None => Vec::new(),
    };
    for l in &ledgers {
        if !addresses.contains(&l.hub) {
            addresses.push(l.hub);
        }
    }
    // Reports expire by the wall clock, as gossip does.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut out = Vec::new();
    for hub in addresses {
        let facts = HubFacts::read(client, hub).await?;
        let reports = match &state {
            Some(s) => s.reports(hub, now)?,
            None => Vec::new(),
        };
        let ledger = ledgers
            .iter()
            .find(|l| l.hub == hub)
            .cloned()
            .unwrap_or(HubLedger {
                hub,
                ..HubLedger::default()
            });
        let a = judge(&facts, &reports, &ledger, max_debt);
        out.push(HubView {
            hub,
            name: if facts.name.is_empty() {
                ledger.name.clone()
            } else {
                facts.name.clone()
            },
            mark: a.mark,
            reasons: a.reasons,
            reports: reports.len(),
            debt: ledger.debt(),
            ledger,
        });
    }
    Ok((out, note))
}
