//! Work receipts (docs/protocol.md, "Work receipts"): a hub's signed promise to pay a miner for work on a deal, which
//! the miner (or anyone for it) redeems against the hub wallet itself, as if the hub had called `pay`.
//!
//! A receipt travels as a file of the same shape as an offer ([`crate::typed`]): the EIP-712 typed data `cast wallet
//! sign --data --from-file` signs, plus `signature` and `hash`, in **the wallet's own domain**:
//!
//! ```json
//! {
//!   "types": {
//!     "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
//!                      {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
//!     "WorkReceipt": [{"name": "hub", "type": "address"}, {"name": "miner", "type": "address"},
//!                     {"name": "deal", "type": "uint256"}, {"name": "amount", "type": "uint256"},
//!                     {"name": "nonce", "type": "uint256"}, {"name": "expiry", "type": "uint40"}]
//!   },
//!   "primaryType": "WorkReceipt",
//!   "domain": {"name": "SonmHubWallet", "version": "1", "chainId": 31337, "verifyingContract": "0x<the hub>"},
//!   "message": {"hub": "0x<the hub>", "miner": "0x…", "deal": "3", "amount": "2000000000000000000",
//!               "nonce": "…", "expiry": "1767225600"},
//!   "signature": "0x…",
//!   "hash": "0x<HubWallet.hashReceipt>"
//! }
//! ```
//!
//! [`Receipts::sign`] signs one with the hub's owner or operator key; [`Receipts::status`] checks one against the
//! chain as the wallet would (its digest, signer, nonce, expiry) and says whether the wallet can pay it now;
//! [`Receipts::redeem`] presents it: redeemed (the miner is owed the amount, to be claimed), or **dishonoured** (the
//! wallet could not pay; the transaction succeeds, the fault is written in the hub's history and the receipt stays
//! good until it expires). `redeem` never reverts on a dishonour, so the outcome is read from the transaction's logs.

use std::path::Path;

use alloy::primitives::aliases::U40;
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::DynProvider;
use alloy::signers::SignerSync as _;
use alloy::sol_types::{Eip712Domain, SolStruct as _};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sonm_bindings::HubWallet;
use tracing::info;

use crate::hub::{HubState, Hubs};
use crate::market::{HubHistory, Market};
use crate::typed::{TypedKind, dec};
use crate::units::{format_snm, ser_dec};
use crate::{AgentError, Client, Result};

/// The EIP-712 domain's name of work receipts (`HubWallet`'s constructor); the verifying contract is the wallet.
pub const RECEIPT_DOMAIN_NAME: &str = "SonmHubWallet";
/// The EIP-712 domain's version.
pub const RECEIPT_DOMAIN_VERSION: &str = "1";

/// The fields of the EIP-712 type `WorkReceipt`, in order, as `IHubWallet` declares them.
pub const RECEIPT_FIELDS: [(&str, &str); 6] = [
    ("hub", "address"),
    ("miner", "address"),
    ("deal", "uint256"),
    ("amount", "uint256"),
    ("nonce", "uint256"),
    ("expiry", "uint40"),
];

/// Receipts as typed-data files.
const RECEIPT_KIND: TypedKind = TypedKind {
    primary_type: "WorkReceipt",
    fields: &RECEIPT_FIELDS,
    domain_name: RECEIPT_DOMAIN_NAME,
    domain_version: RECEIPT_DOMAIN_VERSION,
    owner: "the hub wallet's",
    noun: "receipt",
    what: "a work receipt",
    sign_command: "sonm hub receipt",
};

/// A work receipt, in plain types (`IHubWallet`'s `WorkReceipt`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkReceipt {
    /// The wallet that pays.
    pub hub: Address,
    /// Who is owed the amount.
    pub miner: Address,
    /// The deal the work was for (a MapGame task id; 0 for work outside any deal).
    #[serde(serialize_with = "ser_dec")]
    pub deal: U256,
    /// SNM (wei) owed to the miner; the wallet locks its lock share on top, as for `pay`.
    #[serde(serialize_with = "ser_dec")]
    pub amount: U256,
    /// Any number the hub has not used for another receipt.
    #[serde(serialize_with = "ser_dec")]
    pub nonce: U256,
    /// The receipt cannot be redeemed from this time on (unix seconds).
    pub expiry: u64,
}

