//! `sonm hub`: the hub owner's wallet, the miner's claim, ratings and the registry.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use clap::{Args, Subcommand};
use eyre::{Result, eyre};
use serde_json::{Value, json};
use sonm_agents::{
    HubHistory, HubInfo, HubOwner, Hubs, Market, Miner, ReceiptStatus, Receipts, SignedReceipt,
    SignerRole, WorkReceipt,
};

use super::{connect, parse_address, parse_amount, parse_u256, snm};
use crate::Global;
use crate::ui::{EXIT_DISHONOURED, Output, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum HubCmd {
    /// Create a hub wallet owned by the signer and enter it in the whitelist.
    Create(CreateArgs),
    /// Change a hub's endpoint and/or name (owner).
    Set(SetArgs),
    /// Deposit SNM into a hub wallet (from the signer).
    Deposit(DepositArgs),
    /// Register the hub: freezes the registration amount and starts the payout period (owner).
    Register(RegisterArgs),
    /// Credit a miner for a deal; locks the wallet's lock share of the amount on top (owner or operator).
    Pay(PayArgs),
    /// Credit many miners for one deal in one transaction (owner or operator).
    PayMany(PayManyArgs),
    /// Show a hub's operator key; set it or revoke it (owner).
    Operator(OperatorArgs),
    /// Sign a work receipt for a miner with the hub's operator (or owner) key and print the receipt file (EIP-712
    /// typed data in the wallet's domain, plus the signature).
    Receipt(ReceiptArgs),
    /// Check receipt files against the chain: signer, nonce, expiry, and whether the wallet can pay them now.
    Receipts(ReceiptsArgs),
    /// Present a work receipt to its hub wallet (any key pays the gas): the miner is credited, or, if the wallet
    /// cannot pay, the receipt is dishonoured and recorded in the hub's history (exit code 3).
    Redeem(RedeemArgs),
    /// The market history of one hub, or of every hub in the whitelist.
    History(HistoryArgs),
    /// Pull everything the hub owes the signer (miner).
    Claim(ClaimArgs),
    /// Hold PayDay once the payout period is over: DAO fee, unlock, Idle (owner).
    Payday(PaydayArgs),
    /// Withdraw free balance to the owner (Created or Idle).
    Withdraw(WithdrawArgs),
    /// Rate a hub by staking SNM (approves exactly the stake).
    Rate(RateArgs),
    /// Withdraw the signer's rating of a hub and its stake, once unlocked.
    Unrate(UnrateArgs),
    /// A hub's record and books.
    Show(ShowArgs),
    /// List hubs (paged).
    List(ListArgs),
    /// Run the hub daemon with the hub's operator key: offers on the network, deals from the chain, units leased to
    /// miners and sampled, results committed, queries answered, miners given work receipts. Until Ctrl-C.
    Serve(Box<sonm_hub::ServeArgs>),
}

impl HubCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Create(a) => a.run(g).await,
            Self::Set(a) => a.run(g).await,
            Self::Deposit(a) => a.run(g).await,
            Self::Register(a) => a.run(g).await,
            Self::Pay(a) => a.run(g).await,
            Self::PayMany(a) => a.run(g).await,
            Self::Operator(a) => a.run(g).await,
            Self::Receipt(a) => a.run(g).await,
            Self::Receipts(a) => a.run(g).await,
            Self::Redeem(a) => a.run(g).await,
            Self::History(a) => a.run(g).await,
            Self::Claim(a) => a.run(g).await,
            Self::Payday(a) => a.run(g).await,
            Self::Withdraw(a) => a.run(g).await,
            Self::Rate(a) => a.run(g).await,
            Self::Unrate(a) => a.run(g).await,
            Self::Show(a) => a.run(g).await,
            Self::List(a) => a.run(g).await,
            Self::Serve(a) => serve(g, *a).await,
        }
    }
}

