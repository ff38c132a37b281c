//! The market (docs/protocol.md, "The market"): a hub's operator signs offers off chain (EIP-712), a buyer takes
//! one as a deal of the map game, the buyer accepts the result (or lets the window run out), and the market keeps
//! every hub's history.
//!
//! An offer travels as a file (or any byte string): exactly the EIP-712 typed data that `cast wallet sign --data
//! --from-file` signs and `eth_signTypedData_v4` takes, plus the signature (and, for people, the digest):
//!
//! ```json
//! {
//!   "types": {
//!     "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
//!                      {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
//!     "Offer": [{"name": "hub", "type": "address"}, {"name": "computation", "type": "address"},
//!               {"name": "pricePerLeaf", "type": "uint96"}, {"name": "maxLeaves", "type": "uint64"},
//!               {"name": "gasPerLeaf", "type": "uint32"}, {"name": "hubBond", "type": "uint96"},
//!               {"name": "challengerBond", "type": "uint96"}, {"name": "challengeWindow", "type": "uint32"},
//!               {"name": "responseWindow", "type": "uint32"}, {"name": "turnaround", "type": "uint32"},
//!               {"name": "expiry", "type": "uint40"}, {"name": "nonce", "type": "uint256"}]
//!   },
//!   "primaryType": "Offer",
//!   "domain": {"name": "SonmMarket", "version": "1", "chainId": 31337, "verifyingContract": "0x<market>"},
//!   "message": {"hub": "0x…", "computation": "0x…", "pricePerLeaf": "1000000000000000000", "maxLeaves": "64", …},
//!   "signature": "0x<65 bytes: r, s, v>",
//!   "hash": "0x<the EIP-712 digest>"
//! }
//! ```
//!
//! Integers in `message` are written as decimal strings (a `uint256` nonce does not fit a JSON number); a reader
//! also takes JSON numbers and `0x` hex strings, as cast does. `hash` is informative: a reader recomputes it. The
//! file code is shared with the hub wallet's work receipts ([`crate::typed`]).

use std::path::Path;

use alloy::primitives::aliases::{U40, U96};
use alloy::primitives::{Address, B256, Bytes, U256};
use alloy::providers::DynProvider;
use alloy::signers::SignerSync as _;
use alloy::sol_types::{Eip712Domain, SolStruct as _};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sonm_bindings::{Contract, HubWallet, IMarket, Market as MarketContract};
use tracing::info;

use crate::computation::Computations;
use crate::hub::{HubState, Hubs};
use crate::task::MapTasks;
use crate::token::{Approval, Token};
use crate::typed::{TypedKind, dec};
use crate::units::{format_snm, ser_dec};
use crate::{AgentError, Client, Result};

/// The EIP-712 domain's name and version of the market's offers (`Market`'s constructor).
pub const DOMAIN_NAME: &str = "SonmMarket";
/// The EIP-712 domain's version.
pub const DOMAIN_VERSION: &str = "1";

/// Offers as typed-data files.
const OFFER_KIND: TypedKind = TypedKind {
    primary_type: "Offer",
    fields: &OFFER_FIELDS,
    domain_name: DOMAIN_NAME,
    domain_version: DOMAIN_VERSION,
    owner: "the market's",
    noun: "offer",
    what: "a market offer",
    sign_command: "sonm market offer",
};

/// The fields of the EIP-712 type `Offer`, in order, as `IMarket.Offer` declares them.
pub const OFFER_FIELDS: [(&str, &str); 12] = [
    ("hub", "address"),
    ("computation", "address"),
    ("pricePerLeaf", "uint96"),
    ("maxLeaves", "uint64"),
    ("gasPerLeaf", "uint32"),
    ("hubBond", "uint96"),
    ("challengerBond", "uint96"),
    ("challengeWindow", "uint32"),
    ("responseWindow", "uint32"),
    ("turnaround", "uint32"),
    ("expiry", "uint40"),
    ("nonce", "uint256"),
];

