// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapComputation} from "../computations/IMapComputation.sol";
import {IComputationRegistry} from "./IComputationRegistry.sol";

/// @title The verification game for map tasks
/// @notice A buyer posts a task of independent leaves; one solver claims it with a bond and commits the Merkle root
/// of its results; during the challenge window anyone may prove a cheat (a direct proof, committed then revealed)
/// or query a leaf with a bond (the solver must answer); a cheat slashes the solver and reopens the task; after the
/// window the solver collects reward and bond, and after the commit deadline without a result the buyer takes the
/// reward back. Amounts are in the game's token (SNM); times are unix seconds; deadlines are exclusive (an action
/// is allowed while `block.timestamp < deadline`, its timeout once `block.timestamp >= deadline`).
interface IMapGame {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Where a task is in its life.
    enum TaskStatus {
        None, // never posted
        Open, // waiting for a solver (posted, or reopened after a forfeited claim or a slash)
        Claimed, // a solver holds it and must commit by `deadline`
        Committed, // a result is committed; challenges are open until `deadline`
        Finalized, // the solver was paid (terminal)
        Refunded // the buyer took the reward back (terminal)
    }

    /// @notice Where a query is in its life.
    enum QueryStatus {
        None, // never opened
        Open, // waiting for the solver's answer until `deadline`
        Answered, // answered in time; the bond went to the solver
        TimedOut, // unanswered; the solver was slashed and the bond returned
        Reclaimed // the commitment it asked about was slashed through another proof or query; the bond returned
    }

    /// @notice What a buyer posts.
    /// @param computation Evaluates one leaf; its deployed code is the task's semantics. It should read nothing but its
    /// input (no storage, balances, other accounts or block data): what such reads return, and what they cost under
    /// EIP-2929 (warm or cold, which a transaction's access list can choose), would make a leaf's output depend on
    /// the transaction that judges it. Solvers and watchers should refuse tasks whose computation is not pure.
    /// @param inputRoot StandardMerkleTree root over `(uint256 index, bytes input)`, `index` in `[0, leafCount)`.
    /// @param leafCount The number of leaves.
    /// @param gasPerLeaf The exact gas one leaf is evaluated with (see {Judge}).
    /// @param reward Escrowed at posting; paid to the solver whose result survives the challenge window.
    /// @param solverBond Posted by the solver at claim; lost on a proven cheat, an unanswered query or a missed
    /// commit.
    /// @param challengerBond Posted by each query; paid to the solver when the query is answered.
    /// @param commitDeadline No result may be committed at or after this time; from then an open task is refundable.
    struct TaskSpec {
        IMapComputation computation;
        bytes32 inputRoot;
        uint64 leafCount;
        uint32 gasPerLeaf;
        uint96 reward;
        uint96 solverBond;
        uint96 challengerBond;
        uint40 commitDeadline;
    }

    /// @notice A task as stored. Six slots; the fields written after posting share slots written at posting.
    /// @param maxLeafBytes The most bytes a leaf's input or output may have: the DAO's bound when the task was posted
    /// (docs/protocol.md, "Soundness: bounded units"). The judge treats a longer output as malformed (`""`).
    /// @param isDeal Whether the task is a deal of the market: its solver is a hub wallet, it never reopens, and its
    /// windows are its own ({dealTerms}). In the slot every judging call reads already.
    /// @param deadline While Claimed: the time the solver must commit by. While Committed: the end of the
    /// challenge window (extended so a challenger has `responseWindow` after the last answer).
    /// @param round How many claims the task has seen; names the live commitment, so that a query or a proof of an
    /// earlier commitment cannot touch a later one.
    /// @param openQueries Unanswered queries against the live commitment; the task cannot finalize while any is open.
    /// @param extensions How many answers moved the live commitment's challenge window (at most MAX_EXTENSIONS).
    struct Task {
        address buyer;
        uint96 reward;
        IMapComputation computation;
        uint32 gasPerLeaf;
        uint40 commitDeadline;
        uint16 maxLeafBytes;
        bool isDeal;
        bytes32 inputRoot;
        uint96 solverBond;
        uint96 challengerBond;
        uint64 leafCount;
        address solver;
        uint40 deadline;
        TaskStatus status;
        uint24 round;
        uint16 openQueries;
        uint8 extensions;
        bytes32 resultRoot;
    }

