//! Gossip validation: what a node checks before it believes or forwards a message.
//!
//! In order, cheapest first: the size, the encoding, the expiry, the signature, the publishing peer (an
//! announcement may only come from the peer it names), replay (the sequence number must be newer than the last one
//! believed from that signer about that subject: the same one again is a replay, an older one stale), then the chain
//! ([`Chain`]): the signer is the owner or the (non-zero) operator key of a listed hub whose wallet is Registered,
//! or is a miner the hub has paid with the
//! figures it claims, or the evidence of a hub's report holds under the task's input root. A message that fails is
//! rejected (gossipsub does not forward it and lowers the score of the peer that sent it); a stale one, or one the
//! chain could not be asked about, is ignored (dropped without blaming the peer).

use std::collections::HashMap;
use std::time::Duration;

use alloy::primitives::Address;
use alloy::sol_types::Eip712Domain;
use libp2p::PeerId;

use crate::chain::{Chain, ChainError, HubState};
use crate::message::{Gossip, HubReport, MinerReport, SignedAnnouncement, recover};

/// The topic of hub announcements.
pub const HUBS_TOPIC: &str = "sonm/hubs/1";
/// The topic of reports, both ways.
pub const REPORTS_TOPIC: &str = "sonm/reports/1";

/// A gossip topic of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// [`HUBS_TOPIC`].
    Hubs,
    /// [`REPORTS_TOPIC`].
    Reports,
}

impl Topic {
    /// Both topics.
    pub const ALL: [Topic; 2] = [Topic::Hubs, Topic::Reports];

    /// The topic's name on the wire.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hubs => HUBS_TOPIC,
            Self::Reports => REPORTS_TOPIC,
        }
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a message was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    /// Larger than the topic allows.
    #[error("{size} bytes, more than the {max} the topic allows")]
    Oversized {
        /// Its size.
        size: usize,
        /// The topic's limit.
        max: usize,
    },
    /// Not a message of this topic's kinds, or not canonically encoded.
    #[error("not a well-formed message of this topic")]
    Malformed,
    /// Expired.
    #[error("expired at {expiry} (now {now})")]
    Expired {
        /// Its expiry.
        expiry: u64,
        /// The receiver's clock.
        now: u64,
    },
    /// Expires further ahead than a message may live.
    #[error("expires at {expiry}, more than {max_lifetime} s ahead")]
    TooLongLived {
        /// Its expiry.
        expiry: u64,
        /// The limit, in seconds.
        max_lifetime: u64,
    },
    /// The signature is not one, or not by the key the message says.
    #[error("bad signature")]
    BadSignature,
    /// An announcement published by another peer than the one it names.
    #[error("published by {publisher}, not by the peer it announces")]
    NotFromItsPeer {
        /// Who published it.
        publisher: String,
    },
    /// The very message last believed from the same signer about the same subject, published again as a new
    /// gossip message.
    #[error("sequence {seq} was believed already")]
    Replayed {
        /// Its sequence number.
        seq: u64,
    },
    /// Older than the last one believed from the same signer about the same subject: not forwarded, but not
    /// blamed on the peer either, since gossip may deliver an older message late.
    #[error("sequence {seq} is older than {seen}, believed already")]
    Stale {
        /// Its sequence number.
        seq: u64,
        /// The last one believed.
        seen: u64,
    },
    /// The hub is not in the Whitelist.
    #[error("hub {0} is not in the whitelist")]
    UnknownHub(Address),
    /// Signed by another key than the hub's owner or operator.
    #[error("signed by {signer}, neither the hub's owner {owner} nor its operator {operator}")]
    NotHubSigner {
        /// The signer.
        signer: Address,
        /// The owner.
        owner: Address,
        /// The operator (zero: none).
        operator: Address,
    },
    /// The hub's wallet is not Registered.
    #[error("the hub is {0}, not Registered")]
    HubNotRegistered(HubState),
    /// A miner's report from a miner the hub never paid.
    #[error("the hub never paid {0}")]
    NotPaidByHub(Address),
    /// A miner's report whose figures are not the chain's.
    #[error("the report's payments differ from the chain's")]
    PaymentMismatch,
    /// A report about a block the chain has not reached.
    #[error("block {0} is in the future")]
    FutureBlock(u64),
    /// A hub's report about a task that does not exist.
    #[error("task {0} does not exist")]
    UnknownTask(alloy::primitives::U256),
    /// A hub's report whose evidence does not hold.
    #[error("bad evidence: {0}")]
    BadEvidence(&'static str),
}