/// A hub's offer, in plain types (`IMarket.Offer`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Offer {
    /// The hub's wallet: the deal's solver, bonded from and paid into.
    pub hub: Address,
    /// The registered computation run on each leaf.
    pub computation: Address,
    /// SNM (wei) per leaf.
    #[serde(serialize_with = "ser_dec")]
    pub price_per_leaf: U256,
    /// The most leaves all deals of this offer may have together.
    pub max_leaves: u64,
    /// The most gas a leaf may need (the task's gas per leaf).
    pub gas_per_leaf: u32,
    /// The hub's bond per deal.
    #[serde(serialize_with = "ser_dec")]
    pub hub_bond: U256,
    /// A query's bond on the deal.
    #[serde(serialize_with = "ser_dec")]
    pub challenger_bond: U256,
    /// Seconds a committed result may be challenged.
    pub challenge_window: u32,
    /// Seconds the hub has to answer a query.
    pub response_window: u32,
    /// Seconds from the take within which the hub commits.
    pub turnaround: u32,
    /// The offer cannot be taken from this time on (unix seconds).
    pub expiry: u64,
    /// Tells apart offers with the same terms.
    #[serde(serialize_with = "ser_dec")]
    pub nonce: U256,
}

fn u96(v: U256, what: &str) -> Result<U96> {
    U96::checked_from_limbs_slice(v.as_limbs()).ok_or_else(|| {
        AgentError::Invalid(format!(
            "{what} ({} SNM) is too large: at most 2^96 - 1 wei",
            format_snm(v)
        ))
    })
}

impl Offer {
    /// The offer as the contract takes it; fails if an amount or the expiry does not fit its field.
    pub fn to_sol(&self) -> Result<IMarket::Offer> {
        if self.expiry >= 1 << 40 {
            return Err(AgentError::Invalid(format!(
                "expiry {} does not fit 40 bits: give a unix time",
                self.expiry
            )));
        }
        Ok(IMarket::Offer {
            hub: self.hub,
            computation: self.computation,
            pricePerLeaf: u96(self.price_per_leaf, "the price per leaf")?,
            maxLeaves: self.max_leaves,
            gasPerLeaf: self.gas_per_leaf,
            hubBond: u96(self.hub_bond, "the hub bond")?,
            challengerBond: u96(self.challenger_bond, "the challenger bond")?,
            challengeWindow: self.challenge_window,
            responseWindow: self.response_window,
            turnaround: self.turnaround,
            expiry: U40::from(self.expiry),
            nonce: self.nonce,
        })
    }

    /// The price of `leaves` leaves.
    pub fn price(&self, leaves: u64) -> U256 {
        self.price_per_leaf.saturating_mul(U256::from(leaves))
    }

    /// The EIP-712 digest of the offer in `domain`: what its signer signs, `Market.hashOffer`.
    pub fn hash(&self, domain: &Eip712Domain) -> Result<B256> {
        Ok(self.to_sol()?.eip712_signing_hash(domain))
    }

    /// The offer's `message`: its fields as typed data writes them (integers as decimal strings).
    fn message(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("hub".into(), json!(self.hub));
        m.insert("computation".into(), json!(self.computation));
        m.insert("pricePerLeaf".into(), dec(&self.price_per_leaf));
        m.insert("maxLeaves".into(), dec(&self.max_leaves));
        m.insert("gasPerLeaf".into(), dec(&self.gas_per_leaf));
        m.insert("hubBond".into(), dec(&self.hub_bond));
        m.insert("challengerBond".into(), dec(&self.challenger_bond));
        m.insert("challengeWindow".into(), dec(&self.challenge_window));
        m.insert("responseWindow".into(), dec(&self.response_window));
        m.insert("turnaround".into(), dec(&self.turnaround));
        m.insert("expiry".into(), dec(&self.expiry));
        m.insert("nonce".into(), dec(&self.nonce));
        m
    }

    /// The unsigned EIP-712 typed data of the offer in `domain`: what `cast wallet sign --data --from-file` signs.
    pub fn typed_data(&self, domain: &Eip712Domain) -> Value {
        OFFER_KIND.typed_data(domain, self.message())
    }
}

/// The EIP-712 domain of the market at `market` on chain `chain_id`.
pub fn offer_domain(chain_id: u64, market: Address) -> Eip712Domain {
    OFFER_KIND.domain(chain_id, market)
}

/// An offer with its signature, as it travels (the offer file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOffer {
    /// The terms.
    pub offer: Offer,
    /// The chain of the market it is for.
    pub chain_id: u64,
    /// The market it is for (the domain's verifying contract).
    pub market: Address,
    /// The signature as given (65 bytes: r, s, v).
    pub signature: Bytes,
}

impl SignedOffer {
    /// The offer's domain.
    pub fn domain(&self) -> Eip712Domain {
        offer_domain(self.chain_id, self.market)
    }

