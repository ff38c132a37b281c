//! A hub's mark: the whitepaper's three marks of a hub (not confirmed, checked, safe), from what the chain says of
//! it and what its miners report, each mark with its reasons in words.
//!
//! The facts ([`HubFacts`], read with [`HubFacts::read`]) are the Whitelist's record (state, the DAO's trust mark,
//! ratings), the wallet's books (free balance, what it owes miners), the market's history (faults, deals settled,
//! receipts dishonoured) and the wallet's `Paid` events (how often and how much it pays, per deal). The reports
//! ([`ReportSummary`]) are miners' signed `MinerReport`s from the network (what the chain says they were paid, what
//! they say they are still owed), and the judging miner's own ledger. [`assess`] is pure: the same facts and reports
//! give the same mark and reasons.
//!
//! The rules (docs/protocol.md, "Off chain: the agents"):
//!
//! - **Not confirmed** when the hub is not listed, its wallet is not Registered, the DAO banned it, a fault
//!   (a cheat proven, a query unanswered, no commit) was written in the last [`FAULT_MEMORY`] seconds, its free
//!   balance does not cover what its miners say they are owed, or its mark fell there under warnings.
//! - **Safe** when nothing holds it back and either the DAO trusts it, or it has a record: at least
//!   [`SAFE_DEALS`] deals accepted or settled, miners paid in at least one deal, no receipt dishonoured, no fault
//!   ever, and (if it has ratings) a rating of at least [`SAFE_RATING`].
//! - **Checked** otherwise: a Registered hub with no recent fault, but no record (new), an old fault, a dishonoured
//!   receipt, a low rating, or one that earns but pays its miners little or not lately.
//! - Each **warning** lowers the mark one step: a miner (a distinct one; the judging miner's own ledger counts) who
//!   says it is owed more than half of what it earned from the hub (`owed > paid`).

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;
use serde::{Deserialize, Serialize};
use sonm_bindings::{Contract, HubWallet};

use crate::hub::{HubState, Hubs};
use crate::market::{HubHistory, Market};
use crate::units::format_snm;
use crate::{AgentError, Client, Result};

/// How long a fault keeps a hub not confirmed (30 days).
pub const FAULT_MEMORY: u64 = 30 * 86_400;
/// Deals accepted or settled a hub needs (with no fault) to be safe without the DAO's trust.
pub const SAFE_DEALS: u32 = 3;
/// The rating (hundredths of a point, 0 to 10000) a rated hub needs to be safe.
pub const SAFE_RATING: u64 = 5_000;
/// A hub that settled deals but paid no miner for this long is only checked (30 days).
pub const PAY_SILENCE: u64 = 30 * 86_400;

/// The whitepaper's three marks of a hub, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Do not work for it.
    NotConfirmed,
    /// Work for it, with care.
    Checked,
    /// Trusted by the DAO, or a clean record.
    Safe,
}

impl Mark {
    /// One step lower (not confirmed stays).
    pub fn lower(self) -> Self {
        match self {
            Self::Safe => Self::Checked,
            _ => Self::NotConfirmed,
        }
    }

    /// The chance, as the miner's briefcase counts it, that work done for a hub of this mark is paid.
    pub fn pay_probability(self) -> f64 {
        match self {
            Self::Safe => 0.98,
            Self::Checked => 0.85,
            Self::NotConfirmed => 0.0,
        }
    }

    /// "not confirmed", "checked", "safe".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotConfirmed => "not confirmed",
            Self::Checked => "checked",
            Self::Safe => "safe",
        }
    }
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mark {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], " ")
            .as_str()
        {
            "not confirmed" => Ok(Self::NotConfirmed),
            "checked" => Ok(Self::Checked),
            "safe" => Ok(Self::Safe),
            _ => Err(format!(
                "not a mark: {s:?} (give not-confirmed, checked or safe)"
            )),
        }
    }
}