impl RejectReason {
    /// Whether the peer that sent the message is to blame (gossipsub lowers its score). All are, but for a
    /// [`Stale`](Self::Stale) message, which an honest peer may deliver late.
    pub const fn blames_sender(&self) -> bool {
        !matches!(self, Self::Stale { .. })
    }

    /// A short label for metrics.
    pub const fn label(&self) -> &'static str {
        match self {
            Self::Oversized { .. } => "oversized",
            Self::Malformed => "malformed",
            Self::Expired { .. } => "expired",
            Self::TooLongLived { .. } => "too_long_lived",
            Self::BadSignature => "bad_signature",
            Self::NotFromItsPeer { .. } => "not_from_its_peer",
            Self::Replayed { .. } => "replayed",
            Self::Stale { .. } => "stale",
            Self::UnknownHub(_) => "unknown_hub",
            Self::NotHubSigner { .. } => "not_hub_signer",
            Self::HubNotRegistered(_) => "hub_not_registered",
            Self::NotPaidByHub(_) => "not_paid_by_hub",
            Self::PaymentMismatch => "payment_mismatch",
            Self::FutureBlock(_) => "future_block",
            Self::UnknownTask(_) => "unknown_task",
            Self::BadEvidence(_) => "bad_evidence",
        }
    }
}

/// The outcome of the chain's checks when they did not pass.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The message is bad.
    Reject(RejectReason),
    /// The chain could not be asked: drop the message without blaming anyone.
    Ignore(ChainError),
}

impl From<RejectReason> for Verdict {
    fn from(r: RejectReason) -> Self {
        Self::Reject(r)
    }
}

impl From<ChainError> for Verdict {
    fn from(e: ChainError) -> Self {
        Self::Ignore(e)
    }
}

/// The limits a node holds gossip to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GossipLimits {
    /// Most bytes of an announcement (with its offers).
    pub max_announcement: usize,
    /// Most bytes of a report (a hub's report carries a unit's input and output).
    pub max_report: usize,
    /// Most seconds from now a message may expire at.
    pub max_lifetime: Duration,
}

impl Default for GossipLimits {
    /// 32 KiB announcements, 48 KiB reports, one day of life.
    fn default() -> Self {
        Self {
            max_announcement: 32 * 1024,
            max_report: 48 * 1024,
            max_lifetime: Duration::from_secs(86_400),
        }
    }
}

/// Whose sequence numbers a replay check compares: the kind, the signer, the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct SeqKey(u8, Address, Address);

/// A message that passed every check that needs no chain.
#[derive(Clone, Debug)]
pub(crate) struct Prechecked {
    pub(crate) gossip: Gossip,
    pub(crate) signer: Address,
    key: SeqKey,
    seq: u64,
    expiry: u64,
}

/// A message the node believes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verified {
    /// A hub's announcement, signed by its owner or operator.
    Announcement(SignedAnnouncement),
    /// A miner's report about a hub.
    MinerReport(MinerReport),
    /// A hub's report about a miner, signed by the hub's owner or operator.
    HubReport(HubReport),
}

/// The gossip checks of one node, and the sequence numbers it has believed.
#[derive(Debug)]
pub struct Validator {
    domain: Eip712Domain,
    limits: GossipLimits,
    seen: HashMap<SeqKey, (u64, u64)>,
}

impl Validator {
    /// A validator for messages of `domain`.
    pub fn new(domain: Eip712Domain, limits: GossipLimits) -> Self {
        Self {
            domain,
            limits,
            seen: HashMap::new(),
        }
    }

    /// The EIP-712 domain messages must be signed under.
    pub fn domain(&self) -> &Eip712Domain {
        &self.domain
    }

