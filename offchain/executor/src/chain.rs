//! Long chains with checkpoints: any intermediate state, and its hash, recomputed from the nearest checkpoint.
//!
//! State `0` is the initial state and state `i + 1 = step(state i)`; the game's hash of a state is `keccak256` of its
//! bytes. A bisection dispute asks for the hash at a midpoint and, at the end, for the preimage of the agreed state:
//! [`ChainRun::hash_at`] and [`ChainRun::state_at`].

use alloy::primitives::{B256, Bytes, keccak256};

use crate::error::{ExecutorError, Result};
use crate::executor::Executor;

/// Checkpoint interval when none is given: 1,024 steps, a few milliseconds of recomputation for a cheap step.
pub const DEFAULT_CHECKPOINT_INTERVAL: u64 = 1024;

/// The most steps one EVM call runs (`JudgeHarness.steps`). Batching is what makes the executor fast: a call's own
/// cost (a transaction's setup and teardown in revm) is paid once per batch rather than once per step. The batch is
/// bounded only so that progress is reported every few milliseconds.
pub const MAX_BATCH: u64 = 4096;

/// A chain task as the executor runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainSpec {
    /// The number of steps the task asks for.
    pub steps: u64,
    /// The gas each step gets (the task's `gasPerStep`).
    pub gas_per_step: u64,
    /// The most bytes a state may have (the task's `maxStateBytes`): a step returning a longer one halts.
    pub max_state_bytes: u32,
    /// Keep the state every this many steps (at least 1; 1 keeps every state).
    pub checkpoint_interval: u64,
}

impl ChainSpec {
    /// A spec with the [`DEFAULT_CHECKPOINT_INTERVAL`]: the task's `steps`, `gasPerStep` and `maxStateBytes`.
    pub const fn new(steps: u64, gas_per_step: u64, max_state_bytes: u32) -> Self {
        Self {
            steps,
            gas_per_step,
            max_state_bytes,
            checkpoint_interval: DEFAULT_CHECKPOINT_INTERVAL,
        }
    }

    /// The same spec with another checkpoint interval.
    pub const fn with_checkpoint_interval(mut self, interval: u64) -> Self {
        self.checkpoint_interval = interval;
        self
    }
}

/// The result of running a chain: its final state and the checkpoints to recompute any state in between.
///
/// Once a step returns its own input (it halted, or reached a fixed point), every later state is the same, since
/// a step depends on the state alone; the run stops stepping there, so a halting chain of any length is cheap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainRun {
    spec: ChainSpec,
    computation_code_hash: B256,
    /// `checkpoints[j]` is state `j * interval`, for every such state up to the last one computed.
    checkpoints: Vec<Bytes>,
    /// The first state index `h` with `state(h + 1) == state(h)`, if the chain got there within its steps.
    fixed_from: Option<u64>,
    final_state: Bytes,
}

impl Executor {
    /// Runs a chain of `spec.steps` steps from `initial`, keeping a checkpoint every `spec.checkpoint_interval`.
    pub fn run_chain(&self, initial: &[u8], spec: ChainSpec) -> Result<ChainRun> {
        self.run_chain_with_progress(initial, spec, |_| {})
    }

