//! One map leaf or chain step, evaluated by the judge's own bytecode in revm.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use alloy::primitives::{Address, B256, Bytes, U256, address, keccak256};
use alloy::providers::Provider;
use alloy::sol_types::SolCall as _;
use revm::bytecode::Bytecode;
use revm::context::result::{ExecutionResult, Output};
use revm::context::{BlockEnv, Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainnetContext, MainnetEvm};
use revm::primitives::TxKind;
use revm::primitives::hardfork::SpecId;
use revm::state::AccountInfo;
use revm::{ExecuteEvm as _, MainBuilder as _};
use sonm_bindings::{Contract, Deployment, JudgeHarness};

use crate::error::{ExecutorError, Result};

/// Where the judge harness lives in a standalone executor (any address works: the harness is stateless).
pub const JUDGE_ADDRESS: Address = address!("0x00000000000000000000000000000000000a0d6e");
/// Where the computation lives in a standalone executor. From the chain, the executor uses the real addresses.
pub const COMPUTATION_ADDRESS: Address = address!("0x00000000000000000000000000000000000c0de0");
/// The account that calls the judge. It pays nothing: the gas price is zero.
const CALLER: Address = address!("0x000000000000000000000000000000000000ca11");
/// The hardfork an executor runs unless told otherwise ([`Executor::with_spec`]): Osaka, the rules of anvil's
/// default (`anvil_nodeInfo` says `Bpo1`, Osaka with other blob parameters) and of mainnet. Code compiled for
/// `foundry.toml`'s `evm_version = "prague"` runs the same under both except where Osaka repriced or added
/// something (MODEXP's gas, the P-256 precompile, `CLZ`), so the chain's hardfork is what must match.
pub const DEFAULT_SPEC: SpecId = SpecId::OSAKA;
/// Gas for the call into the judge. Only the judge's own bookkeeping spends it: the computation gets exactly the
/// task's gas limit (the judge forwards that and not a unit more), and what the judge does around it (copying input
/// and output) is bounded by what the computation could do with its limit. So "ample" is safe, and it never makes
/// the judge refuse a gas limit the way a short-changed on-chain caller would (`JudgeInsufficientGas`).
const CALL_GAS: u64 = 1 << 60;

type Db = CacheDB<EmptyDB>;
type Evm = MainnetEvm<MainnetContext<Db>>;

/// How many EVMs a thread keeps for the executors it served last. revm's EVM is not `Send` (it holds `Rc`s and raw
/// pointers into the bytecode), so each thread builds its own from the executor's code the first time it runs it
/// and then reuses it for every call; an executor's EVM is evicted when the thread has served this many others
/// since.
const EVMS_PER_THREAD: usize = 8;

thread_local! {
    static EVMS: RefCell<Vec<(u64, Evm)>> = const { RefCell::new(Vec::new()) };
}

/// Gives every executor (but not its clones, which run the same code) its own EVMs.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A judge and one computation, run in an in-memory EVM that is built once per thread and reused for every call.
///
/// `leaf` and `step` call `JudgeHarness.leaf` / `JudgeHarness.step` with the task's gas limit, so the output is by
/// construction what the on-chain judge (the same `Judge` library) decides: a leaf that reverts, runs out of gas or
/// returns malformed data outputs `""`, such a step returns its input state.
///
/// An executor is `Send + Sync` and cheap to clone, so threads can share one (see [`Executor::leaves`]).
///
/// Computations are expected to depend on their input only (the interfaces are `view`); one that reads the block
/// (`block.number`, `block.timestamp`) sees block 1 at time 1 here and may evaluate differently on-chain.
#[derive(Clone)]
pub struct Executor {
    id: u64,
    code: Arc<Code>,
}