/// How a hub's wallet pays its miners: its `Paid` events (redeemed work receipts included).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentStats {
    /// How many payments.
    pub count: u64,
    /// Their sum (wei).
    pub total: U256,
    /// Distinct deals the payments named (0, work outside any deal, not counted).
    pub deals: u64,
    /// The sum of the payments that named a deal (wei).
    pub deal_total: U256,
    /// Distinct miners paid.
    pub miners: u64,
    /// When the first payment was made (0 if none).
    pub first_at: u64,
    /// When the last payment was made (0 if none).
    pub last_at: u64,
}

impl PaymentStats {
    /// What it paid its miners per deal on average (wei; zero if no deal was named).
    pub fn per_deal(&self) -> U256 {
        if self.deals == 0 {
            U256::ZERO
        } else {
            self.deal_total / U256::from(self.deals)
        }
    }
}

/// Everything the chain says of a hub that its mark is made of.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HubFacts {
    /// The hub wallet.
    pub hub: Address,
    /// Whether the Whitelist lists it.
    pub listed: bool,
    /// Its display name.
    pub name: String,
    /// The wallet's state (`None` when not listed).
    pub state: Option<HubState>,
    /// Whether the DAO trusts it.
    pub trusted: bool,
    /// Its stake-weighted rating, in hundredths of a point (0 to 10000).
    pub rating: U256,
    /// How many live ratings it has.
    pub raters: U256,
    /// The wallet's free balance (wei).
    pub free_balance: U256,
    /// What it owes miners, credited and not yet claimed (wei).
    pub total_owed: U256,
    /// Its market history.
    pub history: HubHistory,
    /// How it pays.
    pub payments: PaymentStats,
    /// Chain time of the reading (latest block).
    pub now: u64,
}

/// What one miner says of a hub: a believed `MinerReport` (paid as the chain says, owed as the miner says), or the
/// judging miner's own ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSummary {
    /// The miner.
    pub miner: Address,
    /// What the hub paid it on chain (wei).
    pub paid: U256,
    /// What it says the hub owes it for work not paid (wei).
    pub owed: U256,
    /// When the hub last paid it (0 if never).
    pub last_paid: u64,
}

impl ReportSummary {
    /// A warning: the miner is owed more than it was ever paid.
    pub fn warns(&self) -> bool {
        !self.owed.is_zero() && self.owed > self.paid
    }
}

/// A hub's mark and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The hub wallet.
    pub hub: Address,
    /// The mark.
    pub mark: Mark,
    /// The mark before miners' warnings lowered it.
    pub chain_mark: Mark,
    /// Why, one reason a line, the deciding ones first.
    pub reasons: Vec<String>,
    /// How many distinct miners warned about it.
    pub warnings: usize,
    /// What the miners reporting say they are owed, together (wei).
    pub reported_owed: U256,
    /// The chance its work is paid, as the briefcase counts it ([`Mark::pay_probability`]).
    pub pay_probability: f64,
}