impl WorkReceipt {
    /// The receipt as the contract takes it; fails if the expiry does not fit 40 bits.
    pub fn to_sol(&self) -> Result<HubWallet::WorkReceipt> {
        if self.expiry >= 1 << 40 {
            return Err(AgentError::Invalid(format!(
                "expiry {} does not fit 40 bits: give a unix time",
                self.expiry
            )));
        }
        Ok(HubWallet::WorkReceipt {
            hub: self.hub,
            miner: self.miner,
            deal: self.deal,
            amount: self.amount,
            nonce: self.nonce,
            expiry: U40::from(self.expiry),
        })
    }

    /// The EIP-712 digest of the receipt in `domain`: what its signer signs, `HubWallet.hashReceipt`.
    pub fn hash(&self, domain: &Eip712Domain) -> Result<B256> {
        Ok(self.to_sol()?.eip712_signing_hash(domain))
    }

    /// The receipt's `message`: its fields as typed data writes them (integers as decimal strings).
    fn message(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("hub".into(), json!(self.hub));
        m.insert("miner".into(), json!(self.miner));
        m.insert("deal".into(), dec(&self.deal));
        m.insert("amount".into(), dec(&self.amount));
        m.insert("nonce".into(), dec(&self.nonce));
        m.insert("expiry".into(), dec(&self.expiry));
        m
    }

    /// The unsigned EIP-712 typed data of the receipt in `domain`: what `cast wallet sign --data --from-file` signs.
    pub fn typed_data(&self, domain: &Eip712Domain) -> Value {
        RECEIPT_KIND.typed_data(domain, self.message())
    }
}

/// The EIP-712 domain of the hub wallet `wallet` on chain `chain_id`: receipts are good for that wallet only.
pub fn receipt_domain(chain_id: u64, wallet: Address) -> Eip712Domain {
    RECEIPT_KIND.domain(chain_id, wallet)
}

/// A receipt with its signature, as it travels (the receipt file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedReceipt {
    /// The promise.
    pub receipt: WorkReceipt,
    /// The chain of the wallet it is for.
    pub chain_id: u64,
    /// The wallet whose domain it was signed in (the domain's verifying contract): `receipt.hub` in a good one.
    pub wallet: Address,
    /// The signature as given (65 bytes: r, s, v).
    pub signature: Bytes,
}

impl SignedReceipt {
    /// The receipt's domain.
    pub fn domain(&self) -> Eip712Domain {
        receipt_domain(self.chain_id, self.wallet)
    }

    /// The receipt's EIP-712 digest.
    pub fn hash(&self) -> Result<B256> {
        self.receipt.hash(&self.domain())
    }

    /// Who signed it: the address the signature recovers to, or why it recovers to none.
    pub fn signer(&self) -> Result<Address> {
        RECEIPT_KIND.recover(self.hash()?, &self.signature)
    }

    /// The receipt file: the typed data plus `signature` and `hash`.
    pub fn to_json(&self) -> Result<Value> {
        Ok(RECEIPT_KIND.file(
            &self.domain(),
            self.receipt.message(),
            &self.signature,
            self.hash()?,
        ))
    }

    /// Parses a receipt file: EIP-712 typed data of primary type `WorkReceipt` (the wallet's type, field for field)
    /// in a `SonmHubWallet` domain, with a `signature`; the digest computed from the typed data must be the one the
    /// wallet computes for the receipt read.
    pub fn from_json(text: &str, origin: &Path) -> Result<Self> {
        let file = RECEIPT_KIND.parse(text, origin)?;
        let receipt = WorkReceipt {
            hub: file.address("hub")?,
            miner: file.address("miner")?,
            deal: file.uint("deal", 256)?,
            amount: file.uint("amount", 256)?,
            nonce: file.uint("nonce", 256)?,
            expiry: file.small("expiry", 40)?,
        };
        let signed = Self {
            receipt,
            chain_id: file.chain_id,
            wallet: file.verifying_contract,
            signature: file.signature.clone(),
        };
        file.check_hash(signed.hash()?)?;
        Ok(signed)
    }