    /// The checks that need no chain. `source` is the peer that published (signed) the gossip message; `replay`
    /// says whether to check the sequence number (not for an announcement fetched from its hub directly).
    pub(crate) fn precheck(
        &self,
        topic: Topic,
        data: &[u8],
        source: Option<PeerId>,
        now: u64,
        replay: bool,
    ) -> Result<Prechecked, RejectReason> {
        let max = match topic {
            Topic::Hubs => self.limits.max_announcement,
            Topic::Reports => self.limits.max_report,
        };
        if data.len() > max {
            return Err(RejectReason::Oversized {
                size: data.len(),
                max,
            });
        }
        let gossip = Gossip::decode(data).ok_or(RejectReason::Malformed)?;
        let (expiry, seq, signer, key) = match (&gossip, topic) {
            (Gossip::Announcement(m), Topic::Hubs) => {
                let a = &m.announcement;
                let signer =
                    recover(a, &self.domain, &m.signature).ok_or(RejectReason::BadSignature)?;
                (a.expiry, a.seq, signer, SeqKey(1, signer, a.hub))
            }
            (Gossip::MinerReport(m), Topic::Reports) => {
                let r = &m.report;
                let signer =
                    recover(r, &self.domain, &m.signature).ok_or(RejectReason::BadSignature)?;
                if signer != r.miner {
                    return Err(RejectReason::BadSignature);
                }
                (r.expiry, r.seq, signer, SeqKey(2, signer, r.hub))
            }
            (Gossip::HubReport(m), Topic::Reports) => {
                let r = &m.report;
                let signer =
                    recover(r, &self.domain, &m.signature).ok_or(RejectReason::BadSignature)?;
                (r.expiry, r.seq, signer, SeqKey(3, signer, r.miner))
            }
            _ => return Err(RejectReason::Malformed),
        };
        if expiry <= now {
            return Err(RejectReason::Expired { expiry, now });
        }
        let max_lifetime = self.limits.max_lifetime.as_secs();
        if expiry - now > max_lifetime {
            return Err(RejectReason::TooLongLived {
                expiry,
                max_lifetime,
            });
        }
        if let Gossip::Announcement(m) = &gossip {
            let named = m.announcement.peer();
            if named.is_none() || named != source {
                return Err(RejectReason::NotFromItsPeer {
                    publisher: source.map_or_else(|| "nobody".to_owned(), |p| p.to_string()),
                });
            }
        }
        if replay {
            self.check_replay(key, seq)?;
        }
        Ok(Prechecked {
            gossip,
            signer,
            key,
            seq,
            expiry,
        })
    }

    fn check_replay(&self, key: SeqKey, seq: u64) -> Result<(), RejectReason> {
        match self.seen.get(&key) {
            Some(&(seen, _)) if seq == seen => Err(RejectReason::Replayed { seq }),
            Some(&(seen, _)) if seq < seen => Err(RejectReason::Stale { seq, seen }),
            _ => Ok(()),
        }
    }

    /// Records a message that passed every check, unless a newer one from the same signer got in while the chain
    /// was asked; returns what the node now believes.
    pub(crate) fn commit(&mut self, p: Prechecked, now: u64) -> Result<Verified, RejectReason> {
        self.check_replay(p.key, p.seq)?;
        // Nothing that expired can be replayed (the expiry check comes first), so its entry can go.
        if self.seen.len() > 1024 {
            self.seen.retain(|_, &mut (_, expiry)| expiry > now);
        }
        self.seen.insert(p.key, (p.seq, p.expiry));
        Ok(match p.gossip {
            Gossip::Announcement(m) => Verified::Announcement(m),
            Gossip::MinerReport(m) => Verified::MinerReport(m.report),
            Gossip::HubReport(m) => Verified::HubReport(m.report),
        })
    }
}

