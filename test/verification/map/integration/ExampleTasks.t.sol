// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JudgeHarness} from "../../../../contracts/verification/JudgeHarness.sol";
import {IMapComputation} from "../../../../contracts/verification/computations/IMapComputation.sol";
import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice The example computations as real map tasks, end to end: the solver and the watcher compute leaves with
/// the JudgeHarness (what the Rust executor runs), a cheater is caught, and an honest solver gets paid.
contract ExampleTasksTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    uint32 internal constant WIDTH = 64;
    uint32 internal constant HEIGHT = 16;
    int64 internal constant ONE = int64(1) << 60;

    /// @dev Posts a task of `computation` over `inputs` with `gasPerLeaf`, and computes the honest outputs.
    function postTask(IMapComputation computation, uint32 gasPerLeaf) internal returns (uint256 taskId) {
        inputTree = MerkleTrees.build(inputs);
        delete outputs;
        for (uint256 i; i < inputs.length; ++i) {
            outputs.push(JudgeHarness(d.judge).leaf(computation, inputs[i], gasPerLeaf, 32_768));
        }
        resultTree = MerkleTrees.build(outputs);
        IMapGame.TaskSpec memory s = spec(computation, inputTree.root(), uint64(inputs.length));
        s.gasPerLeaf = gasPerLeaf;
        vm.prank(buyer);
        taskId = game.post(s, "ipfs://view");
    }

    function mandelbrotInputs() internal {
        delete inputs;
        uint64 step = uint64(3 * (uint256(1) << 60) / WIDTH);
        for (uint32 row; row < HEIGHT; ++row) {
            inputs.push(abi.encode(row, WIDTH, HEIGHT, -(ONE / 2), int64(0), step * 4, uint8(100)));
        }
    }

    function test_Mandelbrot_CheaterCaughtThenHonestSolverPaid() public {
        mandelbrotInputs();
        uint256 taskId = postTask(mandelbrot, 1_000_000);
        // The cheater renders row 7 with one pixel off.
        bytes[] memory honest = outputs;
        bytes memory forged = bytes.concat(outputs[7]);
        forged[10] = bytes1(uint8(forged[10]) ^ 1);
        outputs[7] = forged;
        resultTree = MerkleTrees.build(outputs);
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());

        // The watcher recomputes every row, finds row 7, commits and reveals.
        uint256 bad = type(uint256).max;
        for (uint256 i; i < inputs.length; ++i) {
            if (
                keccak256(JudgeHarness(d.judge).leaf(mandelbrot, inputs[i], 1_000_000, 32_768)) != keccak256(outputs[i])
            ) {
                bad = i;
            }
        }
        assertEq(bad, 7);
        IMapGame.CheatProof memory p = cheatProof(bad);
        commitProofAs(challenger, taskId, p, "watcher");
        vm.prank(challenger);
        game.proveCheat(taskId, p, "watcher");
        assertGt(token.balanceOf(challenger), FUNDS);

        // Dave renders honestly and collects.
        outputs = honest;
        resultTree = MerkleTrees.build(outputs);
        claimAs(dave, taskId);
        commitAs(dave, taskId, resultTree.root());
        skip(parameters().challengeWindow);
        game.finalize(taskId);
        assertEq(token.balanceOf(dave), FUNDS + REWARD);
    }

    function test_MonteCarlo_HonestTaskEstimatesPi() public {
        delete inputs;
        for (uint256 i; i < 8; ++i) {
            inputs.push(abi.encode(keccak256(abi.encode("sonm", i)), uint64(1000)));
        }
        uint256 taskId = postTask(monteCarlo, 500_000);
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());
        // A watcher who doubts leaf 5 queries it; the answer shows it, and it is right.
        uint256 queryId = openQueryAs(challenger, taskId, 5);
        answer(queryId);
        IMapGame.CheatProof memory p = cheatProof(5);
        commitProofAs(challenger, taskId, p, "doubt");
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNoCheat.selector, taskId, 5));
        vm.prank(challenger);
        game.proveCheat(taskId, p, "doubt");
        skip(parameters().challengeWindow);
        game.finalize(taskId);

        uint256 hits;
        for (uint256 i; i < outputs.length; ++i) {
            hits += abi.decode(outputs[i], (uint256));
        }
        assertApproxEqAbs(4000 * hits / 8000, 3142, 100, "pi, in thousandths");
        assertEq(token.balanceOf(solver), FUNDS + REWARD + CHALLENGER_BOND);
    }
}
