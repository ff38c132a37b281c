// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BaseTest} from "../utils/BaseTest.sol";

/// @notice Every contract the deploy definition creates fits EIP-170's 24,576 bytes, so the deployment works on any
/// chain (tests alone would not notice: forge does not enforce the limit). The margins are recorded.
contract CodeSizeTest is BaseTest {
    uint256 internal constant EIP170_LIMIT = 24_576;

    function _check(string memory name, address at) internal {
        uint256 size = at.code.length;
        vm.snapshotValue("CodeSize", name, size);
        assertLe(size, EIP170_LIMIT, name);
    }

    function test_EveryDeployedContractFitsEip170() public {
        _check("MapGame", d.mapGame);
        _check("ChainGame", d.chainGame);
        _check("Market", d.market);
        _check("HubWallet", d.hubWalletImplementation);
        _check("HubFactory", d.hubFactory);
        _check("Whitelist", d.whitelist);
        _check("SonmGovernor", d.governor);
        _check("ComputationRegistry", d.computationRegistry);
    }
}
