//! The request-response protocols, their messages (CBOR on the wire) and their limits.
//!
//! - [`INFO_PROTOCOL`]: a hub's signed announcement (its offers included), fetched from the hub itself.
//! - [`WORK_PROTOCOL`]: a hub leases a range of a task's units to a miner, with their input leaves and a multiproof
//!   against the task's input root; the miner answers with the outputs and, if it has a key, a signed lease receipt.
//! - [`DATA_PROTOCOL`]: leaves of a tree by its root, with a multiproof, from whoever serves the tree; leaves too
//!   large for one response come in chunks.
//!
//! Every protocol name carries a version: a change of any message is a new protocol, spoken beside the old one.

use std::time::Duration;

use alloy::primitives::{B256, Bytes, U256};
use serde::{Deserialize, Serialize};

/// Hub info and offers.
pub const INFO_PROTOCOL: &str = "/sonm/info/1";
/// Work leases.
pub const WORK_PROTOCOL: &str = "/sonm/work/1";
/// Data by root.
pub const DATA_PROTOCOL: &str = "/sonm/data/1";

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
        }
    }
}
