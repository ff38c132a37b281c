//! The crate's error type.

use alloy::primitives::Address;

/// Everything that can go wrong running a computation. None of these is a result of the computation itself: a
/// computation that reverts, runs out of gas or returns garbage has a defined output (docs/protocol.md, "Gas semantics"),
/// and the executor returns it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecutorError {
    /// There is no code at an address the executor was pointed at.
    #[error("no code at {address} (the {role}): is it deployed on this chain?")]
    NoCode {
        /// `"judge"` or `"computation"`.
        role: &'static str,
        /// The address asked for.
        address: Address,
    },
    /// The code cannot be loaded into the EVM.
    #[error("invalid bytecode for the {role}: {reason}")]
    InvalidCode {
        /// `"judge"` or `"computation"`.
        role: &'static str,
        /// What the EVM said.
        reason: String,
    },
    /// Fetching code from the chain failed.
    #[error("cannot fetch the code of {address} from the chain: {source}")]
    Rpc {
        /// The address whose code was asked for.
        address: Address,
        /// The transport's error.
        source: alloy::transports::TransportError,
    },
    /// The deployment lacks the judge harness.
    #[error(transparent)]
    Deployment(#[from] sonm_bindings::DeploymentError),
    /// The judge itself reverted, e.g. `JudgeInsufficientGas` for a gas limit too large to forward.
    #[error("the judge reverted: {0}")]
    JudgeReverted(String),
    /// The judge itself halted (not the computation, whose halts the judge absorbs).
    #[error("the judge halted: {0}")]
    JudgeHalted(String),
    /// The judge returned something that is not one ABI-encoded `bytes` (it never does; a wrong judge might).
    #[error("the judge returned malformed data: {0}")]
    MalformedReturn(String),
    /// The EVM refused to run the call at all.
    #[error("the EVM refused the call: {0}")]
    Evm(String),
    /// A chain checkpoint interval of zero.
    #[error("the checkpoint interval must be at least 1")]
    ZeroInterval,
    /// A step index past the end of the chain run.
    #[error("step {index} is beyond the chain's {steps} steps")]
    StepOutOfRange {
        /// The index asked for.
        index: u64,
        /// The number of steps the run covers.
        steps: u64,
    },
    /// A chain run queried with an executor for another computation or gas limit.
    #[error("the executor runs another computation than this chain run was made with")]
    WrongComputation,
}

/// The crate's result type.
pub type Result<T, E = ExecutorError> = std::result::Result<T, E>;
