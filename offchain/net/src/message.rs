//! What travels on the gossip topics: hub announcements and reports, signed with Ethereum keys (EIP-712).
//!
//! Each message is a Solidity struct signed as EIP-712 typed data under the [`domain`] of a deployment (its chain
//! id and Whitelist), so a signature made for one deployment is worthless on another, and a contract can check the
//! same signature later. On the wire a message is one tag byte ([`Gossip`]) and the ABI encoding of the struct and
//! its 65-byte signature: canonical, so its size is known before it is decoded.

use alloy::primitives::{Address, B256, Bytes, Signature, U256};
use alloy::signers::SignerSync;
use alloy::sol_types::{Eip712Domain, SolStruct, SolValue};
use libp2p::{Multiaddr, PeerId};
use sonm_merkle::{IndexedLeaf, LeafValue as _, verify_proof};

use crate::{NetError, Result};

alloy::sol! {
    /// A hub's announcement on `sonm/hubs/1`: where to reach it and what it offers, signed by the hub's owner or operator.
    #[derive(Debug, PartialEq, Eq)]
    struct HubAnnouncement {
        /// The hub's wallet (its key in the Whitelist).
        address hub;
        /// The libp2p peer id of the hub's node (its multihash bytes). Only that peer may gossip the announcement.
        bytes peerId;
        /// The node's multiaddrs (binary form), where the hub can be dialed.
        bytes[] addrs;
        /// The hub's display name.
        string name;
        /// The hub's current offers, opaque here (the market defines them).
        bytes offers;
        /// Unix time after which nobody believes or forwards the announcement.
        uint64 expiry;
        /// Grows with every announcement of the hub; a receiver refuses one not newer than the last it believed.
        uint64 seq;
    }

    /// A miner's report about a hub on `sonm/reports/1` (the whitepaper's channel on which miners confirm or warn
    /// about a hub). `paid` and `lastPaid` are the chain's (checked); `owed` is the miner's own claim.
    #[derive(Debug, PartialEq, Eq)]
    struct MinerReport {
        /// The hub wallet reported on.
        address hub;
        /// The miner (the signer).
        address miner;
        /// All the hub has paid the miner on chain (`Paid` events) up to block `atBlock`.
        uint256 paid;
        /// What the miner says the hub owes it for work not paid yet (not checkable on chain).
        uint256 owed;
        /// The time of the block of the hub's last payment to the miner up to `atBlock` (0 if none).
        uint64 lastPaid;
        /// The block the figures were read at.
        uint64 atBlock;
        /// Unix time after which the report is dropped.
        uint64 expiry;
        /// Grows with every report of this miner about this hub.
        uint64 seq;
    }

    /// A lease receipt: what a miner signs when it returns the outputs of a lease, so the hub can later show any
    /// output it was given. Not a work receipt (the hub's signed promise to pay a miner, redeemed at its wallet).
    #[derive(Debug, PartialEq, Eq)]
    struct LeaseReceipt {
        /// The task.
        uint256 taskId;
        /// The task's input root the lease's inputs were proven against.
        bytes32 inputRoot;
        /// The first unit of the lease.
        uint64 first;
        /// How many units.
        uint64 count;
        /// The root of the standard Merkle tree over `(uint256 index, bytes output)` of the lease's units.
        bytes32 outputsRoot;
    }

    /// A hub's report about a miner on `sonm/reports/1`: a unit the miner returned wrong, with the unit.
    #[derive(Debug, PartialEq, Eq)]
    struct HubReport {
        /// The hub wallet reporting (its owner or operator signs).
        address hub;
        /// The miner reported on.
        address miner;
        /// The task.
        uint256 taskId;
        /// The unit.
        uint64 index;
        /// The unit's input.
        bytes input;
        /// The proof of `(index, input)` under the task's input root (on chain).
        bytes32[] inputProof;
        /// The output the miner returned.
        bytes output;
        /// The proof of `(index, output)` under the lease receipt's outputs root.
        bytes32[] outputProof;
        /// The miner's lease receipt for the lease that held the unit.
        LeaseReceipt receipt;
        /// The miner's EIP-712 signature of `receipt`.
        bytes receiptSignature;
        /// Unix time after which the report is dropped.
        uint64 expiry;
        /// Grows with every report of this hub about this miner.
        uint64 seq;
    }

    /// An announcement and its signature by the hub's owner or operator.
    #[derive(Debug, PartialEq, Eq)]
    struct SignedAnnouncement {
        HubAnnouncement announcement;
        bytes signature;
    }

    /// A miner's report and its signature.
    #[derive(Debug, PartialEq, Eq)]
    struct SignedMinerReport {
        MinerReport report;
        bytes signature;
    }

    /// A hub's report and its signature by the hub's owner or operator.
    #[derive(Debug, PartialEq, Eq)]
    struct SignedHubReport {
        HubReport report;
        bytes signature;
    }
}

