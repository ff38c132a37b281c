// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IWhitelist} from "../../contracts/interfaces/IWhitelist.sol";
import {Market} from "../../contracts/market/Market.sol";
import {MapGame} from "../../contracts/verification/MapGame.sol";
import {MandelbrotRow} from "../../contracts/verification/computations/MandelbrotRow.sol";
import {MonteCarloPi} from "../../contracts/verification/computations/MonteCarloPi.sol";
import {IComputationRegistry} from "../../contracts/verification/interfaces/IComputationRegistry.sol";
import {IMapGame} from "../../contracts/verification/interfaces/IMapGame.sol";
import {DeployProfile} from "./DeployProfile.sol";
import {Deployment} from "./Deployment.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @notice The map tasks' part of the deploy definition: the MapGame and its example computations.
abstract contract MapGameDeployer is DeployProfile {
    /// @dev Called while broadcasting as the deployer, right after the hub economy (whose wallets were given
    /// `d.market`, the address the market gets here). Fills the map-game and market fields of `d`. The game is
    /// governed by the timelock from construction; the market has no privileged setting at all.
    function _deployMapGame(Deployment memory d) internal virtual {
        IComputationRegistry registry = IComputationRegistry(d.computationRegistry);
        // The game and the market name each other: the game gets the market's address (the next nonce) first.
        address marketAddress = vm.computeCreateAddress(d.deployer, vm.getNonce(d.deployer) + 1);
        MapGame game = new MapGame(IERC20(d.token), d.timelock, registry, marketAddress, mapGameParameters());
        // Reverts (MarketGameMismatch) if the address computed above was wrong.
        Market market = new Market(IERC20(d.token), game, IWhitelist(d.whitelist));
        // The hub wallets were made for the market at `d.market`: it must be this one.
        require(address(market) == d.market, "Deploy: the market is not where the hub wallets expect it");
        d.mapGame = address(game);
        d.mandelbrot = address(new MandelbrotRow());
        d.monteCarlo = address(new MonteCarloPi());
        registry.register(d.mandelbrot);
        registry.register(d.monteCarlo);
    }

    /// @notice The map game's initial parameters: defaults, each overridable by an environment variable (`SONM_MAP_*`).
    /// Windows default to a day or two in production and to the ten-minute floor on a local chain (`SONM_PROFILE`,
    /// as for governance).
    function mapGameParameters() public view returns (IMapGame.Parameters memory p) {
        bool local = _localProfile();
        p.minSolverBond = SafeCast.toUint96(vm.envOr("SONM_MAP_MIN_SOLVER_BOND", uint256(10 ether)));
        p.minChallengerBond = SafeCast.toUint96(vm.envOr("SONM_MAP_MIN_CHALLENGER_BOND", uint256(1 ether)));
        p.claimWindow = SafeCast.toUint32(vm.envOr("SONM_MAP_CLAIM_WINDOW", uint256(local ? 10 minutes : 1 days)));
        p.challengeWindow =
            SafeCast.toUint32(vm.envOr("SONM_MAP_CHALLENGE_WINDOW", uint256(local ? 10 minutes : 2 days)));
        p.responseWindow = SafeCast.toUint32(vm.envOr("SONM_MAP_RESPONSE_WINDOW", uint256(local ? 10 minutes : 1 days)));
        p.challengerShareBps = SafeCast.toUint16(vm.envOr("SONM_MAP_CHALLENGER_SHARE_BPS", uint256(5000)));
        p.maxGasPerLeaf = SafeCast.toUint32(vm.envOr("SONM_MAP_MAX_GAS_PER_LEAF", uint256(10_000_000)));
        p.maxLeafBytes = SafeCast.toUint32(vm.envOr("SONM_MAP_MAX_LEAF_BYTES", uint256(32_768)));
    }
}
