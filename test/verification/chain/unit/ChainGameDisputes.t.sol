// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {Judge} from "../../../../contracts/verification/libraries/Judge.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";

/// @notice Every transition and every revert of a dispute: challenge, reveal, answer, judgeStep, timeout, reclaimDisputeBond.
contract ChainGameDisputesTest is ChainGameBase {
    uint64 internal constant STEPS = 1000;
    uint256 internal taskId;

    function setUp() public override {
        super.setUp();
        taskId = _postCounter(STEPS);
        // The solver's chain is honest up to step 600.
        _claimAndCommit(taskId, _solverHash(STEPS, 600));
    }

    function _open() internal returns (uint256) {
        return _challenge(taskId, alice);
    }

    function _revealHonestly(uint256 disputeId) internal {
        bytes32 h = _trueHash(game.dispute(disputeId).mid);
        vm.prank(solver);
        game.reveal(disputeId, h);
    }

    /*//////////////////////////////////////////////////////////////
                               CHALLENGE
    //////////////////////////////////////////////////////////////*/

    function test_Challenge_OpensDisputeOverAllSteps() public {
        bytes32 claimed = _trueHash(STEPS);
        IChainGame.Task memory t = game.task(taskId);
        vm.expectEmit(address(game));
        emit IChainGame.DisputeOpened(1, taskId, alice, 0, claimed);
        vm.prank(alice);
        uint256 id = game.challenge(taskId, claimed);

        assertEq(id, 1);
        assertEq(game.disputeCount(), 1);
        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(info.challenger, alice);
        assertEq(info.taskId, taskId);
        assertEq(info.round, 0);
        assertEq(uint8(info.phase), uint8(IChainGame.DisputePhase.Reveal));
        assertEq(info.lo, 0);
        assertEq(info.hi, STEPS);
        assertEq(info.mid, STEPS / 2);
        assertEq(info.loHash, t.initialHash);
        assertEq(info.hiHash, t.finalHash);
        assertEq(info.midHash, bytes32(0));
        assertEq(info.solverClock, t.clock);
        assertEq(info.challengerClock, t.clock);
        assertEq(info.lastMoveAt, block.timestamp);
        assertEq(game.task(taskId).openDisputes, 1);
        assertEq(token.balanceOf(address(game)), t.reward + t.solverBond + t.challengerBond);
        assertEq(token.balanceOf(alice), FUNDS - t.challengerBond);
    }

    function test_Challenge_OneStepTaskGoesStraightToTheStep() public {
        uint256 id1 = _postCounter(1);
        _claimAndCommit(id1, _trueHash(1));
        uint256 disputeId = _challenge(id1, alice);
        IChainGame.Dispute memory info = game.dispute(disputeId);
        assertEq(uint8(info.phase), uint8(IChainGame.DisputePhase.Step));
        assertEq(info.lo, 0);
        assertEq(info.hi, 1);
    }

    function test_Challenge_SeveralAtOnce() public {
        _challenge(taskId, alice);
        _challenge(taskId, bob);
        _challenge(taskId, alice);
        assertEq(game.task(taskId).openDisputes, 3);
    }

    function test_RevertWhen_ChallengeNotCommitted() public {
        uint256 open = _postCounter(STEPS);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedTaskStatus.selector,
                open,
                IChainGame.TaskStatus.Open,
                _bit(IChainGame.TaskStatus.Committed)
            )
        );
        _challenge(open, alice);
    }

    function test_RevertWhen_ChallengeAfterWindow() public {
        uint256 closesAt = block.timestamp + parameters.minChallengeWindow;
        vm.warp(closesAt);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlinePassed.selector, closesAt));
        _challenge(taskId, alice);
    }

    function test_RevertWhen_ChallengeClaimsTheSolversHash() public {
        bytes32 same = game.task(taskId).finalHash;
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameSameFinalHash.selector, same));
        vm.prank(alice);
        game.challenge(taskId, same);
    }

    /*//////////////////////////////////////////////////////////////
                                 REVEAL
    //////////////////////////////////////////////////////////////*/

    function test_Reveal_ChargesSolverClockAndHandsTurn() public {
        uint256 id = _open();
        skip(100);
        vm.expectEmit(address(game));
        emit IChainGame.MidpointRevealed(id, STEPS / 2, _trueHash(STEPS / 2));
        vm.prank(solver);
        game.reveal(id, _trueHash(STEPS / 2));

        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(uint8(info.phase), uint8(IChainGame.DisputePhase.Answer));
        assertEq(info.midHash, _trueHash(STEPS / 2));
        assertEq(info.solverClock, parameters.minClock - 100);
        assertEq(info.challengerClock, parameters.minClock);
        assertEq(info.lastMoveAt, block.timestamp);
    }

    function test_Reveal_WithTheLastSecondOfTheClock() public {
        uint256 id = _open();
        skip(parameters.minClock);
        _revealHonestly(id);
        assertEq(game.dispute(id).solverClock, 0);
    }

    function test_RevertWhen_RevealNotSolver() public {
        uint256 id = _open();
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameNotSolver.selector, alice, solver));
        vm.prank(alice);
        game.reveal(id, bytes32(0));
    }

    function test_RevertWhen_RevealDuringAnswer() public {
        uint256 id = _open();
        _revealHonestly(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                id,
                IChainGame.DisputePhase.Answer,
                _bit(IChainGame.DisputePhase.Reveal)
            )
        );
        vm.prank(solver);
        game.reveal(id, bytes32(0));
    }

    function test_RevertWhen_RevealAtTheStep() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                id,
                IChainGame.DisputePhase.Step,
                _bit(IChainGame.DisputePhase.Reveal)
            )
        );
        vm.prank(solver);
        game.reveal(id, bytes32(0));
    }

    function test_RevertWhen_RevealUnknownDispute() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                9,
                IChainGame.DisputePhase.None,
                _bit(IChainGame.DisputePhase.Reveal)
            )
        );
        vm.prank(solver);
        game.reveal(9, bytes32(0));
    }

    function test_RevertWhen_RevealClockExpired() public {
        uint256 id = _open();
        skip(parameters.minClock + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockExpired.selector, id));
        vm.prank(solver);
        game.reveal(id, _trueHash(STEPS / 2));
    }

    function test_RevertWhen_RevealStale() public {
        uint256 id = _open();
        uint256 winner = _challenge(taskId, bob);
        _bisect(winner, 600, NEVER, 0);
        _judge(winner); // the solver is slashed
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputeStale.selector, id));
        vm.prank(solver);
        game.reveal(id, bytes32(0));
    }

    /*//////////////////////////////////////////////////////////////
                                 ANSWER
    //////////////////////////////////////////////////////////////*/

    function test_Answer_AgreeMovesLoUp() public {
        uint256 id = _open();
        _revealHonestly(id);
        skip(30);
        vm.expectEmit(address(game));
        emit IChainGame.MidpointAnswered(id, STEPS / 2, true);
        vm.prank(alice);
        game.answer(id, true);

        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(uint8(info.phase), uint8(IChainGame.DisputePhase.Reveal));
        assertEq(info.lo, STEPS / 2);
        assertEq(info.hi, STEPS);
        assertEq(info.loHash, _trueHash(STEPS / 2));
        assertEq(info.hiHash, game.task(taskId).finalHash);
        assertEq(info.midHash, bytes32(0));
        assertEq(info.challengerClock, parameters.minClock - 30);
        assertEq(info.solverClock, parameters.minClock);
    }

    function test_Answer_DisagreeMovesHiDown() public {
        uint256 id = _open();
        _revealHonestly(id);
        vm.prank(alice);
        game.answer(id, false);

        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(info.lo, 0);
        assertEq(info.hi, STEPS / 2);
        assertEq(info.loHash, _trueHash(0));
        assertEq(info.hiHash, _trueHash(STEPS / 2));
    }

    function test_Answer_HashSlotsStayConsistentOverManyRounds() public {
        uint256 id = _open();
        bool[10] memory choices = [true, false, false, true, true, false, true, false, true, true];
        for (uint256 i; i < choices.length; ++i) {
            IChainGame.Dispute memory info = game.dispute(id);
            if (info.phase != IChainGame.DisputePhase.Reveal) break;
            bytes32 h = keccak256(abi.encode("mid", info.mid));
            vm.prank(solver);
            game.reveal(id, h);
            vm.prank(alice);
            game.answer(id, choices[i]);
            IChainGame.Dispute memory next = game.dispute(id);
            if (choices[i]) {
                assertEq(next.lo, info.mid);
                assertEq(next.loHash, h);
                assertEq(next.hi, info.hi);
                assertEq(next.hiHash, info.hiHash);
            } else {
                assertEq(next.hi, info.mid);
                assertEq(next.hiHash, h);
                assertEq(next.lo, info.lo);
                assertEq(next.loHash, info.loHash);
            }
        }
    }

    function test_Answer_LastAnswerLeavesTheStep() public {
        uint256 id1 = _postCounter(2);
        _claimAndCommit(id1, _trueHash(2));
        uint256 id = _challenge(id1, alice);
        _revealHonestly(id);
        vm.prank(alice);
        game.answer(id, true);
        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(uint8(info.phase), uint8(IChainGame.DisputePhase.Step));
        assertEq(info.lo, 1);
        assertEq(info.hi, 2);
    }

    function test_RevertWhen_AnswerNotChallenger() public {
        uint256 id = _open();
        _revealHonestly(id);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameNotChallenger.selector, solver, alice));
        vm.prank(solver);
        game.answer(id, true);
    }

    function test_RevertWhen_AnswerBeforeReveal() public {
        uint256 id = _open();
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                id,
                IChainGame.DisputePhase.Reveal,
                _bit(IChainGame.DisputePhase.Answer)
            )
        );
        vm.prank(alice);
        game.answer(id, true);
    }

    function test_RevertWhen_AnswerClockExpired() public {
        uint256 id = _open();
        _revealHonestly(id);
        skip(parameters.minClock + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockExpired.selector, id));
        vm.prank(alice);
        game.answer(id, true);
    }

    function test_RevertWhen_AnswerStale() public {
        uint256 id = _open();
        _revealHonestly(id);
        uint256 winner = _challenge(taskId, bob);
        _bisect(winner, 600, NEVER, 0);
        _judge(winner);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputeStale.selector, id));
        vm.prank(alice);
        game.answer(id, true);
    }

    /*//////////////////////////////////////////////////////////////
                               JUDGE STEP
    //////////////////////////////////////////////////////////////*/

    function test_JudgeStep_SolverWrong_SlashesSplitsAndReopens() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(info.lo, 600);
        assertEq(info.hi, 601);
        IChainGame.Task memory t = game.task(taskId);
        uint256 toChallenger = uint256(t.solverBond) * t.challengerShareBps / 10_000;
        uint256 toDao = t.solverBond - toChallenger;

        vm.expectEmit(address(game));
        emit IChainGame.StepJudged(id, 600, _trueHash(601), false);
        vm.expectEmit(address(game));
        emit IChainGame.DisputeDecided(id, taskId, false, false);
        vm.expectEmit(address(game));
        emit IChainGame.SolverSlashed(taskId, solver, id, toChallenger, toDao);
        _judge(id);

        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));
        t = game.task(taskId);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Open));
        assertEq(t.solver, address(0));
        assertEq(t.round, 1);
        assertEq(t.openDisputes, 0);
        assertEq(t.finalHash, bytes32(0));
        assertEq(t.committedAt, 0);
        assertEq(token.balanceOf(alice), FUNDS + toChallenger);
        assertEq(token.balanceOf(d.timelock), toDao);
        assertEq(token.balanceOf(solver), FUNDS - t.solverBond);
        assertEq(token.balanceOf(address(game)), t.reward);
        assertEq(toChallenger, 5 ether); // the default split: half and half
    }

    function test_JudgeStep_SolverRight_PaysChallengerBondToSolver() public {
        // Bob claims the honest chain is wrong from step 300 on; the solver's (dishonest from 600) wins this one.
        uint256 id = _challenge(taskId, bob);
        IChainGame.Dispute memory info = game.dispute(id);
        while (info.phase == IChainGame.DisputePhase.Reveal) {
            bytes32 h = _solverHash(info.mid, 600);
            vm.prank(solver);
            game.reveal(id, h);
            vm.prank(bob);
            game.answer(id, h == _challengerHash(info.mid, 299));
            info = game.dispute(id);
        }
        assertEq(info.lo, 299);
        uint256 bond = game.task(taskId).challengerBond;

        vm.expectEmit(address(game));
        emit IChainGame.DisputeDecided(id, taskId, true, false);
        _judge(id);

        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.SolverWon));
        assertEq(game.task(taskId).openDisputes, 0);
        assertEq(uint8(game.task(taskId).status), uint8(IChainGame.TaskStatus.Committed));
        assertEq(token.balanceOf(solver), FUNDS - game.task(taskId).solverBond + bond);
        assertEq(token.balanceOf(bob), FUNDS - bond);
    }

    function test_JudgeStep_BySolverItself() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        vm.prank(solver);
        game.judgeStep(id, _state(600));
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_RevertWhen_JudgeStepBeforeTheLastStep() public {
        uint256 id = _open();
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                id,
                IChainGame.DisputePhase.Reveal,
                _bit(IChainGame.DisputePhase.Step)
            )
        );
        game.judgeStep(id, _state(0));
    }

    function test_RevertWhen_JudgeStepWrongPreimage() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameWrongPreimage.selector, _trueHash(600), _trueHash(601))
        );
        game.judgeStep(id, _state(601));
    }

    function test_RevertWhen_JudgeStepPreimageOverTheTasksBound() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        uint256 max = game.task(taskId).maxStateBytes;
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameStateTooLarge.selector, max + 1, max));
        game.judgeStep(id, new bytes(max + 1));
    }

    function test_RevertWhen_JudgeStepComputationChanged() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        // The registry refuses code that could change itself; a chain that changed it anyway (here, a cheat code) leaves
        // a step nobody can judge: the step is the solver's move, so the solver loses by its clock.
        vm.etch(address(counter), address(keccakChain).code);
        assertFalse(registry.isIntact(address(counter)));
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameComputationChanged.selector, address(counter)));
        game.judgeStep(id, _state(600));
        skip(parameters.minClock + 1);
        game.timeout(id);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_RevertWhen_JudgeStepAfterSolverClockRanOut() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        skip(parameters.minClock + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockExpired.selector, id));
        game.judgeStep(id, _state(600));
    }

    function test_RevertWhen_JudgeStepWithoutGasForTheStep() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        // 100,000 gas is the task's gasPerStep: the judge cannot forward it all and refuses to judge.
        vm.expectPartialRevert(Judge.JudgeInsufficientGas.selector);
        game.judgeStep{gas: 100_000}(id, _state(600));
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.Step));
    }

    function test_RevertWhen_JudgeStepTwice() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        _judge(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                id,
                IChainGame.DisputePhase.ChallengerWon,
                _bit(IChainGame.DisputePhase.Step)
            )
        );
        game.judgeStep(id, _state(600));
    }

    function test_RevertWhen_JudgeStepStale() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        uint256 first = _challenge(taskId, bob);
        _bisect(first, 600, NEVER, 0);
        _judge(first);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputeStale.selector, id));
        game.judgeStep(id, _state(600));
    }

    /*//////////////////////////////////////////////////////////////
                                TIMEOUT
    //////////////////////////////////////////////////////////////*/

    function test_Timeout_SolverSilentOnReveal_Loses() public {
        uint256 id = _open();
        skip(parameters.minClock + 1);
        vm.expectEmit(address(game));
        emit IChainGame.DisputeDecided(id, taskId, false, true);
        vm.prank(anyone);
        game.timeout(id);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));
        assertEq(uint8(game.task(taskId).status), uint8(IChainGame.TaskStatus.Open));
    }

    function test_Timeout_ChallengerSilentOnAnswer_Loses() public {
        uint256 id = _open();
        _revealHonestly(id);
        skip(parameters.minClock + 1);
        vm.expectEmit(address(game));
        emit IChainGame.DisputeDecided(id, taskId, true, true);
        vm.prank(anyone);
        game.timeout(id);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.SolverWon));
        assertEq(game.task(taskId).openDisputes, 0);
    }

    function test_Timeout_SolverSilentAtTheStep_Loses() public {
        uint256 id = _open();
        _bisect(id, 600, NEVER, 0);
        skip(parameters.minClock + 1);
        game.timeout(id);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_RevertWhen_TimeoutWhileClockRuns() public {
        uint256 id = _open();
        uint256 runsOutAt = block.timestamp + parameters.minClock;
        vm.warp(runsOutAt);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockRunning.selector, id, runsOutAt));
        game.timeout(id);
        vm.warp(runsOutAt + 1);
        game.timeout(id);
    }

    function test_RevertWhen_TimeoutCountsOnlyTheMoversOwnClock() public {
        uint256 id = _open();
        skip(parameters.minClock - 10); // the solver spends nearly all of its clock
        _revealHonestly(id);
        skip(parameters.minClock); // the challenger spends all of its clock, but not more
        uint256 runsOutAt = block.timestamp;
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockRunning.selector, id, runsOutAt));
        game.timeout(id);
        vm.prank(alice);
        game.answer(id, true);
        // Back on the solver: 10 seconds left.
        skip(10);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockRunning.selector, id, block.timestamp));
        game.timeout(id);
        skip(1);
        game.timeout(id);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_RevertWhen_TimeoutDecided() public {
        uint256 id = _open();
        skip(parameters.minClock + 1);
        game.timeout(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                id,
                IChainGame.DisputePhase.ChallengerWon,
                _running()
            )
        );
        game.timeout(id);
    }

    function test_RevertWhen_TimeoutStale() public {
        uint256 id = _open();
        uint256 first = _challenge(taskId, bob);
        _bisect(first, 600, NEVER, 0);
        _judge(first);
        skip(parameters.minClock + 1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputeStale.selector, id));
        game.timeout(id);
    }

    /*//////////////////////////////////////////////////////////////
                          RECLAIM DISPUTE BOND
    //////////////////////////////////////////////////////////////*/

    function test_ReclaimDisputeBond_ReturnsBondOfADisputeOnASlashedCommitment() public {
        uint256 id = _open();
        _revealHonestly(id);
        uint256 first = _challenge(taskId, bob);
        _bisect(first, 600, NEVER, 0);
        _judge(first);

        vm.expectEmit(address(game));
        emit IChainGame.DisputeBondReclaimed(id, taskId, alice);
        vm.prank(anyone);
        game.reclaimDisputeBond(id);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.Reclaimed));
        assertEq(token.balanceOf(alice), FUNDS);
        assertEq(token.balanceOf(address(game)), game.task(taskId).reward);
    }

    function test_ReclaimDisputeBond_StaleEvenAfterANewCommitment() public {
        uint256 id = _open();
        uint256 first = _challenge(taskId, bob);
        _bisect(first, 600, NEVER, 0);
        _judge(first);
        // A new solver commits the honest result: the old dispute is about the slashed commitment, not this one.
        vm.startPrank(carol);
        game.claim(taskId);
        game.commit(taskId, _trueHash(STEPS));
        vm.stopPrank();
        game.reclaimDisputeBond(id);
        assertEq(game.task(taskId).openDisputes, 0);
    }

    function test_RevertWhen_ReclaimDisputeBondLive() public {
        uint256 id = _open();
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputeLive.selector, id));
        game.reclaimDisputeBond(id);
    }

    function test_RevertWhen_ReclaimDisputeBondDecidedOrTwice() public {
        uint256 id = _open();
        uint256 first = _challenge(taskId, bob);
        _bisect(first, 600, NEVER, 0);
        _judge(first);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector,
                first,
                IChainGame.DisputePhase.ChallengerWon,
                _running()
            )
        );
        game.reclaimDisputeBond(first);
        game.reclaimDisputeBond(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector, id, IChainGame.DisputePhase.Reclaimed, _running()
            )
        );
        game.reclaimDisputeBond(id);
    }

    function test_RevertWhen_ReclaimDisputeBondUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameUnexpectedDisputePhase.selector, 5, IChainGame.DisputePhase.None, _running()
            )
        );
        game.reclaimDisputeBond(5);
    }
}
