//! The executor, `eth_call` of `JudgeHarness` on anvil, and the judge inside a mined transaction agree, for random
//! inputs around the gas boundary and for computations that burn all gas, revert or return garbage.

use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sonm_bindings::{JudgeHarness, KeccakChain};
use sonm_executor::{ChainSpec, Executor, ExecutorError};

use crate::common::{MAX_BYTES, spawn};
use sonm_testkit::mocks::{
    GasBurner, GrowingChain, LongOutput, Malformed, MockChainHaltsLater, MockHashRepeat,
    MockJudgeRecorder, Reverter,
};

struct Judges {
    provider: DynProvider,
    harness: JudgeHarness::JudgeHarnessInstance<DynProvider>,
    recorder: MockJudgeRecorder::MockJudgeRecorderInstance<DynProvider>,
}

impl Judges {
    async fn deploy(provider: DynProvider) -> Self {
        let harness = JudgeHarness::deploy(provider.clone())
            .await
            .expect("deploy JudgeHarness");
        let recorder = MockJudgeRecorder::deploy(provider.clone())
            .await
            .expect("deploy MockJudgeRecorder");
        Self {
            provider,
            harness,
            recorder,
        }
    }

    async fn executor(&self, computation: Address) -> Executor {
        Executor::from_chain(&self.provider, *self.harness.address(), computation)
            .await
            .expect("code on chain")
    }

    /// What `eth_call` of the harness and the judge in a mined transaction say about one leaf; they must agree.
    async fn leaf(&self, computation: Address, input: &Bytes, gas: u64) -> Bytes {
        self.bounded_leaf(computation, input, gas, MAX_BYTES).await
    }

    /// [`Judges::leaf`] with an output bound of `max` bytes.
    async fn bounded_leaf(&self, computation: Address, input: &Bytes, gas: u64, max: u32) -> Bytes {
        let (gas_limit, max) = (U256::from(gas), U256::from(max));
        let called = self
            .harness
            .leaf(computation, input.clone(), gas_limit, max)
            .call()
            .await
            .expect("eth_call");
        let receipt = self
            .recorder
            .judgeLeaf(computation, input.clone(), gas_limit, max)
            .send()
            .await
            .expect("send")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "the judging transaction succeeded");
        let event = receipt
            .decoded_log::<MockJudgeRecorder::LeafJudged>()
            .expect("LeafJudged");
        assert_eq!(
            event.data.output, called,
            "eth_call and the mined judge disagree on input {input}, gas {gas}"
        );
        called
    }

    async fn step(&self, computation: Address, state: &Bytes, gas: u64) -> Bytes {
        self.bounded_step(computation, state, gas, MAX_BYTES).await
    }

    /// [`Judges::step`] with a state bound of `max` bytes.
    async fn bounded_step(&self, computation: Address, state: &Bytes, gas: u64, max: u32) -> Bytes {
        let (gas_limit, max) = (U256::from(gas), U256::from(max));
        let called = self
            .harness
            .step(computation, state.clone(), gas_limit, max)
            .call()
            .await
            .expect("eth_call");
        let receipt = self
            .recorder
            .judgeStep(computation, state.clone(), gas_limit, max)
            .send()
            .await
            .expect("send")
            .get_receipt()
            .await
            .expect("mined");
        assert!(receipt.status(), "the judging transaction succeeded");
        let event = receipt
            .decoded_log::<MockJudgeRecorder::StepJudged>()
            .expect("StepJudged");
        assert_eq!(
            event.data.next, called,
            "eth_call and the mined judge disagree on state {state}, gas {gas}"
        );
        called
    }
}

/// A keccak chain and a chain that halts after a while, deployed.
async fn chain_computations(provider: &DynProvider) -> (Address, Address) {
    let keccak = *KeccakChain::deploy(provider.clone())
        .await
        .expect("deploy KeccakChain")
        .address();
    let halts = *MockChainHaltsLater::deploy(provider.clone())
        .await
        .expect("deploy MockChainHaltsLater")
        .address();
    (keccak, halts)
}