/// The checks against the chain.
pub(crate) async fn check_chain<C: Chain>(
    chain: &C,
    domain: &Eip712Domain,
    p: &Prechecked,
) -> Result<(), Verdict> {
    match &p.gossip {
        Gossip::Announcement(m) => check_hub_signer(chain, m.announcement.hub, p.signer).await,
        Gossip::HubReport(m) => {
            let r = &m.report;
            check_hub_signer(chain, r.hub, p.signer).await?;
            let root = chain
                .input_root(r.taskId)
                .await?
                .ok_or(RejectReason::UnknownTask(r.taskId))?;
            match r.evidence_error(domain, root) {
                Some(why) => Err(RejectReason::BadEvidence(why).into()),
                None => Ok(()),
            }
        }
        Gossip::MinerReport(m) => {
            let r = &m.report;
            chain
                .hub(r.hub)
                .await?
                .ok_or(RejectReason::UnknownHub(r.hub))?;
            let block = chain.block_number().await?;
            if r.atBlock > block {
                return Err(RejectReason::FutureBlock(r.atBlock).into());
            }
            let paid = chain.payments(r.hub, r.miner, r.atBlock).await?;
            if paid.count == 0 {
                return Err(RejectReason::NotPaidByHub(r.miner).into());
            }
            if paid.total != r.paid || paid.last_paid_at != r.lastPaid {
                return Err(RejectReason::PaymentMismatch.into());
            }
            Ok(())
        }
    }
}