    /// The offer's EIP-712 digest.
    pub fn hash(&self) -> Result<B256> {
        self.offer.hash(&self.domain())
    }

    /// Who signed it: the address the signature recovers to, or why it recovers to none.
    pub fn signer(&self) -> Result<Address> {
        OFFER_KIND.recover(self.hash()?, &self.signature)
    }

    /// The offer file: the typed data plus `signature` and `hash`.
    pub fn to_json(&self) -> Result<Value> {
        Ok(OFFER_KIND.file(
            &self.domain(),
            self.offer.message(),
            &self.signature,
            self.hash()?,
        ))
    }

    /// Parses an offer file: EIP-712 typed data of primary type `Offer` (the market's type, field for field) in a
    /// `SonmMarket` domain, with a `signature`. The digest is computed from the typed data as any EIP-712 signer
    /// does, and must be the one the market computes for the offer read, so that what was signed is what is taken.
    pub fn from_json(text: &str, origin: &Path) -> Result<Self> {
        let file = OFFER_KIND.parse(text, origin)?;
        let offer = Offer {
            hub: file.address("hub")?,
            computation: file.address("computation")?,
            price_per_leaf: file.uint("pricePerLeaf", 96)?,
            max_leaves: file.small("maxLeaves", 64)?,
            gas_per_leaf: file.small("gasPerLeaf", 32)? as u32,
            hub_bond: file.uint("hubBond", 96)?,
            challenger_bond: file.uint("challengerBond", 96)?,
            challenge_window: file.small("challengeWindow", 32)? as u32,
            response_window: file.small("responseWindow", 32)? as u32,
            turnaround: file.small("turnaround", 32)? as u32,
            expiry: file.small("expiry", 40)?,
            nonce: file.uint("nonce", 256)?,
        };
        let signed = Self {
            offer,
            chain_id: file.chain_id,
            market: file.verifying_contract,
            signature: file.signature.clone(),
        };
        // What a wallet signs for this typed data must be what the market hashes for the offer read from it.
        file.check_hash(signed.hash()?)?;
        Ok(signed)
    }

    /// Reads an offer file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| AgentError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text, path)
    }
}

/// Where offers that came over the network are said to come from, in errors.
const ANNOUNCED: &str = "the announced offers";

/// The offers a hub announces on the network (`HubAnnouncement.offers` in sonm-net): the UTF-8 JSON array of their
/// offer files ([`SignedOffer::to_json`]).
pub fn offers_to_bytes(offers: &[SignedOffer]) -> Result<Bytes> {
    let files = offers
        .iter()
        .map(SignedOffer::to_json)
        .collect::<Result<Vec<_>>>()?;
    let text = serde_json::to_vec(&Value::Array(files)).map_err(|e| AgentError::Malformed {
        path: ANNOUNCED.into(),
        reason: e.to_string(),
    })?;
    Ok(Bytes::from(text))
}

/// Reads the offers of a hub's announcement ([`offers_to_bytes`]). Every offer file is parsed and its digest checked
/// as [`SignedOffer::from_json`] does; the signer, the market and the expiry are the receiver's to check
/// ([`Market::status`]). Empty bytes are no offers.
pub fn offers_from_bytes(bytes: &[u8]) -> Result<Vec<SignedOffer>> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let malformed = |reason: String| AgentError::Malformed {
        path: ANNOUNCED.into(),
        reason,
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
    let Value::Array(files) = value else {
        return Err(malformed("not a JSON array of offer files".into()));
    };
    files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            SignedOffer::from_json(&file.to_string(), Path::new(ANNOUNCED))
                .map_err(|e| malformed(format!("offer {i}: {e}")))
        })
        .collect()
}

/// A hub's history in the market (`IMarket.History`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HubHistory {
    /// The hub wallet.
    pub hub: Address,
    /// Whether the DAO banned it: nothing settles into it any more.
    pub banned: bool,
    /// Deals taken from its offers.
    pub taken: u32,
    /// Deals whose buyer accepted the result.
    pub accepted: u32,
    /// Deals settled when the challenge window ended.
    pub settled: u32,
    /// Leaves of accepted and settled deals.
    pub leaves_delivered: u64,
    /// Rewards settled into the wallet (wei).
    #[serde(serialize_with = "ser_dec")]
    pub earned: U256,
    /// Deals failed by a proven cheat.
    pub cheats_proven: u32,
    /// Deals failed by an unanswered query.
    pub queries_unanswered: u32,
    /// Deals failed by no commit within the turnaround.
    pub no_commits: u32,
    /// Deals voided because the hub was Suspected or Punished.
    pub voided: u32,
    /// Distinct buyers.
    pub buyers: u32,
    /// When its last fault was written (0 if never).
    pub last_fault_at: u64,
    /// Work receipts presented to its wallet that it could not pay (each presentation counts).
    pub receipts_dishonoured: u32,
    /// The SNM (wei) those presentations asked for.
    #[serde(serialize_with = "ser_dec")]
    pub amount_dishonoured: U256,
    /// Deals the hub declined before committing (not a fault: a buyer may withhold its inputs).
    pub declined: u32,
}

