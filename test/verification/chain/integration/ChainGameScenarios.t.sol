// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../../../../contracts/verification/computations/IChainComputation.sol";
import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {Judge} from "../../../../contracts/verification/libraries/Judge.sol";
import {GasBurner, Malformed, Reverter} from "../../../mocks/TestComputations.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";

/// @notice Whole games: several challengers, stalling sides, the longest claim, halting steps, the real keccak chain.
contract ChainGameScenariosTest is ChainGameBase {
    /// @dev One move of whoever is to move, both sides following their chains (see {_bisect}). False once at the step.
    function _move(uint256 disputeId, uint64 solverLies, uint64 challengerLies) internal returns (bool moved) {
        IChainGame.Dispute memory info = game.dispute(disputeId);
        if (info.phase == IChainGame.DisputePhase.Reveal) {
            vm.prank(solver);
            game.reveal(disputeId, _solverHash(info.mid, solverLies));
            return true;
        }
        if (info.phase == IChainGame.DisputePhase.Answer) {
            vm.prank(info.challenger);
            game.answer(disputeId, info.midHash == _challengerHash(info.mid, challengerLies));
            return true;
        }
    }

    function _phase(uint256 disputeId) internal view returns (IChainGame.DisputePhase) {
        return game.dispute(disputeId).phase;
    }

    /*//////////////////////////////////////////////////////////////
                          SEVERAL CHALLENGERS
    //////////////////////////////////////////////////////////////*/

    function test_HonestSolver_BeatsThreeChallengers_ThenFinalizes() public {
        uint64 steps = 10_000;
        uint256 taskId = _postCounter(steps);
        _claimAndCommit(taskId, _trueHash(steps));
        uint256[3] memory ids = [_challenge(taskId, alice), _challenge(taskId, bob), _challenge(taskId, carol)];
        // Each challenger follows a chain that is wrong from a different step on.
        uint64[3] memory lies = [uint64(0), 5000, 9999];

        // The three disputes run at once, move by move.
        bool moving = true;
        while (moving) {
            moving = false;
            for (uint256 i; i < 3; ++i) {
                skip(1 minutes);
                if (_move(ids[i], NEVER, lies[i])) moving = true;
            }
        }
        for (uint256 i; i < 3; ++i) {
            assertEq(uint8(_phase(ids[i])), uint8(IChainGame.DisputePhase.Step));
            assertEq(game.dispute(ids[i]).lo, lies[i]);
        }

        skip(parameters.minChallengeWindow);
        _judge(ids[0]);
        _judge(ids[1]);
        // The solver must win every dispute before it is paid.
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputesOpen.selector, taskId, 1));
        game.finalize(taskId);
        _judge(ids[2]);
        for (uint256 i; i < 3; ++i) {
            assertEq(uint8(_phase(ids[i])), uint8(IChainGame.DisputePhase.SolverWon));
        }

        game.finalize(taskId);
        IChainGame.Task memory t = game.task(taskId);
        assertEq(token.balanceOf(solver), FUNDS + t.reward + 3 * uint256(t.challengerBond));
        assertEq(token.balanceOf(alice), FUNDS - t.challengerBond);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_CheatingSolver_WinsAgainstTrollsButLosesToTheHonestChallenger() public {
        uint64 steps = 10_000;
        uint64 solverLies = 7000;
        uint256 taskId = _postCounter(steps);
        _claimAndCommit(taskId, _solverHash(steps, solverLies));
        uint256 troll = _challenge(taskId, alice); // wrong from step 100: loses to the (then honest) solver
        uint256 honest = _challenge(taskId, carol);
        uint256 pending = _challenge(taskId, bob); // still running when the solver is slashed

        _bisect(troll, solverLies, 100, 30);
        _judge(troll);
        assertEq(uint8(_phase(troll)), uint8(IChainGame.DisputePhase.SolverWon));
        _move(pending, solverLies, NEVER);

        _bisect(honest, solverLies, NEVER, 30);
        assertEq(game.dispute(honest).lo, solverLies);
        _judge(honest);
        assertEq(uint8(_phase(honest)), uint8(IChainGame.DisputePhase.ChallengerWon));

        // The slash ends the commitment: the pending dispute can only end by reclaiming bob's bond.
        IChainGame.Task memory t = game.task(taskId);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Open));
        game.reclaimDisputeBond(pending);
        assertEq(token.balanceOf(bob), FUNDS);
        assertEq(token.balanceOf(carol), FUNDS + t.solverBond / 2);
        assertEq(token.balanceOf(alice), FUNDS - t.challengerBond);
        assertEq(token.balanceOf(solver), FUNDS - t.solverBond + t.challengerBond);
        assertEq(token.balanceOf(d.timelock), t.solverBond / 2);

        // Another solver solves the reopened task honestly and is paid.
        vm.startPrank(eve);
        token.approve(address(game), type(uint256).max);
        vm.stopPrank();
        fund(eve, 100 ether);
        vm.startPrank(eve);
        game.claim(taskId);
        game.commit(taskId, _trueHash(steps));
        vm.stopPrank();
        skip(parameters.minChallengeWindow);
        game.finalize(taskId);
        assertEq(token.balanceOf(eve), 100 ether + t.reward);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function test_SlashAfterTheCommitDeadline_LetsTheBuyerBeRefunded() public {
        IChainGame.TaskSpec memory spec = _spec(100);
        spec.commitDeadline = uint40(block.timestamp + 30 minutes);
        uint256 taskId = _post(spec, _state(0));
        _claimAndCommit(taskId, _solverHash(100, 50));
        uint256 id = _challenge(taskId, alice);
        vm.warp(spec.commitDeadline); // the dispute outlives the deadline
        _bisect(id, 50, NEVER, 0);
        _judge(id);
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameDeadlinePassed.selector, game.task(taskId).commitDeadline)
        );
        vm.prank(bob);
        game.claim(taskId);
        game.refund(taskId);
        assertEq(token.balanceOf(buyer), FUNDS);
    }

    /*//////////////////////////////////////////////////////////////
                                STALLING
    //////////////////////////////////////////////////////////////*/

    function test_StallingSolver_LosesByItsClock() public {
        uint256 taskId = _postCounter(1 << 20);
        _claimAndCommit(taskId, _trueHash(1 << 20)); // honest, but it stops playing
        uint256 id = _challenge(taskId, alice);
        for (uint256 i; i < 3; ++i) {
            skip(10 minutes);
            _move(id, NEVER, 10);
            skip(1);
            _move(id, NEVER, 10);
        }
        // The solver has used 30 minutes; the challenger 3 seconds. The solver goes silent.
        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(info.solverClock, parameters.minClock - 30 minutes);
        assertEq(info.challengerClock, parameters.minClock - 3);
        uint256 runsOutAt = block.timestamp + info.solverClock;
        vm.warp(runsOutAt);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockRunning.selector, id, runsOutAt));
        game.timeout(id);
        vm.warp(runsOutAt + 1);
        vm.prank(anyone);
        game.timeout(id);

        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
        IChainGame.Task memory t = game.task(taskId);
        assertEq(token.balanceOf(alice), FUNDS + t.solverBond / 2);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Open));
    }

    function test_StallingChallenger_LosesByItsClock() public {
        uint256 taskId = _postCounter(1 << 20);
        _claimAndCommit(taskId, _trueHash(1 << 20));
        uint256 id = _challenge(taskId, alice); // a griefer: it answers twice, then stalls
        _move(id, NEVER, 10);
        skip(20 minutes);
        _move(id, NEVER, 10);
        _move(id, NEVER, 10);
        skip(parameters.minClock - 20 minutes);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockRunning.selector, id, block.timestamp));
        game.timeout(id);
        skip(1);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockExpired.selector, id));
        vm.prank(alice);
        game.answer(id, true);
        game.timeout(id);

        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
        skip(parameters.minChallengeWindow);
        game.finalize(taskId);
        IChainGame.Task memory t = game.task(taskId);
        assertEq(token.balanceOf(solver), FUNDS + t.reward + t.challengerBond);
    }

    function test_StallingSolverAtTheLastStep_Loses() public {
        uint256 taskId = _postCounter(8);
        _claimAndCommit(taskId, _solverHash(8, 3));
        uint256 id = _challenge(taskId, alice);
        _bisect(id, 3, NEVER, 1);
        skip(parameters.minClock);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameClockExpired.selector, id));
        game.judgeStep(id, _state(3));
        game.timeout(id);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    /*//////////////////////////////////////////////////////////////
                          THE LONGEST CLAIM
    //////////////////////////////////////////////////////////////*/

    /// @dev 2^64 - 1 steps, moves 56 seconds apart: 64 rounds fit in the one-hour floor of the clock.
    function _longest(uint64 solverLies, uint64 challengerLies) internal returns (uint256 id, uint256 rounds) {
        uint64 steps = type(uint64).max;
        uint256 taskId = _postCounter(steps);
        _claimAndCommit(taskId, _solverHash(steps, solverLies));
        id = _challenge(taskId, alice);
        rounds = _bisect(id, solverLies, challengerLies, 56);
        assertLe(rounds, 64, "at most 64 rounds");
        _judge(id);
    }

    function test_Longest_CheatOnlyInTheLastStep_Takes64RoundsAndLoses() public {
        (uint256 id, uint256 rounds) = _longest(type(uint64).max - 1, NEVER);
        assertEq(rounds, 64);
        assertEq(game.dispute(id).lo, type(uint64).max - 1);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_Longest_CheatInTheFirstStep_Loses() public {
        (uint256 id, uint256 rounds) = _longest(0, NEVER);
        assertEq(rounds, 63);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_Longest_CheatHalfway_Loses() public {
        (uint256 id,) = _longest(1 << 63, NEVER);
        assertEq(game.dispute(id).lo, 1 << 63);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_Longest_HonestSolverBeatsAWrongChallenger() public {
        (uint256 id, uint256 rounds) = _longest(NEVER, type(uint64).max - 1);
        assertEq(rounds, 64);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
    }

    /*//////////////////////////////////////////////////////////////
                             HALTING STEPS
    //////////////////////////////////////////////////////////////*/

    /// @dev A task whose every step halts: the final state is the initial one. The solver commits that; the
    /// challenger claims the computation moved, and disagrees with every midpoint.
    function _haltingDispute(IChainComputation computation) internal returns (uint256 id, bytes memory seed) {
        seed = bytes("a seed");
        IChainGame.TaskSpec memory spec = _spec(16);
        spec.computation = computation;
        spec.gasPerStep = 1_000_000;
        uint256 taskId = _post(spec, seed);
        _claimAndCommit(taskId, keccak256(seed));
        id = _challenge(taskId, alice);
        IChainGame.Dispute memory info = game.dispute(id);
        while (info.phase == IChainGame.DisputePhase.Reveal) {
            vm.prank(solver);
            game.reveal(id, keccak256(seed));
            vm.prank(alice);
            game.answer(id, false);
            info = game.dispute(id);
        }
        assertEq(info.lo, 0);
        assertEq(info.hi, 1);
    }

    function test_GasBurner_HaltsWhateverGasTheCallerSends() public {
        (uint256 id, bytes memory seed) = _haltingDispute(IChainComputation(_registered(address(new GasBurner()))));

        // Not enough gas to give the step all of its 1,000,000: the judge refuses instead of judging a short step.
        vm.expectPartialRevert(Judge.JudgeInsufficientGas.selector);
        game.judgeStep{gas: 1_000_000}(id, seed);

        // With enough, whatever the amount, the step halts: the next state is the seed, the solver was right.
        uint256[3] memory gasAmounts = [uint256(1_100_000), 3_000_000, 25_000_000];
        for (uint256 i; i < gasAmounts.length; ++i) {
            uint256 snapshot = vm.snapshotState();
            vm.expectEmit(address(game));
            emit IChainGame.StepJudged(id, 0, keccak256(seed), true);
            game.judgeStep{gas: gasAmounts[i]}(id, seed);
            assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
            vm.revertToState(snapshot);
        }
    }

    function test_GasBurner_SolverClaimingProgressLoses() public {
        GasBurner burner = GasBurner(_registered(address(new GasBurner())));
        IChainGame.TaskSpec memory spec = _spec(1);
        spec.computation = burner;
        spec.gasPerStep = 1_000_000;
        uint256 taskId = _post(spec, "seed");
        _claimAndCommit(taskId, keccak256("progress"));
        uint256 id = _challenge(taskId, alice);
        game.judgeStep{gas: 5_000_000}(id, "seed");
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function test_Reverter_Halts() public {
        (uint256 id, bytes memory seed) = _haltingDispute(IChainComputation(_registered(address(new Reverter()))));
        game.judgeStep(id, seed);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
    }

    function test_MalformedReturn_Halts() public {
        (uint256 id, bytes memory seed) = _haltingDispute(IChainComputation(_registered(address(new Malformed()))));
        game.judgeStep(id, seed);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
    }

    /*//////////////////////////////////////////////////////////////
                          THE REAL KECCAK CHAIN
    //////////////////////////////////////////////////////////////*/

    /// @dev States 0..n of the keccak chain from `seed`.
    function _keccakStates(bytes memory seed, uint256 n) internal pure returns (bytes[] memory s) {
        s = new bytes[](n + 1);
        s[0] = seed;
        for (uint256 i = 1; i <= n; ++i) {
            s[i] = abi.encodePacked(keccak256(s[i - 1]));
        }
    }

    function _keccakDispute(uint64 solverLies, uint64 challengerLies) internal returns (uint256 taskId, uint256 id) {
        uint64 steps = 100;
        bytes[] memory s = _keccakStates("sonm", steps);
        IChainGame.TaskSpec memory spec = _spec(steps);
        spec.computation = keccakChain;
        spec.gasPerStep = 30_000;
        taskId = _post(spec, s[0]);
        bytes32 solverFinal = solverLies >= steps ? keccak256(s[steps]) : keccak256(abi.encode("lie", steps));
        _claimAndCommit(taskId, solverFinal);
        id = _challenge(taskId, alice);
        IChainGame.Dispute memory info = game.dispute(id);
        while (info.phase == IChainGame.DisputePhase.Reveal) {
            bytes32 h = info.mid <= solverLies ? keccak256(s[info.mid]) : keccak256(abi.encode("lie", info.mid));
            vm.prank(solver);
            game.reveal(id, h);
            bytes32 mine =
                info.mid <= challengerLies ? keccak256(s[info.mid]) : keccak256(abi.encode("other", info.mid));
            vm.prank(alice);
            game.answer(id, h == mine);
            info = game.dispute(id);
        }
        game.judgeStep(id, s[info.lo]);
    }

    function test_KeccakChain_CheatingSolverLoses() public {
        (uint256 taskId, uint256 id) = _keccakDispute(41, NEVER);
        assertEq(game.dispute(id).lo, 41);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
        assertEq(uint8(game.task(taskId).status), uint8(IChainGame.TaskStatus.Open));
    }

    function test_KeccakChain_HonestSolverWinsAndIsPaid() public {
        (uint256 taskId, uint256 id) = _keccakDispute(NEVER, 0);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
        skip(parameters.minChallengeWindow);
        game.finalize(taskId);
        assertEq(uint8(game.task(taskId).status), uint8(IChainGame.TaskStatus.Finalized));
    }
}
