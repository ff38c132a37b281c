// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What the invariant handler remembers between calls: the tasks and disputes it created, the chain each
/// solver and challenger follows, the solver bonds slashed, and how many calls of each kind went through.
contract ChainGameStore {
    uint256[] public taskIds;
    uint256[] public disputeIds;
    /// @dev The step after which the current commitment's solver lies (type(uint64).max: honest).
    mapping(uint256 taskId => uint64) public solverLies;
    /// @dev The step after which the dispute's challenger lies.
    mapping(uint256 disputeId => uint64) public challengerLies;
    mapping(string name => uint256) public calls;
    /// @dev The sum of the solver bonds slashed so far.
    uint256 public slashedBonds;

    function addTask(uint256 id) external {
        taskIds.push(id);
    }

    function addDispute(uint256 id, uint64 lies) external {
        disputeIds.push(id);
        challengerLies[id] = lies;
    }

    function setSolverLies(uint256 taskId, uint64 lies) external {
        solverLies[taskId] = lies;
    }

    function addSlashed(uint256 bond) external {
        slashedBonds += bond;
    }

    function count(string calldata name) external {
        ++calls[name];
    }

    function taskCount() external view returns (uint256) {
        return taskIds.length;
    }

    function disputeCount() external view returns (uint256) {
        return disputeIds.length;
    }
}
