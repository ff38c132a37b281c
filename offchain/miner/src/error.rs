//! The miner's errors: one line each.

use std::path::PathBuf;

/// What went wrong in the miner.
#[derive(Debug, thiserror::Error)]
pub enum MinerError {
    /// A chain call (sonm-agents).
    #[error(transparent)]
    Agent(Box<sonm_agents::AgentError>),
    /// The network (sonm-net).
    #[error(transparent)]
    Net(Box<sonm_net::NetError>),
    /// The executor.
    #[error("executor: {0}")]
    Executor(Box<sonm_executor::ExecutorError>),
    /// The state database.
    #[error("state {path}: {reason}")]
    State {
        /// The database or its directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A configuration value.
    #[error("{0}")]
    Config(String),
    /// The thread pool.
    #[error("cannot start {threads} compute threads: {reason}")]
    Threads {
        /// How many were asked for.
        threads: usize,
        /// Why.
        reason: String,
    },
}

impl From<sonm_agents::AgentError> for MinerError {
    fn from(e: sonm_agents::AgentError) -> Self {
        Self::Agent(Box::new(e))
    }
}

impl From<sonm_net::NetError> for MinerError {
    fn from(e: sonm_net::NetError) -> Self {
        Self::Net(Box::new(e))
    }
}

impl From<sonm_executor::ExecutorError> for MinerError {
    fn from(e: sonm_executor::ExecutorError) -> Self {
        Self::Executor(Box::new(e))
    }
}

/// The miner's result.
pub type Result<T, E = MinerError> = std::result::Result<T, E>;
