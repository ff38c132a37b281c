// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "./computations/IChainComputation.sol";
import {IMapComputation} from "./computations/IMapComputation.sol";
import {Judge} from "./libraries/Judge.sol";

/// @title The judge, callable
/// @notice Exposes {Judge} so that off-chain tools (the Rust executor in revm, `eth_call` on any node) evaluate a unit
/// of work with the very code the games judge with. Stateless; deployed once per chain.
contract JudgeHarness {
    /// @notice The output of one map leaf under the task's gas semantics.
    function leaf(IMapComputation computation, bytes calldata input, uint256 gasLimit)
        external
        view
        returns (bytes memory output)
    {
        return Judge.leaf(computation, input, gasLimit);
    }

    /// @notice The state after one chain step under the task's gas semantics.
    function step(IChainComputation computation, bytes calldata state, uint256 gasLimit)
        external
        view
        returns (bytes memory next)
    {
        return Judge.step(computation, state, gasLimit);
    }
}
