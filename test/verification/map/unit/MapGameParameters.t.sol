// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MapGame} from "../../../../contracts/verification/MapGame.sol";
import {IComputationRegistry} from "../../../../contracts/verification/interfaces/IComputationRegistry.sol";
import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {Deploy} from "../../../../script/Deploy.s.sol";
import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MapGameBase} from "../MapGameBase.sol";

/// @notice The deployment of the map game and the DAO's parameters: who may set them, their bounds, and that a
/// change never moves a running deadline.
contract MapGameParametersTest is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    function setUp() public override {
        super.setUp();
        buildSquareWorld(3);
    }

    function valid() internal view returns (IMapGame.Parameters memory p) {
        p = parameters();
    }

    function expectSetParametersReverts(IMapGame.Parameters memory p, bytes memory err) internal {
        vm.expectRevert(err);
        asDao();
        game.setParameters(p);
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

    function test_Deploy_ParametersAreTheDeployDefinitions() public {
        IMapGame.Parameters memory expected = new Deploy().mapGameParameters();
        assertEq(abi.encode(parameters()), abi.encode(expected));
        // On a local chain: the ten-minute floor, so the demo needs no long waits.
        assertEq(parameters().challengeWindow, game.MIN_WINDOW());
        assertEq(parameters().challengerShareBps, 5000);
    }

    function test_RevertWhen_DeployerSetsParameters() public {
        IMapGame.Parameters memory p = valid();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotDao.selector, deployer));
        vm.prank(deployer);
        game.setParameters(p);
    }

    function test_RevertWhen_ConstructedWithBadParameters() public {
        IMapGame.Parameters memory p = valid();
        p.claimWindow = 0;
        IComputationRegistry registry = game.computationRegistry();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameClaimWindowOutOfRange.selector, 0, game.MIN_WINDOW(), game.MAX_WINDOW()
            )
        );
        new MapGame(token, d.timelock, registry, d.market, p);
    }

    /*//////////////////////////////////////////////////////////////
                             SET PARAMETERS
    //////////////////////////////////////////////////////////////*/

    function test_SetParameters_ByTheDao() public {
        IMapGame.Parameters memory p = valid();
        p.challengeWindow = 3 days;
        p.challengerShareBps = 4000;
        vm.expectEmit(address(game));
        emit IMapGame.ParametersSet(p);
        asDao();
        game.setParameters(p);
        assertEq(abi.encode(parameters()), abi.encode(p));
    }

    function test_SetParameters_ThroughAGovernanceProposal() public {
        IMapGame.Parameters memory p = valid();
        p.minSolverBond = 20 ether;
        passProposal(address(game), abi.encodeCall(game.setParameters, (p)), "map game: raise the minimum solver bond");
        assertEq(parameters().minSolverBond, 20 ether);
    }

    function test_RevertWhen_SetParametersByOthers() public {
        address[3] memory others = [buyer, solver, treasury];
        IMapGame.Parameters memory p = valid();
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotDao.selector, others[i]));
            vm.prank(others[i]);
            game.setParameters(p);
        }
    }

    function test_RevertWhen_SetParametersWindowOutOfRange() public {
        uint32 tooShort = game.MIN_WINDOW() - 1;
        uint32 tooLong = game.MAX_WINDOW() + 1;
        for (uint256 w; w < 3; ++w) {
            for (uint256 k; k < 2; ++k) {
                uint32 bad = k == 0 ? tooShort : tooLong;
                IMapGame.Parameters memory p = valid();
                bytes4 selector;
                if (w == 0) {
                    (p.claimWindow, selector) = (bad, IMapGame.MapGameClaimWindowOutOfRange.selector);
                } else if (w == 1) {
                    (p.challengeWindow, selector) = (bad, IMapGame.MapGameChallengeWindowOutOfRange.selector);
                } else {
                    (p.responseWindow, selector) = (bad, IMapGame.MapGameResponseWindowOutOfRange.selector);
                }
                expectSetParametersReverts(
                    p, abi.encodeWithSelector(selector, bad, game.MIN_WINDOW(), game.MAX_WINDOW())
                );
            }
        }
    }

    function test_SetParameters_WindowsAtTheirBounds() public {
        IMapGame.Parameters memory p = valid();
        p.claimWindow = game.MIN_WINDOW();
        p.challengeWindow = game.MAX_WINDOW();
        p.responseWindow = game.MIN_WINDOW();
        p.challengerShareBps = game.MIN_CHALLENGER_SHARE_BPS();
        p.maxGasPerLeaf = game.MAX_GAS_PER_LEAF();
        p.maxLeafBytes = game.MAX_LEAF_BYTES();
        asDao();
        game.setParameters(p);
        p.challengerShareBps = game.MAX_CHALLENGER_SHARE_BPS();
        p.maxLeafBytes = 1;
        asDao();
        game.setParameters(p);
    }

    function test_RevertWhen_SetParametersChallengerShareBpsOutOfRange() public {
        IMapGame.Parameters memory p = valid();
        p.challengerShareBps = game.MIN_CHALLENGER_SHARE_BPS() - 1;
        uint256 min = game.MIN_CHALLENGER_SHARE_BPS();
        uint256 max = game.MAX_CHALLENGER_SHARE_BPS();
        expectSetParametersReverts(
            p,
            abi.encodeWithSelector(
                IMapGame.MapGameChallengerShareBpsOutOfRange.selector, p.challengerShareBps, min, max
            )
        );
        // More than half would let a solver that proves its own cheat lose less than half its bond.
        p.challengerShareBps = uint16(max + 1);
        expectSetParametersReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameChallengerShareBpsOutOfRange.selector, max + 1, min, max)
        );
    }

    function test_RevertWhen_SetParametersMaxLeafBytesOutOfRange() public {
        IMapGame.Parameters memory p = valid();
        p.maxLeafBytes = 0;
        uint256 max = game.MAX_LEAF_BYTES();
        expectSetParametersReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameMaxLeafBytesOutOfRange.selector, 0, 1, max)
        );
        p.maxLeafBytes = uint32(max + 1);
        expectSetParametersReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameMaxLeafBytesOutOfRange.selector, max + 1, 1, max)
        );
    }

    function test_RevertWhen_SetParametersZeroMinimumBond() public {
        IMapGame.Parameters memory p = valid();
        p.minSolverBond = 0;
        expectSetParametersReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameMinSolverBondOutOfRange.selector, 0, 1, type(uint96).max)
        );
        p = valid();
        p.minChallengerBond = 0;
        expectSetParametersReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameMinChallengerBondOutOfRange.selector, 0, 1, type(uint96).max)
        );
    }

    function test_RevertWhen_SetParametersMaxGasPerLeafOutOfRange() public {
        IMapGame.Parameters memory p = valid();
        p.maxGasPerLeaf = 0;
        uint256 max = game.MAX_GAS_PER_LEAF();
        expectSetParametersReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameMaxGasPerLeafOutOfRange.selector, 0, 1, max)
        );
        p.maxGasPerLeaf = game.MAX_GAS_PER_LEAF() + 1;
        expectSetParametersReverts(
            p, abi.encodeWithSelector(IMapGame.MapGameMaxGasPerLeafOutOfRange.selector, p.maxGasPerLeaf, 1, max)
        );
    }

    /*//////////////////////////////////////////////////////////////
                        RUNNING DEADLINES HOLD
    //////////////////////////////////////////////////////////////*/

    function test_SetParameters_DoesNotMoveRunningDeadlines() public {
        uint256 taskId = postWorld();
        claimAs(solver, taskId);
        uint40 claimEnd = taskOf(taskId).deadline;
        IMapGame.Parameters memory p = valid();
        p.claimWindow = game.MAX_WINDOW();
        p.challengeWindow = game.MAX_WINDOW();
        asDao();
        game.setParameters(p);
        assertEq(taskOf(taskId).deadline, claimEnd, "the claim keeps its deadline");

        commitAs(solver, taskId, resultTree.root());
        // The new window applies to the phase that starts after the change.
        assertEq(taskOf(taskId).deadline, block.timestamp + game.MAX_WINDOW());
    }

    function test_SetParameters_NewMinimumsApplyToNewTasksOnly() public {
        uint256 taskId = postWorld();
        IMapGame.Parameters memory p = valid();
        p.minSolverBond = SOLVER_BOND + 1;
        asDao();
        game.setParameters(p);
        claimAs(solver, taskId);
        assertEq(taskOf(taskId).solverBond, SOLVER_BOND);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameSolverBondTooLow.selector, SOLVER_BOND, SOLVER_BOND + 1));
        postWorld();
    }
}
