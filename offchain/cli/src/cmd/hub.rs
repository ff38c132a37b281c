//! `sonm hub`: the hub owner's wallet, the miner's claim, ratings and the registry.

use alloy::primitives::{Address, U256};
use clap::Subcommand;
use eyre::Result;
use serde_json::json;
use sonm_agents::{HubInfo, HubOwner, Hubs, Miner};

use super::{connect, parse_address, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum HubCmd {
    /// Create a hub wallet owned by the signer and enter it in the whitelist.
    Create {
        /// Where miners reach the hub: host:port or a DNS name.
        #[arg(long)]
        endpoint: String,
        /// The hub's display name.
        #[arg(long)]
        name: String,
    },
    /// Change a hub's endpoint and/or name (owner).
    Set {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
        /// New endpoint.
        #[arg(long)]
        endpoint: Option<String>,
        /// New name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Deposit SNM into a hub wallet (from the signer).
    Deposit {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
        /// Decimal SNM.
        #[arg(value_parser = parse_amount)]
        amount: U256,
    },
    /// Register the hub: freezes the registration amount and starts the payout period (owner).
    Register {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// Credit a miner; locks the wallet's lock share of the amount on top (owner).
    Pay {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
        /// The miner.
        #[arg(value_parser = parse_address)]
        miner: Address,
        /// Decimal SNM.
        #[arg(value_parser = parse_amount)]
        amount: U256,
    },
    /// Pull everything the hub owes the signer (miner).
    Claim {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// Hold PayDay once the payout period is over: DAO fee, unlock, Idle (owner).
    Payday {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// Withdraw free balance to the owner (Created or Idle).
    Withdraw {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
        /// Decimal SNM.
        #[arg(value_parser = parse_amount)]
        amount: U256,
    },
    /// Rate a hub by staking SNM (approves exactly the stake).
    Rate {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
        /// 0 to 100.
        #[arg(long)]
        score: u8,
        /// Decimal SNM to stake.
        #[arg(long, value_parser = parse_amount)]
        stake: U256,
    },
    /// Withdraw the signer's rating of a hub and its stake, once unlocked.
    Unrate {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// A hub's record and books.
    Show {
        /// The hub wallet.
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// List hubs (paged).
    List {
        /// Only registered hubs.
        #[arg(long)]
        active: bool,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
}

fn tx_out(text: String, tx: alloy::primitives::B256, extra: serde_json::Value) -> Output {
    let mut j = json!({ "tx": tx });
    if let (Some(obj), serde_json::Value::Object(extra)) = (j.as_object_mut(), extra) {
        obj.extend(extra);
    }
    Output::new(format!("{text} (tx {tx})"), j)
}

pub(crate) async fn run(g: &Global, cmd: HubCmd) -> Result<Output> {
    let client = connect(g).await?;
    match cmd {
        HubCmd::Create { endpoint, name } => {
            let owner = HubOwner::new(&client)?;
            let (hub, tx) = spin("creating the hub", owner.create(&endpoint, &name)).await?;
            Ok(tx_out(
                format!("hub {hub} created"),
                tx,
                json!({"hub": hub}),
            ))
        }
        HubCmd::Set {
            hub,
            endpoint,
            name,
        } => {
            if endpoint.is_none() && name.is_none() {
                return Err(eyre::eyre!("give --endpoint and/or --name"));
            }
            let owner = HubOwner::new(&client)?;
            let txs = spin(
                "updating the listing",
                owner.set_listing(hub, endpoint.as_deref(), name.as_deref()),
            )
            .await?;
            Ok(Output::new(
                format!("hub {hub} listing updated ({} transactions)", txs.len()),
                json!({"hub": hub, "txs": txs}),
            ))
        }
        HubCmd::Deposit { hub, amount } => {
            let tx = spin("depositing", HubOwner::new(&client)?.deposit(hub, amount)).await?;
            Ok(tx_out(
                format!("deposited {} SNM into hub {hub}", snm(amount)),
                tx,
                json!({"hub": hub, "amount": amount.to_string()}),
            ))
        }
        HubCmd::Register { hub } => {
            let tx = spin("registering", HubOwner::new(&client)?.register(hub)).await?;
            Ok(tx_out(
                format!("hub {hub} registered"),
                tx,
                json!({"hub": hub}),
            ))
        }
        HubCmd::Pay { hub, miner, amount } => {
            let p = spin("paying", HubOwner::new(&client)?.pay(hub, miner, amount)).await?;
            Ok(tx_out(
                format!(
                    "credited {miner} with {} SNM, locked {} SNM",
                    snm(p.amount),
                    snm(p.lock)
                ),
                p.tx,
                json!({"hub": hub, "miner": miner, "amount": p.amount.to_string(), "lock": p.lock.to_string()}),
            ))
        }
        HubCmd::Claim { hub } => {
            let (amount, tx) = spin("claiming", Miner::new(&client)?.claim(hub)).await?;
            Ok(tx_out(
                format!("claimed {} SNM from hub {hub}", snm(amount)),
                tx,
                json!({"hub": hub, "amount": amount.to_string()}),
            ))
        }
        HubCmd::Payday { hub } => {
            let tx = spin("holding PayDay", HubOwner::new(&client)?.pay_day(hub)).await?;
            Ok(tx_out(
                format!("PayDay held for hub {hub}; it is Idle"),
                tx,
                json!({"hub": hub}),
            ))
        }
        HubCmd::Withdraw { hub, amount } => {
            let tx = spin("withdrawing", HubOwner::new(&client)?.withdraw(hub, amount)).await?;
            Ok(tx_out(
                format!("withdrew {} SNM from hub {hub}", snm(amount)),
                tx,
                json!({"hub": hub, "amount": amount.to_string()}),
            ))
        }
        HubCmd::Rate { hub, score, stake } => {
            let (approval, tx) =
                spin("rating", Miner::new(&client)?.rate(hub, score, stake)).await?;
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
        HubCmd::Unrate { hub } => {
            let tx = spin(
                "withdrawing the rating",
                Miner::new(&client)?.withdraw_rating(hub),
            )
            .await?;
            Ok(tx_out(
                format!("rating of hub {hub} withdrawn"),
                tx,
                json!({"hub": hub}),
            ))
        }
        HubCmd::Show { hub } => {
            let info = spin("reading the hub", Hubs::new(&client)?.show(hub)).await?;
            Ok(Output::new(show_text(&info), serde_json::to_value(&info)?))
        }
        HubCmd::List {
            active,
            offset,
            limit,
        } => {
            let (total, page) = spin(
                "listing hubs",
                Hubs::new(&client)?.list(offset, limit, active),
            )
            .await?;
            let mut text = format!("{total} {}hubs", if active { "registered " } else { "" });
            for r in &page {
                text.push_str(&format!(
                    "\n{}  {:<10} {}{}  {}  rating {}.{:02}",
                    r.hub,
                    r.state.to_string(),
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
}

fn show_text(i: &HubInfo) -> String {
    let r = &i.record;
    let t = &i.terms;
    format!(
        "hub        {}\nname       {}{}\nendpoint   {}\nowner      {}\nstate      {}\nbalance    {} SNM (free {}, locked {}, frozen {}, owed to miners {})\n\
         payday at  {}\nrating     {} from {} raters ({} SNM staked)\nterms      freeze {} SNM, lock {}%, DAO fee {}%, payout period {} s, suspicion period {} s",
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
        snm(i.total_owed),
        if i.pay_day_at == 0 {
            "-".to_owned()
        } else {
            i.pay_day_at.to_string()
        },
        r.rating,
        r.raters,
        snm(r.rating_stake),
        snm(t.registration_freeze),
        f64::from(t.lock_bps) / 100.0,
        f64::from(t.dao_fee_bps) / 100.0,
        t.payout_period,
        t.suspicion_period,
    )
}
