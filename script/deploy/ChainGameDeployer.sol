// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deployment} from "./Deployment.sol";
import {Script} from "forge-std/Script.sol";

/// @notice The chain tasks' part of the deploy definition: the ChainGame and its example computations.
abstract contract ChainGameDeployer is Script {
    /// @dev Called while broadcasting as the deployer, after the hub economy and the judge exist. Fills the chain-game
    /// fields of `d`.
    function _deployChainGame(Deployment memory d) internal virtual {}
}
