// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../computations/IChainComputation.sol";
import {IComputationRegistry} from "./IComputationRegistry.sol";

/// @title The chain tasks' verification game
/// @notice A buyer escrows a reward for running a chain computation N steps from an initial state. One solver claims
/// the task with a bond and commits the hash of the final state. During the challenge window, any bonded challenger
/// who claims another final hash opens a bisection dispute over the steps [0, N]; the solver reveals the state hash at
/// the midpoint, the challenger agrees (the disagreement lies above) or disagrees (it lies below), down to one step,
/// which the judge executes on-chain from the preimage of the agreed state. Each side has a chess clock; whoever lets
/// it run out loses. A solver must win every dispute on its commitment; the first it loses slashes it and reopens the
/// task, and ends the other disputes on that commitment, whose challengers get their bonds back.
///
/// Hashes: the hash of a state is `keccak256(stateBytes)`, at every step, including the initial state (step 0) and the
/// final state (step N). Times are block timestamps in seconds; amounts are SNM in wei.
interface IChainGame {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Where a task is in its life.
    enum TaskStatus {
        None, // never posted
        Open, // waiting for a solver (possibly again, after a forfeited claim or a slash)
        Claimed, // a solver has posted its bond and must commit within the claim window
        Committed, // a final hash is committed; the challenge window runs, disputes may be open
        Finalized, // the solver took reward and bond
        Refunded // the buyer took the reward back after the commit deadline
    }

    /// @notice Where a dispute is. During `Reveal` and `Step` the solver's clock runs, during `Answer` the challenger's.
    enum DisputePhase {
        None, // never opened
        Reveal, // the solver must reveal the state hash at the midpoint
        Answer, // the challenger must agree or disagree with the revealed midpoint
        Step, // one step is left: anyone may have it judged (`judgeStep`) from the preimage of the agreed state
        SolverWon,
        ChallengerWon,
        Reclaimed // the commitment was slashed in another dispute; the challenger's bond was returned
    }

    /// @notice What a buyer posts. Every duration is in seconds.
    /// @param computation The chain computation (a contract implementing {IChainComputation}), registered in the
    /// {computationRegistry}.
    /// @param steps N, the number of steps from the initial state to the final one (1 to 2^64-1).
    /// @param gasPerStep The exact gas one step is given by the judge; a step that needs more halts.
    /// @param reward Escrowed at posting; paid to the solver at finalization.
    /// @param solverBond Posted by the solver at claim.
    /// @param challengerBond Posted by each challenger when opening a dispute.
    /// @param clock Each side's total time budget in each dispute (within the DAO's `minClock` and `maxClock`).
    /// @param claimWindow How long a claimer has to commit, and never past `commitDeadline` (within the DAO's
    /// `minClaimWindow` and `maxClaimWindow`).
    /// @param challengeWindow How long, from the commitment, disputes may be opened (within the DAO's
    /// `minChallengeWindow` and `maxChallengeWindow`).
    /// @param commitDeadline The time after which no claim or commitment is accepted and the buyer may be refunded.
    struct TaskSpec {
        IChainComputation computation;
        uint64 steps;
        uint32 gasPerStep;
        uint96 reward;
        uint96 solverBond;
        uint96 challengerBond;
        uint32 clock;
        uint32 claimWindow;
        uint32 challengeWindow;
        uint40 commitDeadline;
    }

    /// @notice A task as stored: the spec, its fixed terms, and the current claim or commitment.
    /// @param round The number of commitments slashed so far; names the live commitment, so that a dispute about an
    /// earlier commitment cannot touch a later one (a dispute belongs to one round).
    /// @dev Laid out in 7 slots; the field order is the packing.
    struct Task {
        // slot 0: fixed at posting
        address buyer;
        uint64 steps;
        TaskStatus status;
        uint16 challengerShareBps; // the slash split in force when the task was posted
        // slot 1: fixed at posting
        IChainComputation computation;
        uint32 gasPerStep;
        uint32 clock;
        uint32 claimWindow;
        // slot 2: the current solver; read by every dispute move
        address solver;
        uint32 round; // the number of commitments slashed so far; a dispute belongs to one round
        uint32 openDisputes; // disputes of the current round not yet decided
        uint32 challengeWindow;
        // slot 3: fixed at posting
        uint96 reward;
        uint96 solverBond;
        uint40 commitDeadline;
        uint24 maxStateBytes; // the DAO's bound on a state's bytes when the task was posted
        // slot 4
        uint96 challengerBond;
        uint40 claimedAt;
        uint40 committedAt;
        // slots 5, 6
        bytes32 initialHash;
        bytes32 finalHash; // the current commitment (zero unless Committed or Finalized)
    }

