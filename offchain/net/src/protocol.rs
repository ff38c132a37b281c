//! The request-response protocols, their messages (CBOR on the wire) and their limits.
//!
//! - [`INFO_PROTOCOL`]: a hub's signed announcement (its offers included), fetched from the hub itself.
//! - [`WORK_PROTOCOL`]: a hub leases a range of a task's units to a miner, with their input leaves and a multiproof
//!   against the task's input root; the miner answers with the outputs and, if it has a key, a signed lease receipt.
//! - [`DATA_PROTOCOL`]: leaves of a tree by its root, with a multiproof, from whoever serves the tree; leaves too
//!   large for one response come in chunks.
//! - [`MARKET_PROTOCOL`]: the market's conversations with a hub: a miner joins it ([`MarketRequest::Join`]) and
//!   asks for its work receipts, a buyer hands it a deal's inputs, anyone asks how far a deal is. A request is an
//!   [`Event::MarketRequest`](crate::Event::MarketRequest) for the application to answer.
//!
//! Every protocol name carries a version: a change of any message is a new protocol, spoken beside the old one.

use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Serialize};

/// Hub info and offers.
pub const INFO_PROTOCOL: &str = "/sonm/info/1";
/// Work leases.
pub const WORK_PROTOCOL: &str = "/sonm/work/1";
/// Data by root.
pub const DATA_PROTOCOL: &str = "/sonm/data/1";
/// The market: joins, inputs, progress and receipts.
pub const MARKET_PROTOCOL: &str = "/sonm/market/1";

/// Asks a peer for its hub announcement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoRequest {}

/// A peer's answer to [`InfoRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoResponse {
    /// Its current announcement ([`crate::message::Gossip`] encoding), if it is a hub.
    pub announcement: Option<Bytes>,
    /// Its software, e.g. `sonm-net/0.1.0`.
    pub agent: String,
}

/// A unit of a lease: its index in the task and its input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseUnit {
    /// The unit's index in the task.
    pub index: u64,
    /// Its input (the data of the input tree's leaf `(index, input)`).
    pub input: Bytes,
}

/// A hub's lease of units `first..first + units.len()` of a task to a miner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkLease {
    /// The task.
    pub task_id: U256,
    /// The task's input root (on chain).
    pub input_root: B256,
    /// The first unit.
    pub first: u64,
    /// The units, in the multiproof's order.
    pub units: Vec<LeaseUnit>,
    /// The multiproof's sibling hashes.
    pub proof: Vec<B256>,
    /// The multiproof's flags.
    pub proof_flags: Vec<bool>,
}

/// A miner's answer to a [`WorkLease`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkResponse {
    /// The outputs, in unit order, and the miner's EIP-712 signature of the
    /// [`LeaseReceipt`](crate::message::LeaseReceipt) over them, if it signs.
    Done {
        /// One output per unit, first to last.
        outputs: Vec<Bytes>,
        /// The lease receipt's signature.
        receipt_signature: Option<Bytes>,
    },
    /// The miner will not do the work.
    Refused {
        /// Why.
        reason: String,
    },
}

/// A request for data by root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataRequest {
    /// The leaves with indices `start..start + count` (the server may send a prefix of them).
    Leaves {
        /// The tree's root.
        root: B256,
        /// The first index.
        start: u64,
        /// How many.
        count: u32,
    },
    /// The leaves at positions `start..start + count` of the tree's bottom layer (the server may send a prefix).
    /// For moving a whole tree: a span of neighbouring leaves needs a few proof hashes, where leaves by index
    /// scatter over a sorted tree and need many.
    Span {
        /// The tree's root.
        root: B256,
        /// The first position.
        start: u64,
        /// How many.
        count: u32,
    },
    /// Bytes `offset..offset + len` of the data of leaf `index`, a leaf sent as [`LeafData::Large`].
    Chunk {
        /// The tree's root.
        root: B256,
        /// The leaf.
        index: u64,
        /// The first byte.
        offset: u64,
        /// How many bytes.
        len: u32,
    },
}

/// A leaf's data as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeafData {
    /// The data itself.
    Inline(Bytes),
    /// Too large to send inline: its length and the leaf's hash (proven by the multiproof); fetch it with
    /// [`DataRequest::Chunk`] and check the hash.
    Large {
        /// The data's length.
        len: u64,
        /// The leaf hash.
        hash: B256,
    },
}

