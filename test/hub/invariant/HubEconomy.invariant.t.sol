// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubState} from "../../../contracts/interfaces/IHubWallet.sol";
import {IWhitelist} from "../../../contracts/interfaces/IWhitelist.sol";
import {BaseTest} from "../../utils/BaseTest.sol";
import {HubHandler} from "./handlers/HubHandler.sol";

/// @notice What must hold whatever hubs, miners, the DAO and strangers do, in any order.
contract HubEconomyInvariantTest is BaseTest {
    HubHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new HubHandler(token, factory, vault, whitelist, address(timelock), treasury);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = HubHandler.deposit.selector;
        selectors[1] = HubHandler.register.selector;
        selectors[2] = HubHandler.pay.selector;
        selectors[3] = HubHandler.claim.selector;
        selectors[4] = HubHandler.payDay.selector;
        selectors[5] = HubHandler.withdraw.selector;
        selectors[6] = HubHandler.suspect.selector;
        selectors[7] = HubHandler.rehab.selector;
        selectors[8] = HubHandler.ban.selector;
        selectors[9] = HubHandler.warp.selector;
        selectors[10] = HubHandler.release.selector;
        selectors[11] = HubHandler.rate.selector;
        selectors[12] = HubHandler.withdrawRating.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_TotalSupplyConstant() public view {
        assertEq(token.totalSupply(), SUPPLY);
    }

    /// @dev While Registered: balance ≥ owed + locked + registration freeze; in every state but Punished: ≥ owed.
    function invariant_BalanceCoversObligations() public view {
        for (uint256 i; i < handler.hubCount(); ++i) {
            HubWallet hub = handler.hubs(i);
            uint256 balance = token.balanceOf(address(hub));
            HubState s = hub.state();
            if (s == HubState.Registered) {
                assertGe(balance, hub.totalOwed() + hub.locked() + hub.parameters().registrationFreeze);
            }
            if (s != HubState.Punished) assertGe(balance, hub.totalOwed());
        }
    }

    function invariant_OnlyTheTimelockSuspectsOrBans() public view {
        assertEq(handler.ghostUnauthorizedTransitions(), 0);
    }

    /// @dev A Punished wallet never moves a token again: it holds exactly what was sent to it after the ban.
    function invariant_PunishedWalletNeverMovesATokenAgain() public view {
        for (uint256 i; i < handler.hubCount(); ++i) {
            HubWallet hub = handler.hubs(i);
            if (hub.state() == HubState.Punished) {
                assertEq(token.balanceOf(address(hub)), handler.ghostInflowAfterBan(address(hub)));
            }
        }
    }

    function invariant_VaultNeverReleasesEarly() public view {
        assertEq(handler.ghostEarlyReleases(), 0);
        assertEq(token.balanceOf(address(vault)), vault.totalFrozen(), "the vault holds exactly what is frozen");
    }

    /// @dev The whitelist mirrors each wallet's state.
    function invariant_WhitelistMirrorsTheWallets() public view {
        uint256 registered;
        for (uint256 i; i < handler.hubCount(); ++i) {
            HubWallet hub = handler.hubs(i);
            HubState s = hub.state();
            assertEq(uint8(whitelist.record(address(hub)).status), uint8(s));
            assertEq(whitelist.isActive(address(hub)), s == HubState.Registered);
            if (s == HubState.Registered) ++registered;
        }
        assertEq(whitelist.activeHubCount(), registered);
    }

    /// @dev The whitelist holds exactly the live ratings' stakes, and each hub's rating is a weighted average of
    /// scores from 0 to MAX_SCORE (in hundredths).
    function invariant_WhitelistHoldsTheLiveStakes() public view {
        assertEq(token.balanceOf(address(whitelist)), handler.ghostStakes());
        uint256 staked;
        for (uint256 i; i < handler.hubCount(); ++i) {
            IWhitelist.HubRecord memory r = whitelist.record(address(handler.hubs(i)));
            staked += r.ratingStake;
            assertLe(r.rating, uint256(whitelist.MAX_SCORE()) * 100);
        }
        assertEq(staked, handler.ghostStakes());
    }

    /// @dev Logs how often each action went through (run with -vv), to see that the runs reach every state.
    function afterInvariant() external {
        string[11] memory actions = [
            "register",
            "pay",
            "claim",
            "payDay",
            "withdraw",
            "suspect",
            "rehab",
            "ban",
            "release",
            "rate",
            "withdrawRating"
        ];
        for (uint256 i; i < actions.length; ++i) {
            emit log_named_string(
                actions[i],
                string.concat(
                    vm.toString(handler.successes(actions[i])), " of ", vm.toString(handler.calls(actions[i]))
                )
            );
        }
    }
}
