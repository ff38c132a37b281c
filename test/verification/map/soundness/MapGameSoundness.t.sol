// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IComputationRegistry} from "../../../../contracts/verification/interfaces/IComputationRegistry.sol";
import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {LongOutput, Reverter} from "../../../mocks/TestComputations.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice The MapGame's soundness rules (docs/protocol.md, "Soundness"), each played as the attack it closes: the
/// attacker ends poorer, the honest party whole.
contract MapGameSoundnessTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    /*//////////////////////////////////////////////////////////////
                    RULE 2: A CHEATER THAT PROVES ITSELF
    //////////////////////////////////////////////////////////////*/

    /// @dev The solver cheats at leaf 3 and, knowing it first, commits proofs of its own cheat from three other
    /// addresses before the honest watcher's proof; the honest watcher also holds a query. Whoever of the cheater's
    /// addresses reveals first, the cheater loses at least half its bond; the watcher gets every bond it posted back.
    function test_Attack_CheaterProvesItsOwnCheatFirst() public {
        buildSquareWorld(16);
        cheatAt(3);
        uint256 taskId = committedWorld();
        address[3] memory sybils = [makeAddr("sybil-1"), makeAddr("sybil-2"), makeAddr("sybil-3")];
        IMapGame.CheatProof memory p = cheatProof(3);
        for (uint256 i; i < sybils.length; ++i) {
            commitProofAs(sybils[i], taskId, p, bytes32(i));
        }
        // The honest watcher commits its own proof and, not knowing which leaf is wrong yet, queries leaf 9.
        uint256 queryId = openQueryAs(challenger, taskId, 9);
        commitProofAs(challenger, taskId, p, keccak256("honest"));
        uint256 watcherBefore = token.balanceOf(challenger);

        // The cheater reveals first, from its first side address.
        vm.prank(sybils[0]);
        game.proveCheat(taskId, p, bytes32(0));
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Open), "the task reopens");

        // (a) Whatever its addresses recovered, the cheater lost at least half its bond: the DAO's part.
        uint256 recovered;
        for (uint256 i; i < sybils.length; ++i) {
            recovered += token.balanceOf(sybils[i]);
        }
        uint256 solverLoss = FUNDS - token.balanceOf(solver);
        assertEq(solverLoss, SOLVER_BOND);
        assertGe(solverLoss - recovered, uint256(SOLVER_BOND) * (10_000 - game.MAX_CHALLENGER_SHARE_BPS()) / 10_000);
        assertEq(solverLoss - recovered, SOLVER_BOND - uint256(SOLVER_BOND) * parameters().challengerShareBps / 10_000);

        // The other side addresses' proofs are worthless now: the commitment they were about is gone.
        vm.prank(sybils[1]);
        vm.expectRevert();
        game.proveCheat(taskId, p, bytes32(uint256(1)));

        // (b) The honest watcher's reveal finds the task reopened; its query bond comes back.
        vm.prank(challenger);
        vm.expectRevert();
        game.proveCheat(taskId, p, keccak256("honest"));
        game.reclaimQueryBond(queryId);
        assertEq(token.balanceOf(challenger), watcherBefore + CHALLENGER_BOND, "every bond it posted, back");
        assertEq(token.balanceOf(challenger), FUNDS, "the watcher is whole");
        // The buyer's reward is still escrowed for the next solver.
        assertEq(token.balanceOf(buyer), FUNDS - REWARD);
    }

    /*//////////////////////////////////////////////////////////////
                  RULE 4: QUERIES THAT HOLD A TASK OPEN
    //////////////////////////////////////////////////////////////*/

    /// @dev A griefer queries again and again, each time just before the window ends, so that every answer would
    /// move the end by a response window. After MAX_EXTENSIONS answers the end stops moving: the honest solver
    /// finalizes by commit + challengeWindow + (2 * MAX_EXTENSIONS + 1) * responseWindow, and is paid every bond.
    function test_Attack_EndlessQueriesCannotHoldAnHonestTask() public {
        buildSquareWorld(64);
        uint256 committedAt = block.timestamp;
        uint256 taskId = committedWorld();
        IMapGame.Parameters memory pr = parameters();
        uint256 bound_ = committedAt + pr.challengeWindow + (2 * uint256(game.MAX_EXTENSIONS()) + 1) * pr.responseWindow;

        uint256 queries;
        while (block.timestamp < taskOf(taskId).deadline) {
            // Just before the end: the latest a query can be opened.
            vm.warp(taskOf(taskId).deadline - 1);
            uint256 queryId = openQueryAs(dave, taskId, queries % 64);
            ++queries;
            // The honest solver answers as late as it may: the latest answer moves the end the most.
            vm.warp(game.query(queryId).deadline - 1);
            answer(queryId);
            assertLe(taskOf(taskId).deadline, bound_, "the window never passes the bound");
        }
        assertEq(taskOf(taskId).extensions, game.MAX_EXTENSIONS());
        assertEq(queries, uint256(game.MAX_EXTENSIONS()) + 1, "the answer after the last extension moves nothing");
        game.finalize(taskId);
        assertLe(block.timestamp, bound_);
        // The solver got reward, bond and every griefer's bond; the griefer lost them all.
        assertEq(token.balanceOf(solver), FUNDS + REWARD + queries * CHALLENGER_BOND);
        assertEq(token.balanceOf(dave), FUNDS - queries * CHALLENGER_BOND);
    }

    function test_Slash_ResetsTheExtensionsForTheNextCommitment() public {
        buildSquareWorld(8);
        cheatAt(2);
        uint256 taskId = committedWorld();
        uint256 queryId = openQueryAs(dave, taskId, 1);
        vm.warp(taskOf(taskId).deadline - 1);
        answer(queryId);
        assertEq(taskOf(taskId).extensions, 1);
        IMapGame.CheatProof memory p = cheatProof(2);
        commitProofAs(challenger, taskId, p, "s");
        vm.prank(challenger);
        game.proveCheat(taskId, p, "s");
        assertEq(taskOf(taskId).extensions, 0);
    }

    /*//////////////////////////////////////////////////////////////
                      RULE 1: BOUNDED UNITS (BYTES)
    //////////////////////////////////////////////////////////////*/

    /// @dev A leaf whose output would be longer than the task's bound is judged `""`: the honest solver commits
    /// `""`, and a solver that committed the long output is proven wrong.
    function test_Judge_OutputOverTheBoundIsEmpty() public {
        LongOutput long = new LongOutput();
        IComputationRegistry(d.computationRegistry).register(address(long));
        IMapGame.Parameters memory pr = parameters();
        pr.maxLeafBytes = 64;
        asDao();
        game.setParameters(pr);

        delete inputs;
        delete outputs;
        inputs.push(abi.encode(uint256(64))); // exactly the bound: output kept
        inputs.push(abi.encode(uint256(65))); // one over: output ""
        outputs.push(new bytes(64));
        outputs.push(new bytes(65)); // what a solver ignoring the bound would commit
        inputTree = MerkleTrees.build(inputs);
        resultTree = MerkleTrees.build(outputs);
        IMapGame.TaskSpec memory s = spec(long, inputTree.root(), 2);
        vm.prank(buyer);
        uint256 taskId = game.post(s, "");
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());

        // Leaf 0 is right: no cheat.
        IMapGame.CheatProof memory p0 = cheatProof(0);
        commitProofAs(challenger, taskId, p0, "0");
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNoCheat.selector, taskId, 0));
        game.proveCheat(taskId, p0, "0");
        // Leaf 1's 65 bytes are not what the judge outputs (""): a cheat.
        IMapGame.CheatProof memory p1 = cheatProof(1);
        commitProofAs(challenger, taskId, p1, "1");
        vm.prank(challenger);
        game.proveCheat(taskId, p1, "1");
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Open));
    }

    function test_RevertWhen_AnswerQueryOutputOverTheBound() public {
        LongOutput long = new LongOutput();
        IComputationRegistry(d.computationRegistry).register(address(long));
        IMapGame.Parameters memory pr = parameters();
        pr.maxLeafBytes = 64;
        asDao();
        game.setParameters(pr);
        delete inputs;
        delete outputs;
        inputs.push(abi.encode(uint256(100)));
        inputs.push(abi.encode(uint256(1)));
        outputs.push(new bytes(100));
        outputs.push(new bytes(1));
        inputTree = MerkleTrees.build(inputs);
        resultTree = MerkleTrees.build(outputs);
        vm.prank(buyer);
        uint256 taskId = game.post(spec(long, inputTree.root(), 2), "");
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());
        uint256 queryId = openQueryAs(challenger, taskId, 0);
        bytes32[] memory path = resultTree.proof(0);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameLeafTooLarge.selector, 100, 64));
        vm.prank(solver);
        game.answerQuery(queryId, outputs[0], path);
        // It cannot answer, so it is slashed when the response window ends.
        vm.warp(game.query(queryId).deadline);
        game.timeoutQuery(queryId);
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Open));
    }

    function test_RevertWhen_ProveCheatInputOverTheBound() public {
        IMapGame.Parameters memory pr = parameters();
        pr.maxLeafBytes = 40;
        asDao();
        game.setParameters(pr);
        delete inputs;
        delete outputs;
        inputs.push(abi.encode(uint256(7), uint256(8))); // 64 bytes: over the bound
        outputs.push(abi.encode(uint256(49)));
        inputTree = MerkleTrees.build(inputs);
        resultTree = MerkleTrees.build(outputs);
        vm.prank(buyer);
        uint256 taskId = game.post(spec(square, inputTree.root(), 1), "");
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());
        IMapGame.CheatProof memory p = cheatProof(0);
        commitProofAs(challenger, taskId, p, "s");
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameLeafTooLarge.selector, 64, 40));
        vm.prank(challenger);
        game.proveCheat(taskId, p, "s");
    }

    /*//////////////////////////////////////////////////////////////
                     RULE 5: PURE COMPUTATIONS ONLY
    //////////////////////////////////////////////////////////////*/

    /// @dev A computation whose code changed after registration (here by a cheatcode; the allow-list leaves no way
    /// to do it on a real chain) is never judged.
    function test_RevertWhen_ProveCheatComputationCodeChanged() public {
        buildSquareWorld(4);
        cheatAt(1);
        uint256 taskId = committedWorld();
        IMapGame.CheatProof memory p = cheatProof(1);
        commitProofAs(challenger, taskId, p, "s");
        vm.etch(address(square), address(new Reverter()).code);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameComputationChanged.selector, address(square)));
        vm.prank(challenger);
        game.proveCheat(taskId, p, "s");
    }
}
