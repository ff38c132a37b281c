// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title A chain computation: one state, advanced step by step
/// @notice The same deployed bytecode runs on-chain (the judge) and off-chain (revm). A step that reverts, runs out
/// of its task's gas or returns malformed data halts: the next state is the current state.
interface IChainComputation {
    /// @notice Advances the state by one step.
    function step(bytes calldata state) external view returns (bytes memory next);
}
