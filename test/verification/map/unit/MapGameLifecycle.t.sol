// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapComputation} from "../../../../contracts/verification/computations/IMapComputation.sol";
import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {Square} from "../../../mocks/TestComputations.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice Post, claim, expire, commit, finalize, refund: every transition and every revert.
contract MapGameLifecycleTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    function setUp() public override {
        super.setUp();
        buildSquareWorld(7);
    }

    /*//////////////////////////////////////////////////////////////
                                  POST
    //////////////////////////////////////////////////////////////*/

    function test_Post_StoresTaskAndEscrowsReward() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        uint256 before = token.balanceOf(buyer);
        vm.expectEmit(address(game));
        emit IMapGame.TaskPosted(1, buyer, square, s, "ipfs://inputs");
        vm.prank(buyer);
        uint256 taskId = game.post(s, "ipfs://inputs");

        assertEq(taskId, 1);
        assertEq(game.taskCount(), 1);
        IMapGame.Task memory t = taskOf(taskId);
        assertEq(t.buyer, buyer);
        assertEq(t.reward, REWARD);
        assertEq(address(t.computation), address(square));
        assertEq(t.gasPerLeaf, GAS_PER_LEAF);
        assertEq(t.commitDeadline, s.commitDeadline);
        assertEq(t.inputRoot, inputTree.root());
        assertEq(t.solverBond, SOLVER_BOND);
        assertEq(t.challengerBond, CHALLENGER_BOND);
        assertEq(t.leafCount, 7);
        assertEq(t.solver, address(0));
        assertEq(uint8(t.status), uint8(IMapGame.TaskStatus.Open));
        assertEq(t.round, 0);
        assertEq(token.balanceOf(buyer), before - REWARD);
        assertEq(token.balanceOf(address(game)), REWARD);
    }

    function test_Post_NumbersTasksFromOne() public {
        assertEq(postWorld(), 1);
        assertEq(postWorld(), 2);
        assertEq(uint8(statusOf(3)), uint8(IMapGame.TaskStatus.None));
    }

    function test_RevertWhen_PostComputationNotAContract() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.computation = IMapComputation(makeAddr("eoa"));
        vm.expectRevert(
            abi.encodeWithSelector(IMapGame.MapGameComputationNotRegistered.selector, address(s.computation))
        );
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostComputationNotRegistered() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        // The same code at a fresh address is a different computation until someone registers it.
        s.computation = IMapComputation(address(new Square()));
        vm.expectRevert(
            abi.encodeWithSelector(IMapGame.MapGameComputationNotRegistered.selector, address(s.computation))
        );
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_Post_SnapshotsTheLeafByteBound() public {
        uint256 taskId = postWorld();
        assertEq(game.task(taskId).maxLeafBytes, parameters().maxLeafBytes);
        IMapGame.Parameters memory p = parameters();
        p.maxLeafBytes = 64;
        asDao();
        game.setParameters(p);
        assertEq(game.task(taskId).maxLeafBytes, 32_768, "a posted task keeps its bound");
    }

    function test_RevertWhen_PostZeroLeafCount() public {
        vm.expectRevert(IMapGame.MapGameZeroLeafCount.selector);
        vm.prank(buyer);
        game.post(spec(square, inputTree.root(), 0), "");
    }

    function test_RevertWhen_PostZeroGasPerLeaf() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.gasPerLeaf = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IMapGame.MapGameGasPerLeafOutOfRange.selector, 0, parameters().maxGasPerLeaf)
        );
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostGasPerLeafAboveMaximum() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.gasPerLeaf = parameters().maxGasPerLeaf + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameGasPerLeafOutOfRange.selector, s.gasPerLeaf, parameters().maxGasPerLeaf
            )
        );
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostZeroReward() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.reward = 0;
        vm.expectRevert(IMapGame.MapGameZeroReward.selector);
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostSolverBondBelowMinimum() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.solverBond = parameters().minSolverBond - 1;
        vm.expectRevert(
            abi.encodeWithSelector(IMapGame.MapGameSolverBondTooLow.selector, s.solverBond, parameters().minSolverBond)
        );
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostChallengerBondBelowMinimum() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.challengerBond = parameters().minChallengerBond - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameChallengerBondOutOfRange.selector,
                s.challengerBond,
                parameters().minChallengerBond,
                SOLVER_BOND
            )
        );
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostChallengerBondAboveSolverBond() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.challengerBond = SOLVER_BOND + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameChallengerBondOutOfRange.selector,
                s.challengerBond,
                parameters().minChallengerBond,
                SOLVER_BOND
            )
        );
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostCommitDeadlineNotInFuture() public {
        IMapGame.TaskSpec memory s = spec(square, inputTree.root(), 7);
        s.commitDeadline = uint40(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameCommitDeadlineInPast.selector, s.commitDeadline));
        vm.prank(buyer);
        game.post(s, "");
    }

    function test_RevertWhen_PostWithoutAllowance() public {
        vm.prank(buyer);
        token.approve(address(game), 0);
        vm.expectRevert();
        postWorld();
    }

    /*//////////////////////////////////////////////////////////////
                                 CLAIM
    //////////////////////////////////////////////////////////////*/

    function test_Claim_SetsSolverAndEscrowsBond() public {
        uint256 taskId = postWorld();
        uint40 end = uint40(block.timestamp + parameters().claimWindow);
        vm.expectEmit(address(game));
        emit IMapGame.TaskClaimed(taskId, solver, 1, end);
        claimAs(solver, taskId);

        IMapGame.Task memory t = taskOf(taskId);
        assertEq(t.solver, solver);
        assertEq(uint8(t.status), uint8(IMapGame.TaskStatus.Claimed));
        assertEq(t.deadline, end);
        assertEq(t.round, 1);
        assertEq(token.balanceOf(solver), FUNDS - SOLVER_BOND);
        assertEq(token.balanceOf(address(game)), REWARD + SOLVER_BOND);
    }

    function test_Claim_DeadlineCutShortByCommitDeadline() public {
        uint256 taskId = postWorld();
        uint40 commitDeadline = taskOf(taskId).commitDeadline;
        vm.warp(commitDeadline - 1);
        claimAs(solver, taskId);
        assertEq(taskOf(taskId).deadline, commitDeadline);
    }

    function test_Claim_ForfeitsAnExpiredClaimToTheBuyer() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        skip(parameters().claimWindow);
        uint256 buyerBefore = token.balanceOf(buyer);

        vm.expectEmit(address(game));
        emit IMapGame.ClaimForfeited(taskId, solver, 1, SOLVER_BOND);
        claimAs(dave, taskId);

        assertEq(taskOf(taskId).solver, dave);
        assertEq(taskOf(taskId).round, 2);
        assertEq(token.balanceOf(buyer), buyerBefore + SOLVER_BOND);
        assertEq(token.balanceOf(solver), FUNDS - SOLVER_BOND);
        assertEq(token.balanceOf(address(game)), REWARD + SOLVER_BOND);
    }

    function test_RevertWhen_ClaimTaskNotPosted() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                9,
                IMapGame.TaskStatus.None,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        claimAs(solver, 9);
    }

    function test_RevertWhen_ClaimTaskAlreadyClaimed() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        skip(parameters().claimWindow - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Claimed,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        claimAs(dave, taskId);
    }

    function test_RevertWhen_ClaimTaskCommitted() public {
        uint256 taskId = committedWorld();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Committed,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        claimAs(dave, taskId);
    }

    function test_RevertWhen_ClaimAtCommitDeadline() public {
        uint256 taskId = postWorld();
        uint40 commitDeadline = taskOf(taskId).commitDeadline;
        vm.warp(commitDeadline);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlinePassed.selector, commitDeadline));
        claimAs(solver, taskId);
    }

    function test_RevertWhen_ClaimWithoutFunds() public {
        uint256 taskId = postWorld();
        address poor = makeAddr("poor");
        vm.expectRevert();
        claimAs(poor, taskId);
    }

    /*//////////////////////////////////////////////////////////////
                              EXPIRE CLAIM
    //////////////////////////////////////////////////////////////*/

    function test_ForfeitClaim_PaysBondToBuyerAndReopens() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        skip(parameters().claimWindow);
        uint256 buyerBefore = token.balanceOf(buyer);

        vm.expectEmit(address(game));
        emit IMapGame.ClaimForfeited(taskId, solver, 1, SOLVER_BOND);
        vm.prank(eve);
        game.forfeitClaim(taskId);

        IMapGame.Task memory t = taskOf(taskId);
        assertEq(uint8(t.status), uint8(IMapGame.TaskStatus.Open));
        assertEq(t.solver, address(0));
        assertEq(token.balanceOf(buyer), buyerBefore + SOLVER_BOND);
        assertEq(token.balanceOf(address(game)), REWARD);
    }

    function test_RevertWhen_ForfeitClaimBeforeDeadline() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        uint40 deadline = taskOf(taskId).deadline;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlineNotReached.selector, deadline));
        game.forfeitClaim(taskId);
    }

    function test_RevertWhen_ForfeitClaimNotClaimed() public {
        uint256 taskId = postWorld();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Open,
                _bit(IMapGame.TaskStatus.Claimed)
            )
        );
        game.forfeitClaim(taskId);
    }

    function test_RevertWhen_ForfeitClaimCommitted() public {
        uint256 taskId = committedWorld();
        skip(parameters().claimWindow);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Committed,
                _bit(IMapGame.TaskStatus.Claimed)
            )
        );
        game.forfeitClaim(taskId);
    }

    /*//////////////////////////////////////////////////////////////
                                 COMMIT
    //////////////////////////////////////////////////////////////*/

    function test_Commit_StoresRootAndOpensChallengeWindow() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        uint40 end = uint40(block.timestamp + parameters().challengeWindow);
        vm.expectEmit(address(game));
        emit IMapGame.ResultCommitted(taskId, solver, 1, resultTree.root(), end, "ipfs://results");
        commitAs(solver, taskId, resultTree.root());

        IMapGame.Task memory t = taskOf(taskId);
        assertEq(uint8(t.status), uint8(IMapGame.TaskStatus.Committed));
        assertEq(t.resultRoot, resultTree.root());
        assertEq(t.deadline, end);
    }

    function test_RevertWhen_CommitCallerNotSolver() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotSolver.selector, eve, solver));
        commitAs(eve, taskId, resultTree.root());
    }

    function test_RevertWhen_CommitAtClaimDeadline() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        uint40 deadline = taskOf(taskId).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlinePassed.selector, deadline));
        commitAs(solver, taskId, resultTree.root());
    }

    function test_RevertWhen_CommitNotClaimed() public {
        uint256 taskId = postWorld();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Open,
                _bit(IMapGame.TaskStatus.Claimed)
            )
        );
        commitAs(solver, taskId, resultTree.root());
    }

    function test_RevertWhen_CommitTwice() public {
        uint256 taskId = committedWorld();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Committed,
                _bit(IMapGame.TaskStatus.Claimed)
            )
        );
        commitAs(solver, taskId, bytes32(uint256(1)));
    }

    /*//////////////////////////////////////////////////////////////
                                FINALIZE
    //////////////////////////////////////////////////////////////*/

    function test_Finalize_PaysRewardAndBondToSolver() public {
        uint256 taskId = committedWorld();
        skip(parameters().challengeWindow);
        vm.expectEmit(address(game));
        emit IMapGame.TaskFinalized(taskId, solver, uint256(REWARD) + SOLVER_BOND);
        vm.prank(eve);
        game.finalize(taskId);

        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Finalized));
        assertEq(token.balanceOf(solver), FUNDS + REWARD);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_RevertWhen_FinalizeDuringChallengeWindow() public {
        uint256 taskId = committedWorld();
        uint40 deadline = taskOf(taskId).deadline;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlineNotReached.selector, deadline));
        game.finalize(taskId);
    }

    function test_RevertWhen_FinalizeNotCommitted() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Claimed,
                _bit(IMapGame.TaskStatus.Committed)
            )
        );
        game.finalize(taskId);
    }

    function test_RevertWhen_FinalizeTwice() public {
        uint256 taskId = committedWorld();
        skip(parameters().challengeWindow);
        game.finalize(taskId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Finalized,
                _bit(IMapGame.TaskStatus.Committed)
            )
        );
        game.finalize(taskId);
    }

    function test_RevertWhen_FinalizeWithOpenQuery() public {
        uint256 taskId = committedWorld();
        openQueryAs(challenger, taskId, 3);
        skip(parameters().challengeWindow);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameQueriesOpen.selector, taskId, 1));
        game.finalize(taskId);
    }

    /*//////////////////////////////////////////////////////////////
                                 REFUND
    //////////////////////////////////////////////////////////////*/

    function test_Refund_BuyerCancelsOpenTask() public {
        uint256 taskId = postWorld();
        vm.expectEmit(address(game));
        emit IMapGame.TaskRefunded(taskId, buyer, REWARD);
        vm.prank(buyer);
        game.refund(taskId);
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Refunded));
        assertEq(token.balanceOf(buyer), FUNDS);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_Refund_AnyoneAfterCommitDeadline() public {
        uint256 taskId = postWorld();
        vm.warp(taskOf(taskId).commitDeadline);
        vm.prank(eve);
        game.refund(taskId);
        assertEq(token.balanceOf(buyer), FUNDS);
    }

    function test_Refund_ForfeitsExpiredClaimToo() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        vm.warp(taskOf(taskId).commitDeadline);
        vm.prank(eve);
        game.refund(taskId);
        assertEq(token.balanceOf(buyer), FUNDS + SOLVER_BOND);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_Refund_AfterSlashOnceCommitDeadlinePassed() public {
        buildSquareWorld(7);
        cheatAt(2);
        uint256 taskId = committedWorld();
        IMapGame.CheatProof memory p = cheatProof(2);
        commitProofAs(challenger, taskId, p, "salt");
        vm.prank(challenger);
        game.proveCheat(taskId, p, "salt");
        vm.warp(taskOf(taskId).commitDeadline);
        game.refund(taskId);
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Refunded));
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_RevertWhen_RefundByOtherBeforeCommitDeadline() public {
        uint256 taskId = postWorld();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotBuyer.selector, eve, buyer));
        vm.prank(eve);
        game.refund(taskId);
    }

    function test_RevertWhen_RefundClaimedTask() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Claimed,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        vm.prank(buyer);
        game.refund(taskId);
    }

    function test_RevertWhen_RefundCommittedTask() public {
        uint256 taskId = committedWorld();
        vm.warp(taskOf(taskId).commitDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Committed,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        vm.prank(buyer);
        game.refund(taskId);
    }

    function test_RevertWhen_RefundTwice() public {
        uint256 taskId = postWorld();
        vm.prank(buyer);
        game.refund(taskId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Refunded,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        vm.prank(buyer);
        game.refund(taskId);
    }
}
