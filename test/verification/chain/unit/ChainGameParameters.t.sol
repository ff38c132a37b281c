// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ChainGame} from "../../../../contracts/verification/ChainGame.sol";
import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {Judge} from "../../../../contracts/verification/libraries/Judge.sol";
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
            maxClock: 3 days,
            minClaimWindow: 10 minutes,
            maxClaimWindow: 2 days,
            minChallengeWindow: 2 days,
            maxChallengeWindow: 10 days,
            maxGasPerStep: 5_000_000,
            maxStateBytes: 4096,
            challengerShareBps: 4000
        });
    }

    function _assertEq(IChainGame.Parameters memory a, IChainGame.Parameters memory b) internal pure {
        assertEq(keccak256(abi.encode(a)), keccak256(abi.encode(b)));
    }

    /*//////////////////////////////////////////////////////////////
                               DEPLOYMENT
    //////////////////////////////////////////////////////////////*/

    function test_Deploy_WiresTokenDaoAndRegistry() public view {
        assertEq(address(game.token()), d.token);
        assertEq(game.dao(), d.timelock);
        assertEq(address(game.computationRegistry()), d.computationRegistry);
        assertTrue(d.keccakChain.code.length > 0);
        assertTrue(registry.isRegistered(d.keccakChain), "the example computation is registered");
    }

    /// @dev One test for everything the environment decides: the process environment is shared by the tests running
    /// at the same time, so this is the only test that reads the profile's defaults or writes a variable, and it
    /// overrides only fields that no other test takes at their default value (a game deployed meanwhile by another
    /// test's setUp may get them; the split, the minimums and the gas, which other tests rely on, are left alone).
    function test_Deploy_ParametersFromProfileAndEnvironment() public {
        Deploy script = new Deploy();
        IChainGame.Parameters memory p = script.chainGameParameters();
        assertEq(p.minSolverBond, 1 ether);
        assertEq(p.minChallengerBond, 1 ether);
        assertEq(p.minClock, 1 hours);
        assertEq(p.maxClock, 7 days);
        assertEq(p.minClaimWindow, 5 minutes);
        assertEq(p.maxClaimWindow, 7 days);
        assertEq(p.minChallengeWindow, 10 minutes);
        assertEq(p.maxChallengeWindow, 30 days);
        assertEq(p.maxGasPerStep, 10_000_000);
        assertEq(p.maxStateBytes, 32_768);
        assertEq(p.challengerShareBps, 5000);
        _assertEq(parameters, p);

        uint256 local = block.chainid;
        vm.chainId(1);
        p = script.chainGameParameters();
        vm.chainId(local);
        assertEq(p.minSolverBond, 100 ether);
        assertEq(p.minChallengerBond, 100 ether);
        assertEq(p.minClock, 1 days);
        assertEq(p.maxClock, 7 days);
        assertEq(p.minClaimWindow, 1 hours);
        assertEq(p.maxClaimWindow, 7 days);
        assertEq(p.minChallengeWindow, 1 days);
        assertEq(p.maxChallengeWindow, 30 days);
        assertEq(p.maxGasPerStep, 10_000_000);
        assertEq(p.maxStateBytes, 32_768);
        assertEq(p.challengerShareBps, 5000);

        string[4] memory names = [
            "SONM_CHAIN_MAX_CLOCK",
            "SONM_CHAIN_MAX_CLAIM_WINDOW",
            "SONM_CHAIN_MAX_CHALLENGE_WINDOW",
            "SONM_CHAIN_MAX_STATE_BYTES"
        ];
        string[4] memory values = ["172800", "3600", "86400", "1024"];
        for (uint256 i; i < names.length; ++i) {
            vm.setEnv(names[i], values[i]);
        }
        p = script.chainGameParameters();
        for (uint256 i; i < names.length; ++i) {
            vm.setEnv(names[i], "");
        }
        assertEq(p.maxClock, 2 days);
        assertEq(p.maxClaimWindow, 1 hours);
        assertEq(p.maxChallengeWindow, 1 days);
        assertEq(p.maxStateBytes, 1024);
    }

    function test_Deploy_HardBoundsAreTheJudgesAndTheSplitsCeilingIsHalf() public view {
        assertEq(game.MAX_GAS_PER_STEP(), Judge.MAX_GAS_PER_UNIT);
        assertEq(game.MAX_GAS_PER_STEP(), 12_000_000);
        assertEq(game.MAX_STATE_BYTES(), Judge.MAX_UNIT_BYTES);
        assertEq(game.MAX_STATE_BYTES(), 32_768);
        assertEq(game.MAX_CLOCK(), 30 days);
        assertEq(game.MAX_WINDOW(), 30 days);
        assertEq(game.MAX_CHALLENGER_SHARE_BPS(), 5000);
        assertEq(uint256(game.MAX_CHALLENGER_SHARE_BPS()) * 2, game.BPS());
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
        // Every maximum at its minimum, every minimum at its floor.
        IChainGame.Parameters memory p = IChainGame.Parameters({
            minSolverBond: 1,
            minChallengerBond: 1,
            minClock: game.CLOCK_FLOOR(),
            maxClock: game.CLOCK_FLOOR(),
            minClaimWindow: game.CLAIM_WINDOW_FLOOR(),
            maxClaimWindow: game.CLAIM_WINDOW_FLOOR(),
            minChallengeWindow: game.CHALLENGE_WINDOW_FLOOR(),
            maxChallengeWindow: game.CHALLENGE_WINDOW_FLOOR(),
            maxGasPerStep: game.GAS_PER_STEP_FLOOR(),
            maxStateBytes: 1,
            challengerShareBps: game.MIN_CHALLENGER_SHARE_BPS()
        });
        vm.prank(d.timelock);
        game.setParameters(p);
        _assertEq(game.parameters(), p);
    }

    function test_SetParameters_AtTheCeilings() public {
        // Every minimum and maximum at its ceiling.
        IChainGame.Parameters memory p = IChainGame.Parameters({
            minSolverBond: type(uint96).max,
            minChallengerBond: type(uint96).max,
            minClock: game.MAX_CLOCK(),
            maxClock: game.MAX_CLOCK(),
            minClaimWindow: game.MAX_WINDOW(),
            maxClaimWindow: game.MAX_WINDOW(),
            minChallengeWindow: game.MAX_WINDOW(),
            maxChallengeWindow: game.MAX_WINDOW(),
            maxGasPerStep: game.MAX_GAS_PER_STEP(),
            maxStateBytes: game.MAX_STATE_BYTES(),
            challengerShareBps: game.MAX_CHALLENGER_SHARE_BPS()
        });
        vm.prank(d.timelock);
        game.setParameters(p);
        _assertEq(game.parameters(), p);
    }

    function test_RevertWhen_SetParametersNotDao() public {
        vm.expectRevert(abi.encodeWithSelector(IChainGame.ChainGameNotDao.selector, anyone));
        vm.prank(anyone);
        game.setParameters(_valid());
    }

    /// @dev `_valid()` with field case `c` one unit outside its range, and the error that refuses it.
    function _outOfRange(uint256 c) internal view returns (IChainGame.Parameters memory p, bytes memory err) {
        p = _valid();
        uint256 u96 = type(uint96).max;
        if (c == 0) {
            p.minSolverBond = 0;
            err = abi.encodeWithSelector(IChainGame.ChainGameMinSolverBondOutOfRange.selector, 0, 1, u96);
        } else if (c == 1) {
            p.minChallengerBond = 0;
            err = abi.encodeWithSelector(IChainGame.ChainGameMinChallengerBondOutOfRange.selector, 0, 1, u96);
        } else if (c == 2 || c == 3) {
            // Under the floor, or over the ceiling (with the maximum there too, so only the minimum is wrong).
            p.minClock = c == 2 ? game.CLOCK_FLOOR() - 1 : game.MAX_CLOCK() + 1;
            p.maxClock = c == 2 ? p.maxClock : game.MAX_CLOCK();
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMinClockOutOfRange.selector, p.minClock, game.CLOCK_FLOOR(), game.MAX_CLOCK()
            );
        } else if (c == 4 || c == 5) {
            p.maxClock = c == 4 ? p.minClock - 1 : game.MAX_CLOCK() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMaxClockOutOfRange.selector, p.maxClock, p.minClock, game.MAX_CLOCK()
            );
        } else if (c == 6 || c == 7) {
            p.minClaimWindow = c == 6 ? game.CLAIM_WINDOW_FLOOR() - 1 : game.MAX_WINDOW() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMinClaimWindowOutOfRange.selector,
                p.minClaimWindow,
                game.CLAIM_WINDOW_FLOOR(),
                game.MAX_WINDOW()
            );
        } else if (c == 8 || c == 9) {
            p.maxClaimWindow = c == 8 ? p.minClaimWindow - 1 : game.MAX_WINDOW() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMaxClaimWindowOutOfRange.selector,
                p.maxClaimWindow,
                p.minClaimWindow,
                game.MAX_WINDOW()
            );
        } else if (c == 10 || c == 11) {
            p.minChallengeWindow = c == 10 ? game.CHALLENGE_WINDOW_FLOOR() - 1 : game.MAX_WINDOW() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMinChallengeWindowOutOfRange.selector,
                p.minChallengeWindow,
                game.CHALLENGE_WINDOW_FLOOR(),
                game.MAX_WINDOW()
            );
        } else if (c == 12 || c == 13) {
            p.maxChallengeWindow = c == 12 ? p.minChallengeWindow - 1 : game.MAX_WINDOW() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMaxChallengeWindowOutOfRange.selector,
                p.maxChallengeWindow,
                p.minChallengeWindow,
                game.MAX_WINDOW()
            );
        } else if (c == 14 || c == 15) {
            // One gas unit over the judge's bound on a unit is refused.
            p.maxGasPerStep = c == 14 ? game.GAS_PER_STEP_FLOOR() - 1 : game.MAX_GAS_PER_STEP() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMaxGasPerStepOutOfRange.selector,
                p.maxGasPerStep,
                game.GAS_PER_STEP_FLOOR(),
                game.MAX_GAS_PER_STEP()
            );
        } else if (c == 16 || c == 17) {
            // One byte over the judge's bound on a unit is refused.
            p.maxStateBytes = c == 16 ? 0 : game.MAX_STATE_BYTES() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameMaxStateBytesOutOfRange.selector, p.maxStateBytes, 1, game.MAX_STATE_BYTES()
            );
        } else {
            // Over half, a cheater challenging itself would lose less than half its bond.
            p.challengerShareBps = c == 18 ? game.MIN_CHALLENGER_SHARE_BPS() - 1 : game.MAX_CHALLENGER_SHARE_BPS() + 1;
            err = abi.encodeWithSelector(
                IChainGame.ChainGameChallengerShareBpsOutOfRange.selector,
                p.challengerShareBps,
                game.MIN_CHALLENGER_SHARE_BPS(),
                game.MAX_CHALLENGER_SHARE_BPS()
            );
        }
    }

    function test_RevertWhen_SetParametersOutOfRange() public {
        for (uint256 c; c < 20; ++c) {
            (IChainGame.Parameters memory p, bytes memory err) = _outOfRange(c);
            vm.expectRevert(err);
            vm.prank(d.timelock);
            game.setParameters(p);
        }
        _assertEq(game.parameters(), parameters);
    }

    function test_RevertWhen_ConstructedOutOfRange() public {
        IChainGame.Parameters memory p = _valid();
        p.minClock = 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IChainGame.ChainGameMinClockOutOfRange.selector, 1, game.CLOCK_FLOOR(), game.MAX_CLOCK()
            )
        );
        new ChainGame(IERC20(d.token), d.timelock, registry, p);
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
        p.challengerShareBps = 3000;
        vm.prank(d.timelock);
        game.setParameters(p);
        uint256 id = _postCounter(100);
        _claimAndCommit(id, _solverHash(100, 10));
        uint256 disputeId = _challenge(id, alice);
        _bisect(disputeId, 10, NEVER, 0);
        _judge(disputeId);
        assertEq(token.balanceOf(alice), FUNDS + 3 ether);
        assertEq(token.balanceOf(d.timelock), 7 ether);
    }
}
