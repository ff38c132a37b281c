// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../computations/IChainComputation.sol";
import {IMapComputation} from "../computations/IMapComputation.sol";

/// @title The judge: one unit of work, with the task's gas semantics
/// @notice The single definition of what a unit of work evaluates to. Both games judge through it, and the Rust
/// executor runs this very code (through {JudgeHarness}) in revm, so the two cannot drift apart.
/// - The computation is called with EXACTLY `gasLimit` gas: if the caller cannot forward all of it (the 63/64 rule),
///   the judgement reverts instead of returning a result that depends on the caller's gas.
/// - A map leaf that reverts, runs out of gas or returns data that is not one ABI-encoded `bytes` outputs `""`.
/// - A chain step that does the same halts: the next state is the current state.
library Judge {
    /// @notice The caller did not give the judge enough gas to forward `gasLimit` to the computation.
    /// @param gasLimit The gas the task fixes for one unit.
    /// @param available The gas left when the judge was about to call.
    error JudgeInsufficientGas(uint256 gasLimit, uint256 available);

    /// @dev Gas kept for the call itself (a cold account access, 2,600, plus the CALL's base cost and memory for the
    /// return data) on top of the 64/63 that the forwarding rule requires.
    uint256 internal constant CALL_RESERVE = 10_000;

    /// @notice The output of one map leaf.
    function leaf(IMapComputation computation, bytes memory input, uint256 gasLimit)
        internal
        view
        returns (bytes memory output)
    {
        (bool ok, bytes memory ret) =
            _call(address(computation), abi.encodeCall(IMapComputation.compute, (input)), gasLimit);
        if (ok) (ok, output) = _decodeBytes(ret);
        if (!ok) output = "";
    }

    /// @notice The state after one chain step.
    function step(IChainComputation computation, bytes memory state, uint256 gasLimit)
        internal
        view
        returns (bytes memory next)
    {
        (bool ok, bytes memory ret) =
            _call(address(computation), abi.encodeCall(IChainComputation.step, (state)), gasLimit);
        if (ok) (ok, next) = _decodeBytes(ret);
        if (!ok) next = state;
    }

    function _call(address target, bytes memory data, uint256 gasLimit)
        private
        view
        returns (bool ok, bytes memory ret)
    {
        // With g gas left at the call, the callee gets at most g - g/64; asking for gasLimit is only honoured in full
        // if g >= gasLimit * 64/63 (+ the call's own cost). Refuse rather than judge with less.
        uint256 available = gasleft();
        if (available < gasLimit + gasLimit / 63 + CALL_RESERVE) revert JudgeInsufficientGas(gasLimit, available);
        (ok, ret) = target.staticcall{gas: gasLimit}(data);
    }

    /// @dev Decodes `abi.encode(bytes)` without reverting: (false, "") unless `ret` is exactly one well-formed,
    /// canonically padded `bytes`.
    function _decodeBytes(bytes memory ret) private pure returns (bool ok, bytes memory out) {
        if (ret.length < 64) return (false, out);
        uint256 offset;
        uint256 len;
        assembly ("memory-safe") {
            offset := mload(add(ret, 32))
            len := mload(add(ret, 64))
        }
        // Both values come from untrusted return data: bound them before any arithmetic can overflow.
        if (offset != 32 || len > ret.length) return (false, out);
        if (ret.length != 64 + ((len + 31) / 32) * 32) return (false, out);
        out = new bytes(len);
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(ret, 96), len)
        }
        ok = true;
    }
}
