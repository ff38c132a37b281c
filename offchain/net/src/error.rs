//! The crate's error type.

use std::path::PathBuf;

use alloy::primitives::B256;
use libp2p::PeerId;

/// Everything that can go wrong in the network layer, one line a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The key file could not be read or written.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The swarm could not be built (transport, behaviour or configuration).
    #[error("cannot start the node: {0}")]
    Setup(String),
    /// A listen address was refused.
    #[error("cannot listen on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// A dial failed at once (a bad address, a blocked peer).
    #[error("cannot dial {addr}: {reason}")]
    Dial {
        /// The address.
        addr: String,
        /// Why.
        reason: String,
    },
    /// Gossip could not be published.
    #[error("cannot publish on {topic}: {reason}")]
    Publish {
        /// The topic.
        topic: String,
        /// Why (no peer subscribed yet, too large, ...).
        reason: String,
    },
    /// A request to a peer failed: dial failure, timeout, connection closed, unsupported protocol, I/O.
    #[error("{protocol} request to {peer} failed: {reason}")]
    Request {
        /// The protocol, e.g. `/sonm/work/1`.
        protocol: &'static str,
        /// The peer.
        peer: PeerId,
        /// Why.
        reason: String,
    },
    /// A request to a peer timed out.
    #[error("{protocol} request to {peer} timed out")]
    Timeout {
        /// The protocol.
        protocol: &'static str,
        /// The peer.
        peer: PeerId,
    },
    /// The peer answered but refused (not serving that root, a range out of bounds, no work for that lease).
    #[error("{peer} refused the {protocol} request: {reason}")]
    Refused {
        /// The protocol.
        protocol: &'static str,
        /// The peer.
        peer: PeerId,
        /// Its reason.
        reason: String,
    },
    /// The peer answered with something that does not verify: a leaf not under the root, a bad signature, the wrong
    /// leaves. The peer has been banned.
    #[error("{peer} sent bad {protocol} data: {reason} (peer banned)")]
    Tampered {
        /// The protocol.
        protocol: &'static str,
        /// The peer.
        peer: PeerId,
        /// What did not verify.
        reason: String,
    },
    /// The node does not serve this root.
    #[error("no data with root {0} is served here")]
    UnknownRoot(B256),
    /// Bad input from the caller.
    #[error("{0}")]
    Invalid(String),
    /// A signature could not be made.
    #[error("cannot sign: {0}")]
    Sign(String),
    /// The chain could not be read.
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    /// A Merkle tree operation failed.
    #[error(transparent)]
    Merkle(#[from] sonm_merkle::MerkleError),
    /// The node's task has stopped (shut down or panicked).
    #[error("the node has stopped")]
    Stopped,
    /// An I/O error (the metrics server's socket).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = NetError> = std::result::Result<T, E>;
