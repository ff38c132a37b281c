// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ChainGame} from "../../../../contracts/verification/ChainGame.sol";
import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {Deploy} from "../../../../script/Deploy.s.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice The deployment of the game and the DAO's parameters: who may set them, their floors, their snapshot.
contract ChainGameParametersTest is ChainGameBase {
    function _valid() internal pure returns (IChainGame.Parameters memory) {
        return IChainGame.Parameters({
            minSolverBond: 50 ether,
            minChallengerBond: 20 ether,
            minClock: 2 hours,
            minClaimWindow: 10 minutes,
            minChallengeWindow: 2 days,
            maxGasPerStep: 5_000_000,
            challengerShareBps: 7500
        });
    }

    function _assertEq(IChainGame.Parameters memory a, IChainGame.Parameters memory b) internal pure {
        assertEq(keccak256(abi.encode(a)), keccak256(abi.encode(b)));
    }

    /*//////////////////////////////////////////////////////////////
                               DEPLOYMENT
    //////////////////////////////////////////////////////////////*/

    function test_Deploy_WiresTokenDaoAndLocalDefaults() public view {
        assertEq(address(game.token()), d.token);
        assertEq(game.dao(), d.timelock);
        assertTrue(d.keccakChain.code.length > 0);
        assertEq(parameters.minSolverBond, 1 ether);
        assertEq(parameters.minChallengerBond, 1 ether);
        assertEq(parameters.minClock, 1 hours);
        assertEq(parameters.minClaimWindow, 5 minutes);
        assertEq(parameters.minChallengeWindow, 10 minutes);
        assertEq(parameters.maxGasPerStep, 10_000_000);
        assertEq(parameters.challengerShareBps, 5000);
    }

    function test_Deploy_ParametersFromEnvironment() public {
        vm.setEnv("SONM_CHAIN_MIN_CLOCK", "7200");
        vm.setEnv("SONM_CHAIN_CHALLENGER_SHARE_BPS", "6000");
        IChainGame.Parameters memory p = new Deploy().chainGameParameters();
        vm.setEnv("SONM_CHAIN_MIN_CLOCK", "");
        vm.setEnv("SONM_CHAIN_CHALLENGER_SHARE_BPS", "");
        assertEq(p.minClock, 7200);
        assertEq(p.challengerShareBps, 6000);
    }

    function test_Deploy_ProductionProfileDefaults() public {
        vm.chainId(1);
        IChainGame.Parameters memory p = new Deploy().chainGameParameters();
        assertEq(p.minSolverBond, 100 ether);
        assertEq(p.minClock, 1 days);
        assertEq(p.minChallengeWindow, 1 days);
        assertEq(p.minClaimWindow, 1 hours);
    }

    function test_Deploy_DeployerHoldsNoPowerOverTheGame() public {
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameNotDao.selector, deployer));
        vm.prank(deployer);
        game.setParameters(_valid());
    }

    /*//////////////////////////////////////////////////////////////
                             SET PARAMETERS
    //////////////////////////////////////////////////////////////*/

    function test_SetParameters_ByTheDao() public {
        IChainGame.Parameters memory p = _valid();
        vm.expectEmit(address(game));
        emit IChainGame.ParametersSet(p);
        vm.prank(d.timelock);
        game.setParameters(p);
        _assertEq(game.parameters(), p);
    }

    function test_SetParameters_ThroughAGovernanceProposal() public {
        IChainGame.Parameters memory p = _valid();
        passProposal(address(game), abi.encodeCall(IChainGame.setParameters, (p)), "Chain game: longer clocks");
        _assertEq(game.parameters(), p);
    }

    function test_SetParameters_AtTheFloors() public {
        IChainGame.Parameters memory p = IChainGame.Parameters({
            minSolverBond: 1,
            minChallengerBond: 1,
            minClock: game.CLOCK_FLOOR(),
            minClaimWindow: game.CLAIM_WINDOW_FLOOR(),
            minChallengeWindow: game.CHALLENGE_WINDOW_FLOOR(),
            maxGasPerStep: game.GAS_PER_STEP_FLOOR(),
            challengerShareBps: game.MIN_CHALLENGER_SHARE_BPS()
        });
        vm.prank(d.timelock);
        game.setParameters(p);
        p.maxGasPerStep = game.MAX_GAS_PER_STEP();
        p.challengerShareBps = game.BPS();
        vm.prank(d.timelock);
        game.setParameters(p);
        _assertEq(game.parameters(), p);
    }

    function test_RevertWhen_SetParametersNotDao() public {
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameNotDao.selector, anyone));
        vm.prank(anyone);
        game.setParameters(_valid());
    }

    function test_RevertWhen_SetParametersOutOfRange() public {
        uint256 u96 = type(uint96).max;
        uint256 u32 = type(uint32).max;
        for (uint256 field; field < 9; ++field) {
            IChainGame.Parameters memory p = _valid();
            bytes memory err;
            if (field == 0) {
                p.minSolverBond = 0;
                err = abi.encodeWithSelector(IChainGame.ChainGameMinSolverBondOutOfRange.selector, 0, 1, u96);
            } else if (field == 1) {
                p.minChallengerBond = 0;
                err = abi.encodeWithSelector(IChainGame.ChainGameMinChallengerBondOutOfRange.selector, 0, 1, u96);
            } else if (field == 2) {
                p.minClock = game.CLOCK_FLOOR() - 1;
                err = abi.encodeWithSelector(
                    IChainGame.ChainGameMinClockOutOfRange.selector, p.minClock, game.CLOCK_FLOOR(), u32
                );
            } else if (field == 3) {
                p.minClaimWindow = game.CLAIM_WINDOW_FLOOR() - 1;
                err = abi.encodeWithSelector(
                    IChainGame.ChainGameMinClaimWindowOutOfRange.selector,
                    p.minClaimWindow,
                    game.CLAIM_WINDOW_FLOOR(),
                    u32
                );
            } else if (field == 4) {
                p.minChallengeWindow = game.CHALLENGE_WINDOW_FLOOR() - 1;
                err = abi.encodeWithSelector(
                    IChainGame.ChainGameMinChallengeWindowOutOfRange.selector,
                    p.minChallengeWindow,
                    game.CHALLENGE_WINDOW_FLOOR(),
                    u32
                );
            } else if (field == 5 || field == 6) {
                p.maxGasPerStep = field == 5 ? game.GAS_PER_STEP_FLOOR() - 1 : game.MAX_GAS_PER_STEP() + 1;
                err = abi.encodeWithSelector(
                    IChainGame.ChainGameMaxGasPerStepOutOfRange.selector,
                    p.maxGasPerStep,
                    game.GAS_PER_STEP_FLOOR(),
                    game.MAX_GAS_PER_STEP()
                );
            } else {
                p.challengerShareBps = field == 7 ? game.MIN_CHALLENGER_SHARE_BPS() - 1 : game.BPS() + 1;
                err = abi.encodeWithSelector(
                    IChainGame.ChainGameChallengerShareBpsOutOfRange.selector,
                    p.challengerShareBps,
                    game.MIN_CHALLENGER_SHARE_BPS(),
                    game.BPS()
                );
            }
            vm.expectRevert(err);
            vm.prank(d.timelock);
            game.setParameters(p);
        }
    }

    function test_RevertWhen_ConstructedOutOfRange() public {
        IChainGame.Parameters memory p = _valid();
        p.minClock = 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameMinClockOutOfRange.selector, 1, game.CLOCK_FLOOR(), type(uint32).max
            )
        );
        new ChainGame(IERC20(d.token), d.timelock, p);
    }

    function test_SetParameters_NewMinimumsBindOnlyNewTasks() public {
        uint256 id = _postCounter(100);
        IChainGame.Parameters memory p = _valid();
        vm.prank(d.timelock);
        game.setParameters(p);

        // The old task keeps its terms (its bonds are now below the minimum) and its split.
        assertEq(game.task(id).challengerShareBps, 5000);
        _claimAndCommit(id, _solverHash(100, 10));
        uint256 disputeId = _challenge(id, alice);
        _bisect(disputeId, 10, NEVER, 0);
        _judge(disputeId);
        assertEq(token.balanceOf(d.timelock), 5 ether);

        // A new task at the old terms is refused.
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameSolverBondTooLow.selector, 10 ether, p.minSolverBond)
        );
        _postCounter(100);
    }

    function test_SetParameters_SplitAppliesToNewTasks() public {
        IChainGame.Parameters memory p = parameters;
        p.challengerShareBps = 8000;
        vm.prank(d.timelock);
        game.setParameters(p);
        uint256 id = _postCounter(100);
        _claimAndCommit(id, _solverHash(100, 10));
        uint256 disputeId = _challenge(id, alice);
        _bisect(disputeId, 10, NEVER, 0);
        _judge(disputeId);
        assertEq(token.balanceOf(alice), FUNDS + 8 ether);
        assertEq(token.balanceOf(d.timelock), 2 ether);
    }
}
