// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubParameters, HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {BaseTest} from "../../utils/BaseTest.sol";

/// @notice The lock arithmetic and the free balance, for amounts from 1 wei to the whole supply: rounding is never
/// in the hub's favour.
contract HubWalletLockFuzzTest is BaseTest {
    uint256 internal constant FREEZE = 1 ether;

    /// @dev A registered hub holding exactly `deposit`.
    function _hubWith(uint256 deposit) internal returns (HubWallet hub) {
        hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        fund(address(hub), deposit);
        vm.prank(hubOwner);
        hub.register();
    }

    /// @dev 30% rounded up, computed independently of the wallet.
    function _lockFor(uint256 amount) internal pure returns (uint256) {
        return (amount * 3000 + 9999) / 10_000;
    }

    /// @dev The lock is 30% of the amount rounded up: never less than 30%, less than 1 wei more.
    function testFuzz_LockFor_RoundsUp(uint256 amount) public {
        amount = bound(amount, 1, SUPPLY);
        HubWallet hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        uint256 lock = hub.lockFor(amount);
        assertEq(lock, _lockFor(amount));
        assertGe(lock * 10_000, amount * 3000, "at least 30%");
        assertLt((lock - 1) * 10_000, amount * 3000, "the smallest such lock");
        assertGe(lock, 1, "even 1 wei locks something");
    }

    /// @dev The same rule for any lock fraction the DAO may set, 0 to 100%.
    function testFuzz_LockFor_AnyFractionRoundsUp(uint256 amount, uint16 lockBps) public {
        amount = bound(amount, 1, SUPPLY);
        lockBps = uint16(bound(lockBps, 0, 10_000));
        HubParameters memory p = defaultParameters();
        p.lockBps = lockBps;
        asDao();
        factory.setParameters(p);
        HubWallet hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        uint256 lock = hub.lockFor(amount);
        assertGe(lock * 10_000, amount * lockBps);
        if (lock != 0) assertLt((lock - 1) * 10_000, amount * lockBps);
    }

    /// @dev A payout that the free balance exactly covers succeeds; one wei less of free balance refuses it.
    function testFuzz_Pay_ExactlyCoveredOrRefused(uint256 amount) public {
        // Two hubs get funded below: each gets at most half the supply.
        amount = bound(amount, 1, (SUPPLY / 2 - FREEZE) * 10 / 13 - 1);
        uint256 required = amount + _lockFor(amount);

        HubWallet short = _hubWith(FREEZE + required - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, required - 1, required)
        );
        vm.prank(hubOwner);
        short.pay(alice, amount, 0);

        HubWallet exact = _hubWith(FREEZE + required);
        vm.prank(hubOwner);
        exact.pay(alice, amount, 0);
        assertEq(exact.freeBalance(), 0);
        assertEq(exact.owed(alice), amount);
        assertEq(exact.locked(), required - amount);
    }

    /// @dev After any payouts and claims: free = balance − locked − freeze − owed, and the balance covers them all.
    function testFuzz_FreeBalance_IsWhatIsLeft(uint256 deposit, uint256[4] memory amounts, uint8 claims) public {
        deposit = bound(deposit, FREEZE, SUPPLY);
        HubWallet hub = _hubWith(deposit);
        address[4] memory miners = [alice, bob, carol, eve];
        uint256 paid;
        for (uint256 i; i < 4; ++i) {
            uint256 free = hub.freeBalance();
            if (free < 2) break;
            uint256 amount = bound(amounts[i], 1, free * 10 / 13);
            if (amount + hub.lockFor(amount) > free) continue;
            vm.prank(hubOwner);
            hub.pay(miners[i], amount, 0);
            paid += amount;
            if ((uint256(claims) >> i) & 1 == 1) {
                vm.prank(miners[i]);
                hub.claim();
            }
        }
        uint256 balance = token.balanceOf(address(hub));
        assertEq(hub.freeBalance(), balance - hub.locked() - FREEZE - hub.totalOwed());
        assertGe(hub.locked() * 10_000, paid * 3000, "30% of everything paid stays locked");
        assertGe(balance, hub.locked() + FREEZE + hub.totalOwed());
    }

    /// @dev The DAO's fee is 0.5% of the locked funds rounded up, and the hub gets exactly the rest.
    function testFuzz_PayDay_FeeRoundsUp(uint256 amount) public {
        amount = bound(amount, 1, (SUPPLY - FREEZE) * 10 / 13 - 1);
        HubWallet hub = _hubWith(SUPPLY);
        uint256 lock = hub.lockFor(amount);
        vm.prank(hubOwner);
        hub.pay(alice, amount, 0);
        skip(30 days);
        vm.prank(hubOwner);
        hub.payDay();
        uint256 fee = token.balanceOf(address(timelock));
        assertGe(fee * 10_000, lock * 50, "at least 0.5%");
        if (fee != 0) assertLt((fee - 1) * 10_000, lock * 50, "the smallest such fee");
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        assertEq(hub.freeBalance(), SUPPLY - amount - lock, "the lock cools, minus the fee");
        skip(hub.parameters().payDayCoolDown);
        assertEq(hub.freeBalance(), SUPPLY - fee - amount, "the freeze is lifted too");
    }

    /// @dev Whatever the amount, a hub that drains itself through `pay` leaves 30% of it and the freeze behind.
    function testFuzz_DrainThroughPay_LeavesThirtyPercentAndTheFreeze(uint256 deposit) public {
        deposit = bound(deposit, FREEZE + 2, SUPPLY);
        HubWallet hub = _hubWith(deposit);
        uint256 paid;
        for (uint256 round; round < 3; ++round) {
            uint256 free = hub.freeBalance();
            uint256 x = free * 10_000 / 13_000;
            while (x != 0 && x + hub.lockFor(x) > free) {
                --x;
            }
            if (x == 0) break;
            vm.prank(hubOwner);
            hub.pay(eve, x, 0);
            vm.prank(eve);
            hub.claim();
            paid += x;
        }
        assertGe(token.balanceOf(address(hub)) * 10_000, paid * 3000 + FREEZE * 10_000);
    }
}
