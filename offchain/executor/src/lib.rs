//! Runs sonm computations off-chain with exactly the on-chain judge's semantics.
//!
//! The executor does not re-implement the judge: it runs the `JudgeHarness` contract's own deployed bytecode (the
//! `Judge` library the games judge with) in revm, with the computation's deployed bytecode beside it, and calls
//! `leaf(computation, input, gasLimit, maxOutputBytes)` / `step(computation, state, gasLimit, maxStateBytes)`. So
//! the computation gets exactly the task's gas, and a leaf that reverts, runs out of gas, returns malformed data or
//! an output over the task's byte bound outputs `""` while such a chain step halts (returns its input), byte for
//! byte as on-chain. The hardfork is the chain's: Osaka by
//! default, as anvil runs ([`DEFAULT_SPEC`], [`Executor::with_spec`]).
//!
//! ```no_run
//! use sonm_executor::{ChainSpec, Executor};
//!
//! let mut exec = Executor::new(sonm_bindings::KeccakChain::DEPLOYED_BYTECODE.clone())?;
//! let run = exec.run_chain(b"seed", ChainSpec::new(1_000_000, 50_000, 32_768).with_checkpoint_interval(4096))?;
//! let midpoint = run.hash_at(&mut exec, 500_000)?;
//! let preimage = run.state_at(&mut exec, 499_999)?;
//! # let _ = (midpoint, preimage);
//! # Ok::<_, sonm_executor::ExecutorError>(())
//! ```

mod chain;
mod error;
mod executor;

pub use chain::{ChainRun, ChainSpec, DEFAULT_CHECKPOINT_INTERVAL, MAX_BATCH};
pub use error::{ExecutorError, Result};
pub use executor::{COMPUTATION_ADDRESS, DEFAULT_SPEC, Executor, JUDGE_ADDRESS};
/// revm's hardfork identifier, for [`Executor::with_spec`].
pub use revm::primitives::hardfork::SpecId;