/// A leaf as sent: its index and data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireLeaf {
    /// The leaf's index.
    pub index: u64,
    /// Its data.
    pub data: LeafData,
}

/// An answer to a [`DataRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataResponse {
    /// Leaves in the multiproof's order, the proof, and how many leaves the tree has.
    Leaves {
        /// The tree's leaf count.
        leaf_count: u64,
        /// The leaves.
        leaves: Vec<WireLeaf>,
        /// The multiproof's sibling hashes.
        proof: Vec<B256>,
        /// The multiproof's flags.
        proof_flags: Vec<bool>,
    },
    /// A chunk of a large leaf.
    Chunk {
        /// The bytes.
        data: Bytes,
    },
    /// Not served here, or a request out of range.
    Refused {
        /// Why.
        reason: String,
    },
}

/// A request on [`MARKET_PROTOCOL`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarketRequest {
    /// A miner offers the hub `capacity` units in flight (0: it stops taking work), to be paid at `miner`.
    /// The hub checks later that every lease receipt of this peer is signed by `miner`.
    Join {
        /// The address the miner signs lease receipts with and is paid at.
        miner: Address,
        /// Units in flight it takes (0: none).
        capacity: u32,
    },
    /// A buyer: "I took deal `task_id`; fetch its `leaf_count` inputs from me (the asking peer)".
    Inputs {
        /// The deal.
        task_id: U256,
        /// How many leaves its input tree has.
        leaf_count: u64,
    },
    /// Anyone: how far the hub is with deal `task_id`.
    Progress {
        /// The deal.
        task_id: U256,
    },
    /// A miner: every work receipt the hub has signed for `miner` (sonm-agents' `SignedReceipt` JSON, one per
    /// entry).
    Receipts {
        /// The miner.
        miner: Address,
    },
}

/// A hub's answer to a [`MarketRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarketResponse {
    /// Join accepted: what the hub pays per unit (leaf), in SNM wei, and its wallet.
    Joined {
        /// The hub wallet.
        hub: Address,
        /// SNM wei per unit.
        pay_per_unit: U256,
    },
    /// [`MarketRequest::Inputs`] accepted (the hub fetches them).
    Accepted,
    /// How far a deal is.
    Progress(DealProgress),
    /// The work receipts signed for a miner.
    Receipts {
        /// One `SignedReceipt` JSON document per entry.
        receipts: Vec<Bytes>,
    },
    /// The hub will not do it.
    Refused {
        /// Why.
        reason: String,
    },
}

/// How far a hub is with a deal, as it says ([`MarketResponse::Progress`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealProgress {
    /// The deal.
    pub task_id: U256,
    /// Leaves (units) in the deal.
    pub units: u64,
    /// Units accepted so far (sampled or not).
    pub done: u64,
    /// Units accepted per miner.
    pub by_miner: Vec<(Address, u64)>,
    /// Units reassigned after a miner was caught or lost its lease.
    pub redone: u64,
    /// The result root, once committed.
    pub committed: Option<B256>,
    /// Where the deal stands: "fetching inputs", "computing", "committed", "settled", "declined", ...
    pub stage: String,
}

/// The market protocol's codec: CBOR within the limits' caps.
pub(crate) fn market_codec(
    limits: &ProtocolLimits,
) -> libp2p::request_response::cbor::codec::Codec<MarketRequest, MarketResponse> {
    libp2p::request_response::cbor::codec::Codec::default()
        .set_request_size_maximum(limits.max_market_request_bytes)
        .set_response_size_maximum(limits.max_market_response_bytes)
}

/// Sizes and timeouts of the protocols.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolLimits {
    /// Most bytes of a work lease (the request).
    pub max_lease_bytes: u64,
    /// Most bytes of a work answer.
    pub max_work_response_bytes: u64,
    /// Most bytes of a data answer (a server keeps its answers within it).
    pub max_data_response_bytes: u64,
    /// Most leaves a data answer holds.
    pub max_leaves_per_response: u32,
    /// Leaves with more data than this are sent as [`LeafData::Large`] and fetched in chunks.
    pub max_inline_leaf: u64,
    /// The size of a chunk of a large leaf.
    pub chunk_bytes: u32,
    /// The largest leaf a node accepts to assemble.
    pub max_leaf_bytes: u64,
    /// How long an info request may take.
    pub info_timeout: Duration,
    /// How long a work lease may take, computing included.
    pub work_timeout: Duration,
    /// How long a data request may take.
    pub data_timeout: Duration,
    /// How many data requests a fetch keeps in flight.
    pub data_window: usize,
    /// Most bytes of a market request.
    pub max_market_request_bytes: u64,
    /// Most bytes of a market answer.
    pub max_market_response_bytes: u64,
    /// How long a market request may take.
    pub market_timeout: Duration,
}