    /// Reads a receipt file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| AgentError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text, path)
    }

    /// "receipt NONCE of hub HUB" for messages.
    fn name(&self) -> String {
        format!("receipt {} of hub {}", self.receipt.nonce, self.receipt.hub)
    }
}

/// Why a key may sign a hub's receipts, or that it may not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "role")]
pub enum SignerRole {
    /// The hub's owner.
    Owner,
    /// The hub's operator key.
    Operator,
    /// A key the owner replaced: it signs receipts until `until` (unix seconds), and nothing else.
    Retired {
        /// Until when its receipts are good.
        until: u64,
    },
    /// Neither: a receipt it signed is forged (or its key retired more than the longest lifetime ago).
    None,
}

/// What the chain says of a receipt: whether the wallet takes it, and whether it can pay it now.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptStatus {
    /// The receipt's digest (the wallet's `hashReceipt`).
    pub hash: B256,
    /// The promise.
    pub receipt: WorkReceipt,
    /// Who signed it (zero if the signature recovers none).
    pub signer: Address,
    /// Why the signer may sign the hub's receipts, or that it may not.
    pub signer_role: SignerRole,
    /// Whether its nonce was redeemed already.
    pub used: bool,
    /// Whether it has expired (by the chain's latest block).
    pub expired: bool,
    /// The hub wallet's state (`None` if it is no hub wallet).
    pub hub_state: Option<HubState>,
    /// The wallet's free balance.
    #[serde(serialize_with = "ser_dec")]
    pub free_balance: U256,
    /// What paying the amount locks on top.
    #[serde(serialize_with = "ser_dec")]
    pub lock: U256,
    /// Why the wallet refuses it (the call would revert), each as one phrase; empty if it takes it.
    pub problems: Vec<String>,
    /// If it takes it but cannot pay it now (a presentation would be dishonoured): why.
    pub unpaid: Option<String>,
}

impl ReceiptStatus {
    /// Whether the wallet takes it now (redeems it, or records it as dishonoured).
    pub fn valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// Whether presenting it now pays the miner.
    pub fn payable(&self) -> bool {
        self.valid() && self.unpaid.is_none()
    }
}

/// What presenting a receipt did.
#[derive(Clone, Debug, Serialize)]
pub struct Redemption {
    /// The `redeem` transaction.
    pub tx: B256,
    /// The receipt's digest.
    pub hash: B256,
    /// The promise.
    pub receipt: WorkReceipt,
    /// Whether the miner was credited; `false`: the wallet could not pay, the receipt was dishonoured.
    pub redeemed: bool,
    /// What was locked on top of the amount (0 if dishonoured).
    #[serde(serialize_with = "ser_dec")]
    pub lock: U256,
    /// What the wallet owes the miner now (claimed with `claim`).
    #[serde(serialize_with = "ser_dec")]
    pub owed: U256,
    /// Why the wallet could not pay (its state, or its free balance), if dishonoured.
    pub dishonoured_because: Option<String>,
    /// The hub's history after the presentation (receipts dishonoured, the SNM they asked for).
    pub history: HubHistory,
}

/// Work receipts: signing, checking, presenting.
#[derive(Clone, Debug)]
pub struct Receipts {
    client: Client,
    hubs: Hubs,
    market: Market,
}

impl Receipts {
    /// Receipts on the deployment's hub wallets, with the client's key (if any).
    pub fn new(client: &Client) -> Result<Self> {
        Ok(Self {
            client: client.clone(),
            hubs: Hubs::new(client)?,
            market: Market::new(client)?,
        })
    }

    fn wallet(&self, hub: Address) -> HubWallet::HubWalletInstance<DynProvider> {
        HubWallet::new(hub, self.client.provider_ref().clone())
    }