    /// @notice A dispute, flattened for readers (the bot, the CLI).
    /// @param round The task's round when the dispute was opened: the commitment it is about.
    /// @param lo The highest step both sides agree on; `loHash` is the state hash there.
    /// @param hi The lowest step they disagree on; `hiHash` is the solver's state hash there.
    /// @param midHash During `Answer`, the solver's state hash at `mid`; otherwise zero.
    /// @param mid The step the solver must reveal (`Reveal`) or has revealed (`Answer`): `lo + (hi - lo) / 2`.
    /// @param solverClock The solver's time left as of `lastMoveAt` (the side to move is charged from then on).
    /// @param challengerClock The challenger's time left as of `lastMoveAt`.
    struct Dispute {
        address challenger;
        uint64 taskId;
        uint32 round;
        DisputePhase phase;
        uint64 lo;
        uint64 hi;
        uint64 mid;
        bytes32 loHash;
        bytes32 hiHash;
        bytes32 midHash;
        uint32 solverClock;
        uint32 challengerClock;
        uint40 lastMoveAt;
    }

    /// @notice The terms the DAO sets for NEW tasks (a posted task keeps its own).
    /// @param minSolverBond The least solver bond a task may ask for: what a stalling solver loses at least.
    /// @param minChallengerBond The least challenger bond a task may ask for: what a stalling challenger loses at least.
    /// @param minClock The least clock a task may give each side: enough for an honest side to make all 64 moves.
    /// @param maxClock The most clock a task may give each side: a dispute can be ended twice this after its opening,
    /// so it bounds how long disputes keep an honest solver's reward and bond locked.
    /// @param minClaimWindow The least claim window a task may set.
    /// @param maxClaimWindow The most claim window a task may set.
    /// @param minChallengeWindow The least challenge window a task may set.
    /// @param maxChallengeWindow The most challenge window a task may set: the longest an undisputed honest solver waits
    /// to be paid.
    /// @param maxGasPerStep The most gas a step may be given, so that the judged step fits in one transaction.
    /// @param maxStateBytes The most bytes a state may have (the initial state, and every state a step returns: a
    /// longer one halts the chain), so that the judged step fits in one transaction.
    /// @param challengerShareBps The winning challenger's share of a slashed solver bond, in basis points; the rest
    /// goes to the DAO. At most half, so that a solver proving its own cheat still loses half its bond.
    struct Parameters {
        uint96 minSolverBond;
        uint96 minChallengerBond;
        uint32 minClock;
        uint32 maxClock;
        uint32 minClaimWindow;
        uint32 maxClaimWindow;
        uint32 minChallengeWindow;
        uint32 maxChallengeWindow;
        uint32 maxGasPerStep;
        uint32 maxStateBytes;
        uint16 challengerShareBps;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Only the DAO (the timelock) may call.
    error ChainGameNotDao(address caller);
    /// @notice {Parameters}' `minSolverBond` is outside `[min, max]`: zero, and a staller would pay nothing.
    error ChainGameMinSolverBondOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `minChallengerBond` is outside `[min, max]`: zero, and a staller would pay nothing.
    error ChainGameMinChallengerBondOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `minClock` is outside `[CLOCK_FLOOR, MAX_CLOCK]`.
    error ChainGameMinClockOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `maxClock` is outside `[minClock, MAX_CLOCK]`.
    error ChainGameMaxClockOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `minClaimWindow` is outside `[CLAIM_WINDOW_FLOOR, MAX_WINDOW]`.
    error ChainGameMinClaimWindowOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `maxClaimWindow` is outside `[minClaimWindow, MAX_WINDOW]`.
    error ChainGameMaxClaimWindowOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `minChallengeWindow` is outside `[CHALLENGE_WINDOW_FLOOR, MAX_WINDOW]`.
    error ChainGameMinChallengeWindowOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `maxChallengeWindow` is outside `[minChallengeWindow, MAX_WINDOW]`.
    error ChainGameMaxChallengeWindowOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `maxGasPerStep` is outside `[GAS_PER_STEP_FLOOR, MAX_GAS_PER_STEP]`.
    error ChainGameMaxGasPerStepOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `maxStateBytes` is outside `[1, MAX_STATE_BYTES]`.
    error ChainGameMaxStateBytesOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice {Parameters}' `challengerShareBps` is outside `[MIN_CHALLENGER_SHARE_BPS, MAX_CHALLENGER_SHARE_BPS]`.
    error ChainGameChallengerShareBpsOutOfRange(uint256 value, uint256 min, uint256 max);
    /// @notice The computation is not registered in the {computationRegistry}: its code was never checked pure.
    error ChainGameComputationNotRegistered(address computation);
    /// @notice The computation's code hash is no longer the one the {computationRegistry} pinned: it cannot be judged.
    error ChainGameComputationChanged(address computation);
    /// @notice A state (the initial state at posting, a preimage at judgement) is longer than the task's bound.
    error ChainGameStateTooLarge(uint256 length, uint256 max);
    /// @notice A task must have at least one step.
    error ChainGameZeroSteps();
    /// @notice gasPerStep is zero or above the DAO's maximum.
    error ChainGameGasPerStepOutOfRange(uint256 gasPerStep, uint256 maxGasPerStep);
    /// @notice The solver bond is below the DAO's minimum.
    error ChainGameSolverBondTooLow(uint256 bond, uint256 minimum);
    /// @notice The challenger bond is below the DAO's minimum.
    error ChainGameChallengerBondTooLow(uint256 bond, uint256 minimum);
    /// @notice The task's clock is outside the DAO's `[minClock, maxClock]`.
    error ChainGameClockOutOfRange(uint256 clock, uint256 minimum, uint256 maximum);
    /// @notice The task's claim window is outside the DAO's `[minClaimWindow, maxClaimWindow]`.
    error ChainGameClaimWindowOutOfRange(uint256 claimWindow, uint256 minimum, uint256 maximum);
    /// @notice The task's challenge window is outside the DAO's `[minChallengeWindow, maxChallengeWindow]`.
    error ChainGameChallengeWindowOutOfRange(uint256 challengeWindow, uint256 minimum, uint256 maximum);
    /// @notice The commit deadline is not in the future.
    error ChainGameCommitDeadlineInPast(uint256 commitDeadline);
    /// @notice The call is not allowed in the task's `current` status. `expectedStatuses` has bit `1 << uint8(s)` set
    /// for each status `s` in which it is allowed.
    error ChainGameUnexpectedTaskStatus(uint256 taskId, TaskStatus current, bytes32 expectedStatuses);
    /// @notice Too late: the deadline has passed (the commit deadline for a claim, the claim's time to commit for a
    /// commitment, the challenge window's end for a challenge).
    error ChainGameDeadlinePassed(uint256 deadline);
    /// @notice Too early: the deadline has not come (the claim's time to commit for {forfeitClaim}, the challenge
    /// window's end for {finalize}, the commit deadline for {refund}).
    error ChainGameDeadlineNotReached(uint256 deadline);
    /// @notice Only the task's solver may call.
    error ChainGameNotSolver(address caller, address solver);
    /// @notice Only the dispute's challenger may call.
    error ChainGameNotChallenger(address caller, address challenger);
    /// @notice Disputes on the commitment are still undecided.
    error ChainGameDisputesOpen(uint256 taskId, uint256 openDisputes);
    /// @notice A challenger must claim a final hash other than the solver's.
    error ChainGameSameFinalHash(bytes32 finalHash);
    /// @notice The call is not allowed in the dispute's `current` phase. `expectedPhases` has bit `1 << uint8(p)` set
    /// for each phase `p` in which it is allowed.
    error ChainGameUnexpectedDisputePhase(uint256 disputeId, DisputePhase current, bytes32 expectedPhases);
    /// @notice The commitment the dispute is about has been slashed in another dispute.
    error ChainGameDisputeStale(uint256 disputeId);
    /// @notice The commitment the dispute is about is still live: its bond cannot be reclaimed.
    error ChainGameDisputeLive(uint256 disputeId);
    /// @notice The side to move has run out of time: only {IChainGame.timeout} can end the dispute now.
    error ChainGameClockExpired(uint256 disputeId);
    /// @notice The side to move still has time.
    error ChainGameClockRunning(uint256 disputeId, uint256 runsOutAt);
    /// @notice The preimage does not hash to the agreed state hash.
    error ChainGameWrongPreimage(bytes32 expected, bytes32 actual);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The DAO set the parameters for new tasks.
    event ParametersSet(Parameters parameters);
    /// @notice A buyer posted a task and escrowed its reward. `initialState` is the state at step 0 (the bytes are only
    /// in this event; the task stores their hash).
    event TaskPosted(
        uint256 indexed taskId, address indexed buyer, TaskSpec spec, bytes32 initialHash, bytes initialState
    );
    /// @notice A solver claimed the task with its bond; it must commit before `deadline`.
    event TaskClaimed(uint256 indexed taskId, address indexed solver, uint256 deadline);
    /// @notice A claimer did not commit in time; its bond went to the buyer and the task reopened (`round` is
    /// unchanged: no commitment was slashed).
    event ClaimForfeited(uint256 indexed taskId, address indexed solver, uint256 round, uint256 bond);
    /// @notice The solver committed the hash of the final state; disputes may be opened until `challengeEnd`.
    event ResultCommitted(uint256 indexed taskId, address indexed solver, bytes32 finalHash, uint256 challengeEnd);
    /// @notice The solver took reward and bond.
    event TaskFinalized(uint256 indexed taskId, address indexed solver, uint256 reward, uint256 bond);
    /// @notice The buyer took the reward back.
    event TaskRefunded(uint256 indexed taskId, address indexed buyer, uint256 reward);
    /// @notice A challenger opened a dispute over steps [0, `steps`], claiming `claimedFinalHash`.
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed taskId,
        address indexed challenger,
        uint256 round,
        bytes32 claimedFinalHash
    );
    /// @notice The solver revealed its state hash at step `mid`.
    event MidpointRevealed(uint256 indexed disputeId, uint64 mid, bytes32 stateHash);
    /// @notice The challenger agreed (the bisection continues above `mid`) or disagreed (below it).
    event MidpointAnswered(uint256 indexed disputeId, uint64 mid, bool agreed);
    /// @notice The judge executed step `lo` to `lo + 1`; the solver was right iff `nextHash` is its hash at `lo + 1`.
    event StepJudged(uint256 indexed disputeId, uint64 lo, bytes32 nextHash, bool solverRight);
    /// @notice The dispute was decided, by the judged step or by a clock running out.
    event DisputeDecided(uint256 indexed disputeId, uint256 indexed taskId, bool solverWon, bool byTimeout);
    /// @notice The solver lost a dispute: its bond was split between the challenger and the DAO and the task reopened.
    event SolverSlashed(
        uint256 indexed taskId, address indexed solver, uint256 indexed disputeId, uint256 toChallenger, uint256 toDao
    );
    /// @notice The dispute's commitment was slashed in another dispute; the challenger got its bond back.
    event DisputeBondReclaimed(uint256 indexed disputeId, uint256 indexed taskId, address indexed challenger);

