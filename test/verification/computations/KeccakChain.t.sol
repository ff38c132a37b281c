// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JudgeHarness} from "../../../contracts/verification/JudgeHarness.sol";
import {KeccakChain} from "../../../contracts/verification/computations/KeccakChain.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The keccak hash chain: s(i+1) = the 32 raw bytes of keccak256(s(i)); s0 is any byte string.
contract KeccakChainTest is Test {
    KeccakChain internal chain;
    JudgeHarness internal judge;

    function setUp() public {
        chain = new KeccakChain();
        judge = new JudgeHarness();
    }

    function test_Step_OfTheEmptySeed_IsTheKnownKeccakOfNothing() public view {
        bytes memory next = chain.step("");
        assertEq(next.length, 32);
        assertEq(bytes32(next), 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470);
    }

    function test_Step_IsRawBytesNotAbiEncoded() public view {
        bytes memory next = chain.step("sonm");
        assertEq(next, abi.encodePacked(keccak256("sonm")));
    }

    /// @dev A vector for the Rust executor: three steps from the seed "sonm".
    function test_Chain_ThreeStepsFromSonm() public view {
        bytes memory s = "sonm";
        for (uint256 i; i < 3; ++i) {
            s = chain.step(s);
        }
        assertEq(bytes32(s), keccak256(abi.encodePacked(keccak256(abi.encodePacked(keccak256("sonm"))))));
        // The game's hash of state 3 is the bytes of state 4.
        assertEq(keccak256(s), bytes32(chain.step(s)));
    }

    function testFuzz_Step_IsKeccakOfTheState(bytes calldata state) public view {
        assertEq(chain.step(state), abi.encodePacked(keccak256(state)));
    }

    function testFuzz_Step_ThroughTheJudge_IsTheSame(bytes32 word) public view {
        bytes memory state = abi.encodePacked(word);
        assertEq(judge.step(chain, state, 30_000, 32_768), chain.step(state));
    }

    function testFuzz_Step_CostsTheSameForEvery32ByteState(bytes32 a, bytes32 b) public {
        chain.step(abi.encodePacked(a));
        uint256 gasA = vm.lastCallGas().gasTotalUsed;
        chain.step(abi.encodePacked(b));
        assertEq(vm.lastCallGas().gasTotalUsed, gasA);
    }

    function test_Step_FitsInAFewThousandGas() public {
        chain.step(abi.encodePacked(keccak256("x")));
        uint256 gasUsed = vm.snapshotGasLastCall("KeccakChain", "step");
        assertLt(gasUsed, 5000);
    }

    function test_Step_WithTooLittleGas_Halts() public view {
        bytes memory state = abi.encodePacked(keccak256("x"));
        assertEq(judge.step(chain, state, 100, 32_768), state);
    }
}
