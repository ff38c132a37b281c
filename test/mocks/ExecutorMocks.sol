// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../../contracts/verification/computations/IChainComputation.sol";
import {IMapComputation} from "../../contracts/verification/computations/IMapComputation.sol";
import {Judge} from "../../contracts/verification/libraries/Judge.sol";

// The computations the executor's tests run against the chain. The misbehaving ones (a gas burner, a reverter, a
// malformed return) are not here: they are the Solidity tests' own, in TestComputations.sol.

/// @notice Work that grows with the input: `input[0] * 8` rounds of keccak over the input (none for an empty input).
/// Under a fixed gas limit some random inputs finish and some run out of gas, so one computation exercises both
/// sides of the judge's gas rule. Output: the last hash followed by the input's length as a uint32.
contract MockHashRepeat is IMapComputation {
    function compute(bytes calldata input) external pure returns (bytes memory) {
        uint256 rounds = input.length == 0 ? 0 : uint256(uint8(input[0])) * 8;
        bytes32 h = keccak256(input);
        for (uint256 i; i < rounds; ++i) {
            h = keccak256(abi.encodePacked(h, i));
        }
        return abi.encodePacked(h, uint32(input.length));
    }
}

/// @notice A chain step that burns all its gas once the state's first byte reaches 0xf0, and otherwise adds a
/// keccak-derived value: a chain that runs, then halts.
contract MockChainHaltsLater is IChainComputation {
    function step(bytes calldata state) external pure returns (bytes memory) {
        if (state.length > 0 && uint8(state[0]) >= 0xf0) {
            uint256 i;
            while (true) {
                unchecked {
                    ++i;
                }
            }
        }
        bytes32 h = keccak256(state);
        return abi.encodePacked(h);
    }
}

/// @notice The judge inside a mined transaction, as the games run it: each judgement is recorded in an event, so a
/// test can compare what the chain decided with `eth_call` and the executor.
contract MockJudgeRecorder {
    event LeafJudged(address indexed computation, bytes input, uint256 gasLimit, bytes output);
    event StepJudged(address indexed computation, bytes state, uint256 gasLimit, bytes next);

    function judgeLeaf(IMapComputation computation, bytes calldata input, uint256 gasLimit, uint256 maxBytes) external {
        emit LeafJudged(address(computation), input, gasLimit, Judge.leaf(computation, input, gasLimit, maxBytes));
    }

    function judgeStep(IChainComputation computation, bytes calldata state, uint256 gasLimit, uint256 maxBytes)
        external
    {
        emit StepJudged(address(computation), state, gasLimit, Judge.step(computation, state, gasLimit, maxBytes));
    }
}