fn seed() -> u64 {
    let seed = std::env::var("SONM_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("SONM_TEST_SEED={seed}");
    seed
}

fn random_bytes(rng: &mut StdRng, max_len: usize) -> Bytes {
    let len = rng.random_range(0..=max_len);
    let mut v = vec![0u8; len];
    rng.fill(&mut v[..]);
    v.into()
}

#[tokio::test(flavor = "multi_thread")]
async fn map_leaves_agree_for_random_inputs_on_both_sides_of_the_gas_limit() {
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let computation = *MockHashRepeat::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();
    let exec = judges.executor(computation).await;
    let standalone =
        Executor::new(MockHashRepeat::DEPLOYED_BYTECODE.clone()).expect("artifact code");
    assert_eq!(
        exec.computation_code_hash(),
        standalone.computation_code_hash(),
        "chain code = artifact code"
    );

    let mut rng = StdRng::seed_from_u64(seed());
    let (mut empty, mut full) = (0, 0);
    for _ in 0..40 {
        let input = random_bytes(&mut rng, 96);
        // ~100 gas per round, up to 2,040 rounds: this limit cuts the random inputs roughly in half.
        let gas = rng.random_range(5_000..150_000);
        let expected = judges.leaf(computation, &input, gas).await;
        assert_eq!(
            exec.leaf(&input, gas, MAX_BYTES).expect("leaf"),
            expected,
            "input {input}, gas {gas}"
        );
        assert_eq!(
            standalone.leaf(&input, gas, MAX_BYTES).expect("leaf"),
            expected,
            "input {input}, gas {gas}"
        );
        if expected.is_empty() {
            empty += 1
        } else {
            full += 1
        }
    }
    assert!(
        empty > 0 && full > 0,
        "both outcomes exercised ({empty} ran out of gas, {full} finished)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gas_boundary_is_the_same_to_the_unit() {
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let computation = *MockHashRepeat::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();
    let exec = judges.executor(computation).await;
    let input = Bytes::from(vec![7u8; 40]);

    // The least gas with which the leaf finishes, found by the executor alone...
    let (mut lo, mut hi) = (0u64, 1_000_000u64);
    assert!(!exec.leaf(&input, hi, MAX_BYTES).expect("leaf").is_empty());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if exec.leaf(&input, mid, MAX_BYTES).expect("leaf").is_empty() {
            lo = mid
        } else {
            hi = mid
        }
    }
    // ...is the chain's boundary too: one unit less and the judge's output is empty on-chain as well.
    assert!(
        judges.leaf(computation, &input, hi - 1).await.is_empty(),
        "out of gas at {}",
        hi - 1
    );
    assert_eq!(
        judges.leaf(computation, &input, hi).await,
        exec.leaf(&input, hi, MAX_BYTES).expect("leaf")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn burning_reverting_and_malformed_leaves_output_nothing_everywhere() {
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let burner = *GasBurner::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();
    let reverter = *Reverter::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();
    let malformed = *Malformed::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();
    let mut rng = StdRng::seed_from_u64(seed());
    for computation in [burner, reverter, malformed] {
        let exec = judges.executor(computation).await;
        for _ in 0..4 {
            let input = random_bytes(&mut rng, 64);
            let gas = rng.random_range(1_000..2_000_000);
            assert_eq!(judges.leaf(computation, &input, gas).await, Bytes::new());
            assert_eq!(
                exec.leaf(&input, gas, MAX_BYTES).expect("leaf"),
                Bytes::new(),
                "{computation}, gas {gas}"
            );
        }
    }
}

/// The byte bound (docs/protocol.md, "Soundness", rule 1): an output or a state one byte over the task's bound is
/// malformed (the leaf outputs "", the step halts) in the executor, by `eth_call` and in a mined transaction alike;
/// one at the bound is kept.
#[tokio::test(flavor = "multi_thread")]
async fn an_output_or_a_state_over_the_byte_bound_is_malformed_everywhere() {
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let long = *LongOutput::deploy(provider.clone())
        .await
        .expect("deploy LongOutput")
        .address();
    let exec = judges.executor(long).await;
    for (length, max) in [(0u32, 1u32), (100, 100), (101, 100), (MAX_BYTES, MAX_BYTES)] {
        let input = Bytes::from(U256::from(length).to_be_bytes::<32>().to_vec());
        let on_chain = judges.bounded_leaf(long, &input, 1_000_000, max).await;
        assert_eq!(
            exec.leaf(&input, 1_000_000, max).expect("leaf"),
            on_chain,
            "{length} bytes, bound {max}"
        );
        let expected = if length <= max {
            Bytes::from(vec![0u8; length as usize])
        } else {
            Bytes::new()
        };
        assert_eq!(on_chain, expected, "{length} bytes, bound {max}");
    }
    // One byte over the largest bound: still malformed.
    let over = Bytes::from(U256::from(MAX_BYTES + 1).to_be_bytes::<32>().to_vec());
    assert_eq!(
        exec.leaf(&over, 1_000_000, MAX_BYTES).expect("leaf"),
        Bytes::new()
    );

    let growing = *GrowingChain::deploy(provider.clone())
        .await
        .expect("deploy GrowingChain")
        .address();
    let exec = judges.executor(growing).await;
    let state = Bytes::from(vec![0x01; 40]);
    // The step returns 41 bytes: kept under a bound of 41, a halt under 40.
    for (max, expected) in [(41u32, Bytes::from(vec![0x01; 41])), (40, state.clone())] {
        let on_chain = judges.bounded_step(growing, &state, 100_000, max).await;
        assert_eq!(on_chain, expected, "bound {max}");
        assert_eq!(exec.step(&state, 100_000, max).expect("step"), on_chain);
    }
    // A chain grows to its bound and stays there: a fixed point at step `max - len`.
    let run = exec
        .run_chain(&state, ChainSpec::new(100, 100_000, 64))
        .expect("run");
    assert_eq!(run.final_state(), &Bytes::from(vec![0x01; 64]));
    assert_eq!(run.fixed_from(), Some(24));
}

#[tokio::test(flavor = "multi_thread")]
async fn chain_steps_agree_and_a_halting_step_keeps_its_state() {
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let (keccak, halts) = chain_computations(&provider).await;
    let mut rng = StdRng::seed_from_u64(seed());

    for computation in [keccak, halts] {
        let exec = judges.executor(computation).await;
        for _ in 0..12 {
            let state = random_bytes(&mut rng, 64);
            // A few limits too small for even one keccak: those steps halt.
            let gas = if rng.random_bool(0.25) {
                rng.random_range(0..300)
            } else {
                rng.random_range(300..300_000)
            };
            let on_chain = judges.step(computation, &state, gas).await;
            assert_eq!(
                exec.step(&state, gas, MAX_BYTES).expect("step"),
                on_chain,
                "{computation}, state {state}, gas {gas}"
            );
        }
    }

    // A whole chain that halts part-way: the executor's final state is the chain's, step by step.
    let exec = judges.executor(halts).await;
    let run = exec
        .run_chain(
            b"sonm",
            ChainSpec::new(64, 1_000_000, MAX_BYTES).with_checkpoint_interval(8),
        )
        .expect("run");
    let mut state = Bytes::from_static(b"sonm");
    for i in 0..64u64 {
        assert_eq!(run.state_at(&exec, i).expect("state"), state, "state {i}");
        state = judges.step(halts, &state, 1_000_000).await;
        if run.fixed_from().is_some_and(|h| i > h + 2) {
            break; // the chain halted a while ago: nothing left to compare
        }
    }
    assert_eq!(run.final_state(), &run.state_at(&exec, 64).expect("final"));
}

/// `count` steps in one call (what the executor runs chains with) are `count` single steps, in the executor and by
/// `eth_call` alike, and both stop at the same fixed point.
#[tokio::test(flavor = "multi_thread")]
async fn batched_steps_are_single_steps_and_stop_at_the_same_fixed_point() {
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let (keccak, halts) = chain_computations(&provider).await;
    let mut rng = StdRng::seed_from_u64(seed());
    let mut fixed_points = 0;
    for computation in [keccak, halts] {
        let exec = judges.executor(computation).await;
        for _ in 0..8 {
            let state = random_bytes(&mut rng, 64);
            let gas = if rng.random_bool(0.2) {
                rng.random_range(0..300)
            } else {
                rng.random_range(300..100_000)
            };
            let count = rng.random_range(0..100u64);
            let (next, done) = exec.steps(&state, gas, MAX_BYTES, count).expect("steps");

            let mut one_by_one = state.clone();
            let mut until = count;
            for i in 0..count {
                let stepped = exec.step(&one_by_one, gas, MAX_BYTES).expect("step");
                if stepped == one_by_one {
                    until = i;
                    break;
                }
                one_by_one = stepped;
            }
            let what = format!("{computation}, state {state}, gas {gas}, {count} steps");
            assert_eq!((&next, done), (&one_by_one, until), "{what}");
            fixed_points += usize::from(done < count);

            let called = judges
                .harness
                .steps(
                    computation,
                    state.clone(),
                    U256::from(gas),
                    U256::from(MAX_BYTES),
                    U256::from(count),
                )
                .call()
                .await
                .expect("eth_call");
            assert_eq!(
                (called.next, called.done),
                (next, U256::from(done)),
                "{what}"
            );
        }
    }
    eprintln!("{fixed_points} of 16 batches stopped at a fixed point");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gas_limit_the_judge_cannot_forward_is_an_error_not_an_output() {
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let keccak = *KeccakChain::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();
    let exec = judges.executor(keccak).await;
    // anvil's eth_call cannot give the judge 2^63 gas either: both refuse rather than judge with less.
    let err = exec
        .step(b"x", 1 << 63, MAX_BYTES)
        .expect_err("cannot forward 2^63 gas");
    assert!(
        matches!(&err, ExecutorError::JudgeReverted(line) if line.starts_with("JudgeInsufficientGas(")),
        "{err}"
    );
    let eth_call = judges
        .harness
        .step(
            keccak,
            Bytes::from_static(b"x"),
            U256::from(1u64 << 63),
            U256::from(MAX_BYTES),
        )
        .call()
        .await;
    let eth_call = eth_call.expect_err("reverts");
    let reason = eth_call.as_decoded_interface_error::<JudgeHarness::JudgeHarnessErrors>();
    assert!(
        matches!(
            reason,
            Some(JudgeHarness::JudgeHarnessErrors::JudgeInsufficientGas(_))
        ),
        "{reason:?}"
    );
    // The line a CLI prints, from the bindings: for a call...
    let line = sonm_bindings::describe_error(&eth_call);
    assert!(
        line.starts_with(
            "reverted: JudgeInsufficientGas(gasLimit: 9223372036854775808, available: "
        ),
        "{line}"
    );
    // ...and for a transaction, whose gas estimate reverts.
    let sent = judges
        .recorder
        .judgeStep(
            keccak,
            Bytes::from_static(b"x"),
            U256::from(1u64 << 63),
            U256::from(MAX_BYTES),
        )
        .send()
        .await
        .expect_err("the estimate reverts");
    let line = sonm_bindings::describe_error(&sent);
    assert!(
        line.starts_with("reverted: JudgeInsufficientGas(gasLimit: 9223372036854775808, "),
        "{line}"
    );
    let _ = judges
        .provider
        .get_block_number()
        .await
        .expect("anvil still up");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_executor_runs_anvils_hardfork() {
    // CLZ(1), then returns abi.encode(bytes(hex"ab")): an invalid opcode before Osaka.
    const CLZ_THEN_AB: &[u8] = &[
        0x60, 0x01, 0x1e, 0x50, 0x60, 0x20, 0x5f, 0x52, 0x60, 0x01, 0x60, 0x20, 0x52, 0x60, 0xab,
        0x60, 0x40, 0x53, 0x60, 0x60, 0x5f, 0xf3,
    ];
    let (_anvil, provider) = spawn();
    let judges = Judges::deploy(provider.clone()).await;
    let computation = Address::repeat_byte(0xc1);
    let _: () = provider
        .raw_request(
            "anvil_setCode".into(),
            (computation, Bytes::from_static(CLZ_THEN_AB)),
        )
        .await
        .expect("anvil_setCode");
    let exec = judges.executor(computation).await;
    let on_chain = judges.leaf(computation, &Bytes::new(), 10_000).await;
    assert_eq!(
        on_chain,
        Bytes::from_static(&[0xab]),
        "anvil's default hardfork has CLZ"
    );
    assert_eq!(exec.leaf(b"", 10_000, MAX_BYTES).expect("leaf"), on_chain);
}