/// The EIP-712 domain of a deployment's network messages: name `sonm`, version `1`, the chain id and the Whitelist
/// as the verifying contract (the registry every signer is checked against).
pub fn domain(chain_id: u64, whitelist: Address) -> Eip712Domain {
    alloy::sol_types::eip712_domain! {
        name: "sonm",
        version: "1",
        chain_id: chain_id,
        verifying_contract: whitelist,
    }
}

/// Signs `value` as EIP-712 typed data.
pub fn sign<T: SolStruct>(
    value: &T,
    domain: &Eip712Domain,
    signer: &impl SignerSync,
) -> Result<Bytes> {
    let hash = value.eip712_signing_hash(domain);
    let sig = signer
        .sign_hash_sync(&hash)
        .map_err(|e| NetError::Sign(e.to_string()))?;
    Ok(Bytes::copy_from_slice(&sig.as_bytes()))
}

/// The address that signed `value` (EIP-712) with `signature`, or `None` if the signature is not one.
///
/// Only low-s signatures are accepted, as Ethereum accepts them (EIP-2): the high-s twin of a signature would
/// otherwise give a second byte string for the same message.
pub fn recover<T: SolStruct>(
    value: &T,
    domain: &Eip712Domain,
    signature: &[u8],
) -> Option<Address> {
    let sig = Signature::from_raw(signature).ok()?;
    if sig.normalize_s().is_some() {
        return None;
    }
    sig.recover_address_from_prehash(&value.eip712_signing_hash(domain))
        .ok()
}

/// A gossip message as it travels: a tag byte, then the ABI encoding of the signed struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gossip {
    /// On `sonm/hubs/1`.
    Announcement(SignedAnnouncement),
    /// On `sonm/reports/1`.
    MinerReport(SignedMinerReport),
    /// On `sonm/reports/1`.
    HubReport(SignedHubReport),
}

const TAG_ANNOUNCEMENT: u8 = 1;
const TAG_MINER_REPORT: u8 = 2;
const TAG_HUB_REPORT: u8 = 3;

impl Gossip {
    /// The bytes to publish.
    pub fn encode(&self) -> Vec<u8> {
        let (tag, body) = match self {
            Self::Announcement(m) => (TAG_ANNOUNCEMENT, m.abi_encode()),
            Self::MinerReport(m) => (TAG_MINER_REPORT, m.abi_encode()),
            Self::HubReport(m) => (TAG_HUB_REPORT, m.abi_encode()),
        };
        let mut out = Vec::with_capacity(1 + body.len());
        out.push(tag);
        out.extend_from_slice(&body);
        out
    }

    /// Reads a message; `None` if the bytes are not one (unknown tag, bad or non-canonical ABI).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&tag, body) = bytes.split_first()?;
        let decoded = match tag {
            TAG_ANNOUNCEMENT => {
                Self::Announcement(SignedAnnouncement::abi_decode_validate(body).ok()?)
            }
            TAG_MINER_REPORT => {
                Self::MinerReport(SignedMinerReport::abi_decode_validate(body).ok()?)
            }
            TAG_HUB_REPORT => Self::HubReport(SignedHubReport::abi_decode_validate(body).ok()?),
            _ => return None,
        };
        // Canonical only: the same message has one encoding (trailing bytes would let a replay look new).
        (decoded.encode() == bytes).then_some(decoded)
    }
}

impl HubAnnouncement {
    /// Signs the announcement with the key of the hub's owner or operator.
    pub fn sign(
        self,
        domain: &Eip712Domain,
        signer: &impl SignerSync,
    ) -> Result<SignedAnnouncement> {
        let signature = sign(&self, domain, signer)?;
        Ok(SignedAnnouncement {
            announcement: self,
            signature,
        })
    }

    /// The peer id the announcement names, if it is one.
    pub fn peer(&self) -> Option<PeerId> {
        PeerId::from_bytes(&self.peerId).ok()
    }

    /// The addresses that parse (the others are skipped).
    pub fn multiaddrs(&self) -> Vec<Multiaddr> {
        self.addrs
            .iter()
            .filter_map(|a| Multiaddr::try_from(a.to_vec()).ok())
            .collect()
    }
}

impl MinerReport {
    /// Signs the report with the miner's key.
    pub fn sign(self, domain: &Eip712Domain, miner: &impl SignerSync) -> Result<SignedMinerReport> {
        let signature = sign(&self, domain, miner)?;
        Ok(SignedMinerReport {
            report: self,
            signature,
        })
    }
}

impl HubReport {
    /// Signs the report with the key of the hub's owner or operator.
    pub fn sign(self, domain: &Eip712Domain, signer: &impl SignerSync) -> Result<SignedHubReport> {
        let signature = sign(&self, domain, signer)?;
        Ok(SignedHubReport {
            report: self,
            signature,
        })
    }

