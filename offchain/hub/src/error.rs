//! The crate's error type: every variant is one line an operator can act on.

use std::path::PathBuf;

/// What stops the hub daemon.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// A chain call of sonm-agents failed.
    #[error(transparent)]
    Agent(#[from] sonm_agents::AgentError),
    /// The P2P node failed.
    #[error(transparent)]
    Net(Box<sonm_net::NetError>),
    /// The state database cannot be opened, read or written.
    #[error("state {}: {reason}", path.display())]
    State {
        /// The database file.
        path: PathBuf,
        /// What redb or the OS said.
        reason: String,
    },
    /// The configuration is not usable.
    #[error("{0}")]
    Config(String),
    /// An RPC call failed.
    #[error("RPC error during {what}: {reason}")]
    Rpc {
        /// What was being done.
        what: String,
        /// What the node said.
        reason: String,
    },
    /// A transaction could not be signed.
    #[error("cannot sign {what}: {reason}")]
    Sign {
        /// The action.
        what: String,
        /// Why.
        reason: String,
    },
    /// A Merkle tree could not be built or proved.
    #[error(transparent)]
    Merkle(#[from] sonm_merkle::MerkleError),
    /// The executor failed.
    #[error("executor: {0}")]
    Executor(#[from] sonm_executor::ExecutorError),
    /// The metrics server could not start.
    #[error("metrics: {0}")]
    Metrics(String),
}

impl From<sonm_net::NetError> for HubError {
    fn from(e: sonm_net::NetError) -> Self {
        Self::Net(Box::new(e))
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = HubError> = std::result::Result<T, E>;

/// Maps an RPC error to [`HubError::Rpc`], one line.
pub(crate) fn rpc<E: std::error::Error + 'static>(what: &str) -> impl FnOnce(E) -> HubError + '_ {
    move |e| HubError::Rpc {
        what: what.to_owned(),
        reason: sonm_bindings::one_line(&e),
    }
}