/// `sonm hub serve`: the daemon (crate `sonm-hub`) under the CLI's node, deployments and key.
async fn serve(g: &Global, args: sonm_hub::ServeArgs) -> Result<Output> {
    let signer = super::signer(g)?.ok_or(sonm_agents::AgentError::NoSigner)?;
    let config = args.into_config(g.rpc_url.clone(), g.deployments.clone(), signer, g.json)?;
    sonm_hub::run(config, async {
        // Ctrl-C or SIGTERM stops the daemon between steps; what it signed is journaled for the next start.
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    })
    .await?;
    // With --json every event was printed as a line already.
    Ok(if g.json {
        Output::silent()
    } else {
        Output::new("stopped", json!({ "event": "stopped" }))
    })
}

/// The hub owner's client.
async fn owner(g: &Global) -> Result<HubOwner> {
    Ok(HubOwner::new(&connect(g).await?)?)
}

/// The miner's client (also the rater's).
async fn miner(g: &Global) -> Result<Miner> {
    Ok(Miner::new(&connect(g).await?)?)
}

/// " for deal N", or "" for work outside any deal.
fn for_deal(deal: u64) -> String {
    if deal == 0 {
        String::new()
    } else {
        format!(" for deal {deal}")
    }
}

fn tx_out(text: String, tx: alloy::primitives::B256, extra: serde_json::Value) -> Output {
    let mut j = json!({ "tx": tx });
    if let (Some(obj), serde_json::Value::Object(extra)) = (j.as_object_mut(), extra) {
        obj.extend(extra);
    }
    Output::new(format!("{text} (tx {tx})"), j)
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// Where miners reach the hub: host:port or a DNS name.
    #[arg(long)]
    endpoint: String,
    /// The hub's display name.
    #[arg(long)]
    name: String,
}

