//! The crate's error type.

use std::path::PathBuf;

use sonm_bindings::one_line;

/// What stops the watcher. A failure about one task never does: it is logged and the task is retried next pass.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// The RPC URL cannot be parsed.
    #[error("invalid RPC URL {url:?}: {reason}")]
    BadRpcUrl {
        /// The URL as given.
        url: String,
        /// Why it is not a URL.
        reason: String,
    },
    /// A node request failed (transport down, the node refused, a malformed answer).
    #[error("RPC error during {what}: {reason}")]
    Rpc {
        /// What was being done.
        what: String,
        /// What the node or transport said.
        reason: String,
    },
    /// The deployments file is missing, malformed or lacks a contract.
    #[error(transparent)]
    Deployment(#[from] sonm_bindings::DeploymentError),
    /// The executor failed (not a leaf's revert: that is an output).
    #[error("executor: {0}")]
    Executor(#[from] sonm_executor::ExecutorError),
    /// A Merkle tree could not be built or proved.
    #[error(transparent)]
    Merkle(#[from] sonm_merkle::MerkleError),
    /// The state file cannot be read or written.
    #[error("state file {}: {reason}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A transaction could not be built or signed.
    #[error("cannot sign {what}: {reason}")]
    Sign {
        /// The call.
        what: String,
        /// Why.
        reason: String,
    },
    /// The metrics endpoint cannot listen.
    #[error("cannot serve metrics on {addr}: {reason}")]
    Metrics {
        /// The address asked for.
        addr: String,
        /// What the OS said.
        reason: String,
    },
    /// The chain disagrees with the deployments file (another chain id, a contract missing).
    #[error("{0}")]
    Config(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = WatchError> = std::result::Result<T, E>;

/// A closure turning any RPC error into [`WatchError::Rpc`].
pub(crate) fn rpc<E: std::error::Error + 'static>(what: &str) -> impl FnOnce(E) -> WatchError + '_ {
    move |e| WatchError::Rpc {
        what: what.to_owned(),
        reason: one_line(&e),
    }
}
