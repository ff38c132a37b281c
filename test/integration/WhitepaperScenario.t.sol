// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../contracts/hub/HubWallet.sol";
import {HubState, IHubWallet} from "../../contracts/interfaces/IHubWallet.sol";
import {BaseTest} from "../utils/BaseTest.sol";

/// @notice The whitepaper's scenario, step by step: a hub deposits 100 SNM, registers (1 SNM frozen), pays three
/// miners who claim, then tries to drain itself through `pay` to an address it controls. It ends with at least 30%
/// of all its payouts plus the 1 SNM still in the wallet; after 30 days PayDay sends 0.5% of the locked funds to the
/// DAO and the hub withdraws the rest.
contract WhitepaperScenarioTest is BaseTest {
    HubWallet internal hub;
    address internal sockPuppet;
    uint256 internal totalPaid;

    function test_WhitepaperScenario() public {
        _depositAndRegister();
        _payThreeMiners();
        _tryToDrain();
        _payDayAndWithdraw();
    }

    function _depositAndRegister() internal {
        // The hub's owner creates its wallet, deposits 100 SNM and registers.
        fund(hubOwner, 100 ether);
        vm.prank(hubOwner);
        hub = HubWallet(address(factory.createHub("pool.sonm.example:15010", "whitepaper hub")));
        vm.prank(hubOwner);
        assertTrue(token.transfer(address(hub), 100 ether));
        vm.prank(hubOwner);
        hub.register();
        assertEq(hub.frozen(), 1 ether, "1 SNM frozen");
        assertEq(hub.freeBalance(), 99 ether);
    }

    function _payThreeMiners() internal {
        // It pays three miners, who pull their pay.
        address[3] memory miners = [alice, bob, carol];
        uint256[3] memory pays = [uint256(10 ether), 20 ether, 5 ether];
        for (uint256 i; i < 3; ++i) {
            vm.prank(hubOwner);
            hub.pay(miners[i], pays[i], 0);
            totalPaid += pays[i];
        }
        assertEq(hub.locked(), 10.5 ether, "30% of 35 SNM");
        for (uint256 i; i < 3; ++i) {
            vm.prank(miners[i]);
            hub.claim();
            assertEq(token.balanceOf(miners[i]), pays[i]);
        }
    }

    function _tryToDrain() internal {
        // It tries to drain itself: it pays everything it can to an address it controls, which claims it, until not
        // even 1 wei can be paid.
        sockPuppet = eve;
        while (true) {
            uint256 free = hub.freeBalance();
            // The largest x with x + ceil(30% of x) <= free.
            uint256 x = free * 10_000 / 13_000;
            while (x != 0 && x + hub.lockFor(x) > free) {
                --x;
            }
            if (x == 0) break;
            vm.prank(hubOwner);
            hub.pay(sockPuppet, x, 0);
            vm.prank(sockPuppet);
            hub.claim();
            totalPaid += x;
        }
        vm.expectRevert();
        vm.prank(hubOwner);
        hub.pay(sockPuppet, 1, 0);

        // What stays behind: at least 30% of every payout, plus the freeze.
        uint256 held = token.balanceOf(address(hub));
        assertGe(held, totalPaid * 30 / 100 + 1 ether, "30% of all payouts + 1 SNM stay in the wallet");
        assertEq(hub.locked(), hub.lockFor(totalPaid) + (hub.locked() - hub.lockFor(totalPaid)));
        assertGe(hub.locked() * 10_000, totalPaid * 3000, "the lock never rounds in the hub's favour");
        emit log_named_decimal_uint("paid out", totalPaid, 18);
        emit log_named_decimal_uint("left in the wallet", held, 18);
    }

    function _payDayAndWithdraw() internal {
        uint256 held = token.balanceOf(address(hub));
        // Until PayDay, nothing else leaves.
        vm.expectRevert();
        vm.prank(hubOwner);
        hub.withdraw(1);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletPayoutPeriodNotOver.selector, hub.payDayAt()));
        vm.prank(hubOwner);
        hub.payDay();

        // After 30 days, PayDay: 0.5% of the locked funds to the DAO, the rest back to the hub.
        skip(30 days);
        uint256 locked = hub.locked();
        uint256 fee = (locked * 50 + 9999) / 10_000;
        vm.prank(hubOwner);
        hub.payDay();
        assertEq(token.balanceOf(address(timelock)), fee, "0.5% of the locked funds, rounded up");
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        // What was locked cools for 14 days (within the DAO's reach), then it is free too.
        assertEq(hub.freeBalance(), held - locked, "the lock cools");
        skip(hub.parameters().payDayCoolDown);
        uint256 rest = hub.freeBalance();
        assertEq(rest, held - fee);
        uint256 ownerBefore = token.balanceOf(hubOwner);
        vm.prank(hubOwner);
        hub.withdraw(rest);
        assertEq(token.balanceOf(hubOwner) - ownerBefore, rest);
        assertEq(token.balanceOf(address(hub)), 0);

        // Every SNM is accounted for.
        assertEq(
            token.balanceOf(alice) + token.balanceOf(bob) + token.balanceOf(carol) + token.balanceOf(sockPuppet)
                + token.balanceOf(hubOwner) + token.balanceOf(address(timelock)),
            100 ether
        );
    }
}
