// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice The map game's rules over fuzzed amounts, sizes, indices, times and addresses.
contract MapGameFuzzTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    function testFuzz_HonestPath_PaysRewardAndBond(
        uint64 leafCount,
        uint96 reward,
        uint96 solverBond,
        uint96 challengerBond,
        uint32 claimAfter,
        uint32 commitAfter
    ) public {
        IMapGame.TaskSpec memory s = spec(square, keccak256("inputs"), uint64(bound(leafCount, 1, type(uint64).max)));
        s.reward = uint96(bound(reward, 1, FUNDS / 2));
        s.solverBond = uint96(bound(solverBond, parameters().minSolverBond, FUNDS / 2));
        s.challengerBond = uint96(bound(challengerBond, parameters().minChallengerBond, s.solverBond));
        vm.prank(buyer);
        uint256 taskId = game.post(s, "");
        skip(bound(claimAfter, 0, 7 days - 1));
        claimAs(solver, taskId);
        uint256 deadline = taskOf(taskId).deadline;
        assertEq(deadline, _min(block.timestamp + parameters().claimWindow, s.commitDeadline));
        skip(bound(commitAfter, 0, deadline - block.timestamp - 1));
        commitAs(solver, taskId, keccak256("results"));
        skip(parameters().challengeWindow);
        game.finalize(taskId);
        assertEq(token.balanceOf(solver), FUNDS + s.reward);
        assertEq(token.balanceOf(buyer), FUNDS - s.reward);
        assertEq(token.balanceOf(address(game)), 0);
    }

    function testFuzz_Slash_SplitsTheBondExactly(uint16 shareBps, uint96 solverBond) public {
        IMapGame.Parameters memory p = parameters();
        p.challengerShareBps = uint16(bound(shareBps, game.MIN_CHALLENGER_SHARE_BPS(), game.MAX_CHALLENGER_SHARE_BPS()));
        asDao();
        game.setParameters(p);
        IMapGame.TaskSpec memory s = spec(square, keccak256("inputs"), 4);
        s.solverBond = uint96(bound(solverBond, p.minSolverBond, FUNDS / 2));
        vm.prank(buyer);
        uint256 taskId = game.post(s, "");
        claimAs(solver, taskId);
        commitAs(solver, taskId, keccak256("withheld"));
        uint256 queryId = openQueryAs(challenger, taskId, 3);
        vm.warp(game.query(queryId).deadline);
        game.timeoutQuery(queryId);

        uint256 toChallenger = uint256(s.solverBond) * p.challengerShareBps / 10_000;
        assertEq(token.balanceOf(challenger), FUNDS + toChallenger);
        assertEq(token.balanceOf(d.timelock), s.solverBond - toChallenger);
        assertEq(token.balanceOf(solver), FUNDS - s.solverBond);
        assertEq(token.balanceOf(address(game)), s.reward);
    }

    function testFuzz_CheatAtAnyIndexIsProvable(uint256 size, uint256 index, bytes32 salt) public {
        buildSquareWorld(bound(size, 1, 40));
        index = bound(index, 0, inputs.length - 1);
        cheatAt(index);
        uint256 taskId = committedWorld();
        IMapGame.CheatProof memory p = cheatProof(index);
        commitProofAs(challenger, taskId, p, salt);
        vm.prank(challenger);
        game.proveCheat(taskId, p, salt);
        assertEq(uint8(statusOf(taskId)), uint8(IMapGame.TaskStatus.Open));
    }

    function testFuzz_HonestLeafIsNeverSlashable(uint256 size, uint256 index, bytes32 salt) public {
        buildSquareWorld(bound(size, 1, 40));
        index = bound(index, 0, inputs.length - 1);
        uint256 taskId = committedWorld();
        IMapGame.CheatProof memory p = cheatProof(index);
        commitProofAs(challenger, taskId, p, salt);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNoCheat.selector, taskId, index));
        vm.prank(challenger);
        game.proveCheat(taskId, p, salt);
    }

    function testFuzz_CopiedRevealFromAnyOtherAddressFails(address copier) public {
        vm.assume(copier != challenger);
        buildSquareWorld(3);
        cheatAt(1);
        uint256 taskId = committedWorld();
        IMapGame.CheatProof memory p = cheatProof(1);
        commitProofAs(challenger, taskId, p, "salt");
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameProofNotCommitted.selector,
                game.proofCommitment(copier, taskId, 1, p.input, p.output, "salt")
            )
        );
        vm.prank(copier);
        game.proveCheat(taskId, p, "salt");
    }

    function testFuzz_ProofCommitmentBindsEveryField(
        address who,
        uint256 taskId,
        uint256 index,
        bytes calldata input,
        bytes calldata output,
        bytes32 salt
    ) public view {
        bytes32 c = game.proofCommitment(who, taskId, index, input, output, salt);
        assertNotEq(c, game.proofCommitment(address(uint160(who) ^ 1), taskId, index, input, output, salt));
        assertNotEq(c, game.proofCommitment(who, taskId ^ 1, index, input, output, salt));
        assertNotEq(c, game.proofCommitment(who, taskId, index ^ 1, input, output, salt));
        assertNotEq(c, game.proofCommitment(who, taskId, index, bytes.concat(input, "x"), output, salt));
        assertNotEq(c, game.proofCommitment(who, taskId, index, input, bytes.concat(output, "x"), salt));
        assertNotEq(c, game.proofCommitment(who, taskId, index, input, output, salt ^ bytes32(uint256(1))));
    }

    function testFuzz_QueryAnsweredForAnyIndex(uint256 index) public {
        buildSquareWorld(30);
        index = bound(index, 0, 29);
        uint256 taskId = committedWorld();
        uint256 queryId = openQueryAs(challenger, taskId, index);
        answer(queryId);
        assertEq(uint8(game.query(queryId).status), uint8(IMapGame.QueryStatus.Answered));
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