/// What an executor runs. Everything in it is `Send + Sync`; the EVMs are built from it.
#[derive(Clone)]
struct Code {
    spec: SpecId,
    judge: Address,
    judge_code: Bytecode,
    computation: Address,
    computation_code: Bytecode,
    computation_code_hash: B256,
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("spec", &self.code.spec)
            .field("judge", &self.code.judge)
            .field("computation", &self.code.computation)
            .field("computation_code_hash", &self.code.computation_code_hash)
            .finish_non_exhaustive()
    }
}

impl Executor {
    /// An executor for a computation's deployed (runtime) bytecode, judged by the `JudgeHarness` this crate was
    /// built with (the bindings' `DEPLOYED_BYTECODE`).
    pub fn new(computation_code: impl Into<Bytes>) -> Result<Self> {
        Self::with_code(
            JUDGE_ADDRESS,
            JudgeHarness::DEPLOYED_BYTECODE.clone(),
            COMPUTATION_ADDRESS,
            computation_code.into(),
        )
    }

    /// An executor from explicit code and addresses (e.g. another build of the harness).
    pub fn with_code(
        judge: Address,
        judge_code: Bytes,
        computation: Address,
        computation_code: Bytes,
    ) -> Result<Self> {
        let computation_code_hash = keccak256(&computation_code);
        let code = Code {
            spec: DEFAULT_SPEC,
            judge,
            judge_code: bytecode("judge", judge, judge_code)?,
            computation,
            computation_code: bytecode("computation", computation, computation_code)?,
            computation_code_hash,
        };
        let executor = Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            code: Arc::new(code),
        };
        // Build this thread's EVM now: a broken setup shows here rather than at the first call.
        executor.with_evm(|_| ());
        Ok(executor)
    }

    /// An executor for what is deployed on a chain: the judge harness and the computation at their addresses
    /// there, read with `eth_getCode` (at the latest block).
    pub async fn from_chain<P: Provider>(
        provider: &P,
        judge: Address,
        computation: Address,
    ) -> Result<Self> {
        let fetch = |address: Address| async move {
            provider
                .get_code_at(address)
                .await
                .map_err(|source| ExecutorError::Rpc { address, source })
        };
        let judge_code = fetch(judge).await?;
        let computation_code = fetch(computation).await?;
        Self::with_code(judge, judge_code, computation, computation_code)
    }

    /// An executor for `computation` as deployed on the chain of `deployment`, judged by that deployment's
    /// `JudgeHarness` (both read with `eth_getCode`).
    pub async fn from_deployment<P: Provider>(
        provider: &P,
        deployment: &Deployment,
        computation: Address,
    ) -> Result<Self> {
        let judge = deployment.address(Contract::JudgeHarness)?;
        Self::from_chain(provider, judge, computation).await
    }

    /// The same executor under another hardfork (the chain's, if it is not [`DEFAULT_SPEC`]).
    pub fn with_spec(self, spec: SpecId) -> Self {
        let code = Code {
            spec,
            ..(*self.code).clone()
        };
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            code: Arc::new(code),
        }
    }

    /// The hardfork this executor runs.
    pub fn spec(&self) -> SpecId {
        self.code.spec
    }

    /// The computation's address in this executor.
    pub fn computation(&self) -> Address {
        self.code.computation
    }

    /// The judge's address in this executor.
    pub fn judge(&self) -> Address {
        self.code.judge
    }

    /// `keccak256` of the computation's bytecode.
    pub fn computation_code_hash(&self) -> B256 {
        self.code.computation_code_hash
    }

    /// The output of one map leaf: `IMapComputation.compute(input)` with exactly `gas_limit` gas, `""` if it
    /// reverts, runs out of gas, returns malformed data or an output longer than `max_output_bytes` (the task's
    /// `maxLeafBytes`).
    pub fn leaf(&self, input: &[u8], gas_limit: u64, max_output_bytes: u32) -> Result<Bytes> {
        let call = JudgeHarness::leafCall {
            computation: self.code.computation,
            input: Bytes::copy_from_slice(input),
            gasLimit: U256::from(gas_limit),
            maxOutputBytes: U256::from(max_output_bytes),
        };
        let ret = self.call_judge(call.abi_encode())?;
        JudgeHarness::leafCall::abi_decode_returns(&ret)
            .map_err(|e| ExecutorError::MalformedReturn(e.to_string()))
    }

    /// The state after one chain step: `IChainComputation.step(state)` with exactly `gas_limit` gas, `state` itself
    /// (the chain halts) if it reverts, runs out of gas, returns malformed data or a state longer than
    /// `max_state_bytes` (the task's `maxStateBytes`).
    pub fn step(&self, state: &[u8], gas_limit: u64, max_state_bytes: u32) -> Result<Bytes> {
        let call = JudgeHarness::stepCall {
            computation: self.code.computation,
            state: Bytes::copy_from_slice(state),
            gasLimit: U256::from(gas_limit),
            maxStateBytes: U256::from(max_state_bytes),
        };
        let ret = self.call_judge(call.abi_encode())?;
        JudgeHarness::stepCall::abi_decode_returns(&ret)
            .map_err(|e| ExecutorError::MalformedReturn(e.to_string()))
    }

    /// Up to `count` chain steps from `state` in one EVM call (`JudgeHarness.steps`: each step judged by
    /// `Judge.step`, exactly as [`Executor::step`] judges one). Returns the state reached and the steps taken:
    /// `count`, or fewer if a step returned its input, i.e. the chain halted or reached a fixed point there, and
    /// every later state is the one returned.
    ///
    /// The same result as `count` calls of [`Executor::step`], without a transaction per step.
    pub fn steps(
        &self,
        state: &[u8],
        gas_limit: u64,
        max_state_bytes: u32,
        count: u64,
    ) -> Result<(Bytes, u64)> {
        let call = JudgeHarness::stepsCall {
            computation: self.code.computation,
            state: Bytes::copy_from_slice(state),
            gasLimit: U256::from(gas_limit),
            maxStateBytes: U256::from(max_state_bytes),
            count: U256::from(count),
        };
        let ret = self.call_judge(call.abi_encode())?;
        let out = JudgeHarness::stepsCall::abi_decode_returns(&ret)
            .map_err(|e| ExecutorError::MalformedReturn(e.to_string()))?;
        let done = u64::try_from(out.done)
            .ok()
            .filter(|done| *done <= count)
            .ok_or_else(|| {
                ExecutorError::MalformedReturn(format!("{} steps done of {count}", out.done))
            })?;
        Ok((out.next, done))
    }

    /// The outputs of many leaves, on all cores (rayon), in input order.
    #[cfg(feature = "parallel")]
    pub fn leaves<I: AsRef<[u8]> + Sync>(
        &self,
        inputs: &[I],
        gas_limit: u64,
        max_output_bytes: u32,
    ) -> Result<Vec<Bytes>> {
        self.leaves_with_progress(inputs, gas_limit, max_output_bytes, || {})
    }

    /// [`Executor::leaves`], calling `on_leaf()` (from any worker thread) as each leaf is done, for a progress bar.
    #[cfg(feature = "parallel")]
    pub fn leaves_with_progress<I: AsRef<[u8]> + Sync>(
        &self,
        inputs: &[I],
        gas_limit: u64,
        max_output_bytes: u32,
        on_leaf: impl Fn() + Sync,
    ) -> Result<Vec<Bytes>> {
        use rayon::prelude::*;
        inputs
            .par_iter()
            .map(|input| {
                let output = self.leaf(input.as_ref(), gas_limit, max_output_bytes);
                on_leaf();
                output
            })
            .collect()
    }

    fn call_judge(&self, data: Vec<u8>) -> Result<Bytes> {
        let tx = TxEnv::builder()
            .caller(CALLER)
            .kind(TxKind::Call(self.code.judge))
            .data(data.into())
            .gas_limit(CALL_GAS)
            .gas_price(0)
            .nonce(0)
            .build()
            .map_err(|e| ExecutorError::Evm(format!("{e:?}")))?;
        // `transact` leaves the database untouched: every call starts from the same state.
        let outcome = self
            .with_evm(|evm| evm.transact(tx))
            .map_err(|e| ExecutorError::Evm(e.to_string()))?;
        match outcome.result {
            ExecutionResult::Success {
                output: Output::Call(ret),
                ..
            } => Ok(ret),
            ExecutionResult::Success { output, .. } => Err(ExecutorError::MalformedReturn(
                format!("unexpected output {output:?}"),
            )),
            ExecutionResult::Revert { output, .. } => Err(ExecutorError::JudgeReverted(
                sonm_bindings::decode_revert(&output),
            )),
            ExecutionResult::Halt { reason, .. } => {
                Err(ExecutorError::JudgeHalted(format!("{reason:?}")))
            }
        }
    }

    /// Runs `f` with this thread's EVM for this executor, building it on first use.
    fn with_evm<T>(&self, f: impl FnOnce(&mut Evm) -> T) -> T {
        EVMS.with_borrow_mut(|evms| {
            let at = match evms.iter().position(|(id, _)| *id == self.id) {
                Some(at) => at,
                None => {
                    if evms.len() == EVMS_PER_THREAD {
                        evms.pop();
                    }
                    evms.push((self.id, self.code.build_evm()));
                    evms.len() - 1
                }
            };
            // Most recently used first, so the least recently used is popped.
            evms[..=at].rotate_right(1);
            f(&mut evms[0].1)
        })
    }
}