impl Default for ProtocolLimits {
    fn default() -> Self {
        Self {
            max_lease_bytes: 16 << 20,
            max_work_response_bytes: 16 << 20,
            max_data_response_bytes: 8 << 20,
            max_leaves_per_response: 1 << 14,
            max_inline_leaf: 256 << 10,
            chunk_bytes: 1 << 20,
            max_leaf_bytes: 1 << 30,
            info_timeout: Duration::from_secs(10),
            work_timeout: Duration::from_secs(120),
            data_timeout: Duration::from_secs(30),
            data_window: 8,
            max_market_request_bytes: 1 << 20,
            max_market_response_bytes: 1 << 20,
            market_timeout: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use futures::io::Cursor;
    use libp2p::StreamProtocol;
    use libp2p::request_response::Codec as _;

    use super::*;

    fn requests() -> Vec<MarketRequest> {
        vec![
            MarketRequest::Join {
                miner: Address::repeat_byte(7),
                capacity: 16,
            },
            MarketRequest::Join {
                miner: Address::ZERO,
                capacity: 0,
            },
            MarketRequest::Inputs {
                task_id: U256::from(3u64),
                leaf_count: 512,
            },
            MarketRequest::Progress { task_id: U256::MAX },
            MarketRequest::Receipts {
                miner: Address::repeat_byte(1),
            },
        ]
    }

    fn responses() -> Vec<MarketResponse> {
        vec![
            MarketResponse::Joined {
                hub: Address::repeat_byte(2),
                pay_per_unit: U256::from(10u64).pow(U256::from(18u64)),
            },
            MarketResponse::Accepted,
            MarketResponse::Progress(DealProgress {
                task_id: U256::from(3u64),
                units: 512,
                done: 100,
                by_miner: vec![(Address::repeat_byte(4), 60), (Address::repeat_byte(5), 40)],
                redone: 8,
                committed: Some(B256::repeat_byte(9)),
                stage: "computing".into(),
            }),
            MarketResponse::Receipts {
                receipts: vec![Bytes::from_static(b"{\"receipt\":1}"), Bytes::new()],
            },
            MarketResponse::Refused {
                reason: "not joined".into(),
            },
        ]
    }

    #[test]
    fn market_messages_cross_the_wire_codec_unchanged() {
        let protocol = StreamProtocol::new(MARKET_PROTOCOL);
        let mut codec = market_codec(&ProtocolLimits::default());
        for request in requests() {
            let mut wire = Cursor::new(Vec::new());
            block_on(codec.write_request(&protocol, &mut wire, request.clone())).expect("write");
            wire.set_position(0);
            let back = block_on(codec.read_request(&protocol, &mut wire)).expect("read");
            assert_eq!(back, request);
        }
        for response in responses() {
            let mut wire = Cursor::new(Vec::new());
            block_on(codec.write_response(&protocol, &mut wire, response.clone())).expect("write");
            wire.set_position(0);
            let back = block_on(codec.read_response(&protocol, &mut wire)).expect("read");
            assert_eq!(back, response);
        }
    }

    #[test]
    fn a_market_answer_over_the_cap_is_not_read() {
        let limits = ProtocolLimits::default();
        assert_eq!(limits.max_market_response_bytes, 1 << 20);
        assert_eq!(limits.market_timeout, Duration::from_secs(10));
        let protocol = StreamProtocol::new(MARKET_PROTOCOL);
        let mut codec = market_codec(&limits);
        let receipts = |n: usize| MarketResponse::Receipts {
            receipts: vec![Bytes::from(vec![0xab; 1024]); n],
        };
        // Just under the cap: read; just over: refused.
        for (n, fits) in [(1000, true), (1030, false)] {
            let mut wire = Cursor::new(Vec::new());
            block_on(codec.write_response(&protocol, &mut wire, receipts(n))).expect("write");
            wire.set_position(0);
            let back = block_on(codec.read_response(&protocol, &mut wire));
            assert_eq!(back.is_ok(), fits, "{n} receipts of 1 KiB");
        }
    }
}