impl HubHistory {
    fn new(hub: Address, h: IMarket::History) -> Self {
        Self {
            hub,
            banned: h.banned,
            taken: h.taken,
            accepted: h.accepted,
            settled: h.settled,
            leaves_delivered: h.leavesDelivered,
            earned: U256::from(h.earned),
            cheats_proven: h.cheatsProven,
            queries_unanswered: h.queriesUnanswered,
            no_commits: h.noCommits,
            voided: h.voided,
            buyers: h.buyers,
            last_fault_at: h.lastFaultAt.to::<u64>(),
            receipts_dishonoured: h.receiptsDishonoured,
            amount_dishonoured: U256::from(h.amountDishonoured),
            declined: h.declined,
        }
    }

    /// Deals failed by the hub's fault (a proven cheat, an unanswered query, no commit); dishonoured receipts are
    /// counted apart ([`Self::receipts_dishonoured`]).
    pub fn faults(&self) -> u32 {
        self.cheats_proven
            .saturating_add(self.queries_unanswered)
            .saturating_add(self.no_commits)
    }

    /// One line: "3 taken, 2 accepted, 0 settled, 1 faults (1 cheat, 0 unanswered, 0 no commit), 0 declined,
    /// 0 voided, ..., 0 receipts dishonoured (0 SNM)".
    pub fn summary(&self) -> String {
        format!(
            "{} taken, {} accepted, {} settled, {} faults ({} cheats proven, {} queries unanswered, {} no commit), \
             {} declined, {} voided, {} leaves delivered, {} SNM earned, {} buyers, {} receipts dishonoured ({} SNM){}",
            self.taken,
            self.accepted,
            self.settled,
            self.faults(),
            self.cheats_proven,
            self.queries_unanswered,
            self.no_commits,
            self.declined,
            self.voided,
            self.leaves_delivered,
            format_snm(self.earned),
            self.buyers,
            self.receipts_dishonoured,
            format_snm(self.amount_dishonoured),
            if self.banned { ", banned" } else { "" }
        )
    }
}

/// What the chain says of an offer, and whether it can be taken.
#[derive(Clone, Debug, Serialize)]
pub struct OfferStatus {
    /// The offer's digest.
    pub hash: B256,
    /// The terms.
    pub offer: Offer,
    /// Who signed it (zero if the signature recovers none).
    pub signer: Address,
    /// Leaves taken so far.
    pub taken: u64,
    /// Leaves left to take.
    pub left: u64,
    /// Whether the hub cancelled it.
    pub cancelled: bool,
    /// Whether it has expired (by the chain's latest block).
    pub expired: bool,
    /// The hub wallet's state (`None` if it is no hub wallet).
    pub hub_state: Option<HubState>,
    /// The hub's history.
    pub history: HubHistory,
    /// Why it cannot be taken now, each as one phrase; empty if it can.
    pub problems: Vec<String>,
}

impl OfferStatus {
    /// Whether a buyer can take it now.
    pub fn valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What taking an offer did.
#[derive(Clone, Debug, Serialize)]
pub struct Taken {
    /// The deal: the game's task id.
    pub deal: u64,
    /// The offer's digest.
    pub offer_hash: B256,
    /// The hub.
    pub hub: Address,
    /// Leaves bought.
    pub leaf_count: u64,
    /// The input root.
    pub input_root: B256,
    /// The price escrowed.
    #[serde(serialize_with = "ser_dec")]
    pub price: U256,
    /// The approval of the market for the price.
    pub approval: Approval,
    /// The `take` transaction.
    pub tx: B256,
}

/// The market: offers, deals, histories.
#[derive(Clone, Debug)]
pub struct Market {
    client: Client,
    market: MarketContract::MarketInstance<DynProvider>,
    hubs: Hubs,
    tasks: MapTasks,
}

impl Market {
    /// The deployment's market.
    pub fn new(client: &Client) -> Result<Self> {
        let market = MarketContract::new(
            client.address(Contract::Market)?,
            client.provider_ref().clone(),
        );
        Ok(Self {
            client: client.clone(),
            market,
            hubs: Hubs::new(client)?,
            tasks: MapTasks::new(client)?,
        })
    }

