// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MapGame} from "../../../../../contracts/verification/MapGame.sol";
import {IMapComputation} from "../../../../../contracts/verification/computations/IMapComputation.sol";
import {IMapGame} from "../../../../../contracts/verification/interfaces/IMapGame.sol";
import {MerkleTrees} from "../../../utils/MerkleTrees.sol";
import {MapGameStore} from "../stores/MapGameStore.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

/// @notice Drives the map game through every action with bounded inputs, from a small cast of funded actors.
/// Tasks run the Square computation over 1 to 8 leaves whose inputs follow from the task id; a solver commits
/// either the honest results or results that lie at one index, and challengers prove, query and time out.
contract MapGameHandler is CommonBase, StdCheats, StdUtils {
    using MerkleTrees for MerkleTrees.Tree;

    MapGame public immutable game;
    IERC20 public immutable token;
    IMapComputation public immutable computation;
    MapGameStore public immutable store;
    address[] public actors;

    constructor(
        MapGame game_,
        IERC20 token_,
        IMapComputation computation_,
        MapGameStore store_,
        address[] memory actors_
    ) {
        game = game_;
        token = token_;
        computation = computation_;
        store = store_;
        actors = actors_;
    }

    /*//////////////////////////////////////////////////////////////
                                 WORLD
    //////////////////////////////////////////////////////////////*/

    function actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function pickTask(uint256 seed) internal view returns (uint256) {
        uint256 n = store.taskCount();
        return n == 0 ? 0 : store.taskIds(seed % n);
    }

    function pickQuery(uint256 seed) internal view returns (uint256) {
        uint256 n = store.queryCount();
        return n == 0 ? 0 : store.queryIds(seed % n);
    }

    /// @dev The first task from a seeded start whose status is `status` (0 if none): most random picks would hit
    /// finished tasks, and the actions would rarely reach the states they are for.
    function findTask(uint256 seed, IMapGame.TaskStatus status) internal returns (uint256) {
        // Every action needs a task: the first one posts it, so short runs still reach the later states.
        if (store.taskCount() == 0) post(seed, seed >> 8, uint96(seed >> 16), uint96(seed >> 24), 0, uint32(seed));
        uint256 n = store.taskCount();
        for (uint256 k; k < n; ++k) {
            uint256 taskId = store.taskIds((seed + k) % n);
            if (game.task(taskId).status == status) return taskId;
        }
        return pickTask(seed);
    }

    /// @dev The first open query from a seeded start (else any).
    function findOpenQuery(uint256 seed) internal view returns (uint256) {
        uint256 n = store.queryCount();
        for (uint256 k; k < n; ++k) {
            uint256 queryId = store.queryIds((seed + k) % n);
            if (game.query(queryId).status == IMapGame.QueryStatus.Open) return queryId;
        }
        return pickQuery(seed);
    }

    function inputOf(uint256 taskId, uint256 i) internal pure returns (bytes memory) {
        return abi.encode(taskId * 1000 + i);
    }

    /// @dev The outputs a commitment claims: honest, or lying at `cheatAt - 1`.
    function outputOf(uint256 taskId, uint256 i, uint256 cheatAt) internal pure returns (bytes memory) {
        uint256 x = taskId * 1000 + i;
        if (cheatAt == i + 1) return abi.encode(uint256(0xbad));
        return abi.encode(x * x);
    }

    function trees(uint256 taskId, uint256 cheatAt)
        internal
        view
        returns (MerkleTrees.Tree memory inputTree, MerkleTrees.Tree memory resultTree)
    {
        uint256 n = game.task(taskId).leafCount;
        bytes[] memory ins = new bytes[](n);
        bytes[] memory outs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            ins[i] = inputOf(taskId, i);
            outs[i] = outputOf(taskId, i, cheatAt);
        }
        inputTree = MerkleTrees.build(ins);
        resultTree = MerkleTrees.build(outs);
    }

    /*//////////////////////////////////////////////////////////////
                                ACTIONS
    //////////////////////////////////////////////////////////////*/

    function post(
        uint256 buyerSeed,
        uint256 leaves,
        uint96 reward,
        uint96 solverBond,
        uint96 challengerBond,
        uint32 ttl
    ) public {
        IMapGame.Parameters memory p = game.parameters();
        uint256 taskId = game.taskCount() + 1;
        uint256 n = _bound(leaves, 1, 8);
        bytes[] memory ins = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            ins[i] = inputOf(taskId, i);
        }
        IMapGame.TaskSpec memory s;
        s.computation = computation;
        s.inputRoot = MerkleTrees.build(ins).root();
        s.leafCount = uint64(n);
        s.gasPerLeaf = 50_000;
        s.reward = uint96(_bound(reward, 1, 1000 ether));
        s.solverBond = uint96(_bound(solverBond, p.minSolverBond, 100 ether));
        s.challengerBond = uint96(_bound(challengerBond, p.minChallengerBond, s.solverBond));
        s.commitDeadline = uint40(block.timestamp + _bound(ttl, 1 hours, 7 days));
        vm.prank(actor(buyerSeed));
        game.post(s, "ipfs://inputs");
        store.addTask(taskId);
        store.count("post");
    }

    /// @dev Claims; one time in two the solver commits at once (honest or lying, by `lieSeed`).
    function claim(uint256 taskSeed, uint256 solverSeed, uint256 lieSeed) external {
        uint256 taskId = findTask(taskSeed, IMapGame.TaskStatus.Open);
        vm.prank(actor(solverSeed));
        game.claim(taskId);
        store.count("claim");
        if (solverSeed % 2 == 0) _commit(taskId, lieSeed);
    }

    /// @dev Expires a claim, letting its deadline pass first one time in two.
    function forfeitClaim(uint256 taskSeed) external {
        uint256 taskId = findTask(taskSeed, IMapGame.TaskStatus.Claimed);
        _maybeWarpTo(game.task(taskId).deadline, taskSeed);
        game.forfeitClaim(taskId);
        store.count("forfeitClaim");
    }

    function commit(uint256 taskSeed, uint256 lieSeed) external {
        _commit(findTask(taskSeed, IMapGame.TaskStatus.Claimed), lieSeed);
    }

    /// @dev The live solver commits honest results, or results lying at one index.
    function _commit(uint256 taskId, uint256 lieSeed) internal {
        IMapGame.Task memory t = game.task(taskId);
        if (t.status != IMapGame.TaskStatus.Claimed) return;
        uint256 cheatAt = lieSeed % 2 == 0 ? 0 : 1 + (lieSeed / 2) % t.leafCount;
        (, MerkleTrees.Tree memory resultTree) = trees(taskId, cheatAt);
        vm.prank(t.solver);
        game.commit(taskId, resultTree.root(), "ipfs://results");
        store.setCheatAt(taskId, cheatAt);
        store.count("commit");
    }

    /// @dev A challenger commits a proof for the leaf at `indexSeed` (a lie or not), a block passes, it reveals.
    function proveCheat(uint256 taskSeed, uint256 challengerSeed, uint256 indexSeed) external {
        uint256 taskId = findTask(taskSeed, IMapGame.TaskStatus.Committed);
        IMapGame.Task memory t = game.task(taskId);
        if (t.status != IMapGame.TaskStatus.Committed) return;
        uint256 cheatAt = store.cheatAt(taskId);
        (MerkleTrees.Tree memory inputTree, MerkleTrees.Tree memory resultTree) = trees(taskId, cheatAt);
        // Mostly the lie, if there is one; sometimes an honest leaf (which must fail).
        uint256 index = cheatAt != 0 && indexSeed % 4 != 0 ? cheatAt - 1 : indexSeed % t.leafCount;
        IMapGame.CheatProof memory p = IMapGame.CheatProof(
            index,
            inputOf(taskId, index),
            inputTree.proof(index),
            outputOf(taskId, index, cheatAt),
            resultTree.proof(index)
        );
        address challenger = actor(challengerSeed);
        bytes32 salt = keccak256(abi.encode(block.number, taskId, index));
        bytes32 c = game.proofCommitment(challenger, taskId, index, p.input, p.output, salt);
        if (game.proofCommitBlock(c) == 0) {
            vm.prank(challenger);
            game.commitProof(c);
        }
        vm.roll(block.number + 1);
        vm.prank(challenger);
        game.proveCheat(taskId, p, salt);
        store.count("proveCheat");
    }

    function openQuery(uint256 taskSeed, uint256 challengerSeed, uint256 indexSeed) external {
        uint256 taskId = findTask(taskSeed, IMapGame.TaskStatus.Committed);
        uint256 n = game.task(taskId).leafCount;
        if (n == 0) return;
        vm.prank(actor(challengerSeed));
        uint256 queryId = game.openQuery(taskId, indexSeed % n);
        store.addQuery(queryId);
        store.count("openQuery");
    }

    /// @dev The solver answers, or (one time in three) withholds and lets the response window pass.
    function answerQuery(uint256 querySeed) external {
        uint256 queryId = findOpenQuery(querySeed);
        IMapGame.Query memory q = game.query(queryId);
        if (q.status != IMapGame.QueryStatus.Open) return;
        if (querySeed % 3 == 0) {
            vm.warp(q.deadline);
            store.count("withhold");
            return;
        }
        (, MerkleTrees.Tree memory resultTree) = trees(q.taskId, store.cheatAt(q.taskId));
        vm.prank(game.task(q.taskId).solver);
        game.answerQuery(queryId, outputOf(q.taskId, q.index, store.cheatAt(q.taskId)), resultTree.proof(q.index));
        store.count("answerQuery");
    }

    function timeoutQuery(uint256 querySeed) external {
        uint256 queryId = findOpenQuery(querySeed);
        _maybeWarpTo(game.query(queryId).deadline, querySeed);
        game.timeoutQuery(queryId);
        store.count("timeoutQuery");
    }

    function reclaimQueryBond(uint256 querySeed) external {
        game.reclaimQueryBond(findOpenQuery(querySeed));
        store.count("reclaimQueryBond");
    }

    function finalize(uint256 taskSeed) external {
        uint256 taskId = findTask(taskSeed, IMapGame.TaskStatus.Committed);
        _maybeWarpTo(game.task(taskId).deadline, taskSeed);
        game.finalize(taskId);
        store.count("finalize");
    }

    function refund(uint256 taskSeed, bool byBuyer) external {
        uint256 taskId = findTask(taskSeed, IMapGame.TaskStatus.Open);
        if (!byBuyer) _maybeWarpTo(game.task(taskId).commitDeadline, taskSeed);
        if (byBuyer) vm.prank(game.task(taskId).buyer);
        game.refund(taskId);
        store.count("refund");
    }

    /// @dev The DAO changes the parameters mid-game, within their bounds.
    function setParameters(uint32 claimWindow, uint32 challengeWindow, uint32 responseWindow, uint16 shareBps)
        external
    {
        IMapGame.Parameters memory p = game.parameters();
        p.claimWindow = uint32(_bound(claimWindow, game.MIN_WINDOW(), 2 days));
        p.challengeWindow = uint32(_bound(challengeWindow, game.MIN_WINDOW(), 2 days));
        p.responseWindow = uint32(_bound(responseWindow, game.MIN_WINDOW(), 2 days));
        p.challengerShareBps = uint16(_bound(shareBps, game.MIN_CHALLENGER_SHARE_BPS(), game.BPS()));
        vm.prank(game.dao());
        game.setParameters(p);
        store.count("setParameters");
    }

    /// @dev Moves time to `deadline` (never back) when `seed` is even: timeouts need their deadlines to pass, and
    /// plain random warps rarely land there.
    function _maybeWarpTo(uint256 deadline, uint256 seed) internal {
        if (seed % 2 == 0 && deadline > block.timestamp) {
            vm.warp(deadline);
            vm.roll(block.number + 1);
        }
    }

    function warp(uint256 secondsSeed) external {
        skip(_bound(secondsSeed, 1, 30 minutes));
        vm.roll(block.number + 1);
        store.count("warp");
    }
}