    /// The longest a receipt may run when presented (`MAX_RECEIPT_LIFETIME`, seconds), as `hub` says.
    pub async fn max_lifetime(&self, hub: Address) -> Result<u64> {
        Ok(self
            .wallet(hub)
            .MAX_RECEIPT_LIFETIME()
            .call()
            .await
            .map_err(|e| self.client.classify("MAX_RECEIPT_LIFETIME", &e))?
            .saturating_to())
    }

    /// The wallet's own digest of `receipt` (`hashReceipt`).
    pub async fn wallet_hash(&self, receipt: &WorkReceipt) -> Result<B256> {
        self.wallet(receipt.hub)
            .hashReceipt(receipt.to_sol()?)
            .call()
            .await
            .map_err(|e| self.client.classify("hashReceipt", &e))
    }

    /// Why `key` may sign `hub`'s receipts now (owner, operator, a key retired less than the longest lifetime
    /// ago), or [`SignerRole::None`].
    pub async fn signer_role(&self, hub: Address, key: Address) -> Result<SignerRole> {
        let keys = self.hubs.keys(hub).await?;
        if key == keys.owner {
            return Ok(SignerRole::Owner);
        }
        if !keys.operator.is_zero() && key == keys.operator {
            return Ok(SignerRole::Operator);
        }
        let until: u64 = self
            .wallet(hub)
            .retiredUntil(key)
            .call()
            .await
            .map_err(|e| self.client.classify("retiredUntil", &e))?
            .saturating_to();
        if until > self.client.now().await? {
            return Ok(SignerRole::Retired { until });
        }
        Ok(SignerRole::None)
    }

    /// Hub (its owner or operator, the client's key): signs `receipt` in its wallet's domain. Refused in one line:
    /// a key that does not act for the hub, a zero amount, a miner the wallet cannot pay, an expiry past or more
    /// than the wallet's longest lifetime (`MAX_RECEIPT_LIFETIME`, 7 days) from now.
    pub async fn sign(&self, receipt: WorkReceipt) -> Result<SignedReceipt> {
        let signer = self.client.signer()?;
        let me = signer.address();
        let hub = receipt.hub;
        self.hubs.require_hub(hub).await?;
        match self.signer_role(hub, me).await? {
            SignerRole::Owner | SignerRole::Operator => {}
            SignerRole::Retired { .. } | SignerRole::None => {
                return Err(AgentError::WrongState(format!(
                    "{me} is neither the owner nor the operator of hub {hub}: only they sign its receipts \
                     (`sonm hub operator {hub}` shows them)"
                )));
            }
        }
        if receipt.amount.is_zero() {
            return Err(AgentError::Invalid(
                "the receipt's amount must not be zero".into(),
            ));
        }
        if receipt.miner.is_zero() || receipt.miner == hub {
            return Err(AgentError::Invalid(format!(
                "{} cannot be paid: a receipt names a miner, not the zero address or the wallet",
                receipt.miner
            )));
        }
        let now = self.client.now().await?;
        let max = self.max_lifetime(hub).await?;
        if receipt.expiry <= now {
            return Err(AgentError::Invalid(format!(
                "the receipt's expiry {} (unix time) is not in the future (now {now})",
                receipt.expiry
            )));
        }
        if receipt.expiry > now + max {
            return Err(AgentError::Invalid(format!(
                "the receipt would run {} s, more than the wallet's longest receipt lifetime of {max} s ({}): \
                 no miner should accept it",
                receipt.expiry - now,
                days(max)
            )));
        }
        let domain = receipt_domain(self.client.chain_id(), hub);
        let hash = receipt.hash(&domain)?;
        let wallet_hash = self.wallet_hash(&receipt).await?;
        if wallet_hash != hash {
            return Err(AgentError::WrongState(format!(
                "hub {hub} hashes the receipt as {wallet_hash}, this sonm as {hash}: the wallet is not the \
                 contract this sonm was built for"
            )));
        }
        let signature = signer
            .sign_hash_sync(&hash)
            .map_err(|e| AgentError::BadKey(format!("cannot sign the receipt: {e}")))?;
        info!(%hash, %hub, miner = %receipt.miner, amount = %format_snm(receipt.amount), "receipt signed");
        Ok(SignedReceipt {
            receipt,
            chain_id: self.client.chain_id(),
            wallet: hub,
            signature: Bytes::from(signature.as_bytes().to_vec()),
        })
    }