    /// The market's address.
    pub fn address(&self) -> Address {
        *self.market.address()
    }

    /// The EIP-712 domain of this market's offers.
    pub fn domain(&self) -> Eip712Domain {
        offer_domain(self.client.chain_id(), self.address())
    }

    /// Whether `account` acts for `hub` (its owner or operator), as the wallet says.
    pub async fn acts_for(&self, hub: Address, account: Address) -> Result<bool> {
        HubWallet::new(hub, self.client.provider_ref().clone())
            .isOperator(account)
            .call()
            .await
            .map_err(|e| self.client.classify("isOperator", &e))
    }

    /// Checks the offer's terms against the game's bounds, as a take would (a registered computation, gas per leaf,
    /// bonds and windows), so that the hub never signs an offer no buyer can take.
    pub async fn check_terms(&self, offer: &Offer) -> Result<()> {
        offer.to_sol()?;
        Computations::new(&self.client)?
            .require_registered(offer.computation, "offers on it")
            .await?;
        let p = self.tasks.parameters().await?;
        let (min_window, max_window) = self.tasks.window_bounds().await?;
        let invalid = |s: String| Err(AgentError::Invalid(s));
        if offer.max_leaves == 0 {
            return invalid("the offer must sell at least one leaf (--max-leaves)".into());
        }
        if offer.price_per_leaf.is_zero() {
            return invalid("the price per leaf must not be zero".into());
        }
        if offer.gas_per_leaf == 0 || offer.gas_per_leaf > p.maxGasPerLeaf {
            return invalid(format!(
                "gas per leaf {} is out of range: 1 to the game's {}",
                offer.gas_per_leaf, p.maxGasPerLeaf
            ));
        }
        let min_bond = U256::from(p.minSolverBond);
        if offer.hub_bond < min_bond {
            return invalid(format!(
                "the hub bond {} SNM is below the game's minimum {} SNM",
                format_snm(offer.hub_bond),
                format_snm(min_bond)
            ));
        }
        let min_challenger = U256::from(p.minChallengerBond);
        if offer.challenger_bond < min_challenger || offer.challenger_bond > offer.hub_bond {
            return invalid(format!(
                "the challenger bond {} SNM is out of range: {} SNM (the game's minimum) to the hub bond {} SNM",
                format_snm(offer.challenger_bond),
                format_snm(min_challenger),
                format_snm(offer.hub_bond)
            ));
        }
        for (what, value, min) in [
            (
                "challenge window",
                offer.challenge_window,
                p.challengeWindow,
            ),
            ("response window", offer.response_window, p.responseWindow),
            ("turnaround", offer.turnaround, min_window),
        ] {
            if value < min || value > max_window {
                return invalid(format!(
                    "the {what} of {value} s is out of range: {min} s to {max_window} s"
                ));
            }
        }
        Ok(())
    }

    /// Hub (its operator or owner, the client's key): checks the terms and that the key acts for the hub, then
    /// signs the offer for this market.
    pub async fn sign(&self, offer: Offer) -> Result<SignedOffer> {
        let signer = self.client.signer()?;
        let me = signer.address();
        self.hubs.require_hub(offer.hub).await?;
        if !self.acts_for(offer.hub, me).await? {
            return Err(AgentError::WrongState(format!(
                "{me} is neither the owner nor the operator of hub {}: no buyer could take an offer it signs \
                 (the owner sets the operator with `sonm hub operator {} ADDRESS`)",
                offer.hub, offer.hub
            )));
        }
        self.check_terms(&offer).await?;
        let hash = offer.hash(&self.domain())?;
        let signature = signer
            .sign_hash_sync(&hash)
            .map_err(|e| AgentError::BadKey(format!("cannot sign the offer: {e}")))?;
        info!(%hash, hub = %offer.hub, "offer signed");
        Ok(SignedOffer {
            offer,
            chain_id: self.client.chain_id(),
            market: self.address(),
            signature: Bytes::from(signature.as_bytes().to_vec()),
        })
    }

