// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubParameters} from "../../contracts/interfaces/IHubWallet.sol";
import {BaseTest} from "../utils/BaseTest.sol";

/// @notice The deploy definition wires the market and leaves the deployer with no role anywhere.
contract DeploymentTest is BaseTest {
    function test_Deploy_TokenSupplyToHolder() public view {
        assertEq(token.totalSupply(), SUPPLY);
        assertEq(token.balanceOf(treasury), SUPPLY);
        assertEq(token.symbol(), "SNM");
        assertEq(token.decimals(), 18);
    }

    function test_Deploy_GovernorUsesConfig() public view {
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT);
        assertEq(timelock.getMinDelay(), TIMELOCK_DELAY);
        assertEq(address(governor.token()), address(token));
        assertEq(governor.timelock(), address(timelock));
    }

    function test_Deploy_TimelockRoles() public view {
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), address(governor)));
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), address(governor)));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)), "anyone executes");
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)), "self-administered");
    }

    function test_Deploy_DeployerHasNoRole() public view {
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), deployer));
        assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), deployer));
        assertFalse(timelock.hasRole(timelock.CANCELLER_ROLE(), deployer));
        assertFalse(timelock.hasRole(timelock.EXECUTOR_ROLE(), deployer));
        assertEq(token.balanceOf(deployer), 0);
    }

    function test_Deploy_HubEconomyGovernedByTimelock() public view {
        assertEq(vault.dao(), address(timelock));
        assertEq(whitelist.dao(), address(timelock));
        assertEq(factory.dao(), address(timelock));
        assertEq(hubWalletImplementation.dao(), address(timelock));
        assertEq(address(vault.token()), address(token));
        assertEq(address(whitelist.token()), address(token));
        assertEq(address(hubWalletImplementation.token()), address(token));
    }

    function test_Deploy_HubEconomyWired() public view {
        assertEq(whitelist.factory(), address(factory));
        assertEq(address(factory.whitelist()), address(whitelist));
        assertEq(address(factory.implementation()), address(hubWalletImplementation));
        assertEq(address(hubWalletImplementation.whitelist()), address(whitelist));
        assertEq(address(hubWalletImplementation.vault()), address(vault));
        // The implementation owns itself, so nobody can initialise or operate it.
        assertEq(hubWalletImplementation.owner(), address(hubWalletImplementation));
    }

    function test_Deploy_DesignDefaults() public view {
        HubParameters memory p = factory.parameters();
        assertEq(p.registrationFreeze, 1 ether);
        assertEq(p.lockBps, 3000);
        assertEq(p.daoFeeBps, 50);
        assertEq(p.payoutPeriod, 30 days);
        assertEq(p.suspicionPeriod, 120 days);
        assertEq(p.expropriationFreeze, 60 days);
        assertEq(p.payDayCoolDown, 14 days);
        assertEq(whitelist.minimumStake(), 10 ether);
        assertEq(whitelist.ratingLockPeriod(), 30 days);
    }
}
