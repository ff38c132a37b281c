//! What the daemon tells: one [`MinerEvent`] per notable thing, a JSON line on stdout with `--json` (its `event`
//! field names it), a log line always.

use alloy::primitives::{Address, B256, U256};
use serde::Serialize;
use sonm_agents::mark::Mark;

/// A notable thing the miner did or saw. Amounts are wei, as decimal strings.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MinerEvent {
    /// The node listens.
    Listening {
        /// Its peer id.
        peer: String,
        /// Its addresses.
        addrs: Vec<String>,
        /// The miner's address (paid, signs lease receipts).
        miner: Address,
    },
    /// A hub's mark changed (or was first made).
    HubMarked {
        /// The hub wallet.
        hub: Address,
        /// Its display name.
        name: String,
        /// The mark.
        mark: Mark,
        /// Why.
        reasons: Vec<String>,
    },
    /// A `Join` accepted with a new capacity.
    Joined {
        /// The hub wallet.
        hub: Address,
        /// Units in flight offered.
        capacity: u32,
        /// What it pays per unit (wei).
        #[serde(serialize_with = "dec")]
        pay_per_unit: U256,
    },
    /// The miner left a hub (`Join { capacity: 0 }`).
    Left {
        /// The hub wallet.
        hub: Address,
        /// Why.
        reason: String,
    },
    /// A lease computed and answered.
    LeaseDone {
        /// The hub wallet.
        hub: Address,
        /// The deal.
        #[serde(serialize_with = "dec")]
        task: U256,
        /// Its first unit.
        first: u64,
        /// How many units.
        units: u64,
        /// Compute time, milliseconds.
        millis: u64,
        /// Units answered wrong on purpose (the test knob `--dishonest-one-in`).
        falsified: Vec<u64>,
    },
    /// A lease refused.
    LeaseRefused {
        /// The hub wallet, if the peer is a known hub.
        hub: Option<Address>,
        /// The peer.
        peer: String,
        /// Why.
        reason: String,
    },
    /// A work receipt presented and paid.
    ReceiptRedeemed {
        /// The hub wallet.
        hub: Address,
        /// The deal.
        #[serde(serialize_with = "dec")]
        deal: U256,
        /// The amount credited.
        #[serde(serialize_with = "dec")]
        amount: U256,
        /// The transaction.
        tx: B256,
    },
    /// A work receipt presented and not paid (a fault in the hub's history).
    ReceiptDishonoured {
        /// The hub wallet.
        hub: Address,
        /// The deal.
        #[serde(serialize_with = "dec")]
        deal: U256,
        /// The amount asked.
        #[serde(serialize_with = "dec")]
        amount: U256,
        /// Why the wallet could not pay.
        reason: String,
        /// The transaction.
        tx: B256,
    },
    /// What a hub's wallet owed the miner, claimed.
    Claimed {
        /// The hub wallet.
        hub: Address,
        /// The amount.
        #[serde(serialize_with = "dec")]
        amount: U256,
        /// The transaction.
        tx: B256,
    },
    /// A hub's unpaid debt passed `--max-debt`: no more work for it until it pays.
    HubDropped {
        /// The hub wallet.
        hub: Address,
        /// Its debt.
        #[serde(serialize_with = "dec")]
        debt: U256,
        /// The limit.
        #[serde(serialize_with = "dec")]
        max_debt: U256,
    },
    /// A dropped hub paid down its debt under the limit.
    HubRestored {
        /// The hub wallet.
        hub: Address,
        /// Its debt.
        #[serde(serialize_with = "dec")]
        debt: U256,
    },
    /// A `MinerReport` published.
    Reported {
        /// The hub wallet.
        hub: Address,
        /// Paid, as the chain says.
        #[serde(serialize_with = "dec")]
        paid: U256,
        /// Owed, as the miner says.
        #[serde(serialize_with = "dec")]
        owed: U256,
    },
    /// Something failed that the miner retries (a chain call, a peer).
    Warning {
        /// What.
        message: String,
    },
    /// The daemon stopped.
    Stopped,
}

fn dec<S: serde::Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

impl MinerEvent {
    /// The JSON line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|e| format!("{{\"event\":\"error\",\"reason\":\"{e}\"}}"))
    }
}
