// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "./IChainComputation.sol";

/// @title A keccak hash chain: the example chain computation
/// @notice State encoding (raw bytes, no ABI encoding, no counter):
/// - the initial state s0 is any byte string the buyer chooses (a seed);
/// - each step maps a state s to the 32 bytes of keccak256(s): s(i+1) = abi.encodePacked(keccak256(s(i))).
/// So from step 1 on the state is exactly 32 bytes, and the game's hash of state i, keccak256(s(i)), equals the bytes
/// of state i + 1. A step never reverts and costs the same for every 32-byte state (about 1,100 gas inside the
/// call), so it cannot halt under any sensible gasPerStep; the executor reproduces it as `keccak256(state)`.
contract KeccakChain is IChainComputation {
    /// @inheritdoc IChainComputation
    function step(bytes calldata state) external pure returns (bytes memory next) {
        next = abi.encodePacked(keccak256(state));
    }
}
