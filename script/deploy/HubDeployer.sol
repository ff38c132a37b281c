// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExpropriationVault} from "../../contracts/governance/ExpropriationVault.sol";
import {HubFactory} from "../../contracts/hub/HubFactory.sol";
import {HubWallet} from "../../contracts/hub/HubWallet.sol";
import {IExpropriationVault} from "../../contracts/interfaces/IExpropriationVault.sol";
import {HubParameters} from "../../contracts/interfaces/IHubWallet.sol";
import {IWhitelist} from "../../contracts/interfaces/IWhitelist.sol";
import {Whitelist} from "../../contracts/registry/Whitelist.sol";
import {Deployment} from "./Deployment.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Script} from "forge-std/Script.sol";

/// @notice The terms of the hub economy: the factory's terms for new wallets and the whitelist's rating terms.
struct HubConfig {
    HubParameters hub;
    uint256 ratingMinimumStake;
    uint256 ratingLockPeriod;
}

/// @notice The hub economy's part of the deploy definition: vault, whitelist, HubWallet implementation, factory.
/// Every one of them is governed by the timelock from its construction; the deployer gets no role in any.
abstract contract HubDeployer is Script {
    /// @dev Called while broadcasting as the deployer, after governance exists and while the deployer is still the
    /// timelock's admin. Fills the hub fields of `d`.
    function _deployHubs(Deployment memory d) internal virtual {
        HubConfig memory cfg = hubConfig();
        IERC20 token = IERC20(d.token);
        ExpropriationVault vault = new ExpropriationVault(token, d.timelock);
        // The whitelist and the factory name each other: the whitelist gets the factory's address before it exists.
        // Next come the whitelist, the implementation, then the factory (the deployer's next three nonces).
        address factoryAddress = vm.computeCreateAddress(d.deployer, vm.getNonce(d.deployer) + 2);
        Whitelist whitelist =
            new Whitelist(token, d.timelock, factoryAddress, cfg.ratingMinimumStake, cfg.ratingLockPeriod);
        // The wallets let only the market move deal bonds: `d.market` is its address, computed before it exists.
        HubWallet implementation = new HubWallet(
            token, IWhitelist(address(whitelist)), IExpropriationVault(address(vault)), d.timelock, d.market
        );
        // Reverts (HubFactoryWhitelistMismatch) if the address computed above was wrong.
        HubFactory factory = new HubFactory(implementation, cfg.hub);
        d.vault = address(vault);
        d.whitelist = address(whitelist);
        d.hubWalletImplementation = address(implementation);
        d.hubFactory = address(factory);
    }

    /// @notice The hub economy's terms: the defaults of docs/protocol.md ("HubFactory"), each overridable by an
    /// environment variable.
    function hubConfig() public view returns (HubConfig memory cfg) {
        cfg.hub = HubParameters({
            registrationFreeze: SafeCast.toUint96(vm.envOr("SONM_HUB_REGISTRATION_FREEZE", uint256(1 ether))),
            lockBps: SafeCast.toUint16(vm.envOr("SONM_HUB_LOCK_BPS", uint256(3000))),
            daoFeeBps: SafeCast.toUint16(vm.envOr("SONM_HUB_DAO_FEE_BPS", uint256(50))),
            payoutPeriod: SafeCast.toUint32(vm.envOr("SONM_HUB_PAYOUT_PERIOD", uint256(30 days))),
            suspicionPeriod: SafeCast.toUint32(vm.envOr("SONM_HUB_SUSPICION_PERIOD", uint256(120 days))),
            expropriationFreeze: SafeCast.toUint32(vm.envOr("SONM_HUB_EXPROPRIATION_FREEZE", uint256(60 days))),
            // Longer than the production governance latency (1 + 7 + 2 days): docs/protocol.md, "PayDay cool-down".
            payDayCoolDown: SafeCast.toUint32(vm.envOr("SONM_HUB_PAYDAY_COOL_DOWN", uint256(14 days)))
        });
        cfg.ratingMinimumStake = vm.envOr("SONM_RATING_MINIMUM_STAKE", uint256(10 ether));
        cfg.ratingLockPeriod = vm.envOr("SONM_RATING_LOCK_PERIOD", uint256(30 days));
    }
}
