// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deployment} from "./Deployment.sol";
import {Script} from "forge-std/Script.sol";

/// @notice The hub economy's part of the deploy definition: vault, whitelist, HubWallet implementation, factory.
abstract contract HubDeployer is Script {
    /// @dev Called while broadcasting as the deployer, after governance exists and while the deployer is still the
    /// timelock's admin. Fills the hub fields of `d`.
    function _deployHubs(Deployment memory d) internal virtual {}
}
