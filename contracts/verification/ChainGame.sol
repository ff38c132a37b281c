// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "./computations/IChainComputation.sol";
import {IChainGame} from "./interfaces/IChainGame.sol";
import {IComputationRegistry} from "./interfaces/IComputationRegistry.sol";
import {Judge} from "./libraries/Judge.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ChainGame: chain tasks judged by bisection, with a chess clock per side
/// @notice See {IChainGame} for the protocol. Money rules, in one place:
/// - The buyer's reward is escrowed from posting until finalization (to the solver) or refund (to the buyer).
/// - The solver's bond is held from claim until finalization (back to the solver), a forfeited claim (to the buyer),
///   or the first dispute the solver loses (`challengerShareBps` of it to that challenger, the rest to the DAO). The
///   share is at most half: a solver that challenges itself through other addresses still loses the DAO's part, at
///   least half its bond (docs/protocol.md, "Soundness", rule 2).
/// - A challenger's bond is held while its dispute runs. A challenger that wins gets it back with its share of the
///   slash; one that loses (by the judged step or its clock) pays it whole to the solver, who bore the dispute's cost;
///   one whose dispute ends because the commitment was slashed in another dispute reclaims it ({reclaimDisputeBond}).
/// A dispute's solver moves (reveal, and the final step) and challenger moves (answer) each rewrite one packed slot,
/// plus one hash slot for a reveal; 64 rounds decide any claim about up to 2^64-1 steps.
/// @dev Token transfers come last in every function (checks, effects, interactions). The token is SNM, a plain
/// OpenZeppelin ERC20 without hooks; computations are registered (checked pure) and only ever `staticcall`ed by
/// {Judge}, with the task's gas and byte bounds: the judged step of the largest unit fits one transaction
/// (docs/protocol.md, "Soundness", rule 1).
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
    /// @notice The most clock the DAO may allow: anyone can end a dispute twice this after its opening, so an honest
    /// solver's reward and bond are free at the latest the challenge window plus twice this after its commitment.
    uint32 public constant MAX_CLOCK = 30 days;
    /// @notice The least claim window the DAO may allow.
    uint32 public constant CLAIM_WINDOW_FLOOR = 5 minutes;
    /// @notice The most claim or challenge window the DAO may allow.
    uint32 public constant MAX_WINDOW = 30 days;
    /// @notice The least challenge window the DAO may allow: time for a watcher to get a transaction included (its
    /// recomputation can start at the commitment; the DAO's minimum should leave time for it, a day by default).
    uint32 public constant CHALLENGE_WINDOW_FLOOR = 10 minutes;
    /// @notice The least `maxGasPerStep` the DAO may set.
    uint32 public constant GAS_PER_STEP_FLOOR = 100_000;
    /// @notice Upper end of the range of `maxGasPerStep`: the most gas a step may be given, {Judge}'s bound on a unit,
    /// so that with a state of `MAX_STATE_BYTES` the judged step fits a transaction of 2^24 gas with 10% to spare.
    // forge-lint: disable-next-line(unsafe-typecast)
    uint32 public constant MAX_GAS_PER_STEP = uint32(Judge.MAX_GAS_PER_UNIT);
    /// @notice Upper end of the range of `maxStateBytes`: the most bytes a state may have, {Judge}'s bound on a unit.
    // forge-lint: disable-next-line(unsafe-typecast)
    uint32 public constant MAX_STATE_BYTES = uint32(Judge.MAX_UNIT_BYTES);
    /// @notice The range of `challengerShareBps`: at least a tenth of a slash rewards the watcher who proved it.
    uint16 public constant MIN_CHALLENGER_SHARE_BPS = 1000;
    /// @notice Upper end of the range of `challengerShareBps`: half. A cheating solver that wins the dispute against
    /// itself through another address recovers the challenger's share, so the DAO's part, at least half the bond, is
    /// what a proven cheat costs it at least.
    uint16 public constant MAX_CHALLENGER_SHARE_BPS = 5000;
    /// @notice The denominator of basis points: the whole bond.
    uint16 public constant BPS = 10_000;

    /// @dev The phases of a dispute still running (a side to move): {timeout} and {reclaimDisputeBond} need one.
    bytes32 private constant RUNNING = bytes32(
        (uint256(1) << uint8(DisputePhase.Reveal)) | (uint256(1) << uint8(DisputePhase.Answer))
            | (uint256(1) << uint8(DisputePhase.Step))
    );

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
        uint32 round;
        Game game;
        bytes32[3] hashes;
    }

    /// @notice The token of rewards and bonds (SNM).
    IERC20 public immutable token;
    /// @notice The DAO (its timelock): sets the parameters and receives its part of every slash.
    address public immutable dao;
    /// @inheritdoc IChainGame
    IComputationRegistry public immutable computationRegistry;

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
    /// @param registry_ The registry of computations checked pure.
    /// @param parameters_ The first parameters for new tasks.
    constructor(IERC20 token_, address dao_, IComputationRegistry registry_, Parameters memory parameters_) {
        token = token_;
        dao = dao_;
        computationRegistry = registry_;
        _setParameters(parameters_);
    }

    /*//////////////////////////////////////////////////////////////
                                 TASKS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IChainGame
    function post(TaskSpec calldata spec, bytes calldata initialState) external returns (uint256 taskId) {
        Parameters memory p = _parameters;
        if (!computationRegistry.isRegistered(address(spec.computation))) {
            revert ChainGameComputationNotRegistered(address(spec.computation));
        }
        if (spec.steps == 0) revert ChainGameZeroSteps();
        if (spec.gasPerStep == 0 || spec.gasPerStep > p.maxGasPerStep) {
            revert ChainGameGasPerStepOutOfRange(spec.gasPerStep, p.maxGasPerStep);
        }
        if (spec.solverBond < p.minSolverBond) revert ChainGameSolverBondTooLow(spec.solverBond, p.minSolverBond);
        if (spec.challengerBond < p.minChallengerBond) {
            revert ChainGameChallengerBondTooLow(spec.challengerBond, p.minChallengerBond);
        }
        if (spec.clock < p.minClock || spec.clock > p.maxClock) {
            revert ChainGameClockOutOfRange(spec.clock, p.minClock, p.maxClock);
        }
        if (spec.claimWindow < p.minClaimWindow || spec.claimWindow > p.maxClaimWindow) {
            revert ChainGameClaimWindowOutOfRange(spec.claimWindow, p.minClaimWindow, p.maxClaimWindow);
        }
        if (spec.challengeWindow < p.minChallengeWindow || spec.challengeWindow > p.maxChallengeWindow) {
            revert ChainGameChallengeWindowOutOfRange(spec.challengeWindow, p.minChallengeWindow, p.maxChallengeWindow);
        }
        if (spec.commitDeadline <= block.timestamp) revert ChainGameCommitDeadlineInPast(spec.commitDeadline);
        if (initialState.length > p.maxStateBytes) revert ChainGameStateTooLarge(initialState.length, p.maxStateBytes);

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
        // forge-lint: disable-next-line(unsafe-typecast)
        t.maxStateBytes = uint24(p.maxStateBytes); // <= MAX_STATE_BYTES = 2^15 (checked by _setParameters)
        t.challengerBond = spec.challengerBond;
        t.initialHash = initialHash;
        emit TaskPosted(taskId, msg.sender, spec, initialHash, initialState);

        token.safeTransferFrom(msg.sender, address(this), spec.reward);
    }

    /// @inheritdoc IChainGame
    function claim(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Open);
        if (block.timestamp >= t.commitDeadline) revert ChainGameDeadlinePassed(t.commitDeadline);

        t.status = TaskStatus.Claimed;
        t.solver = msg.sender;
        t.claimedAt = uint40(block.timestamp);
        emit TaskClaimed(taskId, msg.sender, _commitBy(t));

        token.safeTransferFrom(msg.sender, address(this), t.solverBond);
    }

    /// @inheritdoc IChainGame
    function commit(uint256 taskId, bytes32 finalHash) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Claimed);
        if (msg.sender != t.solver) revert ChainGameNotSolver(msg.sender, t.solver);
        uint256 commitBy = _commitBy(t);
        if (block.timestamp >= commitBy) revert ChainGameDeadlinePassed(commitBy);

        t.status = TaskStatus.Committed;
        t.committedAt = uint40(block.timestamp);
        t.finalHash = finalHash;
        emit ResultCommitted(taskId, msg.sender, finalHash, block.timestamp + t.challengeWindow);
    }

    /// @inheritdoc IChainGame
    function forfeitClaim(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Claimed);
        uint256 commitBy = _commitBy(t);
        if (block.timestamp < commitBy) revert ChainGameDeadlineNotReached(commitBy);

        address solver = t.solver;
        uint256 bond = t.solverBond;
        t.status = TaskStatus.Open;
        t.solver = address(0);
        t.claimedAt = 0;
        emit ClaimForfeited(taskId, solver, t.round, bond);

        token.safeTransfer(t.buyer, bond);
    }

    /// @inheritdoc IChainGame
    function finalize(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Committed);
        uint256 closesAt = _challengeClosesAt(t);
        if (block.timestamp < closesAt) revert ChainGameDeadlineNotReached(closesAt);
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
        _expectTaskStatus(taskId, t.status, TaskStatus.Open);
        if (block.timestamp < t.commitDeadline) revert ChainGameDeadlineNotReached(t.commitDeadline);

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
        _expectTaskStatus(taskId, t.status, TaskStatus.Committed);
        uint256 closesAt = _challengeClosesAt(t);
        if (block.timestamp >= closesAt) revert ChainGameDeadlinePassed(closesAt);
        if (claimedFinalHash == t.finalHash) revert ChainGameSameFinalHash(claimedFinalHash);

        disputeId = ++_disputeCount;
        uint32 round = t.round;
        DisputeRecord storage d = _disputes[disputeId];
        d.challenger = msg.sender;
        // forge-lint: disable-next-line(unsafe-typecast)
        d.taskId = uint64(taskId); // taskId <= _taskCount, a uint64 (an unposted task failed the status check)
        d.round = round;
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
        emit DisputeOpened(disputeId, taskId, msg.sender, round, claimedFinalHash);

        token.safeTransferFrom(msg.sender, address(this), t.challengerBond);
    }

    /// @inheritdoc IChainGame
    function reveal(uint256 disputeId, bytes32 stateHash) external {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        _expectDisputePhase(disputeId, g.phase, DisputePhase.Reveal);
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
        _expectDisputePhase(disputeId, g.phase, DisputePhase.Answer);
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
        _expectDisputePhase(disputeId, g.phase, DisputePhase.Step);
        Task storage t = _liveTask(disputeId, d);
        // The step is the solver's move: once its clock is out, only the timeout decides.
        if (block.timestamp > _runsOutAt(g)) revert ChainGameClockExpired(disputeId);

        // An honest solver's states are all within the bound (the initial state was checked at posting and the judge
        // halts a step that returns a longer one), so a longer agreed state is one only a cheater could have revealed.
        if (preimage.length > t.maxStateBytes) revert ChainGameStateTooLarge(preimage.length, t.maxStateBytes);
        bytes32 loHash = d.hashes[g.hashSlots & 3];
        bytes32 preimageHash = keccak256(preimage);
        if (preimageHash != loHash) revert ChainGameWrongPreimage(loHash, preimageHash);
        IChainComputation computation = t.computation;
        if (!computationRegistry.isIntact(address(computation))) {
            revert ChainGameComputationChanged(address(computation));
        }
        bytes32 nextHash = keccak256(Judge.step(computation, preimage, t.gasPerStep, t.maxStateBytes));
        bool solverRight = nextHash == d.hashes[g.hashSlots >> 2];
        emit StepJudged(disputeId, g.lo, nextHash, solverRight);

        _decide(disputeId, d, t, solverRight, false);
    }

    /// @inheritdoc IChainGame
    function timeout(uint256 disputeId) external {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        _expectRunning(disputeId, g.phase);
        Task storage t = _liveTask(disputeId, d);
        uint256 runsOutAt = _runsOutAt(g);
        if (block.timestamp <= runsOutAt) revert ChainGameClockRunning(disputeId, runsOutAt);

        // The side to move loses: the challenger during Answer, the solver during Reveal and Step.
        _decide(disputeId, d, t, g.phase == DisputePhase.Answer, true);
    }

    /// @inheritdoc IChainGame
    function reclaimDisputeBond(uint256 disputeId) external {
        DisputeRecord storage d = _disputes[disputeId];
        _expectRunning(disputeId, d.game.phase);
        Task storage t = _tasks[d.taskId];
        if (d.round == t.round) revert ChainGameDisputeLive(disputeId);

        address challenger = d.challenger;
        d.game.phase = DisputePhase.Reclaimed;
        emit DisputeBondReclaimed(disputeId, d.taskId, challenger);

        token.safeTransfer(challenger, t.challengerBond);
    }

    /*//////////////////////////////////////////////////////////////
                                  DAO
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IChainGame
    function setParameters(Parameters calldata parameters_) external {
        if (msg.sender != dao) revert ChainGameNotDao(msg.sender);
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
    function dispute(uint256 disputeId) external view returns (Dispute memory info) {
        DisputeRecord storage d = _disputes[disputeId];
        Game memory g = d.game;
        info.challenger = d.challenger;
        info.taskId = d.taskId;
        info.round = d.round;
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
    /// returns the challenger's with its share, and reopens the task under a new round, which makes every other
    /// dispute on the slashed commitment stale (see {reclaimDisputeBond}).
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
            // bond < 2^96 and share <= 5 * 10^3: the product cannot overflow.
            uint256 toChallenger = bond * t.challengerShareBps / BPS;
            uint256 toDao = bond - toChallenger;
            d.game.phase = DisputePhase.ChallengerWon;
            t.status = TaskStatus.Open;
            t.solver = address(0);
            t.round += 1;
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
        if (d.round != t.round) revert ChainGameDisputeStale(disputeId);
    }

    /// @dev When the side to move runs out of time.
    function _runsOutAt(Game memory g) private pure returns (uint256) {
        return uint256(g.lastMoveAt) + (g.phase == DisputePhase.Answer ? g.challengerClock : g.solverClock);
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

    /// @dev Reverts unless the task is in `expected` (every task call allows one status; the bitmap is built only to
    /// revert, so the check costs one comparison).
    function _expectTaskStatus(uint256 taskId, TaskStatus current, TaskStatus expected) private pure {
        if (current != expected) revert ChainGameUnexpectedTaskStatus(taskId, current, _bit(expected));
    }

    /// @dev Reverts unless the dispute is in `expected`.
    function _expectDisputePhase(uint256 disputeId, DisputePhase current, DisputePhase expected) private pure {
        if (current != expected) revert ChainGameUnexpectedDisputePhase(disputeId, current, _bit(expected));
    }

    /// @dev Reverts unless the dispute is running (Reveal, Answer or Step: a side is to move).
    function _expectRunning(uint256 disputeId, DisputePhase current) private pure {
        if (current != DisputePhase.Reveal && current != DisputePhase.Answer && current != DisputePhase.Step) {
            revert ChainGameUnexpectedDisputePhase(disputeId, current, RUNNING);
        }
    }

    /// @dev A status's bit in an `expectedStatuses` bitmap, as OpenZeppelin Governor's `_encodeStateBitmap`.
    function _bit(TaskStatus s) private pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }

    /// @dev A phase's bit in an `expectedPhases` bitmap.
    function _bit(DisputePhase p) private pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(p));
    }

    /// @dev Checks every field against the range the contract guarantees to honest parties, in the struct's order (a
    /// maximum's range starts at its minimum, checked first).
    function _setParameters(Parameters memory p) private {
        if (p.minSolverBond == 0) revert ChainGameMinSolverBondOutOfRange(0, 1, type(uint96).max);
        if (p.minChallengerBond == 0) revert ChainGameMinChallengerBondOutOfRange(0, 1, type(uint96).max);
        if (p.minClock < CLOCK_FLOOR || p.minClock > MAX_CLOCK) {
            revert ChainGameMinClockOutOfRange(p.minClock, CLOCK_FLOOR, MAX_CLOCK);
        }
        if (p.maxClock < p.minClock || p.maxClock > MAX_CLOCK) {
            revert ChainGameMaxClockOutOfRange(p.maxClock, p.minClock, MAX_CLOCK);
        }
        if (p.minClaimWindow < CLAIM_WINDOW_FLOOR || p.minClaimWindow > MAX_WINDOW) {
            revert ChainGameMinClaimWindowOutOfRange(p.minClaimWindow, CLAIM_WINDOW_FLOOR, MAX_WINDOW);
        }
        if (p.maxClaimWindow < p.minClaimWindow || p.maxClaimWindow > MAX_WINDOW) {
            revert ChainGameMaxClaimWindowOutOfRange(p.maxClaimWindow, p.minClaimWindow, MAX_WINDOW);
        }
        if (p.minChallengeWindow < CHALLENGE_WINDOW_FLOOR || p.minChallengeWindow > MAX_WINDOW) {
            revert ChainGameMinChallengeWindowOutOfRange(p.minChallengeWindow, CHALLENGE_WINDOW_FLOOR, MAX_WINDOW);
        }
        if (p.maxChallengeWindow < p.minChallengeWindow || p.maxChallengeWindow > MAX_WINDOW) {
            revert ChainGameMaxChallengeWindowOutOfRange(p.maxChallengeWindow, p.minChallengeWindow, MAX_WINDOW);
        }
        if (p.maxGasPerStep < GAS_PER_STEP_FLOOR || p.maxGasPerStep > MAX_GAS_PER_STEP) {
            revert ChainGameMaxGasPerStepOutOfRange(p.maxGasPerStep, GAS_PER_STEP_FLOOR, MAX_GAS_PER_STEP);
        }
        if (p.maxStateBytes == 0 || p.maxStateBytes > MAX_STATE_BYTES) {
            revert ChainGameMaxStateBytesOutOfRange(p.maxStateBytes, 1, MAX_STATE_BYTES);
        }
        if (p.challengerShareBps < MIN_CHALLENGER_SHARE_BPS || p.challengerShareBps > MAX_CHALLENGER_SHARE_BPS) {
            revert ChainGameChallengerShareBpsOutOfRange(
                p.challengerShareBps, MIN_CHALLENGER_SHARE_BPS, MAX_CHALLENGER_SHARE_BPS
            );
        }
        _parameters = p;
        emit ParametersSet(p);
    }
}
