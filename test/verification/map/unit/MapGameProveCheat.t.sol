// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice The direct proof of cheat: commit, reveal, slash; and every way a proof must fail.
contract MapGameProveCheatTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    uint256 internal constant BAD = 4;
    bytes32 internal constant SALT = "salt";

    uint256 internal taskId;

    function setUp() public override {
        super.setUp();
        buildSquareWorld(7);
        cheatAt(BAD);
        taskId = committedWorld();
    }

    function prove(address who, IMapGame.CheatProof memory p) internal {
        vm.prank(who);
        game.proveCheat(taskId, p, SALT);
    }

    /*//////////////////////////////////////////////////////////////
                              COMMIT PROOF
    //////////////////////////////////////////////////////////////*/

    function test_CommitProof_RecordsBlock() public {
        bytes32 c = keccak256("c");
        vm.expectEmit(address(game));
        emit IMapGame.ProofCommitted(c, challenger);
        vm.prank(challenger);
        game.commitProof(c);
        assertEq(game.proofCommitBlock(c), block.number);
    }

    function test_RevertWhen_CommitProofTwice() public {
        bytes32 c = keccak256("c");
        vm.prank(challenger);
        game.commitProof(c);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameProofAlreadyCommitted.selector, c));
        vm.prank(challenger);
        game.commitProof(c);
    }

    function test_ProofCommitment_IsTheDocumentedHash() public view {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        bytes32 expected =
            keccak256(abi.encode(challenger, taskId, p.index, keccak256(p.input), keccak256(p.output), SALT));
        assertEq(game.proofCommitment(challenger, taskId, p.index, p.input, p.output, SALT), expected);
    }

    /*//////////////////////////////////////////////////////////////
                              PROVE CHEAT
    //////////////////////////////////////////////////////////////*/

    function test_ProveCheat_SlashesSolverAndReopensTask() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        bytes32 c = commitProofAs(challenger, taskId, p, SALT);
        uint256 share = uint256(SOLVER_BOND) * parameters().challengerShareBps / 10_000;

        vm.expectEmit(address(game));
        emit IMapGame.CheatProven(taskId, 1, BAD, challenger);
        vm.expectEmit(address(game));
        emit IMapGame.SolverSlashed(taskId, 1, solver, challenger, share, SOLVER_BOND - share);
        prove(challenger, p);

        IMapGame.Task memory t = taskOf(taskId);
        assertEq(uint8(t.status), uint8(IMapGame.TaskStatus.Open));
        assertEq(t.solver, address(0));
        assertEq(game.proofCommitBlock(c), 0, "commitment spent");
        assertEq(token.balanceOf(challenger), FUNDS + share);
        assertEq(token.balanceOf(d.timelock), SOLVER_BOND - share);
        assertEq(token.balanceOf(solver), FUNDS - SOLVER_BOND);
        assertEq(token.balanceOf(address(game)), REWARD, "the reward stays escrowed");
    }

    function test_ProveCheat_ReopenedTaskCanBeSolvedHonestly() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        commitProofAs(challenger, taskId, p, SALT);
        prove(challenger, p);

        buildSquareWorld(7);
        claimAs(dave, taskId);
        assertEq(taskOf(taskId).round, 2);
        commitAs(dave, taskId, resultTree.root());
        skip(parameters().challengeWindow);
        game.finalize(taskId);
        assertEq(token.balanceOf(dave), FUNDS + REWARD);
    }

    function test_ProveCheat_AnyIndexOfTheTrees() public {
        // Every leaf of a 7-leaf tree is provable, at every depth the layout puts it.
        for (uint256 i; i < 7; ++i) {
            buildSquareWorld(7);
            cheatAt(i);
            uint256 id = committedWorld();
            IMapGame.CheatProof memory p = cheatProof(i);
            commitProofAs(challenger, id, p, SALT);
            vm.prank(challenger);
            game.proveCheat(id, p, SALT);
            assertEq(uint8(statusOf(id)), uint8(IMapGame.TaskStatus.Open));
        }
    }

    /// @dev Tasks of 1, 2, 3, 7 and 1000 leaves: a lie at the first, middle or last leaf is proven; the honest leaf
    /// next to it is not.
    function test_ProveCheat_TreesOfOneTwoThreeSevenAndThousandLeaves() public {
        uint256[5] memory sizes = [uint256(1), 2, 3, 7, 1000];
        for (uint256 k; k < sizes.length; ++k) {
            uint256 n = sizes[k];
            uint256[3] memory lies = [uint256(0), n / 2, n - 1];
            for (uint256 j; j < lies.length; ++j) {
                buildSquareWorld(n);
                cheatAt(lies[j]);
                uint256 id = committedWorld();
                if (n > 1) {
                    uint256 honest = lies[j] == 0 ? 1 : lies[j] - 1;
                    IMapGame.CheatProof memory h = cheatProof(honest);
                    commitProofAs(challenger, id, h, SALT);
                    vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNoCheat.selector, id, honest));
                    vm.prank(challenger);
                    game.proveCheat(id, h, SALT);
                }
                IMapGame.CheatProof memory p = cheatProof(lies[j]);
                commitProofAs(dave, id, p, SALT);
                vm.prank(dave);
                game.proveCheat(id, p, SALT);
                assertEq(uint8(statusOf(id)), uint8(IMapGame.TaskStatus.Open));
            }
        }
    }

    function test_ProveCheat_EmptyOutputOfRevertingComputationIsTheTruth() public {
        // The computation reverts, so every leaf's output is "": a solver claiming anything else cheats.
        delete inputs;
        delete outputs;
        inputs.push(abi.encode(1));
        outputs.push(abi.encode(1));
        inputTree = MerkleTrees.build(inputs);
        resultTree = MerkleTrees.build(outputs);
        vm.prank(buyer);
        uint256 id = game.post(spec(reverter, inputTree.root(), 1), "");
        claimAs(solver, id);
        commitAs(solver, id, resultTree.root());
        IMapGame.CheatProof memory p = cheatProof(0);
        commitProofAs(challenger, id, p, SALT);
        vm.prank(challenger);
        game.proveCheat(id, p, SALT);
        assertEq(uint8(statusOf(id)), uint8(IMapGame.TaskStatus.Open));
    }

    function test_RevertWhen_ProveCheatOnHonestLeaf() public {
        IMapGame.CheatProof memory p = cheatProof(BAD - 1);
        commitProofAs(challenger, taskId, p, SALT);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNoCheat.selector, taskId, BAD - 1));
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatNotCommitted() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        bytes32 c = game.proofCommitment(challenger, taskId, p.index, p.input, p.output, SALT);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameProofNotCommitted.selector, c));
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatInCommitBlock() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        bytes32 c = game.proofCommitment(challenger, taskId, p.index, p.input, p.output, SALT);
        vm.prank(challenger);
        game.commitProof(c);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameProofRevealTooEarly.selector, c));
        prove(challenger, p);
    }

    /// @dev Eve sees carol's reveal in the mempool and sends it first from her own address: her commitment does not
    /// exist, she earns nothing, and carol's reveal still lands.
    function test_RevertWhen_ProveCheatCopiedFromAnotherAddress() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        commitProofAs(challenger, taskId, p, SALT);
        bytes32 evesCommitment = game.proofCommitment(eve, taskId, p.index, p.input, p.output, SALT);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameProofNotCommitted.selector, evesCommitment));
        prove(eve, p);
        assertEq(token.balanceOf(eve), FUNDS);

        prove(challenger, p);
        assertGt(token.balanceOf(challenger), FUNDS);
    }

    /// @dev Eve copies carol's commitment hash from the mempool and commits it first. Revealing from her address
    /// names another hash; carol's own commit now reverts as already made, but the record is carol's to use: the
    /// hash binds her address, and no one can move its block forward.
    function test_RevertWhen_ProveCheatWithCopiedCommitmentHash() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        bytes32 carols = game.proofCommitment(challenger, taskId, p.index, p.input, p.output, SALT);
        vm.prank(eve);
        game.commitProof(carols);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameProofAlreadyCommitted.selector, carols));
        vm.prank(challenger);
        game.commitProof(carols);
        vm.roll(block.number + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameProofNotCommitted.selector,
                game.proofCommitment(eve, taskId, p.index, p.input, p.output, SALT)
            )
        );
        prove(eve, p);

        prove(challenger, p);
        assertEq(token.balanceOf(eve), FUNDS);
        assertGt(token.balanceOf(challenger), FUNDS);
    }

    function test_RevertWhen_ProveCheatTwiceOnSameCommitment() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        commitProofAs(challenger, taskId, p, SALT);
        prove(challenger, p);
        // A fresh commitment for the same proof: the commitment it attacks is already slashed.
        bytes32 salt2 = "salt2";
        commitProofAs(dave, taskId, p, salt2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Open,
                _bit(IMapGame.TaskStatus.Committed)
            )
        );
        vm.prank(dave);
        game.proveCheat(taskId, p, salt2);
    }

    function test_RevertWhen_ProveCheatReplayedOnAnotherTask() public {
        // Task 2 has the same inputs but honest results.
        buildSquareWorld(7);
        uint256 other = committedWorld();
        buildSquareWorld(7);
        cheatAt(BAD);
        IMapGame.CheatProof memory p = cheatProof(BAD);
        commitProofAs(challenger, other, p, SALT);
        vm.expectRevert(IMapGame.MapGameInvalidResultProof.selector);
        vm.prank(challenger);
        game.proveCheat(other, p, SALT);
    }

    function test_RevertWhen_ProveCheatForAnotherIndex() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        p.index = BAD + 1;
        commitProofAs(challenger, taskId, p, SALT);
        vm.expectRevert(IMapGame.MapGameInvalidInputProof.selector);
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatWithInputOfAnotherIndex() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        p.input = inputs[BAD + 1];
        p.inputProof = inputTree.proof(BAD + 1);
        commitProofAs(challenger, taskId, p, SALT);
        vm.expectRevert(IMapGame.MapGameInvalidInputProof.selector);
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatWithForgedOutput() public {
        IMapGame.CheatProof memory p = cheatProof(BAD - 1);
        p.output = abi.encode(uint256(1));
        commitProofAs(challenger, taskId, p, SALT);
        vm.expectRevert(IMapGame.MapGameInvalidResultProof.selector);
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatIndexOutOfRange() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        p.index = 7;
        commitProofAs(challenger, taskId, p, SALT);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameIndexOutOfRange.selector, 7, 7));
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatAfterWindow() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        commitProofAs(challenger, taskId, p, SALT);
        uint40 end = taskOf(taskId).deadline;
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlinePassed.selector, end));
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatAfterFinalize() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        commitProofAs(challenger, taskId, p, SALT);
        skip(parameters().challengeWindow);
        game.finalize(taskId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                taskId,
                IMapGame.TaskStatus.Finalized,
                _bit(IMapGame.TaskStatus.Committed)
            )
        );
        prove(challenger, p);
    }

    function test_RevertWhen_ProveCheatBeforeCommit() public {
        buildSquareWorld(7);
        uint256 id = postWorld();
        claimAs(solver, id);
        IMapGame.CheatProof memory p = cheatProof(0);
        commitProofAs(challenger, id, p, SALT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                id,
                IMapGame.TaskStatus.Claimed,
                _bit(IMapGame.TaskStatus.Committed)
            )
        );
        vm.prank(challenger);
        game.proveCheat(id, p, SALT);
    }

    /// @dev A proof of an earlier commitment, replayed after the task was reopened and recommitted honestly.
    function test_RevertWhen_ProveCheatReplayedOnNextCommitment() public {
        IMapGame.CheatProof memory p = cheatProof(BAD);
        commitProofAs(challenger, taskId, p, SALT);
        prove(challenger, p);
        buildSquareWorld(7);
        claimAs(dave, taskId);
        commitAs(dave, taskId, resultTree.root());
        buildSquareWorld(7);
        cheatAt(BAD);
        commitProofAs(challenger, taskId, p, SALT);
        vm.expectRevert(IMapGame.MapGameInvalidResultProof.selector);
        prove(challenger, p);
    }
}
