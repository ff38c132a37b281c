// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JudgeHarness} from "../../../../contracts/verification/JudgeHarness.sol";
import {IMapComputation} from "../../../../contracts/verification/computations/IMapComputation.sol";
import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {Judge} from "../../../../contracts/verification/libraries/Judge.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice A leaf is judged as the gas semantics define it, never as the caller's gas allows: the judge forwards
/// exactly `gasPerLeaf` or refuses to judge.
contract MapGameGasSemanticsTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    bytes32 internal constant SALT = "salt";
    uint256 internal constant HUGE = 29_000_000;

    /// @dev One-leaf task of `computation` whose committed output is `output`; the challenger has committed its proof.
    function disputed(IMapComputation computation, bytes memory output)
        internal
        returns (uint256 taskId, IMapGame.CheatProof memory p)
    {
        delete inputs;
        delete outputs;
        inputs.push(abi.encode(uint256(3)));
        outputs.push(output);
        inputTree = MerkleTrees.build(inputs);
        resultTree = MerkleTrees.build(outputs);
        vm.prank(buyer);
        taskId = game.post(spec(computation, inputTree.root(), 1), "");
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());
        p = cheatProof(0);
        commitProofAs(challenger, taskId, p, SALT);
    }

    /// @dev Calls proveCheat with exactly `gas`; returns success and the revert data.
    function proveWith(uint256 taskId, IMapGame.CheatProof memory p, uint256 gas)
        internal
        returns (bool ok, bytes memory ret)
    {
        vm.prank(challenger);
        (ok, ret) = address(game).call{gas: gas}(abi.encodeCall(game.proveCheat, (taskId, p, SALT)));
    }

    function isInsufficientGas(bytes memory ret) internal pure returns (bool) {
        return ret.length >= 4 && bytes4(ret) == Judge.JudgeInsufficientGas.selector;
    }

    /// @dev The least gas with which proveCheat gets past the judge's check (`toSucceed`: completes), by binary
    /// search; the state is restored after every probe. From `gasPerLeaf` up, a call that does not reach the judge
    /// is refused by it (the bookkeeping before the judge costs far less than the 1/64 and the reserve).
    function leastGas(uint256 taskId, IMapGame.CheatProof memory p, bool toSucceed) internal returns (uint256 lo) {
        lo = GAS_PER_LEAF;
        uint256 hi = HUGE;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            uint256 snap = vm.snapshotState();
            (bool ok, bytes memory ret) = proveWith(taskId, p, mid);
            vm.revertToState(snap);
            bool enough = toSucceed ? ok : ok || !isInsufficientGas(ret);
            if (enough) hi = mid;
            else lo = mid + 1;
        }
    }

    /// @dev A leaf that burns all its gas outputs "": an honest solver says so, and no caller's gas changes it.
    function test_GasBurner_EmptyOutputIsNoCheat_WhateverTheCallersGas() public {
        (uint256 taskId, IMapGame.CheatProof memory p) = disputed(burner, "");
        uint256 least = leastGas(taskId, p, false);
        bytes memory noCheat = abi.encodeWithSelector(IMapGame.MapGameNoCheat.selector, taskId, 0);

        (bool ok, bytes memory ret) = proveWith(taskId, p, HUGE);
        assertFalse(ok);
        assertEq(ret, noCheat, "huge budget");
        (ok, ret) = proveWith(taskId, p, least);
        assertFalse(ok);
        assertEq(ret, noCheat, "barely enough");
        (ok, ret) = proveWith(taskId, p, least - 1);
        assertFalse(ok);
        assertTrue(isInsufficientGas(ret), "too little: the judge refuses");
    }

    /// @dev A solver who claims the burner produced something is caught, with a huge budget or barely enough.
    function test_GasBurner_NonEmptyOutputIsACheat_WhateverTheCallersGas() public {
        (uint256 taskId, IMapGame.CheatProof memory p) = disputed(burner, abi.encode(uint256(1)));
        uint256 leastToJudge = leastGas(taskId, p, false);
        uint256 least = leastGas(taskId, p, true);
        assertGe(least, leastToJudge);

        uint256 snap = vm.snapshotState();
        (bool ok, bytes memory ret) = proveWith(taskId, p, HUGE);
        assertTrue(ok, "huge budget");
        vm.revertToState(snap);
        (ok,) = proveWith(taskId, p, least);
        assertTrue(ok, "barely enough");
        vm.revertToState(snap);
        // One less and the slash that follows the judgement runs out of gas: the whole proof reverts, nothing moves.
        (ok,) = proveWith(taskId, p, least - 1);
        assertFalse(ok, "too little to finish");
        (ok, ret) = proveWith(taskId, p, leastToJudge - 1);
        assertFalse(ok);
        assertTrue(isInsufficientGas(ret), "too little to judge: the judge refuses");
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Committed));
    }

    /// @dev A leaf whose output is the gas it got: the same output for any caller's budget, exactly what the
    /// JudgeHarness (the executor's reference) says.
    function test_GasEcho_JudgedWithExactlyTheTasksGas() public {
        bytes memory truth = JudgeHarness(d.judge).leaf(gasEcho, abi.encode(uint256(3)), GAS_PER_LEAF, 32_768);
        assertEq(
            JudgeHarness(d.judge).leaf{gas: 1_000_000}(gasEcho, abi.encode(uint256(3)), GAS_PER_LEAF, 32_768), truth
        );
        assertLt(abi.decode(truth, (uint256)), GAS_PER_LEAF, "the computation sees the task's gas, not the caller's");
        (uint256 taskId, IMapGame.CheatProof memory p) = disputed(gasEcho, truth);
        uint256 least = leastGas(taskId, p, false);
        bytes memory noCheat = abi.encodeWithSelector(IMapGame.MapGameNoCheat.selector, taskId, 0);
        (, bytes memory ret) = proveWith(taskId, p, HUGE);
        assertEq(ret, noCheat, "huge budget");
        (, ret) = proveWith(taskId, p, least);
        assertEq(ret, noCheat, "barely enough");
    }

    function test_Reverter_And_Malformed_OutputEmpty() public view {
        JudgeHarness judge = JudgeHarness(d.judge);
        assertEq(judge.leaf(reverter, "x", GAS_PER_LEAF, 32_768), "");
        assertEq(judge.leaf(malformed, "x", GAS_PER_LEAF, 32_768), "");
        assertEq(judge.leaf(burner, "x", GAS_PER_LEAF, 32_768), "");
        assertEq(judge.leaf(square, abi.encode(uint256(3)), GAS_PER_LEAF, 32_768), abi.encode(uint256(9)));
    }
}
