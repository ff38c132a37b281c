// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title A map computation: independent leaves, each judged alone
/// @notice The same deployed bytecode runs on-chain (the judge) and off-chain (revm), so miner, watcher and judge
/// cannot disagree. A leaf that reverts, runs out of its task's gas or returns malformed data has the empty output.
interface IMapComputation {
    /// @notice Computes one leaf's output from its input.
    function compute(bytes calldata input) external view returns (bytes memory output);
}