    /// What the chain says of `signed`: every reason the wallet would refuse it (another chain or wallet, its digest
    /// not the wallet's, a signer that does not sign the hub's receipts, a used nonce, expired, running longer than
    /// the longest lifetime, a zero amount, a Punished wallet), and, if it takes it, whether it can pay it now.
    pub async fn status(&self, signed: &SignedReceipt) -> Result<ReceiptStatus> {
        let r = &signed.receipt;
        let hub = r.hub;
        let hash = signed.hash()?;
        let mut problems = Vec::new();
        if signed.chain_id != self.client.chain_id() {
            problems.push(format!(
                "it is for chain {}, this node is chain {}",
                signed.chain_id,
                self.client.chain_id()
            ));
        }
        if signed.wallet != hub {
            problems.push(format!(
                "it names hub {hub} but was signed for the wallet {}: it is for another wallet, and neither pays it",
                signed.wallet
            ));
        }
        let signer = match signed.signer() {
            Ok(signer) => signer,
            Err(e) => {
                problems.push(e.to_string());
                Address::ZERO
            }
        };
        let mut status = ReceiptStatus {
            hash,
            receipt: r.clone(),
            signer,
            signer_role: SignerRole::None,
            used: false,
            expired: false,
            hub_state: None,
            free_balance: U256::ZERO,
            lock: U256::ZERO,
            problems,
            unpaid: None,
        };
        if !self.hubs.is_listed(hub).await? {
            status
                .problems
                .push(format!("{hub} is not a hub in the whitelist"));
            return Ok(status);
        }
        let w = self.wallet(hub);
        let c = &self.client;
        if signed.chain_id == c.chain_id() && signed.wallet == hub {
            let wallet_hash = self.wallet_hash(r).await?;
            if wallet_hash != hash {
                status.problems.push(format!(
                    "hub {hub} hashes it as {wallet_hash}, the file as {hash}: the wallet is not the contract \
                     this sonm was built for"
                ));
            }
        }
        if !signer.is_zero() {
            status.signer_role = self.signer_role(hub, signer).await?;
            if status.signer_role == SignerRole::None {
                status.problems.push(self.forged(hub, signer).await?);
            }
        }
        status.used = w
            .isNonceUsed(r.nonce)
            .call()
            .await
            .map_err(|e| c.classify("isNonceUsed", &e))?;
        if status.used {
            status
                .problems
                .push(format!("its nonce {} was redeemed already", r.nonce));
        }
        let now = c.now().await?;
        let max = self.max_lifetime(hub).await?;
        status.expired = now >= r.expiry;
        if status.expired {
            status.problems.push(format!(
                "it expired at {} (unix time), {} s ago",
                r.expiry,
                now - r.expiry
            ));
        } else if r.expiry > now + max {
            status.problems.push(format!(
                "it runs until {} (unix time), {} s beyond the longest receipt lifetime ({}) from now: the wallet \
                 refuses it before {} (a miner should not accept a receipt that runs longer than {})",
                r.expiry,
                r.expiry - now - max,
                days(max),
                r.expiry - max,
                days(max)
            ));
        }
        if r.amount.is_zero() {
            status.problems.push("its amount is zero".into());
        }
        if r.miner.is_zero() || r.miner == hub {
            status.problems.push(format!(
                "its miner {} cannot be paid (the zero address or the wallet)",
                r.miner
            ));
        }
        let state = self.hubs.state(hub).await?;
        status.hub_state = Some(state);
        if state == HubState::Punished {
            status.problems.push(format!(
                "hub {hub} is Punished: its funds went to the expropriation vault, and its receipts with them"
            ));
        }
        status.free_balance = self.hubs.free_balance(hub).await?;
        status.lock = w
            .lockFor(r.amount)
            .call()
            .await
            .map_err(|e| c.classify("lockFor", &e))?;
        if state != HubState::Registered {
            status.unpaid = Some(format!("the wallet is {state}, not Registered"));
        } else if status.free_balance < r.amount + status.lock {
            status.unpaid = Some(format!(
                "the wallet has {} SNM free, the receipt needs {} SNM with the {} SNM lock",
                format_snm(status.free_balance),
                format_snm(r.amount + status.lock),
                format_snm(status.lock)
            ));
        }
        Ok(status)
    }

