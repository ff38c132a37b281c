//! The demo's error type.

use std::path::PathBuf;

/// Why the demo failed: the chain could not be set up, a call failed, or an expected outcome did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The flags do not make a demo.
    #[error("{0}")]
    Args(String),
    /// The local chain could not be set up: no repository, no anvil, or the deploy script failed.
    #[error(transparent)]
    Chain(#[from] sonm_testkit::DevnetError),
    /// anvil gave fewer accounts than the demo's roles.
    #[error("anvil has no account {0}: the demo needs 3")]
    Accounts(usize),
    /// A role client's call failed.
    #[error(transparent)]
    Agent(#[from] sonm_agents::AgentError),
    /// A direct RPC request failed.
    #[error("RPC error during {what}: {reason}")]
    Rpc {
        /// The request.
        what: String,
        /// What the node said.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A picture could not be written.
    #[error("cannot encode {path}: {reason}")]
    Png {
        /// The image file.
        path: PathBuf,
        /// The encoder's message.
        reason: String,
    },
    /// Something the whitepaper promises did not happen.
    #[error("expected outcome did not happen: {0}")]
    Outcome(String),
}
