// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MapGame} from "../../../../contracts/verification/MapGame.sol";
import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {Deploy} from "../../../../script/Deploy.s.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice The deployment of the map game and the DAO's parameters: who may set them, their bounds, and that a
/// change never moves a running deadline.
contract MapGameParamsTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    function setUp() public override {
        super.setUp();
        buildSquareWorld(3);
    }

    function valid() internal view returns (IMapGame.Params memory p) {
        p = params();
    }

    function expectSetParamsReverts(IMapGame.Params memory p, bytes memory err) internal {
        vm.expectRevert(err);
        asDao();
        game.setParams(p);
    }

    /*//////////////////////////////////////////////////////////////
                               DEPLOYMENT
    //////////////////////////////////////////////////////////////*/

    function test_Deploy_GameAndComputationsExist() public view {
        assertGt(d.mapGame.code.length, 0);
        assertGt(d.mandelbrot.code.length, 0);
        assertGt(d.monteCarlo.code.length, 0);
        assertEq(address(game.token()), d.token);
        assertEq(game.dao(), d.timelock);
    }

    function test_Deploy_ParamsAreTheDeployDefinitions() public {
        IMapGame.Params memory expected = new Deploy().mapGameParams();
        assertEq(abi.encode(params()), abi.encode(expected));
        // On a local chain: the ten-minute floor, so the demo needs no long waits.
        assertEq(params().challengeWindow, game.MIN_WINDOW());
        assertEq(params().challengerShareBps, 5000);
    }

    function test_RevertWhen_DeployerSetsParams() public {
        IMapGame.Params memory p = valid();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameUnauthorized.selector, deployer));
        vm.prank(deployer);
        game.setParams(p);
    }

    function test_RevertWhen_ConstructedWithBadParams() public {
        IMapGame.Params memory p = valid();
        p.claimWindow = 0;
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameWindowOutOfRange.selector, 0));
        new MapGame(token, d.timelock, p);
    }

    /*//////////////////////////////////////////////////////////////
                               SET PARAMS
    //////////////////////////////////////////////////////////////*/

    function test_SetParams_ByTheDao() public {
        IMapGame.Params memory p = valid();
        p.challengeWindow = 3 days;
        p.challengerShareBps = 7000;
        vm.expectEmit(address(game));
        emit IMapGame.ParamsSet(p);
        asDao();
        game.setParams(p);
        assertEq(abi.encode(params()), abi.encode(p));
    }

    function test_SetParams_ThroughAGovernanceProposal() public {
        IMapGame.Params memory p = valid();
        p.minSolverBond = 20 ether;
        passProposal(address(game), abi.encodeCall(game.setParams, (p)), "map game: raise the minimum solver bond");
        assertEq(params().minSolverBond, 20 ether);
    }

    function test_RevertWhen_SetParamsByOthers() public {
        address[3] memory others = [buyer, solver, treasury];
        IMapGame.Params memory p = valid();
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameUnauthorized.selector, others[i]));
            vm.prank(others[i]);
            game.setParams(p);
        }
    }

    function test_RevertWhen_SetParamsWindowOutOfRange() public {
        uint32 tooShort = game.MIN_WINDOW() - 1;
        uint32 tooLong = game.MAX_WINDOW() + 1;
        for (uint256 w; w < 3; ++w) {
            for (uint256 k; k < 2; ++k) {
                uint32 bad = k == 0 ? tooShort : tooLong;
                IMapGame.Params memory p = valid();
                if (w == 0) p.claimWindow = bad;
                else if (w == 1) p.challengeWindow = bad;
                else p.responseWindow = bad;
                expectSetParamsReverts(p, abi.encodeWithSelector(IMapGame.MapGameWindowOutOfRange.selector, bad));
            }
        }
    }

    function test_SetParams_WindowsAtTheirBounds() public {
        IMapGame.Params memory p = valid();
        p.claimWindow = game.MIN_WINDOW();
        p.challengeWindow = game.MAX_WINDOW();
        p.responseWindow = game.MIN_WINDOW();
        p.challengerShareBps = game.MIN_CHALLENGER_SHARE_BPS();
        p.maxGasPerLeaf = game.MAX_GAS_PER_LEAF();
        asDao();
        game.setParams(p);
        p.challengerShareBps = 10_000;
        asDao();
        game.setParams(p);
    }

    function test_RevertWhen_SetParamsChallengerShareOutOfRange() public {
        IMapGame.Params memory p = valid();
        p.challengerShareBps = game.MIN_CHALLENGER_SHARE_BPS() - 1;
        expectSetParamsReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameChallengerShareOutOfRange.selector, p.challengerShareBps)
        );
        p.challengerShareBps = 10_001;
        expectSetParamsReverts(p, abi.encodeWithSelector(IMapGame.MapGameChallengerShareOutOfRange.selector, 10_001));
    }

    function test_RevertWhen_SetParamsZeroMinimumBond() public {
        IMapGame.Params memory p = valid();
        p.minSolverBond = 0;
        expectSetParamsReverts(p, abi.encodeWithSelector(IMapGame.MapGameZeroMinimumBond.selector));
        p = valid();
        p.minChallengerBond = 0;
        expectSetParamsReverts(p, abi.encodeWithSelector(IMapGame.MapGameZeroMinimumBond.selector));
    }

    function test_RevertWhen_SetParamsMaxGasPerLeafOutOfRange() public {
        IMapGame.Params memory p = valid();
        p.maxGasPerLeaf = 0;
        expectSetParamsReverts(p, abi.encodeWithSelector(IMapGame.MapGameMaxGasPerLeafOutOfRange.selector, 0));
        p.maxGasPerLeaf = game.MAX_GAS_PER_LEAF() + 1;
        expectSetParamsReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameMaxGasPerLeafOutOfRange.selector, p.maxGasPerLeaf)
        );
    }

    /*//////////////////////////////////////////////////////////////
                        RUNNING DEADLINES HOLD
    //////////////////////////////////////////////////////////////*/

    function test_SetParams_DoesNotMoveRunningDeadlines() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        uint40 claimEnd = taskOf(taskId).deadline;
        IMapGame.Params memory p = valid();
        p.claimWindow = game.MAX_WINDOW();
        p.challengeWindow = game.MAX_WINDOW();
        asDao();
        game.setParams(p);
        assertEq(taskOf(taskId).deadline, claimEnd, "the claim keeps its deadline");

        commitAs(solver, taskId, resultTree.root());
        // The new window applies to the phase that starts after the change.
        assertEq(taskOf(taskId).deadline, block.timestamp + game.MAX_WINDOW());
    }

    function test_SetParams_NewMinimumsApplyToNewTasksOnly() public {
        uint256 taskId = postWorld();
        IMapGame.Params memory p = valid();
        p.minSolverBond = SOLVER_BOND + 1;
        asDao();
        game.setParams(p);
        claimAs(solver, taskId);
        assertEq(taskOf(taskId).solverBond, SOLVER_BOND);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameSolverBondTooLow.selector, SOLVER_BOND, SOLVER_BOND + 1));
        postWorld();
    }
}
