// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deployment} from "./Deployment.sol";
import {Script} from "forge-std/Script.sol";

/// @notice The verification game's part of the deploy definition: the game and the example computations.
abstract contract GameDeployer is Script {
    /// @dev Called while broadcasting as the deployer, after the hub economy exists. Fills the game fields of `d`.
    function _deployGame(Deployment memory d) internal virtual {}
}