    /// Fails unless `signed` is for this market on this chain.
    pub fn require_here(&self, signed: &SignedOffer) -> Result<()> {
        if signed.chain_id != self.client.chain_id() {
            return Err(AgentError::Invalid(format!(
                "the offer is for chain {}, this node is chain {}",
                signed.chain_id,
                self.client.chain_id()
            )));
        }
        if signed.market != self.address() {
            return Err(AgentError::Invalid(format!(
                "the offer is for the market at {}, this deployment's market is {}: ask the hub for an offer \
                 signed for it",
                signed.market,
                self.address()
            )));
        }
        Ok(())
    }

    /// What the chain says of `signed`: its signer and whether it acts for the hub, taken and cancelled, expiry,
    /// the hub's state and history, and every reason it cannot be taken now.
    pub async fn status(&self, signed: &SignedOffer) -> Result<OfferStatus> {
        let offer = &signed.offer;
        let hash = signed.hash()?;
        let mut problems = Vec::new();
        if let Err(e) = self.require_here(signed) {
            problems.push(e.to_string());
        }
        let signer = match signed.signer() {
            Ok(signer) => signer,
            Err(e) => {
                problems.push(e.to_string());
                Address::ZERO
            }
        };
        let listed = self.hubs.is_listed(offer.hub).await?;
        let hub_state = if listed {
            Some(self.hubs.state(offer.hub).await?)
        } else {
            problems.push(format!("{} is not a hub in the whitelist", offer.hub));
            None
        };
        if listed && !signer.is_zero() && !self.acts_for(offer.hub, signer).await? {
            problems.push(format!(
                "it is signed by {signer}, which is neither the owner nor the operator of hub {}: it is forged, \
                 or the key was revoked",
                offer.hub
            ));
        }
        let state = self
            .market
            .offerState(hash)
            .call()
            .await
            .map_err(|e| self.client.classify("offerState", &e))?;
        let left = offer.max_leaves.saturating_sub(state.taken);
        if state.cancelled {
            problems.push("the hub cancelled it".into());
        } else if left == 0 {
            problems.push(format!("all its {} leaves are taken", offer.max_leaves));
        }
        let now = self.client.now().await?;
        let expired = now >= offer.expiry;
        if expired {
            problems.push(format!(
                "it expired at {} (unix time), {} s ago",
                offer.expiry,
                now - offer.expiry
            ));
        }
        if let Some(s) = hub_state
            && s != HubState::Registered
        {
            problems.push(format!("hub {} is {s}, not Registered", offer.hub));
        }
        Ok(OfferStatus {
            hash,
            offer: offer.clone(),
            signer,
            taken: state.taken,
            left,
            cancelled: state.cancelled,
            expired,
            hub_state,
            history: self.history(offer.hub).await?,
            problems,
        })
    }

