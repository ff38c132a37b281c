// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";

/// @notice The deployment profile, read once for every part of the deploy definition: `SONM_PROFILE` is `local`
/// (short durations, for anvil) or `production`; unset, it is `local` on chain 31337 and `production` elsewhere.
abstract contract DeployProfile is Script {
    uint256 internal constant LOCAL_CHAIN_ID = 31_337;

    /// @dev True for the `local` profile; reverts with a readable message on any other value than the two profiles.
    function _localProfile() internal view returns (bool) {
        string memory profile = vm.envOr("SONM_PROFILE", block.chainid == LOCAL_CHAIN_ID ? "local" : "production");
        bytes32 h = keccak256(bytes(profile));
        if (h == keccak256("local")) return true;
        if (h == keccak256("production")) return false;
        revert(string.concat("SONM_PROFILE must be `local` or `production`, got `", profile, "`"));
    }
}
