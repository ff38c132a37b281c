// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deployment} from "./Deployment.sol";
import {Script} from "forge-std/Script.sol";

/// @notice The map tasks' part of the deploy definition: the MapGame and its example computations.
abstract contract MapGameDeployer is Script {
    /// @dev Called while broadcasting as the deployer, after the hub economy and the judge exist. Fills the map-game
    /// fields of `d`.
    function _deployMapGame(Deployment memory d) internal virtual {}
}
