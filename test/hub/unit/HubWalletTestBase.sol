// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubState} from "../../../contracts/interfaces/IHubWallet.sol";
import {BaseTest} from "../../utils/BaseTest.sol";

/// @notice A hub wallet brought into any state of its machine.
abstract contract HubWalletTestBase is BaseTest {
    uint256 internal constant DEPOSIT = 100 ether;
    uint256 internal constant FREEZE = 1 ether;
    /// @dev What `hubIn` pays alice on the way to Idle, Suspected and Punished.
    uint256 internal constant PAYOUT = 10 ether;
    uint256 internal constant PAYOUT_LOCK = 3 ether;

    HubWallet internal hub;

    /// @dev A hub with DEPOSIT SNM, brought to `s`: Idle and Suspected after paying alice PAYOUT, Idle through PayDay
    /// and past its cool-down (see `hubCooling` for an Idle hub whose PayDay funds still cool), Punished through a ban.
    function hubIn(HubState s) internal returns (HubWallet h) {
        h = createHub(hubOwner, "hub.example.org:15010", "hub");
        fund(address(h), DEPOSIT);
        if (s == HubState.Created) return h;
        vm.prank(hubOwner);
        h.register();
        if (s == HubState.Registered) return h;
        vm.prank(hubOwner);
        h.pay(alice, PAYOUT, 0);
        if (s == HubState.Idle) {
            skip(30 days);
            vm.prank(hubOwner);
            h.payDay();
            skip(h.parameters().payDayCoolDown);
            return h;
        }
        asDao();
        h.suspect();
        if (s == HubState.Suspected) return h;
        skip(120 days);
        asDao();
        h.ban();
    }

    /// @dev A hub that paid alice PAYOUT and held PayDay just now: Idle, its PAYOUT_LOCK minus the DAO's fee cooling.
    function hubCooling() internal returns (HubWallet h) {
        h = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        h.pay(alice, PAYOUT, 0);
        skip(30 days);
        vm.prank(hubOwner);
        h.payDay();
    }

    function _bit(HubState s) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }
}