    /// Buyer: takes `leaf_count` leaves of `signed` for the inputs under `input_root` (at `input_uri`). Everything
    /// the market checks is checked first and refused in one line (for another market, expired, cancelled, sold
    /// out, signed by a key that does not act for the hub, the hub not Registered or without the bond free); then
    /// the market is approved for exactly the price if the allowance is short, and the offer taken.
    pub async fn take(
        &self,
        signed: &SignedOffer,
        input_root: B256,
        leaf_count: u64,
        input_uri: String,
    ) -> Result<Taken> {
        let offer = &signed.offer;
        self.require_here(signed)?;
        let hash = signed.hash()?;
        if leaf_count == 0 {
            return Err(AgentError::Invalid("a deal needs at least one leaf".into()));
        }
        let now = self.client.now().await?;
        if now >= offer.expiry {
            return Err(AgentError::WrongState(format!(
                "offer {hash} expired at {} (unix time), {} s ago: ask the hub for a fresh one",
                offer.expiry,
                now - offer.expiry
            )));
        }
        let state = self
            .market
            .offerState(hash)
            .call()
            .await
            .map_err(|e| self.client.classify("offerState", &e))?;
        if state.cancelled {
            return Err(AgentError::WrongState(format!(
                "offer {hash} was cancelled by the hub"
            )));
        }
        let left = offer.max_leaves.saturating_sub(state.taken);
        if leaf_count > left {
            return Err(AgentError::WrongState(format!(
                "offer {hash} has {left} leaves left of {}, {leaf_count} asked",
                offer.max_leaves
            )));
        }
        self.hubs.require_hub(offer.hub).await?;
        let signer = signed.signer()?;
        if !self.acts_for(offer.hub, signer).await? {
            return Err(AgentError::WrongState(format!(
                "offer {hash} is signed by {signer}, which is neither the owner nor the operator of hub {}: it \
                 is forged, or the key was revoked",
                offer.hub
            )));
        }
        let hub_state = self.hubs.state(offer.hub).await?;
        if hub_state != HubState::Registered {
            return Err(AgentError::WrongState(format!(
                "hub {} is {hub_state}: only a Registered hub can take on a deal",
                offer.hub
            )));
        }
        let free = self.hubs.free_balance(offer.hub).await?;
        if free < offer.hub_bond {
            return Err(AgentError::WrongState(format!(
                "hub {} has {} SNM free, its bond per deal is {} SNM: it cannot take on a deal now",
                offer.hub,
                format_snm(free),
                format_snm(offer.hub_bond)
            )));
        }
        let price = offer.price(leaf_count);
        u96(price, "the deal's price")?;
        let approval = Token::new(&self.client)?
            .ensure_allowance(self.address(), price, "taking the offer")
            .await?;
        let receipt = self
            .client
            .send(
                "take",
                self.market.take(
                    offer.to_sol()?,
                    signed.signature.clone(),
                    input_root,
                    leaf_count,
                    input_uri,
                ),
            )
            .await?;
        let deal = receipt
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<MarketContract::DealTaken>().ok())
            .map(|log| log.inner.data.dealId.saturating_to())
            .ok_or_else(|| AgentError::Rpc {
                what: "take".into(),
                reason: "the receipt has no DealTaken event".into(),
            })?;
        info!(deal, offer = %hash, hub = %offer.hub, leaf_count, "offer taken");
        Ok(Taken {
            deal,
            offer_hash: hash,
            hub: offer.hub,
            leaf_count,
            input_root,
            price,
            approval,
            tx: receipt.transaction_hash,
        })
    }

    /// Hub (its owner or operator): cancels an offer for good.
    pub async fn cancel(&self, signed: &SignedOffer) -> Result<B256> {
        self.require_here(signed)?;
        let me = self.client.sender()?;
        let hub = signed.offer.hub;
        self.hubs.require_hub(hub).await?;
        if !self.acts_for(hub, me).await? {
            return Err(AgentError::WrongState(format!(
                "{me} is neither the owner nor the operator of hub {hub}: only they may cancel its offers"
            )));
        }
        let hash = signed.hash()?;
        let state = self
            .market
            .offerState(hash)
            .call()
            .await
            .map_err(|e| self.client.classify("offerState", &e))?;
        if state.cancelled {
            return Err(AgentError::WrongState(format!(
                "offer {hash} is cancelled already"
            )));
        }
        let receipt = self
            .client
            .send("cancel", self.market.cancel(signed.offer.to_sol()?))
            .await?;
        info!(offer = %hash, %hub, "offer cancelled");
        Ok(receipt.transaction_hash)
    }

    /// `hub`'s history.
    pub async fn history(&self, hub: Address) -> Result<HubHistory> {
        let h = self
            .market
            .history(hub)
            .call()
            .await
            .map_err(|e| self.client.classify("history", &e))?;
        Ok(HubHistory::new(hub, h))
    }