/// Marks a hub from its facts and its miners' reports (one per miner; a later one of the same miner replaces the
/// earlier one before it gets here). See the module's rules.
pub fn assess(facts: &HubFacts, reports: &[ReportSummary]) -> Assessment {
    let h = &facts.history;
    let mut blockers = Vec::new();
    let mut holds = Vec::new();
    let mut merits = Vec::new();

    // One voice per miner: the largest debt it claims.
    let mut by_miner: BTreeMap<Address, &ReportSummary> = BTreeMap::new();
    for r in reports {
        let slot = by_miner.entry(r.miner).or_insert(r);
        if r.owed > slot.owed {
            *slot = r;
        }
    }
    let reported_owed = by_miner
        .values()
        .fold(U256::ZERO, |a, r| a.saturating_add(r.owed));

    if !facts.listed {
        blockers.push("not listed in the Whitelist".to_owned());
    } else {
        match facts.state {
            Some(HubState::Registered) => {}
            Some(state) => blockers.push(format!("its wallet is {state}, not Registered")),
            None => blockers.push("its wallet's state is unknown".to_owned()),
        }
    }
    if h.banned {
        blockers.push("the DAO banned it".to_owned());
    }
    let faults = h.faults();
    let recent_fault = faults > 0
        && h.last_fault_at > 0
        && facts.now.saturating_sub(h.last_fault_at) < FAULT_MEMORY;
    if recent_fault {
        blockers.push(format!(
            "{faults} fault(s) in its history ({} cheats proven, {} queries unanswered, {} no commit), the last {} ago",
            h.cheats_proven,
            h.queries_unanswered,
            h.no_commits,
            ago(facts.now.saturating_sub(h.last_fault_at))
        ));
    } else if faults > 0 {
        holds.push(format!(
            "{faults} old fault(s) in its history, the last {} ago",
            ago(facts.now.saturating_sub(h.last_fault_at))
        ));
    }
    if !reported_owed.is_zero() && facts.free_balance < reported_owed {
        blockers.push(format!(
            "its free balance of {} SNM does not cover the {} SNM its miners say they are owed",
            format_snm(facts.free_balance),
            format_snm(reported_owed)
        ));
    }
    if h.receipts_dishonoured > 0 {
        holds.push(format!(
            "{} work receipt(s) dishonoured ({} SNM)",
            h.receipts_dishonoured,
            format_snm(h.amount_dishonoured)
        ));
    }
    let rated = !facts.raters.is_zero();
    if rated && facts.rating < U256::from(SAFE_RATING) {
        holds.push(format!(
            "rated {} by {} rater(s), under {}",
            hundredths(facts.rating),
            facts.raters,
            hundredths(U256::from(SAFE_RATING))
        ));
    } else if rated {
        merits.push(format!(
            "rated {} by {} rater(s)",
            hundredths(facts.rating),
            facts.raters
        ));
    }
    let done = h.accepted.saturating_add(h.settled);
    let p = &facts.payments;
    if done > 0 && p.deals == 0 {
        holds.push(format!(
            "{done} deal(s) settled but no payment to miners names a deal"
        ));
    }
    if done > 0 && p.count > 0 && facts.now.saturating_sub(p.last_at) > PAY_SILENCE {
        holds.push(format!(
            "paid no miner for {}",
            ago(facts.now.saturating_sub(p.last_at))
        ));
    }
    if p.count > 0 {
        merits.push(format!(
            "paid {} miner(s) {} time(s), {} SNM, {} SNM per deal over {} deal(s), the last {} ago",
            p.miners,
            p.count,
            format_snm(p.total),
            format_snm(p.per_deal()),
            p.deals,
            ago(facts.now.saturating_sub(p.last_at))
        ));
    }
    if facts.trusted {
        merits.push("trusted by the DAO".to_owned());
    }
    let record = done >= SAFE_DEALS && p.deals > 0 && faults == 0 && h.receipts_dishonoured == 0;
    if done > 0 {
        merits.push(format!(
            "{done} deal(s) accepted or settled, {} SNM earned",
            format_snm(h.earned)
        ));
    }

    let chain_mark = if !blockers.is_empty() {
        Mark::NotConfirmed
    } else if holds.is_empty() && (facts.trusted || record) {
        Mark::Safe
    } else {
        if holds.is_empty() {
            holds.push(format!(
                "not trusted by the DAO and no record yet ({done} of {SAFE_DEALS} deals accepted or settled, \
                 miners paid in {} deal(s))",
                p.deals
            ));
        }
        Mark::Checked
    };

    let mut warnings = Vec::new();
    for r in by_miner.values().filter(|r| r.warns()) {
        warnings.push(format!(
            "miner {} says it is owed {} SNM, more than the {} SNM it was paid{}",
            r.miner,
            format_snm(r.owed),
            format_snm(r.paid),
            if r.last_paid == 0 {
                String::new()
            } else {
                format!(
                    " (last paid {} ago)",
                    ago(facts.now.saturating_sub(r.last_paid))
                )
            }
        ));
    }
    let mark = warnings.iter().fold(chain_mark, |m, _| m.lower());

    let mut reasons = Vec::new();
    reasons.extend(blockers);
    reasons.extend(warnings.iter().cloned());
    reasons.extend(holds);
    reasons.extend(merits);
    let quiet = by_miner.values().filter(|r| !r.warns()).count();
    if quiet > 0 {
        reasons.push(format!(
            "{quiet} miner(s) report no unpaid debt worth a warning"
        ));
    }
    Assessment {
        hub: facts.hub,
        mark,
        chain_mark,
        reasons,
        warnings: warnings.len(),
        reported_owed,
        pay_probability: mark.pay_probability(),
    }
}