impl CreateArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (hub, tx) = spin(
            "creating the hub",
            owner(g).await?.create(&self.endpoint, &self.name),
        )
        .await?;
        Ok(tx_out(
            format!("hub {hub} created"),
            tx,
            json!({"hub": hub}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct SetArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// New endpoint.
    #[arg(long)]
    endpoint: Option<String>,
    /// New name.
    #[arg(long)]
    name: Option<String>,
}

impl SetArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let hub = self.hub;
        if self.endpoint.is_none() && self.name.is_none() {
            return Err(eyre::eyre!("give --endpoint and/or --name"));
        }
        let txs = spin(
            "updating the listing",
            owner(g)
                .await?
                .set_listing(hub, self.endpoint.as_deref(), self.name.as_deref()),
        )
        .await?;
        Ok(Output::new(
            format!("hub {hub} listing updated ({} transactions)", txs.len()),
            json!({"hub": hub, "txs": txs}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct DepositArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// Decimal SNM.
    #[arg(value_parser = parse_amount)]
    amount: U256,
}

impl DepositArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (hub, amount) = (self.hub, self.amount);
        let tx = spin("depositing", owner(g).await?.deposit(hub, amount)).await?;
        Ok(tx_out(
            format!("deposited {} SNM into hub {hub}", snm(amount)),
            tx,
            json!({"hub": hub, "amount": amount.to_string()}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
}

impl RegisterArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let hub = self.hub;
        let tx = spin("registering", owner(g).await?.register(hub)).await?;
        Ok(tx_out(
            format!("hub {hub} registered"),
            tx,
            json!({"hub": hub}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct PayArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// The miner.
    #[arg(value_parser = parse_address)]
    miner: Address,
    /// Decimal SNM.
    #[arg(value_parser = parse_amount)]
    amount: U256,
    /// The deal the payment is for (the MapGame task id of a market deal); 0 for work outside any deal.
    #[arg(long, default_value_t = 0)]
    deal: u64,
}

impl PayArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (hub, miner, deal) = (self.hub, self.miner, self.deal);
        let p = spin("paying", owner(g).await?.pay(hub, miner, self.amount, deal)).await?;
        Ok(tx_out(
            format!(
                "credited {miner} with {} SNM{}, locked {} SNM",
                snm(p.amount),
                for_deal(deal),
                snm(p.lock)
            ),
            p.tx,
            json!({"hub": hub, "deal": deal, "miner": miner, "amount": p.amount.to_string(), "lock": p.lock.to_string()}),
        ))
    }
}

/// clap parser for `MINER=AMOUNT` (decimal SNM).
fn parse_payment(s: &str) -> Result<(Address, U256), String> {
    let (miner, amount) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not MINER=AMOUNT"))?;
    Ok((parse_address(miner)?, parse_amount(amount)?))
}

#[derive(Debug, Args)]
pub(crate) struct PayManyArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// The deal the payments are for (the MapGame task id of a market deal); 0 for work outside any deal.
    #[arg(long, default_value_t = 0)]
    deal: u64,
    /// Each miner and its amount in SNM: `0xMINER=1.5`.
    #[arg(required = true, value_parser = parse_payment, value_name = "MINER=AMOUNT")]
    payments: Vec<(Address, U256)>,
}

impl PayManyArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (hub, deal) = (self.hub, self.deal);
        let p = spin(
            "paying the miners",
            owner(g).await?.pay_many(hub, deal, &self.payments),
        )
        .await?;
        Ok(tx_out(
            format!(
                "credited {} miners with {} SNM{}, locked {} SNM",
                p.payments.len(),
                snm(p.total),
                for_deal(deal),
                snm(p.lock)
            ),
            p.tx,
            json!({
                "hub": hub,
                "deal": deal,
                "payments": p.payments.iter().map(|(m, a)| json!({"miner": m, "amount": a})).collect::<Vec<_>>(),
                "total": p.total.to_string(),
                "lock": p.lock.to_string(),
            }),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct OperatorArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// The new operator key (set by the owner); without it (and without --revoke), show the operator.
    #[arg(value_parser = parse_address, conflicts_with = "revoke")]
    operator: Option<Address>,
    /// Revoke the operator key at once (the owner).
    #[arg(long)]
    revoke: bool,
}

impl OperatorArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let hub = self.hub;
        let set = match (self.operator, self.revoke) {
            (Some(op), _) => Some(op),
            (None, true) => Some(Address::ZERO),
            (None, false) => None,
        };
        let Some(operator) = set else {
            let client = connect(g).await?;
            let keys = spin("reading the hub's keys", Hubs::new(&client)?.keys(hub)).await?;
            let op = if keys.operator.is_zero() {
                "none".to_owned()
            } else {
                keys.operator.to_string()
            };
            return Ok(Output::new(
                format!("hub {hub}: owner {}, operator {op}", keys.owner),
                serde_json::to_value(keys)?,
            ));
        };
        let tx = spin(
            "setting the operator",
            owner(g).await?.set_operator(hub, operator),
        )
        .await?;
        let text = if operator.is_zero() {
            format!("hub {hub}: operator key revoked")
        } else {
            format!("hub {hub}: operator set to {operator}")
        };
        Ok(tx_out(text, tx, json!({"hub": hub, "operator": operator})))
    }
}

/// The default `--expiry` of a receipt: 3 days.
const RECEIPT_EXPIRY: u64 = 3 * 86_400;

#[derive(Debug, Args)]
pub(crate) struct ReceiptArgs {
    /// The hub wallet that pays (the signer must be its operator or owner).
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// The miner owed the amount.
    #[arg(long, value_parser = parse_address)]
    miner: Address,
    /// The deal the work was for (the MapGame task id of a market deal); 0 for work outside any deal.
    #[arg(long, value_parser = parse_u256)]
    deal: U256,
    /// Decimal SNM owed to the miner (the wallet locks its lock share on top when it is redeemed).
    #[arg(long, value_parser = parse_amount)]
    amount: U256,
    /// Any number the hub has not used for another receipt (default: random).
    #[arg(long, value_parser = parse_u256)]
    nonce: Option<U256>,
    /// Seconds from now (the chain's latest block) until the receipt expires: at most the wallet's longest
    /// receipt lifetime, 7 days (604800).
    #[arg(long, default_value_t = RECEIPT_EXPIRY)]
    expiry: u64,
    /// Write the receipt file here instead of printing it.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

impl ReceiptArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let receipts = Receipts::new(&client)?;
        if self.expiry == 0 {
            return Err(eyre!("--expiry 0: a receipt must run at least a second"));
        }
        let receipt = WorkReceipt {
            hub: self.hub,
            miner: self.miner,
            deal: self.deal,
            amount: self.amount,
            nonce: self
                .nonce
                .unwrap_or_else(|| U256::from_be_bytes(rand::random::<[u8; 32]>())),
            expiry: client.now().await?.saturating_add(self.expiry),
        };
        let signed = spin("signing the receipt", receipts.sign(receipt)).await?;
        let file = signed.to_json()?;
        let r = &signed.receipt;
        match self.out {
            None => Ok(Output::new(serde_json::to_string_pretty(&file)?, file)),
            Some(path) => {
                std::fs::write(&path, serde_json::to_string_pretty(&file)?)
                    .map_err(|e| eyre!("cannot write {}: {e}", path.display()))?;
                Ok(Output::new(
                    format!(
                        "receipt {} of hub {} signed, written to {}: {} SNM owed to {}{}, expires at {}",
                        r.nonce,
                        r.hub,
                        path.display(),
                        snm(r.amount),
                        r.miner,
                        for_deal_u256(r.deal),
                        r.expiry
                    ),
                    json!({"file": path, "hash": signed.hash()?, "receipt": file}),
                ))
            }
        }
    }
}

/// " for deal N", or "" for work outside any deal.
fn for_deal_u256(deal: U256) -> String {
    if deal.is_zero() {
        String::new()
    } else {
        format!(" for deal {deal}")
    }
}

#[derive(Debug, Args)]
pub(crate) struct ReceiptsArgs {
    /// Receipt files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn signer_text(role: SignerRole) -> String {
    match role {
        SignerRole::Owner => "the owner".into(),
        SignerRole::Operator => "the operator".into(),
        SignerRole::Retired { until } => {
            format!("a retired operator key, good for receipts until {until}")
        }
        SignerRole::None => "no key of the hub".into(),
    }
}

fn receipt_status_text(file: &Path, s: &ReceiptStatus, now: u64) -> String {
    let r = &s.receipt;
    let verdict = if !s.valid() {
        format!("INVALID: {}", s.problems.join("; "))
    } else if let Some(why) = &s.unpaid {
        format!("valid, but would be dishonoured now: {why}")
    } else {
        "valid, payable now".to_owned()
    };
    let expires = if r.expiry > now {
        format!("expires at {} (in {} s)", r.expiry, r.expiry - now)
    } else {
        format!("expired at {}", r.expiry)
    };
    format!(
        "{} (receipt {})  {verdict}\n  hub {} ({}), signed by {} ({})\n  {} SNM (+{} SNM lock) owed to {}{}, nonce {}, {}",
        file.display(),
        s.hash,
        r.hub,
        s.hub_state
            .map_or_else(|| "not a hub".to_owned(), |st| st.to_string()),
        s.signer,
        signer_text(s.signer_role),
        snm(r.amount),
        snm(s.lock),
        r.miner,
        for_deal_u256(r.deal),
        r.nonce,
        expires
    )
}

impl ReceiptsArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let receipts = Receipts::new(&client)?;
        let now = client.now().await?;
        let (mut texts, mut items) = (Vec::new(), Vec::new());
        for file in &self.files {
            let checked = match SignedReceipt::read(file) {
                Ok(signed) => receipts.status(&signed).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match checked {
                Ok(status) => {
                    texts.push(receipt_status_text(file, &status, now));
                    let mut item = serde_json::to_value(&status)?;
                    if let Value::Object(map) = &mut item {
                        map.insert("file".into(), json!(file));
                        map.insert("valid".into(), json!(status.valid()));
                        map.insert("payable".into(), json!(status.payable()));
                    }
                    items.push(item);
                }
                Err(reason) => {
                    texts.push(format!("{}  INVALID: {reason}", file.display()));
                    items.push(json!({"file": file, "valid": false, "payable": false, "problems": [reason]}));
                }
            }
        }
        let payable = items.iter().filter(|v| v["payable"] == true).count();
        let valid = items.iter().filter(|v| v["valid"] == true).count();
        texts.insert(
            0,
            format!(
                "{valid} of {} receipts are valid, {payable} payable now",
                items.len()
            ),
        );
        Ok(Output::new(texts.join("\n"), json!({"receipts": items})))
    }
}

#[derive(Debug, Args)]
pub(crate) struct RedeemArgs {
    /// The receipt file.
    file: PathBuf,
}

impl RedeemArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let signed = SignedReceipt::read(&self.file)?;
        let receipts = Receipts::new(&connect(g).await?)?;
        let done = spin("presenting the receipt", receipts.redeem(&signed)).await?;
        let r = &done.receipt;
        let json = serde_json::to_value(&done)?;
        if done.redeemed {
            return Ok(Output::new(
                format!(
                    "redeemed: {} SNM owed to {}{} (locked {} SNM; it is owed {} SNM in all: `sonm hub claim {}` \
                     pulls it) (tx {})",
                    snm(r.amount),
                    r.miner,
                    for_deal_u256(r.deal),
                    snm(done.lock),
                    snm(done.owed),
                    r.hub,
                    done.tx
                ),
                json,
            ));
        }
        let why = done
            .dishonoured_because
            .as_deref()
            .unwrap_or("it cannot pay");
        Ok(Output::new(String::new(), json).warn(
            format!(
                "receipt {} dishonoured: hub {} could not pay {} SNM to {} ({why}); recorded in the hub's history \
                 ({} receipts dishonoured, {} SNM); the receipt stays good until {} (unix time): present it again \
                 once the hub can pay (tx {})",
                r.nonce,
                r.hub,
                snm(r.amount),
                r.miner,
                done.history.receipts_dishonoured,
                snm(done.history.amount_dishonoured),
                r.expiry,
                done.tx
            ),
            EXIT_DISHONOURED,
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// The hub wallet; without it, every hub in the whitelist.
    #[arg(value_parser = parse_address)]
    hub: Option<Address>,
    /// Hubs read per call when listing every hub (`histories(offset, limit)`).
    #[arg(long, default_value_t = 100)]
    page: u64,
}

const HISTORY_HEADER: &str = "hub                                         taken accepted settled cheats unanswered no-commit declined voided   leaves       earned SNM buyers dishonoured  dishonoured SNM last fault";

fn history_row(h: &HubHistory) -> String {
    format!(
        "{} {:>5} {:>8} {:>7} {:>6} {:>10} {:>9} {:>8} {:>6} {:>8} {:>16} {:>6} {:>11} {:>16} {}{}",
        h.hub,
        h.taken,
        h.accepted,
        h.settled,
        h.cheats_proven,
        h.queries_unanswered,
        h.no_commits,
        h.declined,
        h.voided,
        h.leaves_delivered,
        snm(h.earned),
        h.buyers,
        h.receipts_dishonoured,
        snm(h.amount_dishonoured),
        if h.last_fault_at == 0 {
            "-".to_owned()
        } else {
            h.last_fault_at.to_string()
        },
        if h.banned { " (banned)" } else { "" }
    )
}

impl HistoryArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let market = Market::new(&client)?;
        let histories = match self.hub {
            Some(hub) => {
                Hubs::new(&client)?.require_hub(hub).await?;
                vec![spin("reading the history", market.history(hub)).await?]
            }
            None => spin("reading the histories", market.histories(self.page)).await?,
        };
        let mut text = match self.hub {
            Some(_) => String::new(),
            None => format!("{} hubs\n", histories.len()),
        };
        text.push_str(HISTORY_HEADER);
        for h in &histories {
            text.push('\n');
            text.push_str(&history_row(h));
        }
        let json = match self.hub {
            Some(_) => serde_json::to_value(&histories[0])?,
            None => json!({"hubs": histories}),
        };
        Ok(Output::new(text, json))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ClaimArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
}

impl ClaimArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let hub = self.hub;
        let (amount, tx) = spin("claiming", miner(g).await?.claim(hub)).await?;
        Ok(tx_out(
            format!("claimed {} SNM from hub {hub}", snm(amount)),
            tx,
            json!({"hub": hub, "amount": amount.to_string()}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct PaydayArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
}

impl PaydayArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let hub = self.hub;
        let tx = spin("holding PayDay", owner(g).await?.pay_day(hub)).await?;
        Ok(tx_out(
            format!("PayDay held for hub {hub}; it is Idle"),
            tx,
            json!({"hub": hub}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct WithdrawArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// Decimal SNM.
    #[arg(value_parser = parse_amount)]
    amount: U256,
}

impl WithdrawArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (hub, amount) = (self.hub, self.amount);
        let tx = spin("withdrawing", owner(g).await?.withdraw(hub, amount)).await?;
        Ok(tx_out(
            format!("withdrew {} SNM from hub {hub}", snm(amount)),
            tx,
            json!({"hub": hub, "amount": amount.to_string()}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct RateArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
    /// 0 to 100.
    #[arg(long)]
    score: u8,
    /// Decimal SNM to stake.
    #[arg(long, value_parser = parse_amount)]
    stake: U256,
}

impl RateArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (hub, score, stake) = (self.hub, self.score, self.stake);
        let (approval, tx) = spin("rating", miner(g).await?.rate(hub, score, stake)).await?;
        Ok(tx_out(
            format!(
                "{}; rated hub {hub} {score} with {} SNM staked",
                approval.describe(),
                snm(stake)
            ),
            tx,
            json!({"hub": hub, "score": score, "stake": stake.to_string(), "approval": approval}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct UnrateArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
}

impl UnrateArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let hub = self.hub;
        let tx = spin(
            "withdrawing the rating",
            miner(g).await?.withdraw_rating(hub),
        )
        .await?;
        Ok(tx_out(
            format!("rating of hub {hub} withdrawn"),
            tx,
            json!({"hub": hub}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The hub wallet.
    #[arg(value_parser = parse_address)]
    hub: Address,
}

impl ShowArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let client = connect(g).await?;
        let info = spin("reading the hub", Hubs::new(&client)?.show(self.hub)).await?;
        Ok(Output::new(show_text(&info), serde_json::to_value(&info)?))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only registered hubs.
    #[arg(long)]
    active: bool,
    /// Skip this many.
    #[arg(long, default_value_t = 0)]
    offset: u64,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: u64,
}

impl ListArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let (active, offset) = (self.active, self.offset);
        let client = connect(g).await?;
        let (total, page) = spin(
            "listing hubs",
            Hubs::new(&client)?.list(offset, self.limit, active),
        )
        .await?;
        let mut text = format!("{total} {}hubs", if active { "registered " } else { "" });
        for r in &page {
            text.push_str(&format!(
                "\n{}  {:<10} {}{}  {}  rating {}.{:02}",
                r.hub,
                r.state,
                r.name,
                if r.trusted { " (trusted)" } else { "" },
                r.endpoint,
                r.rating / U256::from(100),
                r.rating % U256::from(100)
            ));
        }
        Ok(Output::new(
            text,
            json!({"total": total, "offset": offset, "hubs": page}),
        ))
    }
}

fn show_text(i: &HubInfo) -> String {
    let r = &i.record;
    let t = &i.terms;
    format!(
        "hub        {}\nname       {}{}\nendpoint   {}\nowner      {}\nstate      {}\nbalance    {} SNM (free {}, locked {}, frozen {}, cooling {}, owed to miners {})\n\
         payday at  {}\ncooling    {}\nrating     {} from {} raters ({} SNM staked)\nterms      freeze {} SNM, lock {}%, DAO fee {}%, payout period {} s, suspicion period {} s, PayDay cool-down {} s",
        r.hub,
        r.name,
        if r.trusted { " (trusted)" } else { "" },
        r.endpoint,
        r.owner,
        i.wallet_state,
        snm(i.balance),
        snm(i.free_balance),
        snm(i.locked),
        snm(i.frozen),
        snm(i.cooling),
        snm(i.total_owed),
        if i.pay_day_at == 0 {
            "-".to_owned()
        } else {
            i.pay_day_at.to_string()
        },
        if i.cooling.is_zero() {
            "-".to_owned()
        } else {
            format!(
                "{} SNM until {} (cannot leave the wallet; the DAO may still suspect the hub)",
                snm(i.cooling),
                i.cooling_until
            )
        },
        r.rating,
        r.raters,
        snm(r.rating_stake),
        snm(t.registration_freeze),
        f64::from(t.lock_bps) / 100.0,
        f64::from(t.dao_fee_bps) / 100.0,
        t.payout_period,
        t.suspicion_period,
        t.pay_day_cool_down,
    )
}
