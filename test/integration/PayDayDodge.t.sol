// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../contracts/hub/HubWallet.sol";
import {HubState, IHubWallet} from "../../contracts/interfaces/IHubWallet.sol";
import {BaseTest} from "../utils/BaseTest.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/// @notice Soundness rule 3 (docs/protocol.md, "PayDay cool-down"): a hub that drains itself through `pay` and sees
/// the DAO's suspicion coming cannot dodge it with PayDay. Played through the real Governor and timelock with the
/// production durations (voting delay 1 day, voting period 7 days, timelock 2 days).
contract PayDayDodgeTest is BaseTest {
    HubWallet internal hub;

    /// The attacker's side wallets, paid as if they were miners.
    address internal sybilA = makeAddr("sybilA");
    address internal sybilB = makeAddr("sybilB");

    uint256 internal constant DEPOSIT = 1000 ether;

    function setUp() public override {
        super.setUp();
        fund(alice, SUPPLY / 10);
        vm.prank(alice);
        token.delegate(alice);
        skip(1);
        hub = createRegisteredHub(hubOwner, DEPOSIT);
    }

    function _suspectCalls()
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        targets[0] = address(hub);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(IHubWallet.suspect, ());
    }

    /// @dev The attack: drain through fake payouts, then PayDay the moment the period ends (the suspicion is pending
    /// in the Governor), then try to take the lock out before the timelock executes.
    function test_Attack_DrainThenPayDayToDodgeSuspicion() public {
        // 1. The hub pays its own addresses as much as the free balance allows (each payout locks 30% on top).
        vm.startPrank(hubOwner);
        hub.pay(sybilA, 380 ether, 0);
        hub.pay(sybilB, 380 ether, 0);
        vm.stopPrank();
        uint256 lock = hub.locked();
        assertEq(lock, 228 ether, "30% of 760 SNM locked");
        vm.prank(sybilA);
        hub.claim();
        vm.prank(sybilB);
        hub.claim();

        // 2. On the last day of the payout period the DAO proposes to suspect the hub.
        vm.warp(hub.payDayAt() - 1 days);
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _suspectCalls();
        string memory description = "Suspect hub: it pays addresses that never worked";
        vm.prank(alice);
        uint256 id = governor.propose(targets, values, calldatas, description);

        // 3. The hub sees it and holds PayDay as soon as it may: Idle, the lock released from `locked`...
        vm.warp(hub.payDayAt());
        vm.prank(hubOwner);
        hub.payDay();
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        (uint256 coolingAmount, uint256 coolingUntil) = hub.cooling();
        uint256 fee = lock * 50 / 10_000;
        assertEq(coolingAmount, lock - fee);

        // ...but it cannot take the lock out: it cools in the wallet past the governance latency.
        uint256 free = hub.freeBalance();
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, free, coolingAmount)
        );
        vm.prank(hubOwner);
        hub.withdraw(coolingAmount);
        // Nor pay it to itself after registering again.
        vm.prank(hubOwner);
        hub.register();
        vm.prank(hubOwner);
        vm.expectRevert();
        hub.pay(sybilA, coolingAmount, 0);

        // 4. The vote goes through and the timelock executes within the cool-down: the hub is Suspected.
        skip(governor.votingDelay() + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        skip(governor.votingPeriod());
        governor.queue(targets, values, calldatas, keccak256(bytes(description)));
        skip(timelock.getMinDelay());
        assertLt(block.timestamp, coolingUntil, "the governance latency fits the cool-down");
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));
        assertEq(uint8(hub.state()), uint8(HubState.Suspected));

        // 5. After the suspicion period the DAO bans it: the lock (and the rest) goes to the vault.
        vm.warp(hub.banAt());
        uint256 held = token.balanceOf(address(hub));
        assertGe(held, coolingAmount, "the whole lock is still in the wallet");
        passProposal(address(hub), abi.encodeCall(IHubWallet.ban, ()), "Ban hub");
        assertEq(uint8(hub.state()), uint8(HubState.Punished));
        assertEq(token.balanceOf(address(vault)), held);

        // The attacker ends poorer: of its 1,000 SNM it got back only what its side wallets claimed.
        uint256 recovered = token.balanceOf(sybilA) + token.balanceOf(sybilB) + token.balanceOf(hubOwner);
        assertEq(recovered, 760 ether);
        assertEq(DEPOSIT - recovered, held + fee, "it lost the lock, the freeze and the rest to the vault and the fee");
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Executed));
    }

    /// @dev The honest counterpart: a hub that holds PayDay with nobody suspecting it gets its lock once it cooled.
    function test_PayDay_HonestHubWithdrawsAfterTheCoolDown() public {
        vm.prank(hubOwner);
        hub.pay(carol, 100 ether, 0);
        vm.warp(hub.payDayAt());
        vm.prank(hubOwner);
        hub.payDay();
        (, uint256 coolingUntil) = hub.cooling();
        vm.warp(coolingUntil);
        uint256 free = hub.freeBalance();
        assertEq(free, DEPOSIT - 100 ether - 30 ether * 50 / 10_000);
        vm.prank(hubOwner);
        hub.withdraw(free);
        assertEq(token.balanceOf(hubOwner), free);
    }
}