    /// [`Executor::run_chain`], calling `progress(steps_done)` now and then (every checkpoint, and at the end) so
    /// that a CLI can draw a progress bar.
    pub fn run_chain_with_progress(
        &self,
        initial: &[u8],
        spec: ChainSpec,
        mut progress: impl FnMut(u64),
    ) -> Result<ChainRun> {
        let interval = spec.checkpoint_interval;
        if interval == 0 {
            return Err(ExecutorError::ZeroInterval);
        }
        let _span = tracing::debug_span!("run_chain", steps = spec.steps, gas = spec.gas_per_step)
            .entered();
        let mut state = Bytes::copy_from_slice(initial);
        let mut checkpoints = vec![state.clone()];
        let mut fixed_from = None;
        let mut done = 0u64;
        while done < spec.steps {
            // Up to the next checkpoint, in batches of at most MAX_BATCH steps (one EVM call each).
            let to_checkpoint = interval - done % interval;
            let batch = to_checkpoint.min(MAX_BATCH).min(spec.steps - done);
            let (next, stepped) =
                self.steps(&state, spec.gas_per_step, spec.max_state_bytes, batch)?;
            state = next;
            done += stepped;
            if stepped < batch {
                tracing::debug!(
                    step = done,
                    "the chain reached a fixed point; every later state is the same"
                );
                fixed_from = Some(done);
                break;
            }
            if done.is_multiple_of(interval) {
                checkpoints.push(state.clone());
                progress(done);
            } else if done.is_multiple_of(MAX_BATCH) {
                progress(done);
            }
        }
        progress(spec.steps);
        Ok(ChainRun {
            spec,
            computation_code_hash: self.computation_code_hash(),
            checkpoints,
            fixed_from,
            final_state: state,
        })
    }
}

impl ChainRun {
    /// The spec the chain was run with.
    pub const fn spec(&self) -> ChainSpec {
        self.spec
    }

    /// The number of steps.
    pub const fn steps(&self) -> u64 {
        self.spec.steps
    }

    /// State `steps`.
    pub const fn final_state(&self) -> &Bytes {
        &self.final_state
    }

    /// `keccak256(final state)`: what the solver commits.
    pub fn final_hash(&self) -> B256 {
        keccak256(&self.final_state)
    }

    /// State `0`.
    pub fn initial_state(&self) -> &Bytes {
        // The first checkpoint is always the initial state.
        &self.checkpoints[0]
    }

    /// The first state index `h` from which the chain no longer changes (`state(h + 1) == state(h)`), if it got
    /// there within its steps.
    pub const fn fixed_from(&self) -> Option<u64> {
        self.fixed_from
    }

    /// The number of states kept.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// State `index` (`0..=steps`): the preimage the judge needs at the end of a bisection. Recomputed from the
    /// nearest checkpoint at or before it, with at most `interval - 1` steps.
    pub fn state_at(&self, executor: &Executor, index: u64) -> Result<Bytes> {
        if index > self.spec.steps {
            return Err(ExecutorError::StepOutOfRange {
                index,
                steps: self.spec.steps,
            });
        }
        if index == self.spec.steps {
            return Ok(self.final_state.clone());
        }
        if let Some(h) = self.fixed_from
            && index >= h
        {
            return Ok(self.final_state.clone());
        }
        if executor.computation_code_hash() != self.computation_code_hash {
            return Err(ExecutorError::WrongComputation);
        }
        let interval = self.spec.checkpoint_interval;
        let slot = index / interval;
        // Without a fixed point every checkpoint up to `steps` exists; with one, `index < h` so its slot exists too.
        let Some(start) = usize::try_from(slot)
            .ok()
            .and_then(|slot| self.checkpoints.get(slot))
        else {
            return Err(ExecutorError::StepOutOfRange {
                index,
                steps: self.spec.steps,
            });
        };
        let mut state = start.clone();
        let mut at = slot * interval;
        while at < index {
            let batch = (index - at).min(MAX_BATCH);
            let (next, stepped) = executor.steps(
                &state,
                self.spec.gas_per_step,
                self.spec.max_state_bytes,
                batch,
            )?;
            state = next;
            if stepped < batch {
                // A fixed point (this run saw none before `index`, so another hardfork's executor): every later
                // state is this one, as one step at a time would have found.
                break;
            }
            at += batch;
        }
        Ok(state)
    }