    /// @notice A bonded question: "show me your result leaf at `index`".
    /// @param round The task's round when the query was opened: the commitment it asks about.
    struct Query {
        address challenger;
        uint40 deadline;
        uint24 round;
        QueryStatus status;
        uint64 taskId;
        uint64 index;
    }

    /// @notice What the DAO sets. Windows apply to phases that start after a change; a running deadline never moves.
    /// @param minSolverBond The least solver bond a task may ask for.
    /// @param minChallengerBond The least challenger (query) bond a task may ask for.
    /// @param claimWindow The time a claimer has to commit (cut short by the task's commit deadline).
    /// @param challengeWindow The time a committed result stays open to challenges.
    /// @param responseWindow The time a solver has to answer a query, and a challenger has after an answer.
    /// @param challengerShareBps The part of a slashed solver bond that goes to the challenger, in basis points; the
    /// rest goes to the DAO.
    /// @param maxGasPerLeaf The largest `gasPerLeaf` a task may fix (a leaf must be judgeable within a block).
    /// @param maxLeafBytes The most bytes a leaf's input or output may have in tasks posted from now on.
    struct Parameters {
        uint96 minSolverBond;
        uint96 minChallengerBond;
        uint32 claimWindow;
        uint32 challengeWindow;
        uint32 responseWindow;
        uint16 challengerShareBps;
        uint32 maxGasPerLeaf;
        uint32 maxLeafBytes;
    }

    /// @notice A deal's task, as the market opens it: a TaskSpec whose commit deadline is `turnaround` from now and
    /// whose challenge and response windows are the hub's offer's.
    struct DealSpec {
        IMapComputation computation;
        bytes32 inputRoot;
        uint64 leafCount;
        uint32 gasPerLeaf;
        uint96 reward;
        uint96 solverBond;
        uint96 challengerBond;
        uint32 challengeWindow;
        uint32 responseWindow;
        uint32 turnaround;
    }

    /// @notice A deal's windows, its own instead of the DAO's (all zero for an open task; a deal's windows are at
    /// least MIN_WINDOW, so a non-zero window also tells a deal where only these are read). One slot.
    /// @param declineBy Until when the hub may decline the deal (half its turnaround after the take): a buyer who
    /// does not serve the inputs behind its root cannot make the hub lose its bond (docs/protocol.md, "Declining").
    struct DealTerms {
        uint32 challengeWindow;
        uint32 responseWindow;
        uint40 declineBy;
    }

    /// @notice A direct proof of cheat: the input leaf and the solver's result leaf at the same index.
    /// @param index The leaf's index.
    /// @param input The leaf's input (the data of the input leaf).
    /// @param inputProof The input leaf's proof under the task's `inputRoot`.
    /// @param output The solver's output (the data of the result leaf).
    /// @param resultProof The result leaf's proof under the committed `resultRoot`.
    struct CheatProof {
        uint256 index;
        bytes input;
        bytes32[] inputProof;
        bytes output;
        bytes32[] resultProof;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A buyer posted a task and escrowed its reward.
    event TaskPosted(
        uint256 indexed taskId,
        address indexed buyer,
        IMapComputation indexed computation,
        TaskSpec spec,
        string inputURI
    );

    /// @notice A solver claimed a task and posted its bond; it must commit before `deadline`.
    event TaskClaimed(uint256 indexed taskId, address indexed solver, uint24 round, uint40 deadline);

    /// @notice A claimer did not commit in time; its bond went to the buyer and the task reopened.
    event ClaimForfeited(uint256 indexed taskId, address indexed solver, uint24 round, uint96 bond);

    /// @notice A solver committed a result root; challenges are open until `challengeEnd`.
    event ResultCommitted(
        uint256 indexed taskId,
        address indexed solver,
        uint24 round,
        bytes32 resultRoot,
        uint40 challengeEnd,
        string resultURI
    );

    /// @notice A challenger committed to a proof of cheat (see {proofCommitment}).
    event ProofCommitted(bytes32 indexed commitment, address indexed challenger);

    /// @notice A direct proof showed that the result leaf at `index` is not what the computation outputs.
    event CheatProven(uint256 indexed taskId, uint24 round, uint256 index, address indexed challenger);

