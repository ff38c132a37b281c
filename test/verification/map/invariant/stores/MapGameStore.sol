// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What the handler did, kept apart from how it did it: the tasks and queries it created, what each live
/// commitment claims, and how often each action ran.
contract MapGameStore {
    uint256[] public taskIds;
    uint256[] public queryIds;

    /// @dev For a committed task: 0 if its live commitment is honest, else 1 + the index it lies about.
    mapping(uint256 taskId => uint256) public cheatAt;

    mapping(bytes32 action => uint256) public calls;

    function addTask(uint256 taskId) external {
        taskIds.push(taskId);
    }

    function addQuery(uint256 queryId) external {
        queryIds.push(queryId);
    }

    function setCheatAt(uint256 taskId, uint256 value) external {
        cheatAt[taskId] = value;
    }

    function count(bytes32 action) external {
        calls[action] += 1;
    }

    function taskCount() external view returns (uint256) {
        return taskIds.length;
    }

    function queryCount() external view returns (uint256) {
        return queryIds.length;
    }

    function allTasks() external view returns (uint256[] memory) {
        return taskIds;
    }

    function allQueries() external view returns (uint256[] memory) {
        return queryIds;
    }
}