    /// `keccak256(state index)`: the hash a bisection reveals or agrees with at `index`.
    pub fn hash_at(&self, executor: &Executor, index: u64) -> Result<B256> {
        Ok(keccak256(self.state_at(executor, index)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonm_bindings::KeccakChain;

    /// The largest state a task may allow (`Judge.MAX_UNIT_BYTES`).
    const MAX: u32 = 32_768;

    fn keccak_chain() -> Executor {
        Executor::new(KeccakChain::DEPLOYED_BYTECODE.clone()).expect("artifact")
    }

    /// State `i` of a keccak chain, natively.
    fn native(seed: &[u8], i: u64) -> Bytes {
        let mut state = Bytes::copy_from_slice(seed);
        for _ in 0..i {
            state = Bytes::copy_from_slice(keccak256(&state).as_slice());
        }
        state
    }

    #[test]
    fn every_state_and_hash_is_recomputed_from_the_checkpoints() {
        let exec = keccak_chain();
        for interval in [1, 7, 16, 100, 1_000] {
            let run = exec
                .run_chain(
                    b"seed",
                    ChainSpec::new(100, 30_000, MAX).with_checkpoint_interval(interval),
                )
                .expect("run");
            assert_eq!(run.final_state(), &native(b"seed", 100));
            assert_eq!(run.final_hash(), keccak256(native(b"seed", 100)));
            assert_eq!(run.initial_state(), &Bytes::from_static(b"seed"));
            assert_eq!(run.checkpoint_count(), 1 + (100 / interval) as usize);
            assert_eq!(run.fixed_from(), None);
            for i in [0, 1, 6, 7, 8, 15, 16, 17, 50, 99, 100] {
                assert_eq!(
                    run.state_at(&exec, i).expect("state"),
                    native(b"seed", i),
                    "interval {interval}, i {i}"
                );
                assert_eq!(
                    run.hash_at(&exec, i).expect("hash"),
                    keccak256(native(b"seed", i))
                );
            }
        }
    }

    #[test]
    fn past_the_end_and_a_zero_interval_are_errors() {
        let exec = keccak_chain();
        let run = exec
            .run_chain(
                b"",
                ChainSpec::new(10, 30_000, MAX).with_checkpoint_interval(3),
            )
            .expect("run");
        assert!(matches!(
            run.state_at(&exec, 11),
            Err(ExecutorError::StepOutOfRange {
                index: 11,
                steps: 10
            })
        ));
        let err = exec
            .run_chain(
                b"",
                ChainSpec::new(10, 30_000, MAX).with_checkpoint_interval(0),
            )
            .expect_err("zero");
        assert!(matches!(err, ExecutorError::ZeroInterval));
    }

    #[test]
    fn a_halting_chain_stops_at_its_fixed_point_however_long_it_is() {
        let exec = keccak_chain();
        // 100 gas cannot pay for one keccak: the first step halts, and so would 2^64 - 1 of them.
        let run = exec
            .run_chain(b"s", ChainSpec::new(u64::MAX, 100, MAX))
            .expect("run");
        assert_eq!(run.fixed_from(), Some(0));
        assert_eq!(run.final_state(), &Bytes::from_static(b"s"));
        assert_eq!(
            run.state_at(&exec, u64::MAX / 2).expect("state"),
            Bytes::from_static(b"s")
        );
        assert_eq!(run.hash_at(&exec, u64::MAX).expect("hash"), keccak256(b"s"));
    }

    #[test]
    fn a_run_refuses_an_executor_for_another_computation() {
        let exec = keccak_chain();
        let run = exec
            .run_chain(
                b"s",
                ChainSpec::new(10, 30_000, MAX).with_checkpoint_interval(4),
            )
            .expect("run");
        let other = Executor::new(Bytes::from_static(&[0x5f, 0x5f, 0xfd])).expect("code");
        assert!(matches!(
            run.state_at(&other, 5),
            Err(ExecutorError::WrongComputation)
        ));
        assert_eq!(
            run.state_at(&other, 10)
                .expect("the final state needs no executor"),
            native(b"s", 10)
        );
    }

    #[test]
    fn progress_is_reported_up_to_the_last_step() {
        let exec = keccak_chain();
        let mut seen = Vec::new();
        exec.run_chain_with_progress(
            b"s",
            ChainSpec::new(10, 30_000, MAX).with_checkpoint_interval(4),
            |n| seen.push(n),
        )
        .expect("run");
        assert_eq!(seen, vec![4, 8, 10]);
    }
}