    /// @notice The solver of `round` lost its bond: `toChallenger` to `challenger`, `toDao` to the DAO; the task
    /// reopened.
    event SolverSlashed(
        uint256 indexed taskId,
        uint24 round,
        address indexed solver,
        address indexed challenger,
        uint256 toChallenger,
        uint256 toDao
    );

    /// @notice A challenger asked for the result leaf at `index` and posted its bond; the answer is due by `deadline`.
    event QueryOpened(
        uint256 indexed queryId,
        uint256 indexed taskId,
        uint24 round,
        address indexed challenger,
        uint256 index,
        uint40 deadline
    );

    /// @notice The result leaf at the query's index was shown; the bond went to the solver. Challenges on this task
    /// stay open at least until `challengeEnd`.
    event QueryAnswered(
        uint256 indexed queryId, uint256 indexed taskId, uint256 index, bytes output, uint40 challengeEnd
    );

    /// @notice A query went unanswered; the solver was slashed (see {SolverSlashed}).
    event QueryTimedOut(uint256 indexed queryId, uint256 indexed taskId);

    /// @notice A query's commitment ended without it (slashed by another proof); its bond went back.
    event QueryBondReclaimed(uint256 indexed queryId, uint256 indexed taskId, address indexed challenger);

    /// @notice The challenge window passed without a cheat; the solver got reward and bond.
    event TaskFinalized(uint256 indexed taskId, address indexed solver, uint256 payout);

    /// @notice The buyer took the reward back.
    event TaskRefunded(uint256 indexed taskId, address indexed buyer, uint256 amount);

    /// @notice The buyer accepted the committed result before its challenge window ended (a TaskFinalized follows,
    /// or, for a deal with a Punished hub, a DealVoided).
    event TaskAccepted(uint256 indexed taskId, address indexed buyer);

    /// @notice A deal ended without settling into the hub wallet: the hub declined it, or it was Suspected or
    /// Punished. `toBuyer` (the escrow) went to the buyer and the bond to `bondTo` (the wallet if declined or
    /// Suspected, the DAO if Punished). The market's history tells a decline from a void.
    event DealVoided(uint256 indexed taskId, address indexed hub, uint256 toBuyer, address bondTo, uint256 bond);

    /// @notice The DAO set new parameters.
    event ParametersSet(Parameters parameters);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Only the market may make this call.
    error MapGameNotMarket(address caller);

    /// @notice The call applies to deals only, and task `taskId` is an open task.
    error MapGameNotDeal(uint256 taskId);

    /// @notice A deal's turnaround (`value` seconds) is outside [min, max].
    error MapGameTurnaroundOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice The buyer may cancel an uncommitted deal only if its hub is Suspected or Punished; it is `state`.
    error MapGameHubInGoodStanding(address hub, uint8 state);

    /// @notice Only the DAO (the timelock) may do this.
    error MapGameNotDao(address caller);

    /// @notice {Parameters}' `minSolverBond` is outside `[min, max]`: zero, and a staller would pay nothing.
    error MapGameMinSolverBondOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice {Parameters}' `minChallengerBond` is outside `[min, max]`: zero, and a staller would pay nothing.
    error MapGameMinChallengerBondOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice {Parameters}' `claimWindow` is outside `[MIN_WINDOW, MAX_WINDOW]`.
    error MapGameClaimWindowOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice {Parameters}' `challengeWindow` is outside `[MIN_WINDOW, MAX_WINDOW]`.
    error MapGameChallengeWindowOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice {Parameters}' `responseWindow` is outside `[MIN_WINDOW, MAX_WINDOW]`.
    error MapGameResponseWindowOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice {Parameters}' `challengerShareBps` is outside `[MIN_CHALLENGER_SHARE_BPS, MAX_CHALLENGER_SHARE_BPS]`.
    error MapGameChallengerShareBpsOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice {Parameters}' `maxGasPerLeaf` is outside `[1, MAX_GAS_PER_LEAF]`.
    error MapGameMaxGasPerLeafOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice {Parameters}' `maxLeafBytes` is outside `[1, MAX_LEAF_BYTES]`.
    error MapGameMaxLeafBytesOutOfRange(uint256 value, uint256 min, uint256 max);

    /// @notice The computation is not in the computation registry: the games judge only code checked pure.
    error MapGameComputationNotRegistered(address computation);

