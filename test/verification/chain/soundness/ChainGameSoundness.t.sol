// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {GrowingChain} from "../utils/ChainComputations.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";

/// @notice The ChainGame's part of docs/protocol.md, "Soundness": bounded units (rule 1) and the cheater that proves
/// its own cheat first (rule 2). Each attack is named after what the attacker tries; the attacker ends poorer and the
/// honest party whole.
contract ChainGameSoundnessTest is ChainGameBase {
    uint64 internal constant STEPS = 1000;
    uint64 internal constant LIES_AFTER = 600;

    GrowingChain internal growing;

    function setUp() public override {
        super.setUp();
        growing = GrowingChain(_registered(address(new GrowingChain())));
    }

    /*//////////////////////////////////////////////////////////////
                          RULE 1: BOUNDED UNITS
    //////////////////////////////////////////////////////////////*/

    /// @dev A one-step GrowingChain task from `initialState` whose solver commits `finalHash`, challenged by alice:
    /// the dispute is at its step.
    function _growingDispute(bytes memory initialState, bytes32 finalHash)
        internal
        returns (uint256 taskId, uint256 id)
    {
        IChainGame.TaskSpec memory spec = _spec(1);
        spec.computation = growing;
        taskId = _post(spec, initialState);
        _claimAndCommit(taskId, finalHash);
        id = _challenge(taskId, alice);
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.Step));
    }

    function _phase(uint256 id) internal view returns (IChainGame.DisputePhase) {
        return game.dispute(id).phase;
    }

    function test_BoundedUnits_AStepReturningAStateOverTheBoundHalts() public {
        // From a state at the bound, the step would return one byte more: it halts, the next state is the current one.
        bytes memory atTheBound = new bytes(parameters.maxStateBytes);
        (, uint256 id) = _growingDispute(atTheBound, keccak256(atTheBound));
        vm.expectEmit(address(game));
        emit IChainGame.StepJudged(id, 0, keccak256(atTheBound), true);
        _judgeFrom(id, atTheBound);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
    }

    function test_BoundedUnits_ASolverCommittingTheOverlongStateLoses() public {
        bytes memory atTheBound = new bytes(parameters.maxStateBytes);
        (uint256 taskId, uint256 id) = _growingDispute(atTheBound, keccak256(bytes.concat(atTheBound, hex"01")));
        _judgeFrom(id, atTheBound);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
        assertEq(uint8(game.task(taskId).status), uint8(IChainGame.TaskStatus.Open));
    }

    function test_BoundedUnits_AStepReturningAStateAtTheBoundMoves() public {
        bytes memory below = new bytes(parameters.maxStateBytes - 1);
        (, uint256 id) = _growingDispute(below, keccak256(bytes.concat(below, hex"01")));
        _judgeFrom(id, below);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
    }

    function test_BoundedUnits_TheJudgeUsesTheTasksBoundNotTheDaosLaterOne() public {
        IChainGame.Parameters memory p = parameters;
        p.maxStateBytes = 64;
        vm.prank(d.timelock);
        game.setParameters(p);
        bytes memory s0 = new bytes(40);
        (, uint256 id) = _growingDispute(s0, keccak256(bytes.concat(s0, hex"01")));
        // The DAO lowers the bound below the task's next state: the task keeps its own (64), so the step moves.
        p.maxStateBytes = 40;
        vm.prank(d.timelock);
        game.setParameters(p);
        _judgeFrom(id, s0);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.SolverWon));
    }

    function test_BoundedUnits_AnOverlongAgreedStateCannotBeJudgedAndTheSolverLoses() public {
        // Only a cheating solver reveals the hash of a state over the bound (an honest chain never has one); if the
        // challenger agrees to it, nobody can have the step judged, and the step is the solver's move.
        IChainGame.Parameters memory p = parameters;
        p.maxStateBytes = 64;
        vm.prank(d.timelock);
        game.setParameters(p);
        IChainGame.TaskSpec memory spec = _spec(2);
        spec.computation = growing;
        uint256 taskId = _post(spec, new bytes(63));
        _claimAndCommit(taskId, keccak256("final"));
        uint256 id = _challenge(taskId, alice);
        bytes memory overlong = new bytes(65);
        vm.prank(solver);
        game.reveal(id, keccak256(overlong));
        vm.prank(alice);
        game.answer(id, true);
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameStateTooLarge.selector, 65, 64));
        _judgeFrom(id, overlong);
        skip(spec.clock + 1);
        game.timeout(id);
        assertEq(uint8(_phase(id)), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    function _judgeFrom(uint256 id, bytes memory preimage) internal {
        vm.prank(anyone);
        game.judgeStep(id, preimage);
    }

    /*//////////////////////////////////////////////////////////////
                     RULE 2: SELF-PROVING CHEATER
    //////////////////////////////////////////////////////////////*/

    /// @dev The cheater's addresses: the solver and three others it controls, funded like everyone else.
    function _cheaterAddresses() internal returns (address[4] memory addresses) {
        addresses[0] = solver;
        for (uint256 i = 1; i < 4; ++i) {
            addresses[i] = makeAddr(string.concat("cheater-", vm.toString(i)));
            _fund(addresses[i]);
        }
    }

    function _balanceOf(address[4] memory addresses) internal view returns (uint256 total) {
        for (uint256 i; i < addresses.length; ++i) {
            total += token.balanceOf(addresses[i]);
        }
    }

    /// @dev Plays the pre-emption: the solver commits a wrong final hash; before the honest challenger (alice) can,
    /// its three other addresses open disputes against it; alice opens hers; the solver never moves in alice's dispute
    /// and has the one of `winner` (1 to 3) decided against itself first, by playing it to lose at the judged step
    /// (`byTimeout` false) or by letting its clock run out and calling the timeout before alice can (true). Returns
    /// the task and alice's dispute.
    function _preempt(address[4] memory cheater, uint256 winner, bool byTimeout, uint96 bond)
        internal
        returns (uint256 taskId, uint256 honestDispute, uint256[4] memory selfDisputes)
    {
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        spec.solverBond = bond;
        taskId = _post(spec, _state(0));
        _claimAndCommit(taskId, _solverHash(STEPS, LIES_AFTER));

        // The cheater knows first: its disputes are opened before the honest one.
        for (uint256 i = 1; i < 4; ++i) {
            selfDisputes[i] = _challenge(taskId, cheater[i]);
        }
        honestDispute = _challenge(taskId, alice);

        // (c) However it is decided, the slash names the solver: the cheat counts against it.
        uint256 toChallenger = uint256(bond) * game.task(taskId).challengerShareBps / game.BPS();
        if (byTimeout) {
            // The solver's clock runs out in every dispute at once; the cheater calls the timeout of its own first.
            skip(spec.clock + 1);
            vm.expectEmit(address(game));
            emit IChainGame.SolverSlashed(taskId, solver, selfDisputes[winner], toChallenger, bond - toChallenger);
            vm.prank(cheater[winner]);
            game.timeout(selfDisputes[winner]);
        } else {
            // The cheater plays its own dispute to the end at once, honestly up to its lie, and has the step judged.
            _bisect(selfDisputes[winner], LIES_AFTER, NEVER, 0);
            IChainGame.Dispute memory info = game.dispute(selfDisputes[winner]);
            vm.expectEmit(address(game));
            emit IChainGame.SolverSlashed(taskId, solver, selfDisputes[winner], toChallenger, bond - toChallenger);
            vm.prank(cheater[winner]);
            game.judgeStep(selfDisputes[winner], _state(info.lo));
        }
        assertEq(uint8(_phase(selfDisputes[winner])), uint8(IChainGame.DisputePhase.ChallengerWon));
    }

    /// @dev After the pre-emption: alice's dispute is stale; alice and the cheater's losing addresses reclaim their
    /// bonds.
    function _settle(uint256 honestDispute, uint256[4] memory selfDisputes, uint256 winner) internal {
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameDisputeStale.selector, honestDispute));
        vm.prank(alice);
        game.timeout(honestDispute);
        vm.prank(alice);
        game.reclaimDisputeBond(honestDispute);
        for (uint256 i = 1; i < 4; ++i) {
            if (i != winner) game.reclaimDisputeBond(selfDisputes[i]);
        }
    }

    function test_Attack_CheaterChallengesItselfFirst() public {
        // The DAO's largest split: the most a cheater can recover through its own challenger.
        IChainGame.Parameters memory p = parameters;
        p.challengerShareBps = game.MAX_CHALLENGER_SHARE_BPS();
        vm.prank(d.timelock);
        game.setParameters(p);
        address[4] memory cheater = _cheaterAddresses();
        uint256 cheaterBefore = _balanceOf(cheater);
        uint96 bond = 10 ether;

        // The cheater's second address wins first, by the judged step.
        IChainGame.TaskSpec memory spec = _spec(STEPS);
        (uint256 taskId, uint256 honestDispute, uint256[4] memory selfDisputes) = _preempt(cheater, 2, false, bond);
        _settle(honestDispute, selfDisputes, 2);

        // (a) The cheater lost half its bond over all its addresses: the DAO's part.
        assertEq(cheaterBefore - _balanceOf(cheater), bond / 2);
        assertEq(token.balanceOf(d.timelock), bond / 2);
        // (b) The honest challenger got back every bond it posted.
        assertEq(token.balanceOf(alice), FUNDS);
        // The task reopened for an honest solver; the game holds only the reward.
        IChainGame.Task memory t = game.task(taskId);
        assertEq(uint8(t.status), uint8(IChainGame.TaskStatus.Open));
        assertEq(t.solver, address(0));
        assertEq(t.round, 1);
        assertEq(token.balanceOf(address(game)), spec.reward);
    }

    function test_Attack_CheaterChallengesItselfFirst_AndWinsByItsOwnTimeout() public {
        address[4] memory cheater = _cheaterAddresses();
        uint256 cheaterBefore = _balanceOf(cheater);
        (uint256 taskId, uint256 honestDispute, uint256[4] memory selfDisputes) = _preempt(cheater, 1, true, 10 ether);
        _settle(honestDispute, selfDisputes, 1);

        assertEq(cheaterBefore - _balanceOf(cheater), 5 ether);
        assertEq(token.balanceOf(alice), FUNDS);
        assertEq(uint8(game.task(taskId).status), uint8(IChainGame.TaskStatus.Open));
        // The honest solver who takes the task again is paid as usual.
        vm.startPrank(carol);
        game.claim(taskId);
        game.commit(taskId, _trueHash(STEPS));
        vm.stopPrank();
        skip(parameters.minChallengeWindow);
        game.finalize(taskId);
        assertEq(token.balanceOf(carol), FUNDS + _spec(STEPS).reward);
    }

    /// @notice Whatever split the DAO sets, whatever the bond, whichever of its addresses wins first and however: a
    /// proven cheat costs the cheater at least half its bond over all its addresses, and the pre-empted honest
    /// challenger is whole.
    function testFuzz_Attack_CheaterChallengesItselfFirst(uint16 shareBps, uint96 bond, uint8 winner, bool byTimeout)
        public
    {
        IChainGame.Parameters memory p = parameters;
        p.challengerShareBps = uint16(bound(shareBps, game.MIN_CHALLENGER_SHARE_BPS(), game.MAX_CHALLENGER_SHARE_BPS()));
        vm.prank(d.timelock);
        game.setParameters(p);
        bond = uint96(bound(bond, parameters.minSolverBond, 1000 ether));
        winner = uint8(bound(winner, 1, 3));
        address[4] memory cheater = _cheaterAddresses();
        uint256 cheaterBefore = _balanceOf(cheater);

        (, uint256 honestDispute, uint256[4] memory selfDisputes) = _preempt(cheater, winner, byTimeout, bond);
        _settle(honestDispute, selfDisputes, winner);

        uint256 lost = cheaterBefore - _balanceOf(cheater);
        assertGe(2 * lost, bond, "the cheater lost at least half its bond");
        assertEq(lost, token.balanceOf(d.timelock), "what it lost went to the DAO");
        assertEq(token.balanceOf(alice), FUNDS, "the honest challenger is whole");
    }
}