impl HubFacts {
    /// Reads `hub`'s facts: its record and books, its history, its wallet's `Paid` events (from the deployment's
    /// start block), at the latest block.
    pub async fn read(client: &Client, hub: Address) -> Result<Self> {
        let hubs = Hubs::new(client)?;
        let now = client.now().await?;
        if !hubs.is_listed(hub).await? {
            return Ok(Self {
                hub,
                now,
                ..Self::default()
            });
        }
        let info = hubs.show(hub).await?;
        let history = Market::new(client)?.history(hub).await?;
        let payments = payment_stats(client, hub).await?;
        Ok(Self {
            hub,
            listed: true,
            name: info.record.name.clone(),
            state: Some(info.wallet_state),
            trusted: info.record.trusted,
            rating: info.record.rating,
            raters: info.record.raters,
            free_balance: info.free_balance,
            total_owed: info.total_owed,
            history,
            payments,
            now,
        })
    }
}

/// The `Paid` events of `hub`'s wallet, summed.
async fn payment_stats(client: &Client, hub: Address) -> Result<PaymentStats> {
    // The deployment must hold the market's contracts for the history; the events are the wallet's own.
    client.address(Contract::Market)?;
    let provider = client.provider_ref();
    let filter = Filter::new()
        .address(hub)
        .event_signature(HubWallet::Paid::SIGNATURE_HASH)
        .from_block(client.deployment().start_block);
    let logs = provider
        .get_logs(&filter)
        .await
        .map_err(client.rpc_err("eth_getLogs(Paid)"))?;
    let mut stats = PaymentStats::default();
    let mut deals = BTreeSet::new();
    let mut miners = BTreeSet::new();
    let (mut first, mut last) = (None, None);
    for log in &logs {
        let paid = log
            .log_decode::<HubWallet::Paid>()
            .map_err(|e| AgentError::Rpc {
                what: "Paid event".into(),
                reason: e.to_string(),
            })?;
        let d = &paid.inner.data;
        stats.count += 1;
        stats.total = stats.total.saturating_add(d.amount);
        if !d.deal.is_zero() {
            deals.insert(d.deal);
            stats.deal_total = stats.deal_total.saturating_add(d.amount);
        }
        miners.insert(d.miner);
        if first.is_none() {
            first = Some((log.block_number, log.block_timestamp));
        }
        last = Some((log.block_number, log.block_timestamp));
    }
    stats.deals = deals.len() as u64;
    stats.miners = miners.len() as u64;
    stats.first_at = block_time(client, first).await?;
    stats.last_at = block_time(client, last).await?;
    Ok(stats)
}

/// A log's block time: the log's own if the node filled it in, else its block's.
async fn block_time(client: &Client, at: Option<(Option<u64>, Option<u64>)>) -> Result<u64> {
    match at {
        None => Ok(0),
        Some((_, Some(t))) => Ok(t),
        Some((None, None)) => Ok(0),
        Some((Some(n), None)) => {
            let block = client
                .provider_ref()
                .get_block_by_number(n.into())
                .await
                .map_err(client.rpc_err("eth_getBlockByNumber"))?
                .ok_or_else(|| AgentError::Rpc {
                    what: "eth_getBlockByNumber".into(),
                    reason: format!("block {n} not found"),
                })?;
            Ok(block.header.timestamp)
        }
    }
}