    /// @notice The computation's code hash is no longer the one the registry pinned.
    error MapGameComputationChanged(address computation);

    /// @notice A leaf's input or output has `length` bytes, more than the task's `max`.
    error MapGameLeafTooLarge(uint256 length, uint256 max);

    /// @notice A task must have at least one leaf.
    error MapGameZeroLeafCount();

    /// @notice `gasPerLeaf` is zero or above the DAO's `maxGasPerLeaf`.
    error MapGameGasPerLeafOutOfRange(uint256 gasPerLeaf, uint256 maxGasPerLeaf);

    /// @notice A task must pay something.
    error MapGameZeroReward();

    /// @notice The solver bond is below the DAO's minimum.
    error MapGameSolverBondTooLow(uint256 bond, uint256 minimum);

    /// @notice The challenger bond is below the DAO's minimum or above the solver bond (a query must stay affordable).
    error MapGameChallengerBondOutOfRange(uint256 bond, uint256 minimum, uint256 maximum);

    /// @notice The commit deadline is not in the future.
    error MapGameCommitDeadlineInPast(uint256 commitDeadline);

    /// @notice The call is not allowed in the task's `current` status. `expectedStatuses` has bit `1 << uint8(s)` set
    /// for each status `s` in which it is allowed.
    error MapGameUnexpectedTaskStatus(uint256 taskId, TaskStatus current, bytes32 expectedStatuses);

    /// @notice Too late: the deadline has passed.
    error MapGameDeadlinePassed(uint256 deadline);

    /// @notice Too early: the deadline has not come.
    error MapGameDeadlineNotReached(uint256 deadline);

    /// @notice Only the task's solver may do this.
    error MapGameNotSolver(address caller, address solver);

    /// @notice Only the buyer may do this before the commit deadline.
    error MapGameNotBuyer(address caller, address buyer);

    /// @notice The index is not a leaf of the task.
    error MapGameIndexOutOfRange(uint256 index, uint256 leafCount);

    /// @notice The input leaf is not under the task's input root.
    error MapGameInvalidInputProof();

    /// @notice The result leaf is not under the committed result root.
    error MapGameInvalidResultProof();

    /// @notice The commitment was already made.
    error MapGameProofAlreadyCommitted(bytes32 commitment);

    /// @notice No such commitment was made by the caller (a reveal copied from another address lands here).
    error MapGameProofNotCommitted(bytes32 commitment);

    /// @notice A proof is revealed in the block it was committed in.
    error MapGameProofRevealTooEarly(bytes32 commitment);

    /// @notice The result leaf is what the computation outputs: no cheat.
    error MapGameNoCheat(uint256 taskId, uint256 index);

    /// @notice The task cannot finalize while queries are unanswered.
    error MapGameQueriesOpen(uint256 taskId, uint256 openQueries);

    /// @notice The call is not allowed in the query's `current` status (only an open query can be answered, timed out
    /// or reclaimed). `expectedStatuses` has bit `1 << uint8(s)` set for each status `s` in which it is allowed.
    error MapGameUnexpectedQueryStatus(uint256 queryId, QueryStatus current, bytes32 expectedStatuses);

    /// @notice The query is about a commitment that is no longer live.
    error MapGameQueryStale(uint256 queryId);

    /// @notice The query's commitment is still live: it must be answered or timed out, not reclaimed.
    error MapGameQueryLive(uint256 queryId);

    /// @notice Too many open queries against one commitment (65,535).
    error MapGameTooManyQueries(uint256 taskId);

