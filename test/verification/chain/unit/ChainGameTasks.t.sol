// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../../../../contracts/verification/computations/IChainComputation.sol";
import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {CounterChain} from "../../../mocks/TestComputations.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";

/// @notice A task's life without disputes: post, claim, commit, forfeit, finalize, refund; every revert.
contract ChainGameTasksTest is ChainGameBase {
    uint64 internal constant STEPS = 1000;

    /*//////////////////////////////////////////////////////////////
                                  POST
    //////////////////////////////////////////////////////////////*/

    function test_Post_EscrowsRewardAndStoresTerms() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        uint256 before = token.balanceOf(buyer);
        vm.expectEmit(address(game));
        emit IChainGame.TaskPosted(1, buyer, spec, _trueHash(0), _state(0));
        uint256 id = _post(spec, _state(0));

        assertEq(id, 1);
        assertEq(game.taskCount(), 1);
        assertEq(token.balanceOf(buyer), before - spec.reward);
        assertEq(token.balanceOf(address(game)), spec.reward);
        IChainGame.Task memory t = game.task(id);
        assertEq(t.buyer, buyer);
        assertEq(t.steps, STEPS);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Open));
        assertEq(t.challengerShareBps, parameters.challengerShareBps);
        assertEq(address(t.computation), address(counter));
        assertEq(t.gasPerStep, spec.gasPerStep);
        assertEq(t.clock, spec.clock);
        assertEq(t.claimWindow, spec.claimWindow);
        assertEq(t.challengeWindow, spec.challengeWindow);
        assertEq(t.reward, spec.reward);
        assertEq(t.solverBond, spec.solverBond);
        assertEq(t.challengerBond, spec.challengerBond);
        assertEq(t.commitDeadline, spec.commitDeadline);
        assertEq(t.maxStateBytes, parameters.maxStateBytes);
        assertEq(t.initialHash, _trueHash(0));
        assertEq(t.solver, address(0));
        assertEq(t.finalHash, bytes32(0));
    }

    function test_Post_IdsCountUp() public {
        assertEq(_postCounter(STEPS), 1);
        assertEq(_postCounter(STEPS), 2);
        assertEq(game.taskCount(), 2);
    }

    function test_Post_AcceptsMaximalSteps() public {
        uint256 id = _postCounter(type(uint64).max);
        assertEq(game.task(id).steps, type(uint64).max);
    }

    function test_RevertWhen_PostComputationHasNoCode() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.computation = IChainComputation(makeAddr("eoa"));
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameComputationNotRegistered.selector, address(spec.computation))
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostComputationNotRegistered() public {
        // The same code as the registered counter, at another address: only a registered address may be named.
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.computation = new CounterChain();
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameComputationNotRegistered.selector, address(spec.computation))
        );
        _post(spec, _state(0));
        _registered(address(spec.computation));
        _post(spec, _state(0));
    }

    function test_Post_StateOfExactlyTheBound() public {
        uint256 id = _post(_spec(STEPS), new bytes(parameters.maxStateBytes));
        assertEq(game.task(id).initialHash, keccak256(new bytes(parameters.maxStateBytes)));
    }

    function test_RevertWhen_PostStateOneByteOverTheBound() public {
        uint256 max = parameters.maxStateBytes;
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameStateTooLarge.selector, max + 1, max));
        _post(_spec(STEPS), new bytes(max + 1));
    }

    function test_Post_SnapshotsTheStateBound() public {
        IChainGame.Parameters memory p = parameters;
        p.maxStateBytes = 64;
        vm.prank(d.timelock);
        game.setParameters(p);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameStateTooLarge.selector, 65, 64));
        _post(_spec(STEPS), new bytes(65));
        uint256 id = _post(_spec(STEPS), new bytes(64));
        // A later bound binds new tasks only.
        p.maxStateBytes = 1;
        vm.prank(d.timelock);
        game.setParameters(p);
        assertEq(game.task(id).maxStateBytes, 64);
    }

    function test_RevertWhen_PostZeroSteps() public {
        IChainGame.TaskSpec memory spec = _spec(0);
        vm.expectRevert(IChainGame.ChainGameZeroSteps.selector);
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostGasPerStepZero() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.gasPerStep = 0;
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameGasPerStepOutOfRange.selector, 0, parameters.maxGasPerStep)
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostGasPerStepAboveMaximum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.gasPerStep = parameters.maxGasPerStep + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameGasPerStepOutOfRange.selector, spec.gasPerStep, parameters.maxGasPerStep
            )
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostSolverBondBelowMinimum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.solverBond = parameters.minSolverBond - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameSolverBondTooLow.selector, spec.solverBond, parameters.minSolverBond
            )
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostChallengerBondBelowMinimum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.challengerBond = parameters.minChallengerBond - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameChallengerBondTooLow.selector, spec.challengerBond, parameters.minChallengerBond
            )
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostClockBelowMinimum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.clock = parameters.minClock - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameClockOutOfRange.selector, spec.clock, parameters.minClock, parameters.maxClock
            )
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostClockAboveMaximum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.clock = parameters.maxClock + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameClockOutOfRange.selector, spec.clock, parameters.minClock, parameters.maxClock
            )
        );
        _post(spec, _state(0));
        spec.clock = parameters.maxClock;
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostClaimWindowBelowMinimum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.claimWindow = parameters.minClaimWindow - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameClaimWindowOutOfRange.selector,
                spec.claimWindow,
                parameters.minClaimWindow,
                parameters.maxClaimWindow
            )
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostClaimWindowAboveMaximum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.claimWindow = parameters.maxClaimWindow + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameClaimWindowOutOfRange.selector,
                spec.claimWindow,
                parameters.minClaimWindow,
                parameters.maxClaimWindow
            )
        );
        _post(spec, _state(0));
        spec.claimWindow = parameters.maxClaimWindow;
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostChallengeWindowBelowMinimum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.challengeWindow = parameters.minChallengeWindow - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameChallengeWindowOutOfRange.selector,
                spec.challengeWindow,
                parameters.minChallengeWindow,
                parameters.maxChallengeWindow
            )
        );
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostChallengeWindowAboveMaximum() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.challengeWindow = parameters.maxChallengeWindow + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameChallengeWindowOutOfRange.selector,
                spec.challengeWindow,
                parameters.minChallengeWindow,
                parameters.maxChallengeWindow
            )
        );
        _post(spec, _state(0));
        spec.challengeWindow = parameters.maxChallengeWindow;
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostDeadlineNotInFuture() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.commitDeadline = uint40(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameCommitDeadlineInPast.selector, block.timestamp));
        _post(spec, _state(0));
    }

    function test_RevertWhen_PostRewardNotApproved() public {
        vm.prank(buyer);
        token.approve(address(game), 0);
        vm.expectRevert();
        _postCounter(STEPS);
    }

    /*//////////////////////////////////////////////////////////////
                                 CLAIM
    //////////////////////////////////////////////////////////////*/

    function test_Claim_PostsBondAndStartsClaimWindow() public {
        uint256 id = _postCounter(STEPS);
        IChainGame.Task memory t = game.task(id);
        vm.expectEmit(address(game));
        emit IChainGame.TaskClaimed(id, solver, block.timestamp + t.claimWindow);
        vm.prank(solver);
        game.claim(id);

        t = game.task(id);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Claimed));
        assertEq(t.solver, solver);
        assertEq(t.claimedAt, block.timestamp);
        assertEq(token.balanceOf(address(game)), t.reward + t.solverBond);
        assertEq(token.balanceOf(solver), FUNDS - t.solverBond);
    }

    function test_Claim_CommitByIsCappedAtTheDeadline() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.commitDeadline = uint40(block.timestamp + 60);
        uint256 id = _post(spec, _state(0));
        vm.expectEmit(address(game));
        emit IChainGame.TaskClaimed(id, solver, spec.commitDeadline);
        vm.prank(solver);
        game.claim(id);
    }

    function test_RevertWhen_ClaimUnknownTask() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                7,
                IChainGame.TaskStatus.None,
                _bit(IChainGame.TaskStatus.Open)
            )
        );
        vm.prank(solver);
        game.claim(7);
    }

    function test_RevertWhen_ClaimAlreadyClaimed() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Claimed,
                _bit(IChainGame.TaskStatus.Open)
            )
        );
        vm.prank(alice);
        game.claim(id);
    }

    function test_RevertWhen_ClaimAtCommitDeadline() public {
        uint256 id = _postCounter(STEPS);
        uint256 deadline = game.task(id).commitDeadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlinePassed.selector, deadline));
        vm.prank(solver);
        game.claim(id);
    }

    /*//////////////////////////////////////////////////////////////
                                 COMMIT
    //////////////////////////////////////////////////////////////*/

    function test_Commit_StoresHashAndStartsChallengeWindow() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        skip(10);
        vm.expectEmit(address(game));
        emit IChainGame.ResultCommitted(id, solver, _trueHash(STEPS), block.timestamp + parameters.minChallengeWindow);
        vm.prank(solver);
        game.commit(id, _trueHash(STEPS));

        IChainGame.Task memory t = game.task(id);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Committed));
        assertEq(t.finalHash, _trueHash(STEPS));
        assertEq(t.committedAt, block.timestamp);
    }

    function test_Commit_JustBeforeTheClaimWindowEnds() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        skip(parameters.minClaimWindow - 1);
        vm.prank(solver);
        game.commit(id, _trueHash(STEPS));
    }

    function test_RevertWhen_CommitNotSolver() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameNotSolver.selector, alice, solver));
        vm.prank(alice);
        game.commit(id, _trueHash(STEPS));
    }

    function test_RevertWhen_CommitNotClaimed() public {
        uint256 id = _postCounter(STEPS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Open,
                _bit(IChainGame.TaskStatus.Claimed)
            )
        );
        vm.prank(solver);
        game.commit(id, _trueHash(STEPS));
    }

    function test_RevertWhen_CommitTwice() public {
        uint256 id = _postCounter(STEPS);
        _claimAndCommit(id, _trueHash(STEPS));
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Committed,
                _bit(IChainGame.TaskStatus.Claimed)
            )
        );
        vm.prank(solver);
        game.commit(id, _trueHash(STEPS + 1));
    }

    function test_RevertWhen_CommitAfterClaimWindow() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        uint256 commitBy = block.timestamp + parameters.minClaimWindow;
        vm.warp(commitBy);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlinePassed.selector, commitBy));
        vm.prank(solver);
        game.commit(id, _trueHash(STEPS));
    }

    function test_RevertWhen_CommitAfterCommitDeadline() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.commitDeadline = uint40(block.timestamp + 60);
        uint256 id = _post(spec, _state(0));
        vm.prank(solver);
        game.claim(id);
        vm.warp(spec.commitDeadline);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlinePassed.selector, spec.commitDeadline));
        vm.prank(solver);
        game.commit(id, _trueHash(STEPS));
    }

    /*//////////////////////////////////////////////////////////////
                              FORFEIT CLAIM
    //////////////////////////////////////////////////////////////*/

    function test_ForfeitClaim_PaysBondToBuyerAndReopens() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        skip(parameters.minClaimWindow);
        uint256 bond = game.task(id).solverBond;
        uint256 buyerBefore = token.balanceOf(buyer);

        vm.expectEmit(address(game));
        emit IChainGame.ClaimForfeited(id, solver, 0, bond);
        vm.prank(anyone);
        game.forfeitClaim(id);

        IChainGame.Task memory t = game.task(id);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Open));
        assertEq(t.solver, address(0));
        assertEq(t.claimedAt, 0);
        assertEq(token.balanceOf(buyer), buyerBefore + bond);
        assertEq(token.balanceOf(address(game)), t.reward);

        // The task is open to the next solver.
        vm.prank(alice);
        game.claim(id);
        assertEq(game.task(id).solver, alice);
    }

    function test_RevertWhen_ForfeitClaimBeforeExpiry() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        uint256 commitBy = block.timestamp + parameters.minClaimWindow;
        skip(parameters.minClaimWindow - 1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlineNotReached.selector, commitBy));
        game.forfeitClaim(id);
    }

    function test_RevertWhen_ForfeitClaimNotClaimed() public {
        uint256 id = _postCounter(STEPS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Open,
                _bit(IChainGame.TaskStatus.Claimed)
            )
        );
        game.forfeitClaim(id);
        _claimAndCommit(id, _trueHash(STEPS));
        skip(parameters.minClaimWindow);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Committed,
                _bit(IChainGame.TaskStatus.Claimed)
            )
        );
        game.forfeitClaim(id);
    }

    /*//////////////////////////////////////////////////////////////
                                FINALIZE
    //////////////////////////////////////////////////////////////*/

    function test_Finalize_PaysRewardAndBondToSolver() public {
        uint256 id = _postCounter(STEPS);
        _claimAndCommit(id, _trueHash(STEPS));
        skip(parameters.minChallengeWindow);
        IChainGame.Task memory t = game.task(id);

        vm.expectEmit(address(game));
        emit IChainGame.TaskFinalized(id, solver, t.reward, t.solverBond);
        vm.prank(anyone);
        game.finalize(id);

        assertEq(uint8(game.task(id).status), uint8(IChainGame.TaskStatus.Finalized));
        assertEq(token.balanceOf(solver), FUNDS + t.reward);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_RevertWhen_FinalizeDuringChallengeWindow() public {
        uint256 id = _postCounter(STEPS);
        _claimAndCommit(id, _trueHash(STEPS));
        uint256 closesAt = block.timestamp + parameters.minChallengeWindow;
        skip(parameters.minChallengeWindow - 1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlineNotReached.selector, closesAt));
        game.finalize(id);
    }

    function test_RevertWhen_FinalizeWithDisputeOpen() public {
        uint256 id = _postCounter(STEPS);
        _claimAndCommit(id, _trueHash(STEPS));
        _challenge(id, alice);
        skip(parameters.minChallengeWindow);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputesOpen.selector, id, 1));
        game.finalize(id);
    }

    function test_RevertWhen_FinalizeNotCommitted() public {
        uint256 id = _postCounter(STEPS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Open,
                _bit(IChainGame.TaskStatus.Committed)
            )
        );
        game.finalize(id);
    }

    function test_RevertWhen_FinalizeTwice() public {
        uint256 id = _postCounter(STEPS);
        _claimAndCommit(id, _trueHash(STEPS));
        skip(parameters.minChallengeWindow);
        game.finalize(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Finalized,
                _bit(IChainGame.TaskStatus.Committed)
            )
        );
        game.finalize(id);
    }

    /*//////////////////////////////////////////////////////////////
                                 REFUND
    //////////////////////////////////////////////////////////////*/

    function test_Refund_ReturnsRewardAfterDeadline() public {
        uint256 id = _postCounter(STEPS);
        IChainGame.Task memory t = game.task(id);
        vm.warp(t.commitDeadline);
        vm.expectEmit(address(game));
        emit IChainGame.TaskRefunded(id, buyer, t.reward);
        vm.prank(anyone);
        game.refund(id);

        assertEq(uint8(game.task(id).status), uint8(IChainGame.TaskStatus.Refunded));
        assertEq(token.balanceOf(buyer), FUNDS);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_Refund_AfterForfeitedClaimPastDeadline() public {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.commitDeadline = uint40(block.timestamp + 60);
        uint256 id = _post(spec, _state(0));
        vm.prank(solver);
        game.claim(id);
        vm.warp(spec.commitDeadline);
        game.forfeitClaim(id);
        game.refund(id);
        assertEq(token.balanceOf(buyer), FUNDS + spec.solverBond);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_RevertWhen_RefundBeforeDeadline() public {
        uint256 id = _postCounter(STEPS);
        uint256 deadline = game.task(id).commitDeadline;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlineNotReached.selector, deadline));
        game.refund(id);
    }

    function test_RevertWhen_RefundClaimedOrCommittedOrDone() public {
        uint256 id = _postCounter(STEPS);
        vm.prank(solver);
        game.claim(id);
        vm.warp(game.task(id).commitDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Claimed,
                _bit(IChainGame.TaskStatus.Open)
            )
        );
        game.refund(id);

        uint256 id2 = _postCounter(STEPS);
        _claimAndCommit(id2, _trueHash(STEPS));
        vm.warp(game.task(id2).commitDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id2,
                IChainGame.TaskStatus.Committed,
                _bit(IChainGame.TaskStatus.Open)
            )
        );
        game.refund(id2);

        game.finalize(id2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id2,
                IChainGame.TaskStatus.Finalized,
                _bit(IChainGame.TaskStatus.Open)
            )
        );
        game.refund(id2);
    }

    function test_RevertWhen_RefundTwice() public {
        uint256 id = _postCounter(STEPS);
        vm.warp(game.task(id).commitDeadline);
        game.refund(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                id,
                IChainGame.TaskStatus.Refunded,
                _bit(IChainGame.TaskStatus.Open)
            )
        );
        game.refund(id);
    }
}
