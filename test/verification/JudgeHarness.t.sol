// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JudgeHarness} from "../../contracts/verification/JudgeHarness.sol";
import {IChainComputation} from "../../contracts/verification/computations/IChainComputation.sol";
import {KeccakChain} from "../../contracts/verification/computations/KeccakChain.sol";
import {Judge} from "../../contracts/verification/libraries/Judge.sol";
import {MockChainHaltsLater} from "../mocks/ExecutorMocks.sol";
import {CounterChain, GasBurner, Malformed, Reverter} from "../mocks/TestComputations.sol";
import {Test} from "forge-std/Test.sol";

/// @notice `JudgeHarness.steps`, the batched chain steps the Rust executor runs: `count` steps in one call are what
/// `count` calls of `step` give, a fixed point stops the batch, and memory does not grow with the count.
contract JudgeHarnessStepsTest is Test {
    uint256 internal constant GAS = 30_000;
    uint256 internal constant MAX = 32_768;

    JudgeHarness internal judge;
    KeccakChain internal keccakChain;
    CounterChain internal counter;

    function setUp() public {
        judge = new JudgeHarness();
        keccakChain = new KeccakChain();
        counter = new CounterChain();
    }

    /// State `count` by one `step` call at a time.
    function _oneByOne(IChainComputation computation, bytes memory state, uint256 count)
        internal
        view
        returns (bytes memory)
    {
        for (uint256 i; i < count; ++i) {
            state = judge.step(computation, state, GAS, MAX);
        }
        return state;
    }

    function testFuzz_Steps_AreCountCallsOfStep(bytes calldata seed, uint8 count) public view {
        (bytes memory next, uint256 done) = judge.steps(keccakChain, seed, GAS, MAX, count);
        assertEq(done, count);
        assertEq(next, _oneByOne(keccakChain, seed, count));
    }

    function testFuzz_Steps_OfACounter_CountUp(uint128 start, uint256 count) public view {
        count = bound(count, 0, 600);
        (bytes memory next, uint256 done) = judge.steps(counter, abi.encode(uint256(start)), GAS, MAX, count);
        assertEq(done, count);
        assertEq(abi.decode(next, (uint256)), uint256(start) + count);
    }

    function test_Steps_ZeroSteps_ReturnTheState() public view {
        (bytes memory next, uint256 done) = judge.steps(keccakChain, "seed", GAS, MAX, 0);
        assertEq(done, 0);
        assertEq(next, "seed");
    }

    function test_Steps_OfAnEmptyState_StepFromNothing() public view {
        (bytes memory next, uint256 done) = judge.steps(keccakChain, "", GAS, MAX, 2);
        assertEq(done, 2);
        assertEq(next, abi.encodePacked(keccak256(abi.encodePacked(keccak256("")))));
    }

    function test_Steps_ThatCannotAffordAStep_StopAtOnce() public view {
        (bytes memory next, uint256 done) = judge.steps(keccakChain, "seed", 100, MAX, 1000);
        assertEq(done, 0, "100 gas pays for no keccak: step 0 returns its input");
        assertEq(next, "seed");
    }

    function test_Steps_OfHaltingComputations_StopAtOnce() public {
        IChainComputation[3] memory halting = [
            IChainComputation(address(new GasBurner())),
            IChainComputation(address(new Reverter())),
            IChainComputation(address(new Malformed()))
        ];
        for (uint256 i; i < halting.length; ++i) {
            (bytes memory next, uint256 done) = judge.steps(halting[i], "state", GAS, MAX, 5);
            assertEq(done, 0);
            assertEq(next, "state");
        }
    }

    /// A chain that runs until its state's first byte reaches 0xf0, then burns its gas: the batch stops at exactly
    /// the step where one-by-one stepping first sees the state repeat.
    function testFuzz_Steps_StopAtTheFirstFixedPoint(bytes32 seed) public {
        IChainComputation halts = new MockChainHaltsLater();
        bytes memory state = abi.encodePacked(seed);
        uint256 fixedAt;
        while (uint8(state[0]) < 0xf0) {
            state = judge.step(halts, state, GAS, MAX);
            ++fixedAt;
        }
        (bytes memory next, uint256 done) = judge.steps(halts, abi.encodePacked(seed), GAS, MAX, fixedAt + 10);
        assertEq(done, fixedAt);
        assertEq(next, state);
        // Asked for fewer steps than that, it does them all.
        if (fixedAt > 0) {
            (next, done) = judge.steps(halts, abi.encodePacked(seed), GAS, MAX, fixedAt - 1);
            assertEq(done, fixedAt - 1);
            assertEq(next, _oneByOne(halts, abi.encodePacked(seed), fixedAt - 1));
        }
    }

    /// Each step moves its state down to where the loop started, so after the first step memory stops growing and
    /// every further step costs exactly the same gas: no quadratic memory cost, however long the batch.
    function test_Steps_CostTheSameGasEach_MemoryDoesNotGrow() public view {
        bytes memory seed = abi.encodePacked(keccak256("seed"));
        uint256[4] memory gasUsed;
        uint256[4] memory counts = [uint256(2), 3, 4, 1000];
        // Warm: the first call in a test pays for the cold accounts, and the calls below must not.
        judge.steps(keccakChain, seed, GAS, MAX, 1);
        for (uint256 i; i < counts.length; ++i) {
            judge.steps(keccakChain, seed, GAS, MAX, counts[i]);
            gasUsed[i] = vm.lastCallGas().gasTotalUsed;
        }
        uint256 perStep = gasUsed[1] - gasUsed[0];
        assertEq(gasUsed[2] - gasUsed[1], perStep);
        assertEq(gasUsed[3] - gasUsed[2], perStep * 996);
        assertLt(perStep, 5000);
    }

    /// What the judge cannot forward it refuses, in a batch as in one step.
    function test_Steps_WithAGasLimitTheCallerCannotForward_Revert() public {
        vm.expectPartialRevert(Judge.JudgeInsufficientGas.selector);
        judge.steps{gas: 1_000_000}(keccakChain, "seed", 5_000_000, MAX, 3);
    }
}