    /// The histories of every hub in the whitelist, read `page` at a time (`histories(offset, limit)`).
    pub async fn histories(&self, page: u64) -> Result<Vec<HubHistory>> {
        let page = page.max(1);
        let mut all = Vec::new();
        loop {
            let got = self
                .market
                .histories(U256::from(all.len()), U256::from(page))
                .call()
                .await
                .map_err(|e| self.client.classify("histories", &e))?;
            let n = got.len() as u64;
            all.extend(got.into_iter().map(|h| HubHistory::new(h.hub, h.history)));
            if n < page {
                return Ok(all);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::signers::local::PrivateKeySigner;
    use alloy_dyn_abi::TypedData;

    fn sample() -> Offer {
        Offer {
            hub: Address::repeat_byte(0x11),
            computation: Address::repeat_byte(0x22),
            price_per_leaf: U256::from(10u64).pow(U256::from(18u64)),
            max_leaves: 64,
            gas_per_leaf: 1_000_000,
            hub_bond: U256::from(10u64).pow(U256::from(19u64)),
            challenger_bond: U256::from(10u64).pow(U256::from(18u64)),
            challenge_window: 3_600,
            response_window: 600,
            turnaround: 3_600,
            expiry: 1_900_000_000,
            nonce: U256::MAX,
        }
    }

    fn signed() -> SignedOffer {
        let offer = sample();
        let domain = offer_domain(31337, Address::repeat_byte(0x33));
        let key = PrivateKeySigner::random();
        let sig = key
            .sign_hash_sync(&offer.hash(&domain).expect("hash"))
            .expect("sign");
        SignedOffer {
            offer,
            chain_id: 31337,
            market: Address::repeat_byte(0x33),
            signature: Bytes::from(sig.as_bytes().to_vec()),
        }
    }

    #[test]
    fn the_file_round_trips_and_hashes_as_typed_data() {
        let s = signed();
        let json = s.to_json().expect("json");
        // The file is typed data any EIP-712 signer hashes to the market's digest.
        let typed: TypedData = serde_json::from_value(json.clone()).expect("typed data");
        assert_eq!(
            typed.eip712_signing_hash().expect("hash"),
            s.hash().expect("hash")
        );
        assert_eq!(json["hash"], json!(s.hash().expect("hash")));
        let again = SignedOffer::from_json(&json.to_string(), Path::new("o.json")).expect("parses");
        assert_eq!(again, s);
        assert!(!again.signer().expect("recovers").is_zero());
    }

    #[test]
    fn numbers_may_be_json_numbers_or_hex() {
        let s = signed();
        let mut json = s.to_json().expect("json");
        json["message"]["maxLeaves"] = json!(64);
        json["message"]["gasPerLeaf"] = json!("0xf4240");
        let again = SignedOffer::from_json(&json.to_string(), Path::new("o.json")).expect("parses");
        assert_eq!(again.offer, s.offer);
    }

    #[test]
    fn files_that_are_not_market_offers_are_refused_with_the_reason() {
        let s = signed();
        let base = s.to_json().expect("json");
        let refuse = |v: Value| {
            SignedOffer::from_json(&v.to_string(), Path::new("o.json"))
                .expect_err("refused")
                .to_string()
        };
        let mut v = base.clone();
        v["primaryType"] = json!("Mail");
        assert!(refuse(v).contains("not \"Offer\""));
        let mut v = base.clone();
        v["types"]["Offer"][2]["type"] = json!("uint256");
        assert!(refuse(v).contains("its Offer type is not the market's"));
        let mut v = base.clone();
        v["domain"]["name"] = json!("Other");
        assert!(refuse(v).contains("its domain is not the market's"));
        let mut v = base.clone();
        v["message"]["maxLeaves"] = json!("18446744073709551616");
        assert!(refuse(v).contains("message.maxLeaves is not a uint64"));
        let mut v = base.clone();
        v.as_object_mut().expect("object").remove("signature");
        assert!(refuse(v).contains("it has no \"signature\""));
        assert!(
            refuse(json!([1, 2])).starts_with("malformed o.json: not EIP-712 typed data"),
            "{}",
            refuse(json!([1, 2]))
        );
    }

    #[test]
    fn announced_offers_round_trip_and_junk_is_refused_with_the_offer_named() {
        let (a, b) = (signed(), signed());
        let bytes = offers_to_bytes(&[a.clone(), b.clone()]).expect("encodes");
        assert_eq!(offers_from_bytes(&bytes).expect("decodes"), vec![a, b]);
        assert!(offers_from_bytes(&[]).expect("no offers").is_empty());
        assert!(
            offers_from_bytes(&offers_to_bytes(&[]).expect("empty"))
                .expect("[]")
                .is_empty()
        );
        let err = |bytes: &[u8]| offers_from_bytes(bytes).expect_err("refused").to_string();
        assert!(err(b"{").contains("the announced offers"), "{}", err(b"{"));
        assert!(err(b"{}").contains("not a JSON array"), "{}", err(b"{}"));
        let mut files: Value = serde_json::from_slice(&bytes).expect("json");
        files[1]["primaryType"] = json!("Mail");
        let tampered = serde_json::to_vec(&files).expect("json");
        assert!(err(&tampered).contains("offer 1:"), "{}", err(&tampered));
    }

    #[test]
    fn a_signature_by_another_key_recovers_another_signer() {
        let s = signed();
        let mut other = s.clone();
        other.offer.max_leaves += 1;
        assert_ne!(
            other.signer().expect("recovers"),
            s.signer().expect("recovers")
        );
    }
}
