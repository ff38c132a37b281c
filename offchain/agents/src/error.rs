//! The crate's error type: every variant is one line a user can act on.

use std::path::PathBuf;

use alloy::primitives::Address;

/// What went wrong talking to a sonm deployment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The node does not answer.
    #[error(
        "cannot reach the RPC at {url}: {reason}; is a node running? set --rpc-url or ETH_RPC_URL"
    )]
    Unreachable {
        /// The RPC URL tried.
        url: String,
        /// What the transport said.
        reason: String,
    },
    /// The RPC URL cannot be parsed.
    #[error("invalid RPC URL {url:?}: {reason}")]
    BadRpcUrl {
        /// The URL as given.
        url: String,
        /// Why it is not a URL.
        reason: String,
    },
    /// The chain returned an enum value this build does not know (a contract other than the one it was built
    /// from).
    #[error("unexpected chain data: {0}")]
    UnknownVariant(#[from] sonm_bindings::UnknownVariant),
    /// The deployments file is missing, malformed or lacks a contract.
    #[error(transparent)]
    Deployment(#[from] sonm_bindings::DeploymentError),
    /// The call would revert (found by simulating it) or did; `reason` is the decoded custom error.
    #[error("{what} would revert: {reason}")]
    Reverted {
        /// The call, in the protocol's words.
        what: String,
        /// The decoded revert (`HubWalletUnexpectedState(...)`).
        reason: String,
    },
    /// A mined transaction failed.
    #[error("{what}: transaction {tx} failed on chain")]
    TxFailed {
        /// The call.
        what: String,
        /// The transaction hash.
        tx: String,
    },
    /// Any other RPC failure.
    #[error("RPC error during {what}: {reason}")]
    Rpc {
        /// What was being done.
        what: String,
        /// What the node or transport said.
        reason: String,
    },
    /// An account does not hold enough of a token or of ether.
    #[error("insufficient funds: {0}")]
    InsufficientFunds(String),
    /// The call does not fit the contract's current state (found before sending).
    #[error("{0}")]
    WrongState(String),
    /// An address is not what the command needs.
    #[error("{address} {problem}")]
    WrongAddress {
        /// The address given.
        address: Address,
        /// What is wrong with it and what to do.
        problem: String,
    },
    /// A transaction needs a key and none was given.
    #[error(
        "no key to sign with: set SONM_PRIVATE_KEY, or pass --keystore PATH (password from SONM_KEYSTORE_PASSWORD or a prompt)"
    )]
    NoSigner,
    /// A key or keystore cannot be used.
    #[error("{0}")]
    BadKey(String),
    /// A file cannot be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// "read" or "write".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file is not in the expected format.
    #[error("malformed {}: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A Merkle tree could not be built, loaded or proved.
    #[error(transparent)]
    Merkle(#[from] sonm_merkle::MerkleError),
    /// The executor failed.
    #[error("executor: {0}")]
    Executor(#[from] sonm_executor::ExecutorError),
    /// A value given by the user is out of range or malformed.
    #[error("{0}")]
    Invalid(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = AgentError> = std::result::Result<T, E>;