    /*//////////////////////////////////////////////////////////////
                               FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Posts a task and escrows `spec.reward` from the caller (approve it first). The computation must be
    /// registered, the initial state at most the DAO's `maxStateBytes` long (the task keeps that bound), and every
    /// term within the DAO's bounds.
    /// @return taskId Ids start at 1.
    function post(TaskSpec calldata spec, bytes calldata initialState) external returns (uint256 taskId);

    /// @notice Claims an open task, posting the solver bond (approve it first).
    function claim(uint256 taskId) external;

    /// @notice The claimer commits the hash of the state after `steps` steps.
    function commit(uint256 taskId, bytes32 finalHash) external;

    /// @notice Anyone ends a claim whose claimer did not commit in time: its bond goes to the buyer, the task reopens.
    function forfeitClaim(uint256 taskId) external;

    /// @notice Opens a dispute against the commitment, posting the challenger bond (approve it first).
    /// @param claimedFinalHash What the challenger says the final hash is; must differ from the solver's.
    /// @return disputeId Ids start at 1.
    function challenge(uint256 taskId, bytes32 claimedFinalHash) external returns (uint256 disputeId);

    /// @notice The solver reveals its state hash at the dispute's midpoint (see {dispute}'s `mid`).
    function reveal(uint256 disputeId, bytes32 stateHash) external;

    /// @notice The challenger agrees or disagrees with the revealed midpoint hash.
    function answer(uint256 disputeId, bool agree) external;

    /// @notice Anyone has the one step left judged, from `preimage`, the state whose hash both sides agree on (at most
    /// the task's `maxStateBytes` long). A step that returns a longer state halts, as one that reverts.
    /// @dev Needs gas for the task's `gasPerStep` (times 64/63) on top of the call's own; see {Judge}. Reverts with
    /// {ChainGameComputationChanged} if the computation's code is no longer the registered one.
    function judgeStep(uint256 disputeId, bytes calldata preimage) external;

    /// @notice Anyone ends a dispute whose side to move has run out of time; that side loses.
    function timeout(uint256 disputeId) external;

    /// @notice Anyone ends a dispute whose commitment was slashed in another dispute, returning the challenger's bond.
    function reclaimDisputeBond(uint256 disputeId) external;

    /// @notice Anyone pays reward and bond to the solver once the challenge window is over and no dispute is open.
    function finalize(uint256 taskId) external;

    /// @notice Anyone returns the reward to the buyer of an open task whose commit deadline has passed.
    function refund(uint256 taskId) external;

    /// @notice The DAO sets the parameters for new tasks.
    function setParameters(Parameters calldata parameters) external;

    /// @notice The parameters in force for new tasks.
    function parameters() external view returns (Parameters memory);

    /// @notice The registry of computations checked pure: a task may name only a registered computation, and a step
    /// is judged only while the computation's code hash is the pinned one.
    function computationRegistry() external view returns (IComputationRegistry);

    /// @notice A task as stored.
    function task(uint256 taskId) external view returns (Task memory);

    /// @notice A dispute, flattened.
    function dispute(uint256 disputeId) external view returns (Dispute memory);

    /// @notice The number of tasks posted (the last id).
    function taskCount() external view returns (uint256);

    /// @notice The number of disputes opened (the last id).
    function disputeCount() external view returns (uint256);
}
