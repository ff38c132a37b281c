//! The buyer's errors: one line each, saying what to do where there is something to do.

use std::path::PathBuf;

use alloy::primitives::Address;

/// Everything that can go wrong in `sonm buy`.
#[derive(Debug, thiserror::Error)]
pub enum BuyerError {
    /// A chain call, a signature or a file of the agents failed.
    #[error(transparent)]
    Agent(Box<sonm_agents::AgentError>),
    /// The P2P network failed (a request timed out, a peer refused, data did not verify).
    #[error(transparent)]
    Net(Box<sonm_net::NetError>),
    /// The executor could not recompute a row.
    #[error(transparent)]
    Executor(Box<sonm_executor::ExecutorError>),
    /// A Merkle tree could not be built.
    #[error(transparent)]
    Merkle(Box<sonm_merkle::MerkleError>),
    /// A flag makes no sense.
    #[error("{0}")]
    Args(String),
    /// No offer heard on the network can be taken.
    #[error("no acceptable offer: {0}")]
    NoOffer(String),
    /// The hub would not take the deal's inputs, or could not be asked.
    #[error("hub {hub}: {reason}")]
    Hub {
        /// The hub wallet.
        hub: Address,
        /// What it said, or why it could not be asked.
        reason: String,
    },
    /// The results differ from the buyer's own computation of its sample: the deal is not accepted.
    #[error(
        "deal {deal}: row{} {} of the committed results differ{} from the buyer's own computation: not accepted \
         (anyone can prove it on chain during the challenge window: `sonm watch`, or `sonm map prove-cheat {deal} \
         --inputs ... --results ...`)",
        if rows.len() == 1 { "" } else { "s" },
        rows.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        if rows.len() == 1 { "s" } else { "" }
    )]
    Mismatch {
        /// The deal.
        deal: u64,
        /// The rows (leaf indices) that differ.
        rows: Vec<u64>,
    },
    /// The deal ended without a result the buyer can use (declined, no commit, a cheat proven).
    #[error("deal {deal}: {reason}")]
    Deal {
        /// The deal.
        deal: u64,
        /// What happened.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was tried.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The picture could not be encoded.
    #[error("cannot write the picture {}: {reason}", path.display())]
    Png {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The buyer's result type.
pub type Result<T, E = BuyerError> = std::result::Result<T, E>;

impl From<sonm_agents::AgentError> for BuyerError {
    fn from(e: sonm_agents::AgentError) -> Self {
        Self::Agent(Box::new(e))
    }
}

impl From<sonm_net::NetError> for BuyerError {
    fn from(e: sonm_net::NetError) -> Self {
        Self::Net(Box::new(e))
    }
}

impl From<sonm_executor::ExecutorError> for BuyerError {
    fn from(e: sonm_executor::ExecutorError) -> Self {
        Self::Executor(Box::new(e))
    }
}

impl From<sonm_merkle::MerkleError> for BuyerError {
    fn from(e: sonm_merkle::MerkleError) -> Self {
        Self::Merkle(Box::new(e))
    }
}
