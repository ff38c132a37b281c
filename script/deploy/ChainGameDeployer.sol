// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ChainGame} from "../../contracts/verification/ChainGame.sol";
import {KeccakChain} from "../../contracts/verification/computations/KeccakChain.sol";
import {IChainGame} from "../../contracts/verification/interfaces/IChainGame.sol";
import {IComputationRegistry} from "../../contracts/verification/interfaces/IComputationRegistry.sol";
import {DeployProfile} from "./DeployProfile.sol";
import {Deployment} from "./Deployment.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @notice The chain tasks' part of the deploy definition: the ChainGame and its example computation, KeccakChain.
/// The game's parameters (governed by the timelock from deployment on) come from the environment over the profile's
/// defaults:
///
/// | variable | production | local |
/// |---|---|---|
/// | SONM_CHAIN_MIN_SOLVER_BOND (wei) | 100 SNM | 1 SNM |
/// | SONM_CHAIN_MIN_CHALLENGER_BOND (wei) | 100 SNM | 1 SNM |
/// | SONM_CHAIN_MIN_CLOCK (s) | 1 day | 1 hour |
/// | SONM_CHAIN_MAX_CLOCK (s) | 7 days | 7 days |
/// | SONM_CHAIN_MIN_CLAIM_WINDOW (s) | 1 hour | 5 minutes |
/// | SONM_CHAIN_MAX_CLAIM_WINDOW (s) | 7 days | 7 days |
/// | SONM_CHAIN_MIN_CHALLENGE_WINDOW (s) | 1 day | 10 minutes |
/// | SONM_CHAIN_MAX_CHALLENGE_WINDOW (s) | 30 days | 30 days |
/// | SONM_CHAIN_MAX_GAS_PER_STEP | 10,000,000 | 10,000,000 |
/// | SONM_CHAIN_MAX_STATE_BYTES | 32,768 | 32,768 |
/// | SONM_CHAIN_CHALLENGER_SHARE_BPS | 5,000 | 5,000 |
abstract contract ChainGameDeployer is DeployProfile {
    /// @dev Called while broadcasting as the deployer, after the hub economy and the judge exist. Fills the chain-game
    /// fields of `d`.
    function _deployChainGame(Deployment memory d) internal virtual {
        IComputationRegistry registry = IComputationRegistry(d.computationRegistry);
        d.keccakChain = address(new KeccakChain());
        registry.register(d.keccakChain);
        d.chainGame = address(new ChainGame(IERC20(d.token), d.timelock, registry, chainGameParameters()));
    }

    /// @notice The ChainGame's first parameters: the profile's defaults, each overridable by an environment variable.
    /// @dev Out-of-range values revert here (SafeCast) or in the game's constructor. The profile is read as `Deploy.governanceConfig` reads it: `SONM_PROFILE`, else `local` on chain 31337.
    function chainGameParameters() public view returns (IChainGame.Parameters memory p) {
        bool local = _localProfile();
        p.minSolverBond =
            SafeCast.toUint96(vm.envOr("SONM_CHAIN_MIN_SOLVER_BOND", uint256(local ? 1 ether : 100 ether)));
        p.minChallengerBond =
            SafeCast.toUint96(vm.envOr("SONM_CHAIN_MIN_CHALLENGER_BOND", uint256(local ? 1 ether : 100 ether)));
        p.minClock = SafeCast.toUint32(vm.envOr("SONM_CHAIN_MIN_CLOCK", uint256(local ? 1 hours : 1 days)));
        p.maxClock = SafeCast.toUint32(vm.envOr("SONM_CHAIN_MAX_CLOCK", uint256(7 days)));
        p.minClaimWindow =
            SafeCast.toUint32(vm.envOr("SONM_CHAIN_MIN_CLAIM_WINDOW", uint256(local ? 5 minutes : 1 hours)));
        p.maxClaimWindow = SafeCast.toUint32(vm.envOr("SONM_CHAIN_MAX_CLAIM_WINDOW", uint256(7 days)));
        p.minChallengeWindow =
            SafeCast.toUint32(vm.envOr("SONM_CHAIN_MIN_CHALLENGE_WINDOW", uint256(local ? 10 minutes : 1 days)));
        p.maxChallengeWindow = SafeCast.toUint32(vm.envOr("SONM_CHAIN_MAX_CHALLENGE_WINDOW", uint256(30 days)));
        p.maxGasPerStep = SafeCast.toUint32(vm.envOr("SONM_CHAIN_MAX_GAS_PER_STEP", uint256(10_000_000)));
        p.maxStateBytes = SafeCast.toUint32(vm.envOr("SONM_CHAIN_MAX_STATE_BYTES", uint256(32_768)));
        p.challengerShareBps = SafeCast.toUint16(vm.envOr("SONM_CHAIN_CHALLENGER_SHARE_BPS", uint256(5000)));
    }
}