impl Code {
    fn build_evm(&self) -> Evm {
        let mut db = Db::new(EmptyDB::new());
        for (address, code) in [
            (self.judge, &self.judge_code),
            (self.computation, &self.computation_code),
        ] {
            let info = AccountInfo {
                code_hash: code.hash_slow(),
                code: Some(code.clone()),
                ..AccountInfo::default()
            };
            db.insert_account_info(address, info);
        }
        let spec = self.spec;
        let mut ctx: MainnetContext<Db> = Context::new(db, spec);
        ctx.modify_cfg(|cfg| {
            cfg.set_spec_and_mainnet_gas_params(spec);
            // The caller's nonce never advances: calls are never committed.
            cfg.disable_nonce_check = true;
            // Osaka caps a transaction's gas (EIP-7825); the call into the judge needs more than that to give any
            // gas limit a chain could judge, and what it spends itself does not change the computation's result.
            cfg.tx_gas_limit_cap = Some(u64::MAX);
        });
        ctx.modify_block(|block| {
            *block = BlockEnv {
                number: U256::from(1),
                timestamp: U256::from(1),
                gas_limit: u64::MAX,
                basefee: 0,
                ..BlockEnv::default()
            };
        });
        ctx.build_mainnet()
    }
}

fn bytecode(role: &'static str, address: Address, code: Bytes) -> Result<Bytecode> {
    if code.is_empty() {
        return Err(ExecutorError::NoCode { role, address });
    }
    Bytecode::new_raw_checked(code).map_err(|e| ExecutorError::InvalidCode {
        role,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonm_bindings::KeccakChain;
    use sonm_testkit::mocks::{GasBurner, LongOutput, Malformed, Reverter};
    /// Returns its calldata unchanged (`CALLDATASIZE PUSH0 PUSH0 CALLDATACOPY CALLDATASIZE PUSH0 RETURN`): the
    /// selector in front shifts every word, so the offset is wrong and the output malformed.
    const ECHO: &[u8] = &[0x36, 0x5f, 0x5f, 0x37, 0x36, 0x5f, 0xf3];

    /// The byte bound every test here judges with: the largest a task may have (`Judge.MAX_UNIT_BYTES`).
    const MAX: u32 = 32_768;

    fn bytes(b: impl AsRef<[u8]>) -> Bytes {
        Bytes::copy_from_slice(b.as_ref())
    }

    /// `CLZ(1)`, then returns `abi.encode(bytes(hex"ab"))`: valid from Osaka on, an invalid opcode before.
    const CLZ_THEN_AB: &[u8] = &[
        0x60, 0x01, 0x1e, 0x50, 0x60, 0x20, 0x5f, 0x52, 0x60, 0x01, 0x60, 0x20, 0x52, 0x60, 0xab,
        0x60, 0x40, 0x53, 0x60, 0x60, 0x5f, 0xf3,
    ];

    fn keccak_chain() -> Executor {
        Executor::new(KeccakChain::DEPLOYED_BYTECODE.clone()).expect("artifact")
    }

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn an_executor_can_move_to_another_thread() {
        assert_send_sync::<Executor>();
    }

    #[test]
    fn a_keccak_chain_step_is_keccak256_of_the_state() {
        let exec = keccak_chain();
        let mut state = Bytes::from_static(b"seed");
        for len in [0usize, 1, 31, 32, 33, 200] {
            let input = vec![0xab; len];
            assert_eq!(
                exec.step(&input, 100_000, MAX).expect("step"),
                bytes(keccak256(&input))
            );
        }
        for _ in 0..100 {
            let next = exec.step(&state, 100_000, MAX).expect("step");
            assert_eq!(next, bytes(keccak256(&state)));
            state = next;
        }
    }

    #[test]
    fn a_batch_of_steps_is_that_many_single_steps() {
        let exec = keccak_chain();
        for count in [0u64, 1, 2, 7, 300] {
            let mut state = Bytes::from_static(b"seed");
            for _ in 0..count {
                state = exec.step(&state, 50_000, MAX).expect("step");
            }
            assert_eq!(
                exec.steps(b"seed", 50_000, MAX, count).expect("steps"),
                (state, count)
            );
        }
        assert_eq!(
            exec.steps(b"seed", 100, MAX, 10).expect("steps"),
            (Bytes::from_static(b"seed"), 0),
            "a step 100 gas cannot pay for halts at once"
        );
    }

    #[test]
    fn a_step_without_enough_gas_halts_and_one_more_unit_does_not() {
        let exec = keccak_chain();
        let state = [1u8; 32];
        let (mut lo, mut hi) = (0u64, 100_000u64);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if exec.step(&state, mid, MAX).expect("step") == bytes(state) {
                lo = mid
            } else {
                hi = mid
            }
        }
        // A keccak step costs about 1,100 gas inside the call (KeccakChain.sol).
        assert!((500..3_000).contains(&hi), "boundary {hi}");
        assert_eq!(exec.step(&state, hi - 1, MAX).expect("step"), bytes(state));
        assert_eq!(
            exec.step(&state, hi, MAX).expect("step"),
            bytes(keccak256(state))
        );
        assert_eq!(
            exec.step(&state, 0, MAX).expect("step"),
            bytes(state),
            "no gas at all halts too"
        );
    }

    #[test]
    fn burning_reverting_and_malformed_computations_output_nothing_or_halt() {
        // The misbehaving test computations (`test/mocks/TestComputations.sol`), and a bare echo.
        for (name, code) in [
            ("burner", GasBurner::DEPLOYED_BYTECODE.clone()),
            ("reverter", Reverter::DEPLOYED_BYTECODE.clone()),
            ("malformed", Malformed::DEPLOYED_BYTECODE.clone()),
            ("echo", Bytes::from_static(ECHO)),
        ] {
            let exec = Executor::new(code).expect("code");
            for gas in [0, 21, 50_000, 3_000_000] {
                assert_eq!(
                    exec.leaf(b"input", gas, MAX).expect("leaf"),
                    Bytes::new(),
                    "{name}, gas {gas}"
                );
                assert_eq!(
                    exec.step(b"state", gas, MAX).expect("step"),
                    Bytes::from_static(b"state"),
                    "{name}, gas {gas}"
                );
            }
        }
    }

    #[test]
    fn an_output_longer_than_the_bound_is_malformed() {
        let exec = Executor::new(LongOutput::DEPLOYED_BYTECODE.clone()).expect("code");
        let input = |n: u32| U256::from(n).to_be_bytes::<32>();
        for (length, max, expected) in [
            (0, 0, 0),
            (10, 10, 10),
            (11, 10, 0),
            (MAX, MAX, MAX),
            (MAX + 1, MAX, 0),
        ] {
            assert_eq!(
                exec.leaf(&input(length), 1_000_000, max).expect("leaf"),
                Bytes::from(vec![0u8; expected as usize]),
                "{length} bytes under a bound of {max}"
            );
        }
    }

    #[test]
    fn the_executor_is_reusable_after_any_outcome() {
        let burner = Executor::new(GasBurner::DEPLOYED_BYTECODE.clone()).expect("code");
        let exec = keccak_chain();
        for _ in 0..3 {
            assert_eq!(
                burner.leaf(b"", 1_000_000, MAX).expect("leaf"),
                Bytes::new()
            );
            assert!(exec.step(b"x", 1 << 63, MAX).is_err());
            assert_eq!(
                exec.step(b"x", 10_000, MAX).expect("step"),
                bytes(keccak256(b"x"))
            );
        }
    }

    #[test]
    fn a_gas_limit_the_judge_cannot_forward_is_decoded_from_its_error() {
        let err = keccak_chain()
            .step(b"x", u64::MAX, MAX)
            .expect_err("too much gas to forward");
        let ExecutorError::JudgeReverted(line) = &err else {
            panic!("{err}")
        };
        assert!(
            line.starts_with("JudgeInsufficientGas(gasLimit: 18446744073709551615, available: "),
            "{line}"
        );
    }

    #[test]
    fn the_hardfork_is_osaka_unless_told_otherwise() {
        let osaka = Executor::new(Bytes::from_static(CLZ_THEN_AB)).expect("code");
        assert_eq!(osaka.spec(), DEFAULT_SPEC);
        assert_eq!(
            osaka.leaf(b"", 10_000, MAX).expect("leaf"),
            Bytes::from_static(&[0xab])
        );
        let prague = osaka.clone().with_spec(SpecId::PRAGUE);
        assert_eq!(prague.spec(), SpecId::PRAGUE);
        assert_eq!(
            prague.leaf(b"", 10_000, MAX).expect("leaf"),
            Bytes::new(),
            "CLZ is invalid before Osaka"
        );
        assert_eq!(
            osaka.leaf(b"", 10_000, MAX).expect("leaf"),
            Bytes::from_static(&[0xab]),
            "unchanged"
        );
    }

    #[test]
    fn empty_code_is_refused_with_its_address() {
        let err = Executor::new(Bytes::new()).expect_err("no code");
        assert_eq!(
            err.to_string(),
            format!(
                "no code at {COMPUTATION_ADDRESS} (the computation): is it deployed on this chain?"
            )
        );
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn clones_run_independently_and_in_parallel() {
        let exec = keccak_chain();
        let inputs: Vec<Vec<u8>> = (0..64u8).map(|i| vec![i; usize::from(i)]).collect();
        // KeccakChain is no map computation: `compute` is an unknown selector, the call reverts, leaves are empty.
        let done = std::sync::atomic::AtomicUsize::new(0);
        let outputs = exec
            .leaves_with_progress(&inputs, 50_000, MAX, || {
                done.fetch_add(1, Ordering::Relaxed);
            })
            .expect("leaves");
        assert_eq!(done.into_inner(), 64);
        assert_eq!(outputs, vec![Bytes::new(); 64]);
        let a = exec.clone();
        let b = exec;
        assert_eq!(
            a.step(b"1", 10_000, MAX).expect("a"),
            b.step(b"1", 10_000, MAX).expect("b")
        );
    }
}