/// "3 days", "5 hours", "40 min", "12 s".
fn ago(seconds: u64) -> String {
    match seconds {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 2 * 3_600 => format!("{} hours", s / 3_600),
        s if s >= 120 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// 7250 -> "72.50".
fn hundredths(v: U256) -> String {
    let v: u64 = v.saturating_to();
    format!("{}.{:02}", v / 100, v % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNM: u64 = 1_000_000_000_000_000_000;
    const NOW: u64 = 1_900_000_000;

    fn snm(n: u64) -> U256 {
        U256::from(n) * U256::from(SNM)
    }

    /// A new hub: listed, Registered, funded, nothing done yet.
    fn new_hub() -> HubFacts {
        HubFacts {
            hub: Address::repeat_byte(0x11),
            listed: true,
            name: "hub".into(),
            state: Some(HubState::Registered),
            free_balance: snm(50),
            now: NOW,
            ..HubFacts::default()
        }
    }

    /// A hub with a record: 4 deals settled, miners paid in 3 of them, lately.
    fn proven_hub() -> HubFacts {
        let mut f = new_hub();
        f.history.taken = 4;
        f.history.accepted = 3;
        f.history.settled = 1;
        f.history.earned = snm(40);
        f.payments = PaymentStats {
            count: 6,
            total: snm(24),
            deals: 3,
            deal_total: snm(24),
            miners: 2,
            first_at: NOW - 5 * 86_400,
            last_at: NOW - 3_600,
        };
        f
    }

    fn report(miner: u8, paid: u64, owed: u64) -> ReportSummary {
        ReportSummary {
            miner: Address::repeat_byte(miner),
            paid: snm(paid),
            owed: snm(owed),
            last_paid: NOW - 86_400,
        }
    }

    fn has(a: &Assessment, text: &str) -> bool {
        a.reasons.iter().any(|r| r.contains(text))
    }

    #[test]
    fn a_new_registered_hub_is_checked_for_want_of_a_record() {
        let a = assess(&new_hub(), &[]);
        assert_eq!(a.mark, Mark::Checked);
        assert!(has(&a, "no record yet (0 of 3 deals"), "{:?}", a.reasons);
        assert_eq!(a.pay_probability, 0.85);
    }

    #[test]
    fn a_clean_record_or_the_daos_trust_makes_a_hub_safe() {
        let a = assess(&proven_hub(), &[]);
        assert_eq!(a.mark, Mark::Safe, "{:?}", a.reasons);
        assert!(has(&a, "4 deal(s) accepted or settled, 40 SNM earned"));
        assert!(has(
            &a,
            "paid 2 miner(s) 6 time(s), 24 SNM, 8 SNM per deal over 3 deal(s)"
        ));
        let mut trusted = new_hub();
        trusted.trusted = true;
        let a = assess(&trusted, &[]);
        assert_eq!(a.mark, Mark::Safe);
        assert!(has(&a, "trusted by the DAO"));
    }

    #[test]
    fn what_holds_a_record_back_keeps_the_hub_checked_and_says_so() {
        let mut f = proven_hub();
        f.history.receipts_dishonoured = 1;
        f.history.amount_dishonoured = snm(2);
        let a = assess(&f, &[]);
        assert_eq!(a.mark, Mark::Checked);
        assert!(has(&a, "1 work receipt(s) dishonoured (2 SNM)"));

        let mut f = proven_hub();
        f.raters = U256::from(2u64);
        f.rating = U256::from(3_150u64);
        let a = assess(&f, &[]);
        assert_eq!(a.mark, Mark::Checked);
        assert!(has(&a, "rated 31.50 by 2 rater(s), under 50.00"));

        let mut f = proven_hub();
        f.payments.last_at = NOW - 40 * 86_400;
        let a = assess(&f, &[]);
        assert_eq!(a.mark, Mark::Checked);
        assert!(has(&a, "paid no miner for 40 days"));

        let mut f = proven_hub();
        f.payments.deals = 0;
        f.payments.deal_total = U256::ZERO;
        let a = assess(&f, &[]);
        assert_eq!(a.mark, Mark::Checked);
        assert!(has(&a, "no payment to miners names a deal"));

        // A fault long ago: checked, with its age.
        let mut f = proven_hub();
        f.history.cheats_proven = 1;
        f.history.last_fault_at = NOW - 60 * 86_400;
        let a = assess(&f, &[]);
        assert_eq!(a.mark, Mark::Checked);
        assert!(has(
            &a,
            "1 old fault(s) in its history, the last 60 days ago"
        ));
    }

    #[test]
    fn a_hub_not_registered_banned_or_lately_at_fault_is_not_confirmed() {
        let a = assess(
            &HubFacts {
                hub: Address::repeat_byte(1),
                now: NOW,
                ..HubFacts::default()
            },
            &[],
        );
        assert_eq!(a.mark, Mark::NotConfirmed);
        assert_eq!(a.reasons[0], "not listed in the Whitelist");
        assert_eq!(a.pay_probability, 0.0);

        let mut f = proven_hub();
        f.trusted = true;
        f.state = Some(HubState::Suspected);
        let a = assess(&f, &[]);
        assert_eq!(a.mark, Mark::NotConfirmed);
        assert_eq!(a.reasons[0], "its wallet is Suspected, not Registered");

        let mut f = proven_hub();
        f.history.cheats_proven = 1;
        f.history.last_fault_at = NOW - 3 * 86_400;
        let a = assess(&f, &[]);
        assert_eq!(a.mark, Mark::NotConfirmed);
        assert!(
            a.reasons[0].starts_with("1 fault(s) in its history (1 cheats proven"),
            "{:?}",
            a.reasons
        );
        assert!(a.reasons[0].ends_with("the last 3 days ago"));

        let mut f = proven_hub();
        f.history.banned = true;
        assert!(has(&assess(&f, &[]), "the DAO banned it"));
    }

    #[test]
    fn a_free_balance_short_of_what_miners_are_owed_is_not_confirmed() {
        let mut f = proven_hub();
        f.free_balance = snm(5);
        // Two miners owed 4 and 3 (neither a warning on its own: both were paid more).
        let reports = [report(0xa1, 10, 4), report(0xa2, 10, 3)];
        let a = assess(&f, &reports);
        assert_eq!(a.mark, Mark::NotConfirmed);
        assert_eq!(a.warnings, 0);
        assert_eq!(a.reported_owed, snm(7));
        assert!(has(
            &a,
            "its free balance of 5 SNM does not cover the 7 SNM its miners say they are owed"
        ));
        f.free_balance = snm(7);
        assert_eq!(assess(&f, &reports).mark, Mark::Safe);
    }

    #[test]
    fn miners_warnings_lower_the_mark_one_step_each() {
        let f = proven_hub();
        // Paid 2, owed 5: a warning. Safe -> checked.
        let one = [report(0xa1, 2, 5)];
        let a = assess(&f, &one);
        assert_eq!(
            (a.chain_mark, a.mark, a.warnings),
            (Mark::Safe, Mark::Checked, 1)
        );
        assert!(
            has(
                &a,
                "says it is owed 5 SNM, more than the 2 SNM it was paid (last paid 24 hours ago)"
            ),
            "{:?}",
            a.reasons
        );
        // The same miner twice is one voice; a second miner lowers it again.
        let same = [report(0xa1, 2, 5), report(0xa1, 2, 6)];
        assert_eq!(assess(&f, &same).mark, Mark::Checked);
        let two = [report(0xa1, 2, 5), report(0xa2, 1, 3)];
        assert_eq!(assess(&f, &two).mark, Mark::NotConfirmed);
        // A new hub falls from checked to not confirmed on one warning.
        assert_eq!(assess(&new_hub(), &one).mark, Mark::NotConfirmed);
        // A report of a small debt is no warning.
        let fine = [report(0xa3, 10, 2)];
        let a = assess(&f, &fine);
        assert_eq!(a.mark, Mark::Safe);
        assert!(has(&a, "1 miner(s) report no unpaid debt worth a warning"));
    }

    #[test]
    fn marks_order_lower_and_parse() {
        assert!(Mark::NotConfirmed < Mark::Checked && Mark::Checked < Mark::Safe);
        assert_eq!(Mark::Safe.lower().lower().lower(), Mark::NotConfirmed);
        assert_eq!("not-confirmed".parse::<Mark>(), Ok(Mark::NotConfirmed));
        assert_eq!("Safe".parse::<Mark>(), Ok(Mark::Safe));
        assert!("trusted".parse::<Mark>().is_err());
        assert_eq!(
            serde_json::to_value(Mark::NotConfirmed).expect("json"),
            serde_json::json!("not_confirmed")
        );
    }
}
