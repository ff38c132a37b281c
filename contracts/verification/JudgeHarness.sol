// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "./computations/IChainComputation.sol";
import {IMapComputation} from "./computations/IMapComputation.sol";
import {Judge} from "./libraries/Judge.sol";

/// @title The judge, callable
/// @notice Exposes {Judge} so that off-chain tools (the Rust executor in revm, `eth_call` on any node) evaluate a unit
/// of work with the very code the games judge with. Stateless; deployed once per chain.
contract JudgeHarness {
    /// @notice The output of one map leaf under the task's gas semantics and byte bound.
    function leaf(IMapComputation computation, bytes calldata input, uint256 gasLimit, uint256 maxOutputBytes)
        external
        view
        returns (bytes memory output)
    {
        return Judge.leaf(computation, input, gasLimit, maxOutputBytes);
    }

    /// @notice The state after one chain step under the task's gas semantics and byte bound.
    function step(IChainComputation computation, bytes calldata state, uint256 gasLimit, uint256 maxStateBytes)
        external
        view
        returns (bytes memory next)
    {
        return Judge.step(computation, state, gasLimit, maxStateBytes);
    }

    /// @notice Up to `count` chain steps from `state` in one call, each judged by {Judge.step} exactly as {step}
    /// judges one: the result is what `count` calls of {step} give, without a call (and a transaction) per step.
    /// Stops at a fixed point: once a step returns its input (the computation halted, or its state stopped changing)
    /// every later state is the same, since a step depends on the state alone.
    /// @dev Memory stays one state wide however many steps run: each next state is moved down to where the loop
    /// started, so neither memory nor its gas grows with `count`. Gas is ~`count` times a step's; an `eth_call` is
    /// bounded by the node's gas cap.
    /// @return next The state after `done` steps.
    /// @return done `count`, or the index of the first step that returned its input (the chain's fixed point).
    function steps(
        IChainComputation computation,
        bytes calldata state,
        uint256 gasLimit,
        uint256 maxStateBytes,
        uint256 count
    ) external view returns (bytes memory next, uint256 done) {
        next = state;
        uint256 base;
        assembly ("memory-safe") {
            base := mload(0x40)
        }
        while (done < count) {
            bytes memory stepped = Judge.step(computation, next, gasLimit, maxStateBytes);
            if (_equal(stepped, next)) break;
            // `stepped` was allocated after `base`; everything between (the call's calldata and return data, the
            // previous state) is garbage now. Move it down and free the rest.
            assembly ("memory-safe") {
                let size := add(32, mload(stepped))
                mcopy(base, stepped, size)
                next := base
                mstore(0x40, add(base, and(add(size, 31), not(31))))
            }
            unchecked {
                ++done;
            }
        }
    }

    /// @dev Whether `a` and `b` hold the same bytes, a word at a time (cheaper than hashing both, a step's usual cost).
    function _equal(bytes memory a, bytes memory b) private pure returns (bool same) {
        assembly ("memory-safe") {
            let len := mload(a)
            same := eq(len, mload(b))
            // Bytes past the end of a word-padded array are not the array's: compare whole words, then the tail.
            let end := add(a, add(32, and(len, not(31))))
            let pa := add(a, 32)
            let pb := add(b, 32)
            for {} and(same, lt(pa, end)) {} {
                same := eq(mload(pa), mload(pb))
                pa := add(pa, 32)
                pb := add(pb, 32)
            }
            let tail := and(len, 31)
            if and(same, tail) {
                let mask := not(shr(mul(tail, 8), not(0)))
                same := eq(and(mload(pa), mask), and(mload(pb), mask))
            }
        }
    }
}
