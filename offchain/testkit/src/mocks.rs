//! The test computations the Rust tests run, bound from the artifacts `forge build` writes: the misbehaving ones
//! of `test/mocks/TestComputations.sol` (burn all their gas, revert, return malformed data; each both a map and a
//! chain computation, shared with the Solidity tests), the ones at the byte and gas bounds of a unit
//! (`LongOutput`, `LargestLeaf` there; `GrowingChain`, `LargestStep` of
//! `test/verification/chain/utils/ChainComputations.sol`) and the executor's own of `test/mocks/ExecutorMocks.sol`.
//! The one Rust definition of each, for the executor's unit and integration tests alike.
//!
//! The games judge only registered computations: a test that posts a task on one of these registers it first
//! ([`register`]; anyone may).

#![allow(missing_docs, unreachable_pub, missing_debug_implementations)]

alloy::sol!(
    /// Work that grows with the input: some inputs finish under a gas limit, some run out.
    #[sol(rpc)]
    #[derive(Debug)]
    MockHashRepeat,
    "../../out/ExecutorMocks.sol/MockHashRepeat.json"
);
alloy::sol!(
    /// Burns every unit of gas it is given: every leaf outputs "", every step halts.
    #[sol(rpc)]
    #[derive(Debug)]
    GasBurner,
    "../../out/TestComputations.sol/GasBurner.json"
);
alloy::sol!(
    /// Always reverts: every leaf outputs "", every step halts.
    #[sol(rpc)]
    #[derive(Debug)]
    Reverter,
    "../../out/TestComputations.sol/Reverter.json"
);
alloy::sol!(
    /// Returns data that is not one ABI-encoded `bytes`: every leaf outputs "", every step halts.
    #[sol(rpc)]
    #[derive(Debug)]
    Malformed,
    "../../out/TestComputations.sol/Malformed.json"
);
alloy::sol!(
    /// Outputs `n` zero bytes for the input `abi.encode(n)`: a leaf whose output length the test chooses.
    #[sol(rpc)]
    #[derive(Debug)]
    LongOutput,
    "../../out/TestComputations.sol/LongOutput.json"
);
alloy::sol!(
    /// The largest map unit: spends all but 200,000 of its gas, then outputs its input with the first byte plus one.
    #[sol(rpc)]
    #[derive(Debug)]
    LargestLeaf,
    "../../out/TestComputations.sol/LargestLeaf.json"
);
alloy::sol!(
    /// Each step appends one byte to the state: a chain that grows until the task's byte bound, where it halts.
    #[sol(rpc)]
    #[derive(Debug)]
    GrowingChain,
    "../../out/ChainComputations.sol/GrowingChain.json"
);
alloy::sol!(
    /// The largest chain unit: spends all but 200,000 of its gas, then returns its state with the first byte plus
    /// one.
    #[sol(rpc)]
    #[derive(Debug)]
    LargestStep,
    "../../out/ChainComputations.sol/LargestStep.json"
);
alloy::sol!(
    /// A chain that runs, then halts (burns its gas once the state's first byte reaches 0xf0).
    #[sol(rpc)]
    #[derive(Debug)]
    MockChainHaltsLater,
    "../../out/ExecutorMocks.sol/MockChainHaltsLater.json"
);
alloy::sol!(
    /// The judge inside a mined transaction, each judgement recorded in an event.
    #[sol(rpc)]
    #[derive(Debug)]
    MockJudgeRecorder,
    "../../out/ExecutorMocks.sol/MockJudgeRecorder.json"
);

/// Registers `computation` in the deployment's (or a test's own) `ComputationRegistry`, as the games require
/// before a task may name it; panics with the decoded revert if the registry refuses it.
pub async fn register<P: alloy::providers::Provider>(
    provider: P,
    registry: alloy::primitives::Address,
    computation: alloy::primitives::Address,
) -> alloy::primitives::B256 {
    let registry = sonm_bindings::ComputationRegistry::new(registry, provider);
    let receipt = registry
        .register(computation)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "register {computation}: {}",
                sonm_bindings::describe_error(&e)
            )
        })
        .get_receipt()
        .await
        .unwrap_or_else(|e| panic!("register {computation}: {e}"));
    assert!(receipt.status(), "register {computation} failed on chain");
    registry
        .codeHashOf(computation)
        .call()
        .await
        .unwrap_or_else(|e| panic!("codeHashOf {computation}: {e}"))
}
