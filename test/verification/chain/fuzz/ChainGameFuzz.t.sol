// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";

/// @notice Properties over arbitrary claims: the honest side wins every bisection in at most ceil(log2 N) <= 64
/// rounds; clocks charge only the side to move; a slash moves exactly the solver's bond.
contract ChainGameFuzzTest is ChainGameBase {
    function _ceilLog2(uint256 x) internal pure returns (uint256 n) {
        while ((uint256(1) << n) < x) ++n;
    }

    function testFuzz_Bisection_TheHonestSideWins(uint64 steps, uint64 lieAt, bool solverHonest) public {
        steps = uint64(bound(steps, 1, type(uint64).max));
        lieAt = uint64(bound(lieAt, 0, steps - 1));
        (uint256 id, uint256 rounds) = _play(steps, solverHonest ? NEVER : lieAt, solverHonest ? lieAt : NEVER);

        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(info.hi - info.lo, 1);
        // Both sides agree up to the first lie, so the bisection ends exactly there.
        assertEq(info.lo, lieAt);
        assertLe(rounds, _ceilLog2(steps));
        assertLe(rounds, 64);

        _judge(id);
        assertEq(
            uint8(game.dispute(id).phase),
            uint8(solverHonest ? IChainGame.DisputePhase.SolverWon : IChainGame.DisputePhase.ChallengerWon)
        );
    }

    function _play(uint64 steps, uint64 solverLies, uint64 challengerLies)
        internal
        returns (uint256 id, uint256 rounds)
    {
        uint256 taskId = _postCounter(steps);
        _claimAndCommit(taskId, _solverHash(steps, solverLies));
        id = _challenge(taskId, alice);
        rounds = _bisect(id, solverLies, challengerLies, 1);
    }

    function testFuzz_Clock_ChargesOnlyTheSideToMove(uint32 solverThinks, uint32 challengerThinks) public {
        solverThinks = uint32(bound(solverThinks, 0, parameters.minClock));
        challengerThinks = uint32(bound(challengerThinks, 0, parameters.minClock));
        uint256 taskId = _postCounter(1 << 40);
        _claimAndCommit(taskId, _trueHash(1 << 40));
        uint256 id = _challenge(taskId, alice);

        skip(solverThinks);
        vm.prank(solver);
        game.reveal(id, _trueHash(1 << 39));
        skip(challengerThinks);
        vm.prank(alice);
        game.answer(id, true);

        IChainGame.Dispute memory info = game.dispute(id);
        assertEq(info.solverClock, parameters.minClock - solverThinks);
        assertEq(info.challengerClock, parameters.minClock - challengerThinks);
        assertEq(info.lastMoveAt, block.timestamp);
        // The solver's clock runs again, from where it stopped.
        vm.warp(block.timestamp + info.solverClock + 1);
        game.timeout(id);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function testFuzz_Slash_MovesExactlyTheSolversBond(uint96 bond, uint16 shareBps) public {
        bond = uint96(bound(bond, parameters.minSolverBond, 1000 ether));
        shareBps = uint16(bound(shareBps, game.MIN_CHALLENGER_SHARE_BPS(), game.MAX_CHALLENGER_SHARE_BPS()));
        IChainGame.Parameters memory p = parameters;
        p.challengerShareBps = shareBps;
        vm.prank(d.timelock);
        game.setParameters(p);

        IChainGame.TaskSpec memory spec = _spec(64);
        spec.solverBond = bond;
        uint256 taskId = _post(spec, _state(0));
        _claimAndCommit(taskId, _solverHash(64, 20));
        uint256 id = _challenge(taskId, alice);
        _bisect(id, 20, NEVER, 0);
        _judge(id);

        uint256 toChallenger = token.balanceOf(alice) - FUNDS;
        uint256 toDao = token.balanceOf(d.timelock);
        assertEq(toChallenger + toDao, bond);
        assertEq(toChallenger, uint256(bond) * shareBps / 10_000);
        assertEq(token.balanceOf(solver), FUNDS - bond);
        assertEq(token.balanceOf(address(game)), spec.reward);
    }

    function testFuzz_Post_RefusesTermsBelowTheDaosMinimums(uint96 solverBond, uint32 clock) public {
        IChainGame.TaskSpec memory spec = _spec(10);
        spec.solverBond = uint96(bound(solverBond, 0, parameters.minSolverBond - 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameSolverBondTooLow.selector, spec.solverBond, parameters.minSolverBond
            )
        );
        _post(spec, _state(0));

        spec = _spec(10);
        spec.clock = uint32(bound(clock, 0, parameters.minClock - 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameClockOutOfRange.selector, spec.clock, parameters.minClock, parameters.maxClock
            )
        );
        _post(spec, _state(0));
    }

    function testFuzz_Post_RefusesTermsAboveTheDaosMaximums(uint32 clock, uint32 challengeWindow, uint16 extraBytes)
        public
    {
        IChainGame.TaskSpec memory spec = _spec(10);
        spec.clock = uint32(bound(clock, parameters.maxClock + 1, type(uint32).max));
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameClockOutOfRange.selector, spec.clock, parameters.minClock, parameters.maxClock
            )
        );
        _post(spec, _state(0));

        spec = _spec(10);
        spec.challengeWindow = uint32(bound(challengeWindow, parameters.maxChallengeWindow + 1, type(uint32).max));
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameChallengeWindowOutOfRange.selector,
                spec.challengeWindow,
                parameters.minChallengeWindow,
                parameters.maxChallengeWindow
            )
        );
        _post(spec, _state(0));

        uint256 length = parameters.maxStateBytes + bound(extraBytes, 1, 4096);
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameStateTooLarge.selector, length, parameters.maxStateBytes)
        );
        _post(_spec(10), new bytes(length));
    }

    function testFuzz_Challenge_OnlyInsideTheWindow(uint32 wait) public {
        wait = uint32(bound(wait, 0, 3 * parameters.minChallengeWindow));
        uint256 taskId = _postCounter(10);
        _claimAndCommit(taskId, _trueHash(10));
        uint256 closesAt = block.timestamp + parameters.minChallengeWindow;
        skip(wait);
        if (block.timestamp >= closesAt) {
            vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlinePassed.selector, closesAt));
            _challenge(taskId, alice);
            game.finalize(taskId);
        } else {
            _challenge(taskId, alice);
            vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDeadlineNotReached.selector, closesAt));
            game.finalize(taskId);
        }
    }
}
