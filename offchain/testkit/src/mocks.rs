//! The test computations the Rust tests run, bound from the artifacts `forge build` writes: the misbehaving ones
//! of `test/mocks/TestComputations.sol` (burn all their gas, revert, return malformed data; each both a map and a
//! chain computation, shared with the Solidity tests) and the executor's own of `test/mocks/ExecutorMocks.sol`.
//! The one Rust definition of each, for the executor's unit and integration tests alike.

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