/// `signer` is the owner or the (non-zero) operator of `hub`, which is listed and Registered.
async fn check_hub_signer<C: Chain>(
    chain: &C,
    hub: Address,
    signer: Address,
) -> Result<(), Verdict> {
    let standing = chain.hub(hub).await?.ok_or(RejectReason::UnknownHub(hub))?;
    let by_operator = standing.operator != Address::ZERO && standing.operator == signer;
    if standing.owner != signer && !by_operator {
        return Err(RejectReason::NotHubSigner {
            signer,
            owner: standing.owner,
            operator: standing.operator,
        }
        .into());
    }
    if standing.state != HubState::Registered {
        return Err(RejectReason::HubNotRegistered(standing.state).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Bytes, U256};
    use alloy::signers::local::PrivateKeySigner;
    use sonm_merkle::{BuildOptions, IndexedLeaf, IndexedTree};

    use super::*;
    use crate::chain::MemoryChain;
    use crate::message::{HubAnnouncement, LeaseReceipt, SignedHubReport};

    const NOW: u64 = 1_000_000;

    struct Fixture {
        chain: MemoryChain,
        owner: PrivateKeySigner,
        hub: Address,
        peer: PeerId,
        v: Validator,
    }

    fn fixture() -> Fixture {
        let chain = MemoryChain::new(7, Address::repeat_byte(0xee));
        let owner = PrivateKeySigner::random();
        let hub = Address::repeat_byte(1);
        chain.set_hub(hub, owner.address(), HubState::Registered, "");
        let v = Validator::new(chain.domain(), GossipLimits::default());
        Fixture {
            chain,
            owner,
            hub,
            peer: PeerId::random(),
            v,
        }
    }

    impl Fixture {
        fn announcement(&self, seq: u64, expiry: u64) -> HubAnnouncement {
            HubAnnouncement {
                hub: self.hub,
                peerId: self.peer.to_bytes().into(),
                addrs: vec![],
                name: "h".into(),
                offers: Bytes::new(),
                expiry,
                seq,
            }
        }

        fn signed(&self, a: HubAnnouncement, key: &PrivateKeySigner) -> Vec<u8> {
            Gossip::Announcement(a.sign(&self.chain.domain(), key).expect("sign")).encode()
        }

        /// Every check, as the node runs them; `Ok` when believed.
        async fn run(
            &mut self,
            topic: Topic,
            data: &[u8],
            source: PeerId,
        ) -> Result<Verified, String> {
            let p = self
                .v
                .precheck(topic, data, Some(source), NOW, true)
                .map_err(|r| r.label().to_owned())?;
            match check_chain(&self.chain, &self.chain.domain(), &p).await {
                Ok(()) => {}
                Err(Verdict::Reject(r)) => return Err(r.label().to_owned()),
                Err(Verdict::Ignore(e)) => return Err(format!("ignored: {e}")),
            }
            self.v.commit(p, NOW).map_err(|r| r.label().to_owned())
        }
    }

    #[tokio::test]
    async fn an_announcement_by_the_owner_of_a_registered_hub_is_believed_once() {
        let mut f = fixture();
        let owner = f.owner.clone();
        let msg = f.signed(f.announcement(5, NOW + 60), &owner);
        assert!(matches!(
            f.run(Topic::Hubs, &msg, f.peer).await,
            Ok(Verified::Announcement(_))
        ));
        assert_eq!(
            f.run(Topic::Hubs, &msg, f.peer).await,
            Err("replayed".into())
        );
        let older = f.signed(f.announcement(4, NOW + 60), &owner);
        assert_eq!(
            f.run(Topic::Hubs, &older, f.peer).await,
            Err("stale".into())
        );
        let newer = f.signed(f.announcement(6, NOW + 60), &owner);
        assert!(f.run(Topic::Hubs, &newer, f.peer).await.is_ok());
    }

    #[tokio::test]
    async fn an_announcement_by_the_operator_is_believed_until_the_owner_revokes_or_replaces_it() {
        let mut f = fixture();
        let owner = f.owner.clone();
        let operator = PrivateKeySigner::random();
        // Not yet the operator: a stranger.
        let early = f.signed(f.announcement(1, NOW + 60), &operator);
        assert_eq!(
            f.run(Topic::Hubs, &early, f.peer).await,
            Err("not_hub_signer".into())
        );
        assert!(f.chain.set_operator(f.hub, operator.address()));
        let msg = f.signed(f.announcement(2, NOW + 60), &operator);
        assert!(matches!(
            f.run(Topic::Hubs, &msg, f.peer).await,
            Ok(Verified::Announcement(a)) if a.announcement.hub == f.hub
        ));
        // The owner still speaks for the hub.
        let by_owner = f.signed(f.announcement(3, NOW + 60), &owner);
        assert!(f.run(Topic::Hubs, &by_owner, f.peer).await.is_ok());
        // Revoked (set back to zero on chain): no longer believed.
        assert!(f.chain.set_operator(f.hub, Address::ZERO));
        let revoked = f.signed(f.announcement(4, NOW + 60), &operator);
        assert_eq!(
            f.run(Topic::Hubs, &revoked, f.peer).await,
            Err("not_hub_signer".into())
        );
        // Replaced: the new key is believed, the retired one not.
        let next = PrivateKeySigner::random();
        assert!(f.chain.set_operator(f.hub, next.address()));
        let retired = f.signed(f.announcement(5, NOW + 60), &operator);
        assert_eq!(
            f.run(Topic::Hubs, &retired, f.peer).await,
            Err("not_hub_signer".into())
        );
        let msg = f.signed(f.announcement(6, NOW + 60), &next);
        assert!(f.run(Topic::Hubs, &msg, f.peer).await.is_ok());
        // A hub not listed has no operator to set.
        assert!(
            !f.chain
                .set_operator(Address::repeat_byte(9), next.address())
        );
    }

    #[tokio::test]
    async fn bad_announcements_are_rejected_with_their_reason() {
        let mut f = fixture();
        let owner = f.owner.clone();
        let stranger = PrivateKeySigner::random();
        let cases: Vec<(Vec<u8>, PeerId, Topic, &str)> = vec![
            (
                f.signed(f.announcement(1, NOW + 60), &stranger),
                f.peer,
                Topic::Hubs,
                "not_hub_signer",
            ),
            (
                f.signed(f.announcement(1, NOW), &owner),
                f.peer,
                Topic::Hubs,
                "expired",
            ),
            (
                f.signed(f.announcement(1, NOW + 90_000), &owner),
                f.peer,
                Topic::Hubs,
                "too_long_lived",
            ),
            (
                f.signed(f.announcement(1, NOW + 60), &owner),
                PeerId::random(),
                Topic::Hubs,
                "not_from_its_peer",
            ),
            (
                f.signed(f.announcement(1, NOW + 60), &owner),
                f.peer,
                Topic::Reports,
                "malformed",
            ),
            (vec![1, 2, 3], f.peer, Topic::Hubs, "malformed"),
            (vec![0; 40 * 1024], f.peer, Topic::Hubs, "oversized"),
        ];
        for (msg, source, topic, want) in cases {
            assert_eq!(
                f.run(topic, &msg, source).await,
                Err(want.to_owned()),
                "{want}"
            );
        }
        let mut tampered = f.signed(f.announcement(1, NOW + 60), &owner);
        let last = tampered.len() - 40;
        tampered[last] ^= 1;
        assert!(f.run(Topic::Hubs, &tampered, f.peer).await.is_err());
        let mut unknown = f.announcement(1, NOW + 60);
        unknown.hub = Address::repeat_byte(9);
        let msg = f.signed(unknown, &owner);
        assert_eq!(
            f.run(Topic::Hubs, &msg, f.peer).await,
            Err("unknown_hub".into())
        );
        for state in [
            HubState::Suspected,
            HubState::Idle,
            HubState::Punished,
            HubState::Created,
        ] {
            f.chain.set_hub(f.hub, owner.address(), state, "");
            let msg = f.signed(f.announcement(1, NOW + 60), &owner);
            assert_eq!(
                f.run(Topic::Hubs, &msg, f.peer).await,
                Err("hub_not_registered".into()),
                "{state}"
            );
        }
    }

    #[tokio::test]
    async fn a_rejected_message_does_not_move_the_sequence() {
        let mut f = fixture();
        let owner = f.owner.clone();
        f.chain
            .set_hub(f.hub, owner.address(), HubState::Suspected, "");
        let msg = f.signed(f.announcement(9, NOW + 60), &owner);
        assert!(f.run(Topic::Hubs, &msg, f.peer).await.is_err());
        f.chain
            .set_hub(f.hub, owner.address(), HubState::Registered, "");
        let msg = f.signed(f.announcement(2, NOW + 60), &owner);
        assert!(f.run(Topic::Hubs, &msg, f.peer).await.is_ok());
    }

    #[tokio::test]
    async fn a_miner_report_must_match_the_chain() {
        let mut f = fixture();
        let miner = PrivateKeySigner::random();
        let hub = f.hub;
        let domain = f.chain.domain();
        let report = |paid: u64, last: u64, at: u64, seq: u64| MinerReport {
            hub,
            miner: miner.address(),
            paid: U256::from(paid),
            owed: U256::from(3u64),
            lastPaid: last,
            atBlock: at,
            expiry: NOW + 60,
            seq,
        };
        let sign = |r: MinerReport, key: &PrivateKeySigner| {
            Gossip::MinerReport(r.sign(&domain, key).expect("sign")).encode()
        };
        let src = PeerId::random();
        let never_paid = sign(report(0, 0, 1, 1), &miner);
        assert_eq!(
            f.run(Topic::Reports, &never_paid, src).await,
            Err("not_paid_by_hub".into())
        );
        f.chain.pay(f.hub, miner.address(), U256::from(10u64), 500);
        f.chain.pay(f.hub, miner.address(), U256::from(5u64), 700);
        f.chain.pay(
            Address::repeat_byte(2),
            miner.address(),
            U256::from(99u64),
            800,
        );
        let block = f.chain.block_number().await.expect("block");
        let wrong_sum = sign(report(16, 700, block, 2), &miner);
        assert_eq!(
            f.run(Topic::Reports, &wrong_sum, src).await,
            Err("payment_mismatch".into())
        );
        let wrong_time = sign(report(15, 600, block, 3), &miner);
        assert_eq!(
            f.run(Topic::Reports, &wrong_time, src).await,
            Err("payment_mismatch".into())
        );
        let future = sign(report(15, 700, block + 1, 4), &miner);
        assert_eq!(
            f.run(Topic::Reports, &future, src).await,
            Err("future_block".into())
        );
        let not_miner = sign(report(15, 700, block, 5), &PrivateKeySigner::random());
        assert_eq!(
            f.run(Topic::Reports, &not_miner, src).await,
            Err("bad_signature".into())
        );
        // As of the block after the first payment only.
        let early = sign(report(10, 500, block - 2, 6), &miner);
        assert!(f.run(Topic::Reports, &early, src).await.is_ok());
        let good = sign(report(15, 700, block, 7), &miner);
        assert!(matches!(
            f.run(Topic::Reports, &good, src).await,
            Ok(Verified::MinerReport(_))
        ));
    }

    #[tokio::test]
    async fn a_hub_report_carries_evidence_that_holds() {
        let mut f = fixture();
        let miner = PrivateKeySigner::random();
        let domain = f.chain.domain();
        let inputs: Vec<Bytes> = (0..8u8).map(|i| Bytes::from(vec![i; 3])).collect();
        let input_tree =
            IndexedTree::from_data(inputs.clone(), BuildOptions::default()).expect("tree");
        let task = U256::from(3u64);
        f.chain.set_input_root(task, input_tree.root());
        // The miner's lease: units 2..6; it returns a wrong output for unit 4.
        let outputs: Vec<IndexedLeaf> = (2..6u64)
            .map(|i| IndexedLeaf::new(i, if i == 4 { vec![0xba_u8] } else { vec![i as u8] }))
            .collect();
        let out_tree = IndexedTree::of(outputs, &IndexedLeaf::ENCODING, BuildOptions::default())
            .expect("tree");
        let receipt = LeaseReceipt {
            taskId: task,
            inputRoot: input_tree.root(),
            first: 2,
            count: 4,
            outputsRoot: out_tree.root(),
        };
        let receipt_sig = receipt.sign(&domain, &miner).expect("sign");
        let report = HubReport {
            hub: f.hub,
            miner: miner.address(),
            taskId: task,
            index: 4,
            input: inputs[4].clone(),
            inputProof: input_tree.proof(4).expect("proof"),
            output: Bytes::from(vec![0xba_u8]),
            outputProof: out_tree.proof(2).expect("proof"),
            receipt,
            receiptSignature: receipt_sig,
            expiry: NOW + 60,
            seq: 1,
        };
        let src = PeerId::random();
        let owner = f.owner.clone();
        let send = |r: HubReport, key: &PrivateKeySigner| {
            Gossip::HubReport(SignedHubReport {
                signature: crate::message::sign(&r, &domain, key).expect("sign"),
                report: r,
            })
            .encode()
        };
        let mut bad_output = report.clone();
        bad_output.output = Bytes::from(vec![4u8]);
        assert_eq!(
            f.run(Topic::Reports, &send(bad_output, &owner), src).await,
            Err("bad_evidence".into())
        );
        let mut bad_input = report.clone();
        bad_input.input = Bytes::from(vec![9u8]);
        assert_eq!(
            f.run(Topic::Reports, &send(bad_input, &owner), src).await,
            Err("bad_evidence".into())
        );
        let mut outside = report.clone();
        outside.index = 6;
        assert_eq!(
            f.run(Topic::Reports, &send(outside, &owner), src).await,
            Err("bad_evidence".into())
        );
        let mut framed = report.clone();
        framed.miner = Address::repeat_byte(5);
        assert_eq!(
            f.run(Topic::Reports, &send(framed, &owner), src).await,
            Err("bad_evidence".into())
        );
        let mut no_task = report.clone();
        no_task.taskId = U256::from(4u64);
        assert_eq!(
            f.run(Topic::Reports, &send(no_task, &owner), src).await,
            Err("unknown_task".into())
        );
        let stranger = PrivateKeySigner::random();
        assert_eq!(
            f.run(Topic::Reports, &send(report.clone(), &stranger), src)
                .await,
            Err("not_hub_signer".into())
        );
        // The operator signs for the hub while it is the operator.
        let operator = PrivateKeySigner::random();
        assert!(f.chain.set_operator(f.hub, operator.address()));
        let mut by_operator = report.clone();
        by_operator.seq = 2;
        assert!(matches!(
            f.run(Topic::Reports, &send(by_operator.clone(), &operator), src)
                .await,
            Ok(Verified::HubReport(_))
        ));
        assert!(f.chain.set_operator(f.hub, Address::ZERO));
        by_operator.seq = 3;
        assert_eq!(
            f.run(Topic::Reports, &send(by_operator, &operator), src)
                .await,
            Err("not_hub_signer".into())
        );
        assert!(matches!(
            f.run(Topic::Reports, &send(report, &owner), src).await,
            Ok(Verified::HubReport(_))
        ));
    }
}
