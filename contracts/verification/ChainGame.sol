// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "./computations/IChainComputation.sol";
import {IChainGame} from "./interfaces/IChainGame.sol";
import {Judge} from "./libraries/Judge.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ChainGame: chain tasks judged by bisection, with a chess clock per side
/// @notice See {IChainGame} for the protocol. Money rules, in one place:
/// - The buyer's reward is escrowed from posting until finalization (to the solver) or refund (to the buyer).
/// - The solver's bond is held from claim until finalization (back to the solver), a forfeited claim (to the buyer),
///   or the first dispute the solver loses (`challengerShareBps` of it to that challenger, the rest to the DAO: a
///   solver that challenges itself through another address still loses the DAO's part).
/// - A challenger's bond is held while its dispute runs. A challenger that wins gets it back with its share of the
///   slash; one that loses (by the judged step or its clock) pays it whole to the solver, who bore the dispute's cost;
///   one whose dispute is dismissed because the commitment was slashed in another dispute gets it back.
/// A dispute's solver moves (reveal, and the final step) and challenger moves (answer) each rewrite one packed slot,
/// plus one hash slot for a reveal; 64 rounds decide any claim about up to 2^64-1 steps.
/// @dev Token transfers come last in every function (checks, effects, interactions). The token is SNM, a plain
/// OpenZeppelin ERC20 without hooks; computations are only ever `staticcall`ed by {Judge}.
// Windows and clocks compare `block.timestamp`: a validator's few seconds of leeway are immaterial against windows of
// at least five minutes and clocks of at least an hour.
// forge-lint: disable-start(block-timestamp)
contract ChainGame is IChainGame {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Floors and ceilings on the DAO's parameters: whatever the DAO votes, an honest side can always play.
    /// A clock of an hour lets one side make 64 moves a block apart (12 s) with a margin of nearly five.
    uint32 public constant CLOCK_FLOOR = 1 hours;
    /// @notice The least claim window the DAO may allow.
    uint32 public constant CLAIM_WINDOW_FLOOR = 5 minutes;
    /// @notice The least challenge window the DAO may allow: time for a watcher to get a transaction included (its
    /// recomputation can start at the commitment; the DAO's minimum should leave time for it, a day by default).
    uint32 public constant CHALLENGE_WINDOW_FLOOR = 10 minutes;
    /// @notice The range of the DAO's `maxGasPerStep`: a judged step must fit in a block with room to spare.
    uint32 public constant GAS_PER_STEP_FLOOR = 100_000;
    /// @notice Upper end of the range of `maxGasPerStep`.
    uint32 public constant GAS_PER_STEP_CEILING = 30_000_000;
    /// @notice The range of `challengerShareBps`: at least a tenth of a slash rewards the watcher who proved it.
    uint16 public constant CHALLENGER_SHARE_FLOOR_BPS = 1000;
    /// @notice Upper end of the range of `challengerShareBps`: the whole bond.
    uint16 public constant BPS = 10_000;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev The moving part of a dispute, one slot: a move reads it, changes it in memory and writes it back once.
    /// `hashSlots` says which of the dispute's three hash slots holds the hash at `lo` (bits 0-1) and at `hi` (bits
    /// 2-3); the third holds the revealed midpoint. Answering a midpoint then only relabels slots instead of copying a
    /// hash, so an answer is one SSTORE and a reveal two.
    struct Game {
        uint64 lo;
        uint64 hi;
        uint32 solverClock;
        uint32 challengerClock;
        uint40 lastMoveAt;
        DisputePhase phase;
        uint8 hashSlots;
    }

    /// @dev A dispute as stored: 5 slots. The first is written once, at opening; a reveal overwrites the one hash slot
    /// that is neither lo's nor hi's.
    struct DisputeRecord {
        address challenger;
        uint64 taskId;
        uint32 epoch;
        Game game;
        bytes32[3] hashes;
    }

    /// @notice The token of rewards and bonds (SNM).
    IERC20 public immutable token;
    /// @notice The DAO (its timelock): sets the parameters and receives its part of every slash.
    address public immutable dao;

    Parameters private _parameters;
    uint64 private _taskCount;
    uint64 private _disputeCount;
    mapping(uint256 taskId => Task) private _tasks;
    mapping(uint256 disputeId => DisputeRecord) private _disputes;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param token_ The token of rewards and bonds.
    /// @param dao_ The DAO's timelock.
    /// @param parameters_ The first parameters for new tasks.
    constructor(IERC20 token_, address dao_, Parameters memory parameters_) {
        token = token_;
        dao = dao_;
        _setParameters(parameters_);
    }

    /*//////////////////////////////////////////////////////////////
                                 TASKS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IChainGame
    function post(TaskSpec calldata spec, bytes calldata initialState) external returns (uint256 taskId) {
        Parameters memory p = _parameters;
        if (address(spec.computation).code.length == 0) revert ChainGameNotAComputation(address(spec.computation));
        if (spec.steps == 0) revert ChainGameZeroSteps();
        if (spec.gasPerStep == 0 || spec.gasPerStep > p.maxGasPerStep) {
            revert ChainGameGasPerStepOutOfRange(spec.gasPerStep, p.maxGasPerStep);
        }
        if (spec.solverBond < p.minSolverBond) revert ChainGameBondTooLow(spec.solverBond, p.minSolverBond);
        if (spec.challengerBond < p.minChallengerBond) {
            revert ChainGameBondTooLow(spec.challengerBond, p.minChallengerBond);
        }
        if (spec.clock < p.minClock) revert ChainGameDurationTooShort(spec.clock, p.minClock);
        if (spec.claimWindow < p.minClaimWindow) revert ChainGameDurationTooShort(spec.claimWindow, p.minClaimWindow);
        if (spec.challengeWindow < p.minChallengeWindow) {
            revert ChainGameDurationTooShort(spec.challengeWindow, p.minChallengeWindow);
        }
        if (spec.commitDeadline <= block.timestamp) revert ChainGameDeadlineInPast(spec.commitDeadline);

        taskId = ++_taskCount;
        bytes32 initialHash = keccak256(initialState);
        Task storage t = _tasks[taskId];
        t.buyer = msg.sender;
        t.steps = spec.steps;
        t.status = TaskStatus.Open;
        t.challengerShareBps = p.challengerShareBps;
        t.computation = spec.computation;
        t.gasPerStep = spec.gasPerStep;
        t.clock = spec.clock;
        t.claimWindow = spec.claimWindow;
        t.challengeWindow = spec.challengeWindow;
        t.reward = spec.reward;
        t.solverBond = spec.solverBond;
        t.commitDeadline = spec.commitDeadline;
        t.challengerBond = spec.challengerBond;
        t.initialHash = initialHash;
        emit TaskPosted(taskId, msg.sender, spec, initialHash, initialState);

        token.safeTransferFrom(msg.sender, address(this), spec.reward);
    }

    /// @inheritdoc IChainGame
    function claim(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _requireStatus(taskId, t.status, TaskStatus.Open);
        if (block.timestamp >= t.commitDeadline) revert ChainGameCommitDeadlinePassed(taskId, t.commitDeadline);

        t.status = TaskStatus.Claimed;
        t.solver = msg.sender;
        t.claimedAt = uint40(block.timestamp);
        emit TaskClaimed(taskId, msg.sender, _commitBy(t));

        token.safeTransferFrom(msg.sender, address(this), t.solverBond);
    }

    /// @inheritdoc IChainGame
    function commit(uint256 taskId, bytes32 finalHash) external {
        Task storage t = _tasks[taskId];
        _requireStatus(taskId, t.status, TaskStatus.Claimed);
        if (msg.sender != t.solver) revert ChainGameNotSolver(msg.sender, t.solver);
        uint256 commitBy = _commitBy(t);
        if (block.timestamp >= commitBy) revert ChainGameClaimExpired(taskId, commitBy);

        t.status = TaskStatus.Committed;
        t.committedAt = uint40(block.timestamp);
        t.finalHash = finalHash;
        emit ResultCommitted(taskId, msg.sender, finalHash, block.timestamp + t.challengeWindow);
    }

    /// @inheritdoc IChainGame
    function forfeitClaim(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _requireStatus(taskId, t.status, TaskStatus.Claimed);
        uint256 commitBy = _commitBy(t);
        if (block.timestamp < commitBy) revert ChainGameClaimNotExpired(taskId, commitBy);

        address solver = t.solver;
        uint256 bond = t.solverBond;
        t.status = TaskStatus.Open;
        t.solver = address(0);
        t.claimedAt = 0;
        emit ClaimForfeited(taskId, solver, bond);

        token.safeTransfer(t.buyer, bond);
    }

    /// @inheritdoc IChainGame
    function finalize(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _requireStatus(taskId, t.status, TaskStatus.Committed);
        uint256 closesAt = _challengeClosesAt(t);
        if (block.timestamp < closesAt) revert ChainGameChallengeWindowOpen(taskId, closesAt);
        if (t.openDisputes != 0) revert ChainGameDisputesOpen(taskId, t.openDisputes);

        address solver = t.solver;
        uint256 reward = t.reward;
        uint256 bond = t.solverBond;
        t.status = TaskStatus.Finalized;
        emit TaskFinalized(taskId, solver, reward, bond);

        token.safeTransfer(solver, reward + bond);
    }

    /// @inheritdoc IChainGame
    function refund(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _requireStatus(taskId, t.status, TaskStatus.Open);
        if (block.timestamp < t.commitDeadline) revert ChainGameDeadlineNotPassed(taskId, t.commitDeadline);

        address buyer = t.buyer;
        uint256 reward = t.reward;
        t.status = TaskStatus.Refunded;
        emit TaskRefunded(taskId, buyer, reward);

        token.safeTransfer(buyer, reward);
    }

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IChainGame
    function challenge(uint256 taskId, bytes32 claimedFinalHash) external returns (uint256 disputeId) {
        Task storage t = _tasks[taskId];
        _requireStatus(taskId, t.status, TaskStatus.Committed);
        uint256 closesAt = _challengeClosesAt(t);
        if (block.timestamp >= closesAt) revert ChainGameChallengeWindowClosed(taskId, closesAt);
        if (claimedFinalHash == t.finalHash) revert ChainGameSameFinalHash(claimedFinalHash);

        disputeId = ++_disputeCount;
        uint32 epoch = t.epoch;
        DisputeRecord storage d = _disputes[disputeId];
        d.challenger = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast)
        d.taskId = uint64(taskId); // taskId <= _taskCount, a uint64 (an unposted task failed the status check)
        d.epoch = epoch;
        d.game = Game({
            lo: 0,
            hi: t.steps,
            solverClock: t.clock,
            challengerClock: t.clock,
            lastMoveAt: uint40(block.timestamp),
            phase: t.steps == 1 ? DisputePhase.Step : DisputePhase.Reveal,
            hashSlots: _hashSlots(0, 1)
        });
        d.hashes[0] = t.initialHash;
        d.hashes[1] = t.finalHash;
        t.openDisputes += 1;
        emit DisputeOpened(disputeId, taskId, msg.sender, epoch, claimedFinalHash);

        token.safeTransferFrom(msg.sender, address(this), t.challengerBond);
    }

    /// @inheritdoc IChainGame
    function reveal(uint256 disputeId, bytes32 stateHash) external {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        if (g.phase != DisputePhase.Reveal) revert ChainGameWrongPhase(disputeId, g.phase);
        Task storage t = _liveTask(disputeId, d);
        if (msg.sender != t.solver) revert ChainGameNotSolver(msg.sender, t.solver);
        _chargeClock(disputeId, g);

        uint64 mid = _mid(g);
        d.hashes[_midSlot(g.hashSlots)] = stateHash;
        g.phase = DisputePhase.Answer;
        d.game = g;
        emit MidpointRevealed(disputeId, mid, stateHash);
    }

    /// @inheritdoc IChainGame
    function answer(uint256 disputeId, bool agree) external {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        if (g.phase != DisputePhase.Answer) revert ChainGameWrongPhase(disputeId, g.phase);
        _liveTask(disputeId, d);
        if (msg.sender != d.challenger) revert ChainGameNotChallenger(msg.sender, d.challenger);
        _chargeClock(disputeId, g);

        uint64 mid = _mid(g);
        uint8 midSlot = _midSlot(g.hashSlots);
        if (agree) {
            g.lo = mid;
            g.hashSlots = _hashSlots(midSlot, g.hashSlots >> 2);
        } else {
            g.hi = mid;
            g.hashSlots = _hashSlots(g.hashSlots & 3, midSlot);
        }
        // hi - lo >= 2 before the answer, so the interval stays non-empty.
        g.phase = g.hi - g.lo == 1 ? DisputePhase.Step : DisputePhase.Reveal;
        d.game = g;
        emit MidpointAnswered(disputeId, mid, agree);
    }

    /// @inheritdoc IChainGame
    function judgeStep(uint256 disputeId, bytes calldata preimage) external {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        if (g.phase != DisputePhase.Step) revert ChainGameWrongPhase(disputeId, g.phase);
        Task storage t = _liveTask(disputeId, d);
        // The step is the solver's move: once its clock is out, only the timeout decides.
        if (block.timestamp > _runsOutAt(g)) revert ChainGameClockExpired(disputeId);

        bytes32 loHash = d.hashes[g.hashSlots & 3];
        bytes32 preimageHash = keccak256(preimage);
        if (preimageHash != loHash) revert ChainGameWrongPreimage(loHash, preimageHash);
        bytes32 nextHash = keccak256(Judge.step(t.computation, preimage, t.gasPerStep));
        bool solverRight = nextHash == d.hashes[g.hashSlots >> 2];
        emit StepJudged(disputeId, g.lo, nextHash, solverRight);

        _decide(disputeId, d, t, solverRight, false);
    }

    /// @inheritdoc IChainGame
    function timeout(uint256 disputeId) external {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        if (!_running(g.phase)) revert ChainGameWrongPhase(disputeId, g.phase);
        Task storage t = _liveTask(disputeId, d);
        uint256 runsOutAt = _runsOutAt(g);
        if (block.timestamp <= runsOutAt) revert ChainGameClockRunning(disputeId, runsOutAt);

        // The side to move loses: the challenger during Answer, the solver during Reveal and Step.
        _decide(disputeId, d, t, g.phase == DisputePhase.Answer, true);
    }

    /// @inheritdoc IChainGame
    function dismiss(uint256 disputeId) external {
        DisputeRecord storage d = _disputes[disputeId];
        DisputePhase phase = d.game.phase;
        if (!_running(phase)) revert ChainGameWrongPhase(disputeId, phase);
        Task storage t = _tasks[d.taskId];
        if (d.epoch == t.epoch) revert ChainGameDisputeLive(disputeId);

        address challenger = d.challenger;
        d.game.phase = DisputePhase.Dismissed;
        emit DisputeDismissed(disputeId, d.taskId, challenger);

        token.safeTransfer(challenger, t.challengerBond);
    }

    /*//////////////////////////////////////////////////////////////
                                  DAO
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IChainGame
    function setParameters(Parameters calldata parameters_) external {
        if (msg.sender != dao) revert ChainGameUnauthorized(msg.sender);
        _setParameters(parameters_);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IChainGame
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IChainGame
    function task(uint256 taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    /// @inheritdoc IChainGame
    function dispute(uint256 disputeId) external view returns (DisputeInfo memory info) {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        info.challenger = d.challenger;
        info.taskId = d.taskId;
        info.epoch = d.epoch;
        info.phase = g.phase;
        info.lo = g.lo;
        info.hi = g.hi;
        info.mid = _mid(g);
        info.loHash = d.hashes[g.hashSlots & 3];
        info.hiHash = d.hashes[g.hashSlots >> 2];
        if (g.phase == DisputePhase.Answer) info.midHash = d.hashes[_midSlot(g.hashSlots)];
        info.solverClock = g.solverClock;
        info.challengerClock = g.challengerClock;
        info.lastMoveAt = g.lastMoveAt;
    }

    /// @inheritdoc IChainGame
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc IChainGame
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /*//////////////////////////////////////////////////////////////
                               INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Settles a decided dispute. A solver win pays it the challenger's bond; a solver loss slashes its bond,
    /// returns the challenger's with its share, and reopens the task under a new epoch, which makes every other
    /// dispute on the slashed commitment stale (see {dismiss}).
    function _decide(uint256 disputeId, DisputeRecord storage d, Task storage t, bool solverWon, bool byTimeout)
        private
    {
        uint256 taskId = d.taskId;
        address solver = t.solver;
        if (solverWon) {
            d.game.phase = DisputePhase.SolverWon;
            t.openDisputes -= 1;
            emit DisputeDecided(disputeId, taskId, true, byTimeout);

            token.safeTransfer(solver, t.challengerBond);
        } else {
            address challenger = d.challenger;
            uint256 bond = t.solverBond;
            // bond < 2^96 and share <= 10^4: the product cannot overflow.
            uint256 toChallenger = bond * t.challengerShareBps / BPS;
            uint256 toDao = bond - toChallenger;
            d.game.phase = DisputePhase.ChallengerWon;
            t.status = TaskStatus.Open;
            t.solver = address(0);
            t.epoch += 1;
            t.openDisputes = 0;
            t.claimedAt = 0;
            t.committedAt = 0;
            t.finalHash = bytes32(0);
            emit DisputeDecided(disputeId, taskId, false, byTimeout);
            emit SolverSlashed(taskId, solver, disputeId, toChallenger, toDao);

            token.safeTransfer(challenger, t.challengerBond + toChallenger);
            if (toDao != 0) token.safeTransfer(dao, toDao);
        }
    }

    /// @dev Charges the side to move for the time since the last move and hands the turn on (the caller sets the
    /// phase). Reverts once that side's clock is out: only {timeout} may end the dispute then.
    function _chargeClock(uint256 disputeId, Game memory g) private view {
        uint256 elapsed = block.timestamp - g.lastMoveAt;
        if (g.phase == DisputePhase.Answer) {
            if (elapsed > g.challengerClock) revert ChainGameClockExpired(disputeId);
            // forge-lint: disable-next-line(unsafe-typecast)
            g.challengerClock -= uint32(elapsed); // elapsed <= challengerClock, a uint32
        } else {
            if (elapsed > g.solverClock) revert ChainGameClockExpired(disputeId);
            // forge-lint: disable-next-line(unsafe-typecast)
            g.solverClock -= uint32(elapsed); // elapsed <= solverClock, a uint32
        }
        g.lastMoveAt = uint40(block.timestamp);
    }

    /// @dev The task of a dispute whose commitment is still the live one.
    function _liveTask(uint256 disputeId, DisputeRecord storage d) private view returns (Task storage t) {
        t = _tasks[d.taskId];
        if (d.epoch != t.epoch) revert ChainGameDisputeStale(disputeId);
    }

    /// @dev When the side to move runs out of time.
    function _runsOutAt(Game memory g) private pure returns (uint256) {
        return uint256(g.lastMoveAt) + (g.phase == DisputePhase.Answer ? g.challengerClock : g.solverClock);
    }

    function _running(DisputePhase phase) private pure returns (bool) {
        return phase == DisputePhase.Reveal || phase == DisputePhase.Answer || phase == DisputePhase.Step;
    }

    function _mid(Game memory g) private pure returns (uint64) {
        // lo < hi, both uint64: the sum of lo and half the gap is at most hi.
        unchecked {
            return g.lo + (g.hi - g.lo) / 2;
        }
    }

    function _hashSlots(uint8 loSlot, uint8 hiSlot) private pure returns (uint8) {
        return loSlot | (hiSlot << 2);
    }

    /// @dev The hash slot that is neither lo's nor hi's: slots are 0, 1, 2 and lo's and hi's differ.
    function _midSlot(uint8 hashSlots) private pure returns (uint8) {
        return 3 - (hashSlots & 3) - (hashSlots >> 2);
    }

    function _commitBy(Task storage t) private view returns (uint256) {
        uint256 windowEnd = uint256(t.claimedAt) + t.claimWindow;
        return windowEnd < t.commitDeadline ? windowEnd : t.commitDeadline;
    }

    function _challengeClosesAt(Task storage t) private view returns (uint256) {
        return uint256(t.committedAt) + t.challengeWindow;
    }

    function _requireStatus(uint256 taskId, TaskStatus actual, TaskStatus expected) private pure {
        if (actual != expected) revert ChainGameWrongTaskStatus(taskId, actual);
    }

    function _setParameters(Parameters memory p) private {
        if (p.minSolverBond == 0) revert ChainGameParameterOutOfRange(0, p.minSolverBond);
        if (p.minChallengerBond == 0) revert ChainGameParameterOutOfRange(1, p.minChallengerBond);
        if (p.minClock < CLOCK_FLOOR) revert ChainGameParameterOutOfRange(2, p.minClock);
        if (p.minClaimWindow < CLAIM_WINDOW_FLOOR) revert ChainGameParameterOutOfRange(3, p.minClaimWindow);
        if (p.minChallengeWindow < CHALLENGE_WINDOW_FLOOR) {
            revert ChainGameParameterOutOfRange(4, p.minChallengeWindow);
        }
        if (p.maxGasPerStep < GAS_PER_STEP_FLOOR || p.maxGasPerStep > GAS_PER_STEP_CEILING) {
            revert ChainGameParameterOutOfRange(5, p.maxGasPerStep);
        }
        if (p.challengerShareBps < CHALLENGER_SHARE_FLOOR_BPS || p.challengerShareBps > BPS) {
            revert ChainGameParameterOutOfRange(6, p.challengerShareBps);
        }
        _parameters = p;
        emit ParametersSet(p);
    }
}