    /// The problem of a receipt signed by `signer`, which does not sign `hub`'s receipts.
    async fn forged(&self, hub: Address, signer: Address) -> Result<String> {
        let until: u64 = self
            .wallet(hub)
            .retiredUntil(signer)
            .call()
            .await
            .map_err(|e| self.client.classify("retiredUntil", &e))?
            .saturating_to();
        Ok(if until == 0 {
            format!(
                "it is signed by {signer}, which is neither the owner nor the operator of hub {hub}, nor a key it \
                 retired: it is forged"
            )
        } else {
            format!(
                "it is signed by {signer}, a key hub {hub} retired, whose receipts were good until {until} (unix \
                 time) only"
            )
        })
    }

    /// Presents `signed` to its wallet (any key pays the gas; the miner is credited, not the sender). Whatever the
    /// wallet would refuse is refused first, in one line (see [`Self::status`]); a receipt the wallet takes but
    /// cannot pay is still presented: the transaction succeeds, the wallet records it as dishonoured in the hub's
    /// history, and the result says so (`redeemed: false`). The outcome is read from the transaction's logs
    /// (`ReceiptRedeemed` or `ReceiptDishonoured`), not from its success.
    pub async fn redeem(&self, signed: &SignedReceipt) -> Result<Redemption> {
        self.client.sender()?;
        let status = self.status(signed).await?;
        if let Some(problem) = status.problems.first() {
            return Err(AgentError::WrongState(format!(
                "{} cannot be redeemed: {problem}",
                signed.name()
            )));
        }
        let r = &signed.receipt;
        let receipt = self
            .client
            .send(
                "redeem",
                self.wallet(r.hub)
                    .redeem(r.to_sol()?, signed.signature.clone()),
            )
            .await?;
        let (mut redeemed, mut dishonoured, mut lock) = (false, false, U256::ZERO);
        for log in receipt.logs() {
            if log.address() != r.hub {
                continue;
            }
            if let Ok(e) = log.log_decode::<HubWallet::ReceiptRedeemed>()
                && e.inner.data.nonce == r.nonce
            {
                redeemed = true;
            } else if let Ok(e) = log.log_decode::<HubWallet::ReceiptDishonoured>()
                && e.inner.data.nonce == r.nonce
            {
                dishonoured = true;
            } else if let Ok(e) = log.log_decode::<HubWallet::Paid>()
                && e.inner.data.miner == r.miner
            {
                lock = e.inner.data.lock;
            }
        }
        if redeemed == dishonoured {
            return Err(AgentError::Rpc {
                what: "redeem".into(),
                reason: format!(
                    "transaction {} has {} of ReceiptRedeemed and ReceiptDishonoured for nonce {}",
                    receipt.transaction_hash,
                    if redeemed { "both" } else { "neither" },
                    r.nonce
                ),
            });
        }
        let dishonoured_because = if dishonoured {
            Some(
                status
                    .unpaid
                    .clone()
                    .unwrap_or_else(|| "the wallet could not pay it when it was presented".into()),
            )
        } else {
            None
        };
        let owed = self.hubs.owed(r.hub, r.miner).await?;
        let history = self.market.history(r.hub).await?;
        info!(
            hub = %r.hub,
            miner = %r.miner,
            nonce = %r.nonce,
            amount = %format_snm(r.amount),
            redeemed,
            "receipt presented"
        );
        Ok(Redemption {
            tx: receipt.transaction_hash,
            hash: status.hash,
            receipt: r.clone(),
            redeemed,
            lock,
            owed,
            dishonoured_because,
            history,
        })
    }
}