    /*//////////////////////////////////////////////////////////////
                               FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Posts a task and escrows `spec.reward` from the caller (who must have approved it).
    /// @param inputURI Where the inputs are (emitted, not stored).
    function post(TaskSpec calldata spec, string calldata inputURI) external returns (uint256 taskId);

    /// @notice Claims an open task and escrows its solver bond from the caller. A claim whose holder did not commit in
    /// time is forfeited to the buyer first (see {forfeitClaim}).
    function claim(uint256 taskId) external;

    /// @notice Forfeits a claim whose holder did not commit in time: the bond goes to the buyer, the task reopens.
    /// Anyone may call.
    function forfeitClaim(uint256 taskId) external;

    /// @notice Commits the solver's result root.
    /// @param resultRoot StandardMerkleTree root over `(uint256 index, bytes output)` for every index.
    /// @param resultURI Where the results are (emitted, not stored).
    function commit(uint256 taskId, bytes32 resultRoot, string calldata resultURI) external;

    /// @notice Records a commitment to a proof of cheat; reveal it with {proveCheat} in a later block. A commitment is
    /// recorded once and never moved: since the hash binds the challenger's address, a challenger who finds its
    /// commitment already made (copied from the mempool) may simply reveal it.
    /// @param commitment {proofCommitment} of the caller's proof.
    function commitProof(bytes32 commitment) external;

    /// @notice Reveals a committed proof of cheat. If the computation's output at `proof.index` differs from the
    /// committed one, the solver is slashed, the caller takes the challenger's share and the task reopens.
    function proveCheat(uint256 taskId, CheatProof calldata proof, bytes32 salt) external;

    /// @notice Asks the solver to show its result leaf at `index`; escrows the task's challenger bond from the
    /// caller.
    function openQuery(uint256 taskId, uint256 index) external returns (uint256 queryId);

    /// @notice Answers a query with the result leaf at its index. Anyone may answer; the bond goes to the solver.
    function answerQuery(uint256 queryId, bytes calldata output, bytes32[] calldata resultProof) external;

    /// @notice Slashes a solver that did not answer a query in time; the challenger gets its bond back and the
    /// challenger's share. Anyone may call.
    function timeoutQuery(uint256 queryId) external;

    /// @notice Returns the bond of an open query whose commitment ended otherwise (slashed). Anyone may call.
    function reclaimQueryBond(uint256 queryId) external;

    /// @notice Pays the solver reward and bond once the challenge window passed with no cheat and no open query.
    /// Anyone may call.
    function finalize(uint256 taskId) external;

    /// @notice Returns the reward (and any unused claim's forfeited bond) to the buyer: by the buyer while the task
    /// is open, by anyone once the commit deadline passed with no result.
    function refund(uint256 taskId) external;

    /// @notice Opens a deal: a task whose solver is the hub wallet `hub`, already claimed, committing within
    /// `spec.turnaround`. The market has moved the escrow and the bond into the game. Only the market.
    /// @param inputURI Where the inputs are (emitted, not stored).
    function openDeal(address buyer, address hub, DealSpec calldata spec, string calldata inputURI)
        external
        returns (uint256 taskId);

    /// @notice The buyer accepts a committed result at once (the whitepaper's "confirms the transfer"), ending its
    /// challenge window: settles as {finalize}. Not while a query on it is open.
    function accept(uint256 taskId) external;

    /// @notice The buyer of an uncommitted deal whose hub became Suspected or Punished takes the escrow back; the
    /// bond returns to the wallet (Suspected: within the DAO's reach) or goes to the DAO (Punished).
    function cancelDeal(uint256 taskId) external;

    /// @notice The hub (its owner or operator) declines an uncommitted deal before `dealTerms(taskId).declineBy`,
    /// typically because the buyer does not serve the inputs behind the deal's input root: the escrow goes back to
    /// the buyer, the bond back to the wallet; the hub's history counts it as declined, not as a fault.
    function declineDeal(uint256 taskId) external;

    /// @notice Sets the parameters. DAO only.
    function setParameters(Parameters calldata parameters) external;

    /// @notice The hash a challenger commits to before revealing a proof of cheat:
    /// `keccak256(abi.encode(challenger, taskId, index, keccak256(input), keccak256(output), salt))`.
    function proofCommitment(
        address challenger,
        uint256 taskId,
        uint256 index,
        bytes calldata input,
        bytes calldata output,
        bytes32 salt
    ) external pure returns (bytes32);

    /// @notice A task as stored.
    function task(uint256 taskId) external view returns (Task memory);

    /// @notice A query as stored.
    function query(uint256 queryId) external view returns (Query memory);

    /// @notice The parameters in force.
    function parameters() external view returns (Parameters memory);

    /// @notice A deal's terms (all zero for an open task).
    function dealTerms(uint256 taskId) external view returns (DealTerms memory);

    /// @notice The market: the only caller of {openDeal}, told how every deal ends.
    function market() external view returns (address);

    /// @notice The registry of pure computations: a task may name only a computation registered there, and a leaf is
    /// judged only while its code hash is still the pinned one.
    function computationRegistry() external view returns (IComputationRegistry);
}