    /// Whether the report's own evidence holds together, given the task's input root on chain: the lease receipt is
    /// signed by `miner` for that input root and covers `index`, the input is the task's, the output is the one the
    /// miner signed. (Whether the output is wrong takes the computation: whoever cares recomputes it.)
    pub(crate) fn evidence_error(
        &self,
        domain: &Eip712Domain,
        input_root: B256,
    ) -> Option<&'static str> {
        let r = &self.receipt;
        if r.taskId != self.taskId || r.inputRoot != input_root {
            return Some("the receipt is for another task");
        }
        if self.index < r.first || self.index - r.first >= r.count {
            return Some("the unit is outside the receipt's lease");
        }
        if recover(r, domain, &self.receiptSignature) != Some(self.miner) {
            return Some("the receipt is not signed by the miner");
        }
        let leaf = |data: &Bytes| {
            IndexedLeaf {
                index: U256::from(self.index),
                data: data.clone(),
            }
            .leaf_hash()
        };
        if !verify_proof(input_root, leaf(&self.input), &self.inputProof) {
            return Some("the input is not the task's");
        }
        if !verify_proof(r.outputsRoot, leaf(&self.output), &self.outputProof) {
            return Some("the output is not the one the miner signed");
        }
        None
    }
}

impl LeaseReceipt {
    /// Signs the lease receipt with the miner's key.
    pub fn sign(&self, domain: &Eip712Domain, miner: &impl SignerSync) -> Result<Bytes> {
        sign(self, domain, miner)
    }
}

#[cfg(test)]
mod tests {
    use alloy::signers::local::PrivateKeySigner;

    use super::*;

    fn announcement() -> HubAnnouncement {
        HubAnnouncement {
            hub: Address::repeat_byte(7),
            peerId: PeerId::random().to_bytes().into(),
            addrs: vec![
                "/ip4/127.0.0.1/tcp/4001"
                    .parse::<Multiaddr>()
                    .expect("addr")
                    .to_vec()
                    .into(),
            ],
            name: "hub".into(),
            offers: Bytes::from_static(b"offers"),
            expiry: 1_000,
            seq: 1,
        }
    }

    #[test]
    fn a_signed_announcement_round_trips_and_recovers_its_signer() {
        let key = PrivateKeySigner::random();
        let d = domain(1, Address::repeat_byte(1));
        let signed = announcement().sign(&d, &key).expect("sign");
        let bytes = Gossip::Announcement(signed.clone()).encode();
        let Some(Gossip::Announcement(back)) = Gossip::decode(&bytes) else {
            panic!("decode");
        };
        assert_eq!(back, signed);
        assert_eq!(
            recover(&back.announcement, &d, &back.signature),
            Some(key.address())
        );
        assert_eq!(back.announcement.multiaddrs().len(), 1);
        assert!(back.announcement.peer().is_some());
    }

    #[test]
    fn a_signature_is_bound_to_its_deployment() {
        let key = PrivateKeySigner::random();
        let signed = announcement()
            .sign(&domain(1, Address::repeat_byte(1)), &key)
            .expect("sign");
        for other in [
            domain(2, Address::repeat_byte(1)),
            domain(1, Address::repeat_byte(2)),
        ] {
            assert_ne!(
                recover(&signed.announcement, &other, &signed.signature),
                Some(key.address())
            );
        }
    }

    #[test]
    fn a_high_s_twin_of_a_signature_is_refused() {
        let key = PrivateKeySigner::random();
        let d = domain(1, Address::ZERO);
        let a = announcement();
        let sig = Signature::from_raw(&sign(&a, &d, &key).expect("sign")).expect("sig");
        // secp256k1's order n: s' = n - s with the parity flipped recovers the same key.
        let n = U256::from_str_radix(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            16,
        )
        .expect("n");
        let twin = Signature::new(sig.r(), n - sig.s(), !sig.v());
        assert_eq!(recover(&a, &d, &twin.as_bytes()), None);
        assert_eq!(recover(&a, &d, &sig.as_bytes()), Some(key.address()));
    }

    #[test]
    fn junk_trailing_bytes_and_unknown_tags_do_not_decode() {
        let key = PrivateKeySigner::random();
        let signed = announcement()
            .sign(&domain(1, Address::ZERO), &key)
            .expect("sign");
        let mut bytes = Gossip::Announcement(signed).encode();
        assert!(Gossip::decode(&bytes).is_some());
        bytes.push(0);
        assert!(Gossip::decode(&bytes).is_none());
        assert!(Gossip::decode(&[9, 0, 0]).is_none());
        assert!(Gossip::decode(&[]).is_none());
        assert!(Gossip::decode(&[TAG_MINER_REPORT; 40]).is_none());
    }
}
