// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice The bonded query path against withheld data: open, answer, time out, reclaim.
contract MapGameQueriesTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    uint256 internal taskId;

    function setUp() public override {
        super.setUp();
        buildSquareWorld(1000);
        taskId = committedWorld();
    }

    /*//////////////////////////////////////////////////////////////
                                  OPEN
    //////////////////////////////////////////////////////////////*/

    function test_OpenQuery_EscrowsBondAndCounts() public {
        uint40 deadline = uint40(block.timestamp + parameters().responseWindow);
        vm.expectEmit(address(game));
        emit IMapGame.QueryOpened(1, taskId, 1, challenger, 999, deadline);
        uint256 queryId = openQueryAs(challenger, taskId, 999);

        assertEq(queryId, 1);
        IMapGame.Query memory q = game.query(queryId);
        assertEq(q.challenger, challenger);
        assertEq(q.deadline, deadline);
        assertEq(q.round, 1);
        assertEq(uint8(q.status), uint8(IMapGame.QueryStatus.Open));
        assertEq(q.taskId, taskId);
        assertEq(q.index, 999);
        assertEq(taskOf(taskId).openQueries, 1);
        assertEq(token.balanceOf(challenger), FUNDS - CHALLENGER_BOND);
        assertEq(token.balanceOf(address(game)), REWARD + SOLVER_BOND + CHALLENGER_BOND);
    }

    function test_RevertWhen_OpenQueryIndexOutOfRange() public {
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameIndexOutOfRange.selector, 1000, 1000));
        openQueryAs(challenger, taskId, 1000);
    }

    function test_RevertWhen_OpenQueryAfterWindow() public {
        uint40 end = taskOf(taskId).deadline;
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlinePassed.selector, end));
        openQueryAs(challenger, taskId, 1);
    }

    function test_RevertWhen_OpenQueryNotCommitted() public {
        uint256 id = postWorld();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                id,
                IMapGame.TaskStatus.Open,
                _bit(IMapGame.TaskStatus.Committed)
            )
        );
        openQueryAs(challenger, id, 1);
    }

    /// @dev 2^24 - 1 open queries cannot be made in a test: the counter is written in place (storage layout of
    /// `MapGame`: `_tasks` at slot 4; the task's fifth slot packs solver, deadline, status, round, openQueries).
    function test_RevertWhen_OpenQueryTooMany() public {
        bytes32 slot = bytes32(uint256(keccak256(abi.encode(taskId, uint256(4)))) + 4);
        uint256 packed = uint256(vm.load(address(game), slot));
        vm.store(address(game), slot, bytes32(packed | (uint256(type(uint16).max) << 232)));
        assertEq(taskOf(taskId).openQueries, type(uint16).max);
        assertEq(taskOf(taskId).solver, solver, "the other fields are untouched");
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameTooManyQueries.selector, taskId));
        openQueryAs(challenger, taskId, 1);
    }

    function test_RevertWhen_OpenQueryWithoutFunds() public {
        address poor = makeAddr("poor");
        vm.expectRevert();
        openQueryAs(poor, taskId, 1);
    }

    /*//////////////////////////////////////////////////////////////
                                 ANSWER
    //////////////////////////////////////////////////////////////*/

    function test_AnswerQuery_PaysBondToSolver() public {
        uint256 queryId = openQueryAs(challenger, taskId, 321);
        uint40 end = taskOf(taskId).deadline;
        vm.expectEmit(address(game));
        emit IMapGame.QueryAnswered(queryId, taskId, 321, outputs[321], end);
        answer(queryId);

        assertEq(uint8(game.query(queryId).status), uint8(IMapGame.QueryStatus.Answered));
        assertEq(taskOf(taskId).openQueries, 0);
        assertEq(token.balanceOf(solver), FUNDS - SOLVER_BOND + CHALLENGER_BOND);
        assertEq(token.balanceOf(address(game)), REWARD + SOLVER_BOND);
        assertEq(taskOf(taskId).deadline, end, "early answers do not extend the window");
    }

    function test_AnswerQuery_ExtendsWindowForTheChallenger() public {
        vm.warp(taskOf(taskId).deadline - 1);
        uint256 queryId = openQueryAs(challenger, taskId, 5);
        skip(parameters().responseWindow - 1);
        answer(queryId);
        assertEq(taskOf(taskId).deadline, block.timestamp + parameters().responseWindow);
    }

    function test_AnswerQuery_ThenDirectProofOfTheShownLeaf() public {
        // The solver withheld its results and cheated at 5; the answer shows the leaf, the proof follows.
        cheatAt(5);
        uint256 id = committedWorld();
        vm.warp(taskOf(id).deadline - 1);
        uint256 queryId = openQueryAs(challenger, id, 5);
        skip(parameters().responseWindow - 1);
        answer(queryId);
        IMapGame.CheatProof memory p = cheatProof(5);
        commitProofAs(challenger, id, p, "s");
        vm.prank(challenger);
        game.proveCheat(id, p, "s");
        assertEq(uint8(statusOf(id)), uint8(IMapGame.TaskStatus.Open));
    }

    function test_AnswerQuery_ByAnyone() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        vm.prank(eve);
        game.answerQuery(queryId, outputs[8], resultTree.proof(8));
        assertEq(token.balanceOf(solver), FUNDS - SOLVER_BOND + CHALLENGER_BOND);
        assertEq(token.balanceOf(eve), FUNDS);
    }

    function test_RevertWhen_AnswerQueryWithWrongLeaf() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        vm.expectRevert(IMapGame.MapGameInvalidResultProof.selector);
        vm.prank(solver);
        game.answerQuery(queryId, outputs[9], resultTree.proof(9));
    }

    function test_RevertWhen_AnswerQueryWithForgedOutput() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        vm.expectRevert(IMapGame.MapGameInvalidResultProof.selector);
        vm.prank(solver);
        game.answerQuery(queryId, abi.encode(1), resultTree.proof(8));
    }

    function test_RevertWhen_AnswerQueryAtDeadline() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        uint40 deadline = game.query(queryId).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlinePassed.selector, deadline));
        answerAt(queryId, 8);
    }

    function test_RevertWhen_AnswerQueryTwice() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        answer(queryId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedQueryStatus.selector,
                queryId,
                IMapGame.QueryStatus.Answered,
                _bit(IMapGame.QueryStatus.Open)
            )
        );
        answerAt(queryId, 8);
    }

    function test_RevertWhen_AnswerQueryNotOpened() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedQueryStatus.selector,
                42,
                IMapGame.QueryStatus.None,
                _bit(IMapGame.QueryStatus.Open)
            )
        );
        vm.prank(solver);
        game.answerQuery(42, "", new bytes32[](0));
    }

    function test_RevertWhen_AnswerQueryStale() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        uint256 other = openQueryAs(dave, taskId, 9);
        vm.warp(game.query(other).deadline);
        game.timeoutQuery(other);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameQueryStale.selector, queryId));
        answerAt(queryId, 8);
    }

    /*//////////////////////////////////////////////////////////////
                                TIMEOUT
    //////////////////////////////////////////////////////////////*/

    function test_TimeoutQuery_SlashesSolverAndReturnsBond() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        vm.warp(game.query(queryId).deadline);
        uint256 share = uint256(SOLVER_BOND) * parameters().challengerShareBps / 10_000;

        vm.expectEmit(address(game));
        emit IMapGame.QueryTimedOut(queryId, taskId);
        vm.expectEmit(address(game));
        emit IMapGame.SolverSlashed(taskId, 1, solver, challenger, share, SOLVER_BOND - share);
        vm.prank(eve);
        game.timeoutQuery(queryId);

        assertEq(uint8(game.query(queryId).status), uint8(IMapGame.QueryStatus.TimedOut));
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Open));
        assertEq(taskOf(taskId).openQueries, 0);
        assertEq(token.balanceOf(challenger), FUNDS + share);
        assertEq(token.balanceOf(d.timelock), SOLVER_BOND - share);
        assertEq(token.balanceOf(address(game)), REWARD);
    }

    function test_RevertWhen_TimeoutQueryBeforeDeadline() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        uint40 deadline = game.query(queryId).deadline;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlineNotReached.selector, deadline));
        game.timeoutQuery(queryId);
    }

    function test_RevertWhen_TimeoutQueryAnswered() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        answer(queryId);
        vm.warp(block.timestamp + parameters().responseWindow);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedQueryStatus.selector,
                queryId,
                IMapGame.QueryStatus.Answered,
                _bit(IMapGame.QueryStatus.Open)
            )
        );
        game.timeoutQuery(queryId);
    }

    function test_RevertWhen_TimeoutQueryStale() public {
        uint256 first = openQueryAs(challenger, taskId, 8);
        uint256 second = openQueryAs(dave, taskId, 9);
        vm.warp(game.query(first).deadline);
        game.timeoutQuery(first);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameQueryStale.selector, second));
        game.timeoutQuery(second);
    }

    /*//////////////////////////////////////////////////////////////
                                RECLAIM
    //////////////////////////////////////////////////////////////*/

    function test_ReclaimQueryBond_AfterAnotherSlash() public {
        uint256 first = openQueryAs(challenger, taskId, 8);
        uint256 second = openQueryAs(dave, taskId, 9);
        vm.warp(game.query(first).deadline);
        game.timeoutQuery(first);

        vm.expectEmit(address(game));
        emit IMapGame.QueryBondReclaimed(second, taskId, dave);
        vm.prank(eve);
        game.reclaimQueryBond(second);
        assertEq(uint8(game.query(second).status), uint8(IMapGame.QueryStatus.Reclaimed));
        assertEq(token.balanceOf(dave), FUNDS);
        assertEq(token.balanceOf(address(game)), REWARD);
    }

    function test_ReclaimQueryBond_AfterTheTaskWasReclaimedByAnotherSolver() public {
        uint256 first = openQueryAs(challenger, taskId, 8);
        uint256 second = openQueryAs(dave, taskId, 9);
        vm.warp(game.query(first).deadline);
        game.timeoutQuery(first);
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());
        // Round 2 is live, but the query asked about round 1.
        vm.prank(dave);
        game.reclaimQueryBond(second);
        assertEq(token.balanceOf(dave), FUNDS);
    }

    function test_RevertWhen_ReclaimQueryBondLive() public {
        uint256 queryId = openQueryAs(challenger, taskId, 8);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameQueryLive.selector, queryId));
        game.reclaimQueryBond(queryId);
    }

    function test_RevertWhen_ReclaimQueryBondTwice() public {
        uint256 first = openQueryAs(challenger, taskId, 8);
        uint256 second = openQueryAs(dave, taskId, 9);
        vm.warp(game.query(first).deadline);
        game.timeoutQuery(first);
        game.reclaimQueryBond(second);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedQueryStatus.selector,
                second,
                IMapGame.QueryStatus.Reclaimed,
                _bit(IMapGame.QueryStatus.Open)
            )
        );
        game.reclaimQueryBond(second);
    }

    /*//////////////////////////////////////////////////////////////
                           THREE CHALLENGERS
    //////////////////////////////////////////////////////////////*/

    function test_ThreeChallengers_SolverAnswersAllAndCollects() public {
        uint256 q1 = openQueryAs(challenger, taskId, 0);
        uint256 q2 = openQueryAs(dave, taskId, 500);
        uint256 q3 = openQueryAs(eve, taskId, 999);
        assertEq(taskOf(taskId).openQueries, 3);
        answer(q1);
        answer(q2);
        skip(parameters().challengeWindow);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameQueriesOpen.selector, taskId, 1));
        game.finalize(taskId);
        vm.warp(game.query(q3).deadline - 1);
        answer(q3);
        vm.warp(taskOf(taskId).deadline);
        game.finalize(taskId);
        assertEq(token.balanceOf(solver), FUNDS + REWARD + 3 * uint256(CHALLENGER_BOND));
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_ThreeChallengers_OneUnansweredSlashesTheSolver() public {
        uint256 q1 = openQueryAs(challenger, taskId, 0);
        uint256 q2 = openQueryAs(dave, taskId, 500);
        uint256 q3 = openQueryAs(eve, taskId, 999);
        answer(q1);
        answer(q3);
        vm.warp(game.query(q2).deadline);
        game.timeoutQuery(q2);
        uint256 share = uint256(SOLVER_BOND) * parameters().challengerShareBps / 10_000;
        assertEq(token.balanceOf(dave), FUNDS + share);
        assertEq(token.balanceOf(solver), FUNDS - SOLVER_BOND + 2 * uint256(CHALLENGER_BOND));
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Open));
        assertEq(token.balanceOf(address(game)), REWARD);
    }
}
