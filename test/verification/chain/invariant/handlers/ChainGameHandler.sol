// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ChainGame} from "../../../../../contracts/verification/ChainGame.sol";
import {IChainComputation} from "../../../../../contracts/verification/computations/IChainComputation.sol";
import {IChainGame} from "../../../../../contracts/verification/interfaces/IChainGame.sol";
import {ChainGameStore} from "../stores/ChainGameStore.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

/// @notice Drives the ChainGame through random but well-formed sequences: tasks over a counter chain, solvers and
/// challengers that each follow a chain honest up to some step, every call of the game, the DAO changing the
/// parameters within their bounds, and time passing. Inputs are bounded so that most calls are legal; the ones that
/// are not revert and are ignored.
contract ChainGameHandler is CommonBase, StdCheats, StdUtils {
    uint64 internal constant NEVER = type(uint64).max;

    ChainGame internal immutable game;
    IChainComputation internal immutable computation;
    ChainGameStore internal immutable store;
    address internal immutable dao;
    address[] internal actors;

    constructor(
        ChainGame game_,
        IChainComputation computation_,
        ChainGameStore store_,
        address dao_,
        address[] memory actors_
    ) {
        game = game_;
        computation = computation_;
        store = store_;
        dao = dao_;
        actors = actors_;
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    /// @dev The first task from a random start whose status is `status`, so that most calls find something to do.
    function _task(uint256 seed, IChainGame.TaskStatus status)
        internal
        view
        returns (uint256, IChainGame.Task memory t)
    {
        uint256 n = store.taskCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = store.taskIds((seed + i) % n);
            t = game.task(id);
            if (t.status == status) return (id, t);
        }
        return (0, t);
    }

    enum Want {
        Movable, // running on the live commitment, the side to move still has time
        TimedOut, // running on the live commitment, the side to move has run out of time
        Stale // running on a slashed commitment
    }

    /// @dev The first running dispute from a random start in the state `want`.
    function _dispute(uint256 seed, Want want) internal view returns (uint256, IChainGame.Dispute memory info) {
        uint256 n = store.disputeCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = store.disputeIds((seed + i) % n);
            info = game.dispute(id);
            if (
                info.phase != IChainGame.DisputePhase.Reveal && info.phase != IChainGame.DisputePhase.Answer
                    && info.phase != IChainGame.DisputePhase.Step
            ) continue;
            bool stale = info.round != game.task(info.taskId).round;
            uint256 clock = info.phase == IChainGame.DisputePhase.Answer ? info.challengerClock : info.solverClock;
            bool timedOut = block.timestamp > info.lastMoveAt + clock;
            if (want == Want.Stale ? stale : !stale && (want == Want.TimedOut) == timedOut) return (id, info);
        }
        return (0, info);
    }

    function _hashAt(uint256 i, uint64 liesAfter, bytes32 salt) internal pure returns (bytes32) {
        return i <= liesAfter ? keccak256(abi.encode(i)) : keccak256(abi.encode(salt, i));
    }

    /// @dev Records the solver bond of a task whose commitment the last call slashed (its round moved on).
    function _recordSlash(uint256 taskId, uint32 roundBefore) internal {
        IChainGame.Task memory t = game.task(taskId);
        if (t.round != roundBefore) store.addSlashed(t.solverBond);
    }

    /// @dev A lie point for a chain of `steps` steps: honest half of the time, else lying after some step < steps.
    function _lies(uint64 seed, uint64 steps) internal pure returns (uint64) {
        return seed % 2 == 0 ? NEVER : uint64(_bound(seed, 0, steps - 1));
    }

    /*//////////////////////////////////////////////////////////////
                                 TASKS
    //////////////////////////////////////////////////////////////*/

    function post(uint256 actorSeed, uint64 steps, uint96 reward, uint32 deadline, bool big, uint32 terms) external {
        IChainGame.Parameters memory p = game.parameters();
        // Clocks and windows anywhere in the DAO's bounds, but short enough that the time steps can run them out.
        uint256 clockCap = p.maxClock < p.minClock + 1 hours ? p.maxClock : p.minClock + 1 hours;
        uint256 windowCap = p.maxChallengeWindow < p.minChallengeWindow + 1 hours
            ? p.maxChallengeWindow
            : p.minChallengeWindow + 1 hours;
        IChainGame.TaskSpec memory spec = IChainGame.TaskSpec({
            computation: computation,
            steps: uint64(big && steps % 4 == 0 ? _bound(steps, 1, type(uint64).max) : _bound(steps, 1, 40)),
            gasPerStep: 100_000,
            reward: uint96(_bound(reward, 0, 1000 ether)),
            solverBond: uint96(_bound(reward, p.minSolverBond, 100 ether)),
            challengerBond: uint96(_bound(reward / 3, p.minChallengerBond, 50 ether)),
            clock: uint32(_bound(terms, p.minClock, clockCap)),
            claimWindow: p.minClaimWindow,
            challengeWindow: uint32(_bound(terms >> 8, p.minChallengeWindow, windowCap)),
            commitDeadline: uint40(block.timestamp + _bound(deadline, 1 hours, 3 days))
        });
        vm.prank(_actor(actorSeed));
        store.addTask(game.post(spec, abi.encode(uint256(0))));
        store.count("post");
    }

    function claim(uint256 taskSeed, uint256 actorSeed) external {
        (uint256 id, IChainGame.Task memory t) = _task(taskSeed, IChainGame.TaskStatus.Open);
        if (id == 0 || block.timestamp >= t.commitDeadline) return;
        vm.prank(_actor(actorSeed));
        game.claim(id);
        store.count("claim");
    }

    function commit(uint256 taskSeed, uint64 lieSeed) external {
        (uint256 id, IChainGame.Task memory t) = _task(taskSeed, IChainGame.TaskStatus.Claimed);
        if (id == 0 || block.timestamp >= t.claimedAt + t.claimWindow || block.timestamp >= t.commitDeadline) return;
        uint64 lies = _lies(lieSeed, t.steps);
        vm.prank(t.solver);
        game.commit(id, _hashAt(t.steps, lies, "solver"));
        store.setSolverLies(id, lies);
        store.count("commit");
    }

    function forfeitClaim(uint256 taskSeed) external {
        (uint256 id, IChainGame.Task memory t) = _task(taskSeed, IChainGame.TaskStatus.Claimed);
        if (id == 0 || (block.timestamp < t.claimedAt + t.claimWindow && block.timestamp < t.commitDeadline)) return;
        game.forfeitClaim(id);
        store.count("forfeitClaim");
    }

    function finalize(uint256 taskSeed) external {
        (uint256 id, IChainGame.Task memory t) = _task(taskSeed, IChainGame.TaskStatus.Committed);
        if (id == 0 || block.timestamp < t.committedAt + t.challengeWindow || t.openDisputes != 0) return;
        game.finalize(id);
        store.count("finalize");
    }

    function refund(uint256 taskSeed) external {
        (uint256 id, IChainGame.Task memory t) = _task(taskSeed, IChainGame.TaskStatus.Open);
        if (id == 0 || block.timestamp < t.commitDeadline) return;
        game.refund(id);
        store.count("refund");
    }

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    function challenge(uint256 taskSeed, uint256 actorSeed, uint64 lieSeed) external {
        (uint256 id, IChainGame.Task memory t) = _task(taskSeed, IChainGame.TaskStatus.Committed);
        if (id == 0 || block.timestamp >= t.committedAt + t.challengeWindow) return;
        // A challenger lies if the solver is honest, and is honest otherwise; sometimes both lie.
        uint64 lies =
            store.solverLies(id) == NEVER || lieSeed % 4 == 0 ? uint64(_bound(lieSeed, 0, t.steps - 1)) : NEVER;
        bytes32 claimed = _hashAt(t.steps, lies, "challenger");
        if (claimed == t.finalHash) return;
        vm.prank(_actor(actorSeed));
        store.addDispute(game.challenge(id, claimed), lies);
        store.count("challenge");
    }

    /// @dev The move of whoever is to move: a reveal, an answer, or the judged step.
    function move(uint256 disputeSeed) external {
        (uint256 id, IChainGame.Dispute memory info) = _dispute(disputeSeed, Want.Movable);
        if (id == 0) return;
        if (info.phase == IChainGame.DisputePhase.Reveal) {
            address solver = game.task(info.taskId).solver;
            bytes32 midHash = _hashAt(info.mid, store.solverLies(info.taskId), "solver");
            vm.prank(solver);
            game.reveal(id, midHash);
            store.count("reveal");
        } else if (info.phase == IChainGame.DisputePhase.Answer) {
            bool agree = info.midHash == _hashAt(info.mid, store.challengerLies(id), "challenger");
            vm.prank(info.challenger);
            game.answer(id, agree);
            store.count("answer");
        } else if (info.phase == IChainGame.DisputePhase.Step) {
            game.judgeStep(id, abi.encode(uint256(info.lo)));
            _recordSlash(info.taskId, info.round);
            store.count("judgeStep");
        }
    }

    function timeout(uint256 disputeSeed) external {
        (uint256 id, IChainGame.Dispute memory info) = _dispute(disputeSeed, Want.TimedOut);
        if (id == 0) return;
        game.timeout(id);
        _recordSlash(info.taskId, info.round);
        store.count("timeout");
    }

    function reclaimDisputeBond(uint256 disputeSeed) external {
        (uint256 id,) = _dispute(disputeSeed, Want.Stale);
        if (id == 0) return;
        game.reclaimDisputeBond(id);
        store.count("reclaimDisputeBond");
    }

    /*//////////////////////////////////////////////////////////////
                                  DAO
    //////////////////////////////////////////////////////////////*/

    /// @dev The DAO sets new parameters within their bounds (bonds small enough for the actors' funds, a minimum
    /// clock short enough for the time steps, states long enough for the counter's 32 bytes).
    function setParameters(uint256 seed) external {
        IChainGame.Parameters memory p = game.parameters();
        p.minClock = uint32(_bound(seed, game.CLOCK_FLOOR(), 2 hours));
        p.maxClock = uint32(_bound(seed >> 32, p.minClock, game.MAX_CLOCK()));
        p.maxChallengeWindow = uint32(_bound(seed >> 64, p.minChallengeWindow, game.MAX_WINDOW()));
        p.maxGasPerStep = uint32(_bound(seed >> 96, game.GAS_PER_STEP_FLOOR(), game.MAX_GAS_PER_STEP()));
        p.maxStateBytes = uint32(_bound(seed >> 128, 32, game.MAX_STATE_BYTES()));
        p.challengerShareBps =
            uint16(_bound(seed >> 160, game.MIN_CHALLENGER_SHARE_BPS(), game.MAX_CHALLENGER_SHARE_BPS()));
        vm.prank(dao);
        game.setParameters(p);
        store.count("setParameters");
    }

    /*//////////////////////////////////////////////////////////////
                                  TIME
    //////////////////////////////////////////////////////////////*/

    function warp(uint256 seconds_) external {
        // Mostly short waits (moves), sometimes past a window or a clock.
        skip(seconds_ % 8 == 0 ? _bound(seconds_, 1, 2 hours) : _bound(seconds_, 1, 2 minutes));
        store.count("warp");
    }
}
