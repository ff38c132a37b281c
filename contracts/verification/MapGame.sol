// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubState, IHubWallet} from "../interfaces/IHubWallet.sol";
import {IMarket} from "../market/interfaces/IMarket.sol";
import {IMapComputation} from "./computations/IMapComputation.sol";
import {IComputationRegistry} from "./interfaces/IComputationRegistry.sol";
import {IMapGame} from "./interfaces/IMapGame.sol";
import {Judge} from "./libraries/Judge.sol";
import {StandardMerkle} from "./libraries/StandardMerkle.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title MapGame: map tasks, judged one leaf at a time
/// @notice See {IMapGame}. The game holds exactly the escrowed rewards, the live solver bonds and the open query
/// bonds; every token that leaves it is one of those, paid to the party the rules name.
/// @dev Token transfers come last in every function (checks, effects, interactions). The token is SNM, a plain
/// OpenZeppelin ERC20 without hooks; computations are only ever `staticcall`ed by {Judge}.
// Every deadline compares `block.timestamp`: a validator's few seconds of leeway are immaterial against windows of
// at least ten minutes (MIN_WINDOW).
// forge-lint: disable-start(block-timestamp)
contract MapGame is IMapGame {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The shortest window the DAO may set: long enough for an honest party to get a transaction included.
    uint32 public constant MIN_WINDOW = 10 minutes;

    /// @notice The longest window the DAO may set: a bond or reward is never locked up for longer per phase.
    uint32 public constant MAX_WINDOW = 30 days;

    /// @notice The least share of a slashed bond that goes to the challenger, so proving a cheat always pays.
    uint16 public constant MIN_CHALLENGER_SHARE_BPS = 1000;

    /// @notice The most of a slashed bond that goes to the challenger: a solver that proves its own cheat from another
    /// address still loses at least the rest, half its bond (docs/protocol.md, "Soundness: self-proving cheater").
    uint16 public constant MAX_CHALLENGER_SHARE_BPS = 5000;

    /// @notice How many answered queries may move a commitment's challenge window: the window ends by a known time
    /// however many queries arrive (docs/protocol.md, "Soundness: bounded query extension").
    uint8 public constant MAX_EXTENSIONS = 3;

    /// @notice The most bytes the DAO may allow a leaf's input or output (the judge's bound for every unit).
    uint32 public constant MAX_LEAF_BYTES = uint32(Judge.MAX_UNIT_BYTES);

    /// @notice Basis points in a whole.
    uint16 public constant BPS = 10_000;

    /// @notice The most gas a leaf may be given: with MAX_LEAF_BYTES, the whole transaction of a proof of cheat of
    /// the largest allowed leaf fits 2^24 gas with 10% to spare (docs/protocol.md, "Soundness: bounded units").
    uint32 public constant MAX_GAS_PER_LEAF = uint32(Judge.MAX_GAS_PER_UNIT);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @notice The token rewards and bonds are paid in (SNM).
    IERC20 public immutable token;

    /// @notice The DAO (the timelock): sets the parameters and receives its share of slashed bonds.
    address public immutable dao;

    /// @inheritdoc IMapGame
    IComputationRegistry public immutable computationRegistry;

    /// @inheritdoc IMapGame
    address public immutable market;

    Parameters internal _parameters;

    /// @notice How many tasks were posted; task ids start at 1.
    uint256 public taskCount;

    /// @notice How many queries were opened; query ids start at 1.
    uint256 public queryCount;

    mapping(uint256 taskId => Task) internal _tasks;
    mapping(uint256 queryId => Query) internal _queries;
    mapping(uint256 taskId => DealTerms) internal _deals;

    /// @notice The block a proof commitment was made in (0 if none).
    mapping(bytes32 commitment => uint256 blockNumber) public proofCommitBlock;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param token_ The token rewards and bonds are paid in.
    /// @param dao_ The DAO's timelock.
    /// @param registry_ The registry of pure computations; tasks may name only computations registered there.
    /// @param market_ The market: opens deals and records how they end.
    /// @param parameters_ The initial parameters (checked like {setParameters}).
    constructor(
        IERC20 token_,
        address dao_,
        IComputationRegistry registry_,
        address market_,
        Parameters memory parameters_
    ) {
        token = token_;
        dao = dao_;
        computationRegistry = registry_;
        market = market_;
        _setParameters(parameters_);
    }

    /*//////////////////////////////////////////////////////////////
                             TASK LIFECYCLE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMapGame
    function post(TaskSpec calldata spec, string calldata inputURI) external returns (uint256 taskId) {
        if (spec.commitDeadline <= block.timestamp) revert MapGameCommitDeadlineInPast(spec.commitDeadline);
        taskId = _newTask(msg.sender, spec);
        _tasks[taskId].status = TaskStatus.Open;
        emit TaskPosted(taskId, msg.sender, spec.computation, spec, inputURI);

        token.safeTransferFrom(msg.sender, address(this), spec.reward);
    }

    /// @inheritdoc IMapGame
    function openDeal(address buyer, address hub, DealSpec calldata spec, string calldata inputURI)
        external
        returns (uint256 taskId)
    {
        if (msg.sender != market) revert MapGameNotMarket(msg.sender);
        Parameters memory p = _parameters;
        // The hub chooses its windows, but never shorter than the DAO's: watchers and challengers keep their time.
        if (spec.challengeWindow < p.challengeWindow || spec.challengeWindow > MAX_WINDOW) {
            revert MapGameChallengeWindowOutOfRange(spec.challengeWindow, p.challengeWindow, MAX_WINDOW);
        }
        if (spec.responseWindow < p.responseWindow || spec.responseWindow > MAX_WINDOW) {
            revert MapGameResponseWindowOutOfRange(spec.responseWindow, p.responseWindow, MAX_WINDOW);
        }
        if (spec.turnaround < MIN_WINDOW || spec.turnaround > MAX_WINDOW) {
            revert MapGameTurnaroundOutOfRange(spec.turnaround, MIN_WINDOW, MAX_WINDOW);
        }
        // Safe until the year 36,000: a timestamp plus a window of at most 30 days fits 40 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint40 deadline = uint40(block.timestamp + spec.turnaround);
        TaskSpec memory task_ = TaskSpec({
            computation: spec.computation,
            inputRoot: spec.inputRoot,
            leafCount: spec.leafCount,
            gasPerLeaf: spec.gasPerLeaf,
            reward: spec.reward,
            solverBond: spec.solverBond,
            challengerBond: spec.challengerBond,
            commitDeadline: deadline
        });
        taskId = _newTask(buyer, task_);
        // Opened claimed by the hub wallet: the market moved the buyer's escrow and the hub's bond in already.
        Task storage t = _tasks[taskId];
        t.solver = hub;
        t.deadline = deadline;
        t.status = TaskStatus.Claimed;
        t.round = 1;
        t.isDeal = true;
        _deals[taskId] = DealTerms({
            challengeWindow: spec.challengeWindow,
            responseWindow: spec.responseWindow,
            // Safe until the year 36,000, as `deadline`.
            // forge-lint: disable-next-line(unsafe-typecast)
            declineBy: uint40(block.timestamp + spec.turnaround / 2)
        });
        emit TaskPosted(taskId, buyer, spec.computation, task_, inputURI);
        // The market's DealTaken tells the deal's offer and price; `dealTerms` its windows.
        emit TaskClaimed(taskId, hub, 1, deadline);
    }

    /// @inheritdoc IMapGame
    function claim(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        uint256 forfeited;
        // A deal never reopens: its lapsed claim stays Claimed here, and the status check below refuses it.
        if (t.status == TaskStatus.Claimed && block.timestamp >= t.deadline && !t.isDeal) {
            forfeited = _forfeitClaim(taskId, t);
        }
        _expectTaskStatus(taskId, t.status, TaskStatus.Open);
        uint256 commitDeadline = t.commitDeadline;
        if (block.timestamp >= commitDeadline) revert MapGameDeadlinePassed(commitDeadline);

        uint256 claimEnd = block.timestamp + _parameters.claimWindow;
        if (claimEnd > commitDeadline) claimEnd = commitDeadline;
        // Safe: claimEnd <= commitDeadline, itself a uint40.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint40 deadline = uint40(claimEnd);
        uint24 round = t.round + 1;
        t.solver = msg.sender;
        t.deadline = deadline;
        t.status = TaskStatus.Claimed;
        t.round = round;
        emit TaskClaimed(taskId, msg.sender, round, deadline);

        if (forfeited != 0) token.safeTransfer(t.buyer, forfeited);
        token.safeTransferFrom(msg.sender, address(this), t.solverBond);
    }

    /// @inheritdoc IMapGame
    function forfeitClaim(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Claimed);
        if (block.timestamp < t.deadline) revert MapGameDeadlineNotReached(t.deadline);
        address hub = t.solver;
        uint256 forfeited = _forfeitClaim(taskId, t);
        address buyer = t.buyer;
        if (t.isDeal) {
            // A deal ends here, never reopened: no commit by the turnaround is the hub's fault. The buyer gets its
            // escrow back with the bond, as any lapsed claim's.
            t.status = TaskStatus.Refunded;
            forfeited += t.reward;
            emit TaskRefunded(taskId, buyer, forfeited);
            IMarket(market).recordOutcome(hub, IMarket.Outcome.NoCommit, 0, 0);
        }

        token.safeTransfer(buyer, forfeited);
    }

    /// @inheritdoc IMapGame
    function commit(uint256 taskId, bytes32 resultRoot, string calldata resultURI) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Claimed);
        address solver = t.solver;
        uint256 window;
        if (msg.sender == solver) {
            window = _parameters.challengeWindow;
        } else {
            // A deal's solver is a hub wallet, which commits through its owner or operator, with the deal's window.
            DealTerms memory deal = _deals[taskId];
            if (deal.challengeWindow == 0 || !IMarket(market).actsFor(solver, msg.sender)) {
                revert MapGameNotSolver(msg.sender, solver);
            }
            window = deal.challengeWindow;
        }
        if (block.timestamp >= t.deadline) revert MapGameDeadlinePassed(t.deadline);

        // Safe until the year 36,000: a timestamp plus a window of at most 30 days fits 40 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint40 challengeEnd = uint40(block.timestamp + window);
        t.resultRoot = resultRoot;
        t.deadline = challengeEnd;
        t.status = TaskStatus.Committed;
        emit ResultCommitted(taskId, solver, t.round, resultRoot, challengeEnd, resultURI);
    }

    /// @inheritdoc IMapGame
    function finalize(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Committed);
        if (block.timestamp < t.deadline) revert MapGameDeadlineNotReached(t.deadline);
        if (t.openQueries != 0) revert MapGameQueriesOpen(taskId, t.openQueries);
        _settle(taskId, t, IMarket.Outcome.Settled);
    }

    /// @inheritdoc IMapGame
    function accept(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Committed);
        if (msg.sender != t.buyer) revert MapGameNotBuyer(msg.sender, t.buyer);
        if (t.openQueries != 0) revert MapGameQueriesOpen(taskId, t.openQueries);
        emit TaskAccepted(taskId, msg.sender);
        _settle(taskId, t, IMarket.Outcome.Accepted);
    }

    /// @inheritdoc IMapGame
    function declineDeal(uint256 taskId) external {
        _unwind(taskId, true);
    }

    /// @inheritdoc IMapGame
    function cancelDeal(uint256 taskId) external {
        _unwind(taskId, false);
    }

    /// @inheritdoc IMapGame
    function refund(uint256 taskId) external {
        Task storage t = _tasks[taskId];
        uint256 forfeited;
        // A deal never reopens (see {forfeitClaim}): the status check below refuses it.
        if (t.status == TaskStatus.Claimed && block.timestamp >= t.deadline && !t.isDeal) {
            forfeited = _forfeitClaim(taskId, t);
        }
        _expectTaskStatus(taskId, t.status, TaskStatus.Open);
        address buyer = t.buyer;
        if (msg.sender != buyer && block.timestamp < t.commitDeadline) revert MapGameNotBuyer(msg.sender, buyer);

        t.status = TaskStatus.Refunded;
        uint256 reward = t.reward;
        emit TaskRefunded(taskId, buyer, reward);

        // The reward and an unused claim's bond, both owed to the buyer, in one transfer.
        token.safeTransfer(buyer, reward + forfeited);
    }

    /*//////////////////////////////////////////////////////////////
                          DIRECT PROOF OF CHEAT
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMapGame
    function commitProof(bytes32 commitment) external {
        if (proofCommitBlock[commitment] != 0) revert MapGameProofAlreadyCommitted(commitment);
        proofCommitBlock[commitment] = block.number;
        emit ProofCommitted(commitment, msg.sender);
    }

    /// @inheritdoc IMapGame
    function proveCheat(uint256 taskId, CheatProof calldata proof, bytes32 salt) external {
        // The commitment is recomputed with the caller's address: a reveal copied by anyone else names a commitment
        // that was never made.
        bytes32 commitment = _proofCommitment(msg.sender, taskId, proof.index, proof.input, proof.output, salt);
        uint256 committedAt = proofCommitBlock[commitment];
        if (committedAt == 0) revert MapGameProofNotCommitted(commitment);
        if (committedAt >= block.number) revert MapGameProofRevealTooEarly(commitment);

        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Committed);
        if (block.timestamp >= t.deadline) revert MapGameDeadlinePassed(t.deadline);
        if (proof.index >= t.leafCount) revert MapGameIndexOutOfRange(proof.index, t.leafCount);
        // An input over the bound is the buyer's fault and is never judged (a solver checks the inputs before it
        // claims). An output over it needs no check: the judge never outputs that much, so it is a cheat.
        uint256 maxLeafBytes = t.maxLeafBytes;
        if (proof.input.length > maxLeafBytes) revert MapGameLeafTooLarge(proof.input.length, maxLeafBytes);
        IMapComputation computation = t.computation;
        if (!computationRegistry.isIntact(address(computation))) {
            revert MapGameComputationChanged(address(computation));
        }
        if (!StandardMerkle.verify(proof.inputProof, t.inputRoot, StandardMerkle.leaf(proof.index, proof.input))) {
            revert MapGameInvalidInputProof();
        }
        if (!StandardMerkle.verify(proof.resultProof, t.resultRoot, StandardMerkle.leaf(proof.index, proof.output))) {
            revert MapGameInvalidResultProof();
        }
        bytes memory expected = Judge.leaf(computation, proof.input, t.gasPerLeaf, maxLeafBytes);
        if (keccak256(expected) == keccak256(proof.output)) revert MapGameNoCheat(taskId, proof.index);

        delete proofCommitBlock[commitment];
        emit CheatProven(taskId, t.round, proof.index, msg.sender);
        _slash(taskId, t, msg.sender, 0, IMarket.Outcome.CheatProven);
    }

    /// @inheritdoc IMapGame
    function proofCommitment(
        address challenger,
        uint256 taskId,
        uint256 index,
        bytes calldata input,
        bytes calldata output,
        bytes32 salt
    ) external pure returns (bytes32) {
        return _proofCommitment(challenger, taskId, index, input, output, salt);
    }

    /*//////////////////////////////////////////////////////////////
                                QUERIES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMapGame
    function openQuery(uint256 taskId, uint256 index) external returns (uint256 queryId) {
        Task storage t = _tasks[taskId];
        _expectTaskStatus(taskId, t.status, TaskStatus.Committed);
        if (block.timestamp >= t.deadline) revert MapGameDeadlinePassed(t.deadline);
        if (index >= t.leafCount) revert MapGameIndexOutOfRange(index, t.leafCount);
        if (t.openQueries == type(uint16).max) revert MapGameTooManyQueries(taskId);

        // Checked above: one below the type's maximum.
        unchecked {
            t.openQueries += 1;
        }
        queryId = ++queryCount;
        // Safe until the year 36,000: a timestamp plus a window of at most 30 days fits 40 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint40 deadline = uint40(block.timestamp + _responseWindow(taskId));
        uint24 round = t.round;
        _queries[queryId] = Query({
            challenger: msg.sender,
            deadline: deadline,
            round: round,
            status: QueryStatus.Open,
            // Safe: a committed task was posted, so taskId <= taskCount, and 2^64 posts cannot happen.
            // forge-lint: disable-next-line(unsafe-typecast)
            taskId: uint64(taskId),
            // Safe: index < leafCount, a uint64 (checked above).
            // forge-lint: disable-next-line(unsafe-typecast)
            index: uint64(index)
        });
        emit QueryOpened(queryId, taskId, round, msg.sender, index, deadline);

        token.safeTransferFrom(msg.sender, address(this), t.challengerBond);
    }

    /// @inheritdoc IMapGame
    function answerQuery(uint256 queryId, bytes calldata output, bytes32[] calldata resultProof) external {
        Query storage q = _queries[queryId];
        _expectQueryStatus(queryId, q.status, QueryStatus.Open);
        uint256 taskId = q.taskId;
        Task storage t = _tasks[taskId];
        if (!_isLive(q, t)) revert MapGameQueryStale(queryId);
        if (block.timestamp >= q.deadline) revert MapGameDeadlinePassed(q.deadline);
        // An honest output is never longer (the judge would make it ""): a longer one cannot answer.
        if (output.length > t.maxLeafBytes) revert MapGameLeafTooLarge(output.length, t.maxLeafBytes);
        uint256 index = q.index;
        if (!StandardMerkle.verify(resultProof, t.resultRoot, StandardMerkle.leaf(index, output))) {
            revert MapGameInvalidResultProof();
        }

        q.status = QueryStatus.Answered;
        // The query was open against this commitment, so the counter is at least one.
        unchecked {
            t.openQueries -= 1;
        }
        // The answer shows data the challenger may now check: leave it a response window to prove a cheat, but only
        // MAX_EXTENSIONS times a commitment, so that queries cannot hold an honest solver's reward for ever.
        uint40 challengeEnd = t.deadline;
        uint256 minEnd = block.timestamp + _responseWindow(taskId);
        if (minEnd > challengeEnd && t.extensions < MAX_EXTENSIONS) {
            // Safe until the year 36,000: a timestamp plus a window of at most 30 days fits 40 bits.
            // forge-lint: disable-next-line(unsafe-typecast)
            challengeEnd = uint40(minEnd);
            t.deadline = challengeEnd;
            // Checked just above: below MAX_EXTENSIONS.
            unchecked {
                t.extensions += 1;
            }
        }
        emit QueryAnswered(queryId, taskId, index, output, challengeEnd);

        // The bond goes to the solver, but never into a Punished wallet, which can never move it again: to the DAO.
        address solver = t.solver;
        if (t.isDeal && IHubWallet(solver).state() == HubState.Punished) solver = dao;
        token.safeTransfer(solver, t.challengerBond);
    }

    /// @inheritdoc IMapGame
    function timeoutQuery(uint256 queryId) external {
        Query storage q = _queries[queryId];
        _expectQueryStatus(queryId, q.status, QueryStatus.Open);
        uint256 taskId = q.taskId;
        Task storage t = _tasks[taskId];
        if (!_isLive(q, t)) revert MapGameQueryStale(queryId);
        if (block.timestamp < q.deadline) revert MapGameDeadlineNotReached(q.deadline);

        q.status = QueryStatus.TimedOut;
        emit QueryTimedOut(queryId, taskId);
        _slash(taskId, t, q.challenger, t.challengerBond, IMarket.Outcome.QueryUnanswered);
    }

    /// @inheritdoc IMapGame
    function reclaimQueryBond(uint256 queryId) external {
        Query storage q = _queries[queryId];
        _expectQueryStatus(queryId, q.status, QueryStatus.Open);
        uint256 taskId = q.taskId;
        Task storage t = _tasks[taskId];
        if (_isLive(q, t)) revert MapGameQueryLive(queryId);

        q.status = QueryStatus.Reclaimed;
        address challenger = q.challenger;
        emit QueryBondReclaimed(queryId, taskId, challenger);

        token.safeTransfer(challenger, t.challengerBond);
    }

    /*//////////////////////////////////////////////////////////////
                               GOVERNANCE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMapGame
    function setParameters(Parameters calldata parameters_) external {
        if (msg.sender != dao) revert MapGameNotDao(msg.sender);
        _setParameters(parameters_);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMapGame
    function task(uint256 taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    /// @inheritdoc IMapGame
    function query(uint256 queryId) external view returns (Query memory) {
        return _queries[queryId];
    }

    /// @inheritdoc IMapGame
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IMapGame
    function dealTerms(uint256 taskId) external view returns (DealTerms memory) {
        return _deals[taskId];
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Reopens the task; the claim's bond, returned, is owed to the buyer (squatting costs money). Effects only:
    /// the caller pays.
    function _forfeitClaim(uint256 taskId, Task storage t) internal returns (uint256 forfeited) {
        address solver = t.solver;
        uint96 bond = t.solverBond;
        t.solver = address(0);
        t.status = TaskStatus.Open;
        emit ClaimForfeited(taskId, solver, t.round, bond);
        forfeited = bond;
    }

    /// @dev Splits the live solver's bond between `challenger` (plus `refund`, its own query bond) and the DAO, and
    /// reopens the task; a deal instead ends, its escrow returned to the buyer, its `fault` written in the hub's
    /// history. Open queries of this commitment become reclaimable: the status leaves Committed.
    function _slash(uint256 taskId, Task storage t, address challenger, uint256 refund_, IMarket.Outcome fault)
        internal
    {
        uint256 bond = t.solverBond;
        // bond < 2^96 and the share <= 10_000, so the product cannot overflow; the share is at most the bond.
        uint256 toChallenger;
        uint256 toDao;
        unchecked {
            toChallenger = bond * _parameters.challengerShareBps / BPS;
            toDao = bond - toChallenger;
        }
        address solver = t.solver;
        t.solver = address(0);
        t.status = TaskStatus.Open;
        t.openQueries = 0;
        t.extensions = 0;
        emit SolverSlashed(taskId, t.round, solver, challenger, toChallenger, toDao);
        if (t.isDeal) {
            // A deal never reopens: it ends, its escrow back to the buyer (every effect is written before the first
            // transfer below).
            t.status = TaskStatus.Refunded;
            address buyer = t.buyer;
            uint256 reward = t.reward;
            emit TaskRefunded(taskId, buyer, reward);
            IMarket(market).recordOutcome(solver, fault, 0, 0);
            token.safeTransfer(buyer, reward);
        }

        token.safeTransfer(challenger, toChallenger + refund_);
        if (toDao != 0) token.safeTransfer(dao, toDao);
    }

    /// @dev Pays a committed result that stood: reward and bond to the solver. A deal settles into the hub wallet and
    /// is written in its history as `outcome`, unless the wallet is Punished: then nothing settles into it (it could
    /// never move the tokens again) and the deal is voided.
    function _settle(uint256 taskId, Task storage t, IMarket.Outcome outcome) internal {
        address solver = t.solver;
        // The market knows whether the hub was banned (the wallet tells it): it then records the deal as voided.
        if (t.isDeal && !IMarket(market).recordOutcome(solver, outcome, t.leafCount, t.reward)) {
            _payVoided(taskId, t, solver, dao);
            return;
        }
        t.status = TaskStatus.Finalized;
        uint256 payout;
        // A uint96 plus a uint96 cannot overflow a uint256.
        unchecked {
            payout = uint256(t.reward) + t.solverBond;
        }
        emit TaskFinalized(taskId, solver, payout);

        token.safeTransfer(solver, payout);
    }

    /// @dev Ends an uncommitted deal without settling: declined by the hub (`byHub`) before its decline deadline, or
    /// cancelled by the buyer because the hub is Suspected or Punished. The escrow goes back to the buyer; the bond
    /// back to the wallet (declined, or Suspected: where the DAO's decision reaches it) or, Punished, to the DAO.
    function _unwind(uint256 taskId, bool byHub) internal {
        Task storage t = _tasks[taskId];
        if (!t.isDeal) revert MapGameNotDeal(taskId);
        _expectTaskStatus(taskId, t.status, TaskStatus.Claimed);
        address hub = t.solver;
        address bondTo = hub;
        IMarket.Outcome outcome = IMarket.Outcome.Declined;
        if (byHub) {
            if (!IMarket(market).actsFor(hub, msg.sender)) revert MapGameNotSolver(msg.sender, hub);
            uint256 declineBy = _deals[taskId].declineBy;
            if (block.timestamp >= declineBy) revert MapGameDeadlinePassed(declineBy);
        } else {
            if (msg.sender != t.buyer) revert MapGameNotBuyer(msg.sender, t.buyer);
            HubState state = IHubWallet(hub).state();
            if (state != HubState.Suspected && state != HubState.Punished) {
                revert MapGameHubInGoodStanding(hub, uint8(state));
            }
            if (state == HubState.Punished) bondTo = dao;
            outcome = IMarket.Outcome.Voided;
        }
        IMarket(market).recordOutcome(hub, outcome, 0, 0);
        _payVoided(taskId, t, hub, bondTo);
    }

    /// @dev The payments of a voided deal (recorded already): the escrow to the buyer, the bond to `bondTo`.
    function _payVoided(uint256 taskId, Task storage t, address hub, address bondTo) internal {
        t.status = TaskStatus.Refunded;
        uint256 reward = t.reward;
        uint256 bond = t.solverBond;
        emit TaskRefunded(taskId, t.buyer, reward);
        emit DealVoided(taskId, hub, reward, bondTo, bond);

        token.safeTransfer(t.buyer, reward);
        token.safeTransfer(bondTo, bond);
    }

    /// @dev The response window of task `taskId`: its deal's, or the DAO's.
    function _responseWindow(uint256 taskId) internal view returns (uint256) {
        DealTerms memory deal = _deals[taskId];
        return deal.responseWindow != 0 ? deal.responseWindow : _parameters.responseWindow;
    }

    /// @dev Checks a task's terms against the parameters and stores it (status None: the caller sets it) for `buyer`.
    function _newTask(address buyer, TaskSpec memory spec) internal returns (uint256 taskId) {
        Parameters memory p = _parameters;
        if (!computationRegistry.isRegistered(address(spec.computation))) {
            revert MapGameComputationNotRegistered(address(spec.computation));
        }
        if (spec.leafCount == 0) revert MapGameZeroLeafCount();
        if (spec.gasPerLeaf == 0 || spec.gasPerLeaf > p.maxGasPerLeaf) {
            revert MapGameGasPerLeafOutOfRange(spec.gasPerLeaf, p.maxGasPerLeaf);
        }
        if (spec.reward == 0) revert MapGameZeroReward();
        if (spec.solverBond < p.minSolverBond) revert MapGameSolverBondTooLow(spec.solverBond, p.minSolverBond);
        if (spec.challengerBond < p.minChallengerBond || spec.challengerBond > spec.solverBond) {
            revert MapGameChallengerBondOutOfRange(spec.challengerBond, p.minChallengerBond, spec.solverBond);
        }

        taskId = ++taskCount;
        Task storage t = _tasks[taskId];
        t.buyer = buyer;
        t.reward = spec.reward;
        t.computation = spec.computation;
        t.gasPerLeaf = spec.gasPerLeaf;
        t.commitDeadline = spec.commitDeadline;
        // Safe: at most MAX_LEAF_BYTES (32,768), checked by _setParameters.
        // forge-lint: disable-next-line(unsafe-typecast)
        t.maxLeafBytes = uint16(p.maxLeafBytes);
        t.inputRoot = spec.inputRoot;
        t.solverBond = spec.solverBond;
        t.challengerBond = spec.challengerBond;
        t.leafCount = spec.leafCount;
    }

    /// @dev Whether the query asks about the task's live commitment.
    function _isLive(Query storage q, Task storage t) internal view returns (bool) {
        return t.status == TaskStatus.Committed && t.round == q.round;
    }

    /// @dev Checks every field against the range the contract guarantees to honest parties (windows, then the share,
    /// the bonds and the gas, as before the errors were split per field), and stores them.
    function _setParameters(Parameters memory p) internal {
        if (p.claimWindow < MIN_WINDOW || p.claimWindow > MAX_WINDOW) {
            revert MapGameClaimWindowOutOfRange(p.claimWindow, MIN_WINDOW, MAX_WINDOW);
        }
        if (p.challengeWindow < MIN_WINDOW || p.challengeWindow > MAX_WINDOW) {
            revert MapGameChallengeWindowOutOfRange(p.challengeWindow, MIN_WINDOW, MAX_WINDOW);
        }
        if (p.responseWindow < MIN_WINDOW || p.responseWindow > MAX_WINDOW) {
            revert MapGameResponseWindowOutOfRange(p.responseWindow, MIN_WINDOW, MAX_WINDOW);
        }
        if (p.challengerShareBps < MIN_CHALLENGER_SHARE_BPS || p.challengerShareBps > MAX_CHALLENGER_SHARE_BPS) {
            revert MapGameChallengerShareBpsOutOfRange(
                p.challengerShareBps, MIN_CHALLENGER_SHARE_BPS, MAX_CHALLENGER_SHARE_BPS
            );
        }
        if (p.minSolverBond == 0) revert MapGameMinSolverBondOutOfRange(0, 1, type(uint96).max);
        if (p.minChallengerBond == 0) revert MapGameMinChallengerBondOutOfRange(0, 1, type(uint96).max);
        if (p.maxGasPerLeaf == 0 || p.maxGasPerLeaf > MAX_GAS_PER_LEAF) {
            revert MapGameMaxGasPerLeafOutOfRange(p.maxGasPerLeaf, 1, MAX_GAS_PER_LEAF);
        }
        if (p.maxLeafBytes == 0 || p.maxLeafBytes > MAX_LEAF_BYTES) {
            revert MapGameMaxLeafBytesOutOfRange(p.maxLeafBytes, 1, MAX_LEAF_BYTES);
        }
        _parameters = p;
        emit ParametersSet(p);
    }

    /// @dev Reverts unless the task is in `expected` (every call allows one status; the bitmap is built only to
    /// revert, so the check costs one comparison).
    function _expectTaskStatus(uint256 taskId, TaskStatus current, TaskStatus expected) internal pure {
        if (current != expected) revert MapGameUnexpectedTaskStatus(taskId, current, _bit(expected));
    }

    /// @dev Reverts unless the query is in `expected`.
    function _expectQueryStatus(uint256 queryId, QueryStatus current, QueryStatus expected) internal pure {
        if (current != expected) revert MapGameUnexpectedQueryStatus(queryId, current, _bit(expected));
    }

    /// @dev A status's bit in an `expectedStatuses` bitmap, as OpenZeppelin Governor's `_encodeStateBitmap`.
    function _bit(TaskStatus s) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }

    /// @dev A status's bit in an `expectedStatuses` bitmap.
    function _bit(QueryStatus s) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }

    function _proofCommitment(
        address challenger,
        uint256 taskId,
        uint256 index,
        bytes calldata input,
        bytes calldata output,
        bytes32 salt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(challenger, taskId, index, keccak256(input), keccak256(output), salt));
    }
}
// forge-lint: disable-end(block-timestamp)