/// "7 days", "36 hours", "600 s".
fn days(seconds: u64) -> String {
    if seconds.is_multiple_of(86_400) {
        format!("{} days", seconds / 86_400)
    } else if seconds.is_multiple_of(3_600) {
        format!("{} hours", seconds / 3_600)
    } else {
        format!("{seconds} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::signers::local::PrivateKeySigner;
    use alloy_dyn_abi::TypedData;

    fn signed() -> SignedReceipt {
        let receipt = WorkReceipt {
            hub: Address::repeat_byte(0x11),
            miner: Address::repeat_byte(0x22),
            deal: U256::from(3u64),
            amount: U256::from(2u64) * U256::from(10u64).pow(U256::from(18u64)),
            nonce: U256::MAX,
            expiry: 1_900_000_000,
        };
        let domain = receipt_domain(31337, receipt.hub);
        let sig = PrivateKeySigner::random()
            .sign_hash_sync(&receipt.hash(&domain).expect("hash"))
            .expect("sign");
        SignedReceipt {
            wallet: receipt.hub,
            receipt,
            chain_id: 31337,
            signature: Bytes::from(sig.as_bytes().to_vec()),
        }
    }

    #[test]
    fn the_file_round_trips_and_hashes_as_typed_data() {
        let s = signed();
        let json = s.to_json().expect("json");
        let typed: TypedData = serde_json::from_value(json.clone()).expect("typed data");
        assert_eq!(
            typed.eip712_signing_hash().expect("hash"),
            s.hash().expect("hash")
        );
        assert_eq!(json["hash"], json!(s.hash().expect("hash")));
        assert_eq!(json["domain"]["name"], "SonmHubWallet");
        assert_eq!(json["message"]["amount"], "2000000000000000000");
        let again =
            SignedReceipt::from_json(&json.to_string(), Path::new("r.json")).expect("parses");
        assert_eq!(again, s);
    }

    #[test]
    fn the_domain_binds_the_wallet() {
        let s = signed();
        let mut other = s.clone();
        other.wallet = Address::repeat_byte(0x33);
        assert_ne!(other.hash().expect("hash"), s.hash().expect("hash"));
        // A file signed in another wallet's domain still parses: the chain check says it is for another wallet.
        let json = other.to_json().expect("json");
        let again =
            SignedReceipt::from_json(&json.to_string(), Path::new("r.json")).expect("parses");
        assert_eq!(again.wallet, Address::repeat_byte(0x33));
    }

    #[test]
    fn files_that_are_not_work_receipts_are_refused_with_the_reason() {
        let base = signed().to_json().expect("json");
        let refuse = |v: Value| {
            SignedReceipt::from_json(&v.to_string(), Path::new("r.json"))
                .expect_err("refused")
                .to_string()
        };
        let mut v = base.clone();
        v["primaryType"] = json!("Offer");
        assert!(refuse(v).contains("not \"WorkReceipt\": not a work receipt"));
        let mut v = base.clone();
        v["types"]["WorkReceipt"][5]["type"] = json!("uint64");
        assert!(refuse(v).contains("its WorkReceipt type is not the hub wallet's"));
        let mut v = base.clone();
        v["domain"]["name"] = json!("SonmMarket");
        assert!(refuse(v).contains("its domain is not the hub wallet's"));
        let mut v = base.clone();
        v["message"]["expiry"] = json!("1099511627776");
        assert!(refuse(v).contains("message.expiry is not a uint40"));
        let mut v = base.clone();
        v["message"]["miner"] = json!("nobody");
        assert!(refuse(v).contains("message.miner is not an address"));
        let mut v = base.clone();
        v.as_object_mut().expect("object").remove("signature");
        assert!(
            refuse(v)
                .contains("sign it (`sonm hub receipt`, or `cast wallet sign --data --from-file`)")
        );
    }

    #[test]
    fn lifetimes_read_as_people_say_them() {
        assert_eq!(days(604_800), "7 days");
        assert_eq!(days(7_200), "2 hours");
        assert_eq!(days(61), "61 s");
    }
}
