// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../computations/IChainComputation.sol";
import {IMapComputation} from "../computations/IMapComputation.sol";

/// @title The judge: one unit of work, with the task's gas semantics
/// @notice The single definition of what a unit of work evaluates to. Both games judge through it, and the Rust
/// executor runs this very code (through {JudgeHarness}) in revm, so the two cannot drift apart.
/// - The computation is called with EXACTLY `gasLimit` gas: if the caller cannot forward all of it (the 63/64 rule),
///   the judgement reverts instead of returning a result that depends on the caller's gas.
/// - A map leaf that reverts, runs out of gas or returns data that is not one ABI-encoded `bytes` of at most the
///   task's byte bound outputs `""`.
/// - A chain step that does the same halts: the next state is the current state.
/// The bounds on a unit (its gas and its bytes) make the judgement of the largest allowed unit fit one transaction of
/// 2^24 gas (EIP-7825's cap) with 10% to spare: docs/protocol.md, "Soundness: bounded units".
library Judge {
    /// @notice The most bytes a unit's input, output or state may have (the DAO sets each game's bound within it).
    uint256 internal constant MAX_UNIT_BYTES = 32_768;

    /// @notice The most gas a unit may be given (the DAO sets each game's bound within it). With MAX_UNIT_BYTES, the
    /// largest judgement (a map proof of cheat: two 32 KiB leaves and two 64-deep proofs in calldata, the call with
    /// its 64/63 and the bookkeeping) stays below 90% of 2^24 = 15,099,494 gas.
    uint256 internal constant MAX_GAS_PER_UNIT = 12_000_000;

    /// @notice The caller did not give the judge enough gas to forward `gasLimit` to the computation.
    /// @param gasLimit The gas the task fixes for one unit.
    /// @param available The gas left when the judge was about to call.
    error JudgeInsufficientGas(uint256 gasLimit, uint256 available);

    /// @dev Gas kept for the call itself (a cold account access, 2,600, plus the CALL's base cost and memory for the
    /// return data) on top of the 64/63 that the forwarding rule requires.
    uint256 internal constant CALL_RESERVE = 10_000;

    /// @notice The output of one map leaf: `""` unless the computation returned one `bytes` of at most
    /// `maxOutputBytes`.
    function leaf(IMapComputation computation, bytes memory input, uint256 gasLimit, uint256 maxOutputBytes)
        internal
        view
        returns (bytes memory output)
    {
        bool ok;
        (ok, output) = _judge(address(computation), IMapComputation.compute.selector, input, gasLimit, maxOutputBytes);
        if (!ok) output = "";
    }

    /// @notice The state after one chain step: `state` (a halt) unless the computation returned one `bytes` of at
    /// most `maxStateBytes`.
    function step(IChainComputation computation, bytes memory state, uint256 gasLimit, uint256 maxStateBytes)
        internal
        view
        returns (bytes memory next)
    {
        bool ok;
        (ok, next) = _judge(address(computation), IChainComputation.step.selector, state, gasLimit, maxStateBytes);
        if (!ok) next = state;
    }

    /// @dev Calls `target` with `abi.encodeWithSelector(selector, arg)` and exactly `gasLimit` gas, and decodes what it
    /// returns as one `bytes`: (true, the bytes) if the call succeeded and returned exactly one well-formed,
    /// canonically padded `bytes` of at most `maxBytes`, else (false, ""). The bound is checked before anything is
    /// copied, so a computation returning a huge buffer costs the judge no memory. Written in assembly because the executor interprets it for every
    /// unit of work: the calldata is built in free memory (it is not kept), and of the return data only the `bytes`
    /// is copied, once, and only when it is well-formed.
    function _judge(address target, bytes4 selector, bytes memory arg, uint256 gasLimit, uint256 maxBytes)
        private
        view
        returns (bool ok, bytes memory out)
    {
        uint256 data;
        uint256 size;
        assembly ("memory-safe") {
            // abi.encodeWithSelector(selector, arg), zero-padded, in scratch memory past the free memory pointer.
            let len := mload(arg)
            data := mload(0x40)
            mstore(data, selector)
            mstore(add(data, 0x04), 0x20)
            mstore(add(data, 0x24), len)
            mcopy(add(data, 0x44), add(arg, 0x20), len)
            mstore(add(add(data, 0x44), len), 0)
            size := add(0x44, and(add(len, 31), not(31)))
        }
        // With g gas left at the call, the callee gets at most g - g/64; asking for gasLimit is only honoured in full
        // if g >= gasLimit * 64/63 (+ the call's own cost). Refuse rather than judge with less. Measured after the
        // calldata is written, so that nothing but the call itself is left to pay.
        uint256 available = gasleft();
        if (available < gasLimit + gasLimit / 63 + CALL_RESERVE) revert JudgeInsufficientGas(gasLimit, available);
        assembly ("memory-safe") {
            if staticcall(gasLimit, target, data, size, 0, 0) {
                // One ABI-encoded `bytes`: offset 32, a length no larger than the data (bounds it before any
                // arithmetic can overflow), and exactly 64 + the length rounded up to words in all.
                let returned := returndatasize()
                if iszero(lt(returned, 64)) {
                    returndatacopy(0, 0, 64)
                    let len := mload(0x20)
                    if and(and(eq(mload(0), 0x20), iszero(gt(len, returned))), iszero(gt(len, maxBytes))) {
                        let words := and(add(len, 31), not(31))
                        if eq(returned, add(64, words)) {
                            out := mload(0x40)
                            mstore(out, len)
                            // The last word's tail is zero, as a new `bytes` of `len` would have it.
                            mstore(add(add(out, 0x20), and(len, not(31))), 0)
                            returndatacopy(add(out, 0x20), 64, len)
                            mstore(0x40, add(add(out, 0x20), words))
                            ok := 1
                        }
                    }
                }
            }
        }
        // `out` is still the empty array (address 0x60) unless ok.
    }
}
