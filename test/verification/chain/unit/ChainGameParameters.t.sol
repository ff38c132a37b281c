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
        assertEq(params.minSolverBond, 1 ether);
        assertEq(params.minChallengerBond, 1 ether);
        assertEq(params.minClock, 1 hours);
        assertEq(params.minClaimWindow, 5 minutes);
        assertEq(params.minChallengeWindow, 10 minutes);
        assertEq(params.maxGasPerStep, 10_000_000);
        assertEq(params.challengerShareBps, 5000);
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
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameUnauthorized.selector, deployer));
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
            challengerShareBps: game.CHALLENGER_SHARE_FLOOR_BPS()
        });
        vm.prank(d.timelock);
        game.setParameters(p);
        p.maxGasPerStep = game.GAS_PER_STEP_CEILING();
        p.challengerShareBps = game.BPS();
        vm.prank(d.timelock);
        game.setParameters(p);
        _assertEq(game.parameters(), p);
    }

    function test_RevertWhen_SetParametersNotDao() public {
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameUnauthorized.selector, anyone));
        vm.prank(anyone);
        game.setParameters(_valid());
    }

    function test_RevertWhen_SetParametersOutOfRange() public {
        for (uint256 index; index < 8; ++index) {
            IChainGame.Parameters memory p = _valid();
            uint256 value;
            if (index == 0) value = p.minSolverBond = 0;
            else if (index == 1) value = p.minChallengerBond = 0;
            else if (index == 2) value = p.minClock = game.CLOCK_FLOOR() - 1;
            else if (index == 3) value = p.minClaimWindow = game.CLAIM_WINDOW_FLOOR() - 1;
            else if (index == 4) value = p.minChallengeWindow = game.CHALLENGE_WINDOW_FLOOR() - 1;
            else if (index == 5) value = p.maxGasPerStep = game.GAS_PER_STEP_FLOOR() - 1;
            else if (index == 6) value = p.challengerShareBps = game.CHALLENGER_SHARE_FLOOR_BPS() - 1;
            else value = p.challengerShareBps = game.BPS() + 1;
            vm.expectRevert(
                abi.encodeWithSelector(IChainGame.ChainGameParameterOutOfRange.selector, index < 7 ? index : 6, value)
            );
            vm.prank(d.timelock);
            game.setParameters(p);
        }
        IChainGame.Parameters memory tooMuchGas = _valid();
        tooMuchGas.maxGasPerStep = game.GAS_PER_STEP_CEILING() + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IChainGame.ChainGameParameterOutOfRange.selector, 5, tooMuchGas.maxGasPerStep)
        );
        vm.prank(d.timelock);
        game.setParameters(tooMuchGas);
    }

    function test_RevertWhen_ConstructedOutOfRange() public {
        IChainGame.Parameters memory p = _valid();
        p.minClock = 1;
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameParameterOutOfRange.selector, 2, 1));
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
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameBondTooLow.selector, 10 ether, p.minSolverBond));
        _postCounter(100);
    }

    function test_SetParameters_SplitAppliesToNewTasks() public {
        IChainGame.Parameters memory p = params;
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
