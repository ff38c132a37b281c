// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {IExpropriationVault} from "../../../contracts/interfaces/IExpropriationVault.sol";
import {HubParameters, HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {IWhitelist} from "../../../contracts/interfaces/IWhitelist.sol";
import {HubWalletTestBase} from "./HubWalletTestBase.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @notice Every row of the HubWallet table in docs/protocol.md ("HubWallet"), its callers and its amounts.
contract HubWalletTest is HubWalletTestBase {
    /*//////////////////////////////////////////////////////////////
                               INITIALISER
    //////////////////////////////////////////////////////////////*/

    function test_Initialize_SnapshotsOwnerAndTerms() public {
        hub = hubIn(HubState.Created);
        assertEq(hub.owner(), hubOwner);
        assertEq(uint8(hub.state()), uint8(HubState.Created));
        assertEq(abi.encode(hub.parameters()), abi.encode(defaultParameters()));
        assertEq(address(hub.token()), address(token));
        assertEq(address(hub.whitelist()), address(whitelist));
        assertEq(address(hub.vault()), address(vault));
        assertEq(hub.dao(), address(timelock));
    }

    function test_RevertWhen_InitializeTwice() public {
        hub = hubIn(HubState.Created);
        HubParameters memory p = defaultParameters();
        vm.expectRevert(IHubWallet.HubWalletAlreadyInitialized.selector);
        vm.prank(eve);
        hub.initialize(eve, p);
    }

    function test_RevertWhen_InitializeImplementation() public {
        HubParameters memory p = defaultParameters();
        vm.expectRevert(IHubWallet.HubWalletAlreadyInitialized.selector);
        hubWalletImplementation.initialize(eve, p);
    }

    function test_RevertWhen_InitializeZeroOwner() public {
        HubWallet clone = HubWallet(Clones.clone(address(hubWalletImplementation)));
        HubParameters memory p = defaultParameters();
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidOwner.selector, address(0)));
        clone.initialize(address(0), p);
    }

    function test_Initialize_EmitsInitialized() public {
        HubWallet clone = HubWallet(Clones.clone(address(hubWalletImplementation)));
        HubParameters memory p = defaultParameters();
        vm.expectEmit(address(clone));
        emit IHubWallet.Initialized(eve, p);
        clone.initialize(eve, p);
    }

    /// @dev A clone nobody made through the factory can be initialised, but the whitelist rejects it.
    function test_RevertWhen_StrayCloneRegisters() public {
        HubWallet clone = HubWallet(Clones.clone(address(hubWalletImplementation)));
        clone.initialize(eve, defaultParameters());
        fund(address(clone), DEPOSIT);
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, address(clone)));
        vm.prank(eve);
        clone.register();
    }

    /*//////////////////////////////////////////////////////////////
                                REGISTER
    //////////////////////////////////////////////////////////////*/

    function test_Register_FromCreated_FreezesRegistrationAmount() public {
        hub = hubIn(HubState.Created);
        vm.expectEmit(address(hub));
        emit IHubWallet.Registered(FREEZE, block.timestamp);
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubStatusChanged(address(hub), HubState.Registered);
        vm.prank(hubOwner);
        hub.register();
        assertEq(uint8(hub.state()), uint8(HubState.Registered));
        assertEq(hub.frozen(), FREEZE);
        assertEq(hub.registeredAt(), block.timestamp);
        assertEq(hub.payDayAt(), block.timestamp + 30 days);
        assertEq(hub.freeBalance(), DEPOSIT - FREEZE);
    }

    function test_Register_EntersActiveList() public {
        hub = hubIn(HubState.Created);
        assertFalse(whitelist.isActive(address(hub)));
        vm.prank(hubOwner);
        hub.register();
        assertTrue(whitelist.isActive(address(hub)));
        IWhitelist.HubRecord memory r = whitelist.record(address(hub));
        assertEq(uint8(r.status), uint8(HubState.Registered));
        assertEq(r.registeredAt, block.timestamp);
    }

    function test_Register_FromIdle_RestartsPayoutPeriod() public {
        hub = hubIn(HubState.Idle);
        skip(5 days);
        vm.prank(hubOwner);
        hub.register();
        assertEq(uint8(hub.state()), uint8(HubState.Registered));
        assertEq(hub.registeredAt(), block.timestamp);
        assertEq(hub.frozen(), FREEZE);
        assertTrue(whitelist.isActive(address(hub)));
    }

    function test_Register_LaterDepositDoesNotChangeFreeze() public {
        hub = hubIn(HubState.Registered);
        fund(address(hub), 1000 ether);
        assertEq(hub.frozen(), FREEZE);
        assertEq(hub.freeBalance(), DEPOSIT + 1000 ether - FREEZE);
    }

    function test_Register_WithExactlyTheFreeze() public {
        hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        fund(address(hub), FREEZE);
        vm.prank(hubOwner);
        hub.register();
        assertEq(hub.freeBalance(), 0);
    }

    function test_RevertWhen_RegisterWithoutTheFreeze() public {
        hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        fund(address(hub), FREEZE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, FREEZE - 1, FREEZE)
        );
        vm.prank(hubOwner);
        hub.register();
    }

    /// @dev What the wallet owes its miners is not the hub's to freeze.
    function test_RevertWhen_RegisterWithOnlyOwedFunds() public {
        hub = createRegisteredHub(hubOwner, 14 ether);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0); // 10 owed + 3 locked + 1 frozen = 14
        skip(30 days);
        vm.prank(hubOwner);
        hub.payDay(); // fee 0.015 SNM leaves 13.985, 10 of it owed
        skip(hub.parameters().payDayCoolDown);
        vm.prank(hubOwner);
        hub.withdraw(3 ether);
        // 10.985 held, 10 owed: 0.985 free, below the freeze
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 0.985 ether, FREEZE)
        );
        vm.prank(hubOwner);
        hub.register();
    }

    function test_RevertWhen_RegisterCallerNeitherOwnerNorOperator() public {
        hub = hubIn(HubState.Created);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotOperator.selector, eve));
        vm.prank(eve);
        hub.register();
    }

    /*//////////////////////////////////////////////////////////////
                                   PAY
    //////////////////////////////////////////////////////////////*/

    function test_Pay_LocksThirtyPercent() public {
        hub = hubIn(HubState.Registered);
        vm.expectEmit(address(hub));
        emit IHubWallet.Paid(alice, 0, 10 ether, 3 ether);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        assertEq(hub.locked(), 3 ether);
        assertEq(hub.owed(alice), 10 ether);
        assertEq(hub.totalOwed(), 10 ether);
        assertEq(hub.freeBalance(), DEPOSIT - FREEZE - 13 ether);
        // Nothing left the wallet: the miner pulls.
        assertEq(token.balanceOf(address(hub)), DEPOSIT);
    }

    function test_Pay_LockAddsToWhatIsLocked() public {
        hub = hubIn(HubState.Registered);
        vm.startPrank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        hub.pay(bob, 20 ether, 0);
        vm.stopPrank();
        assertEq(hub.locked(), 9 ether);
    }

    /// @dev A ledger, not an allowance: a second payout adds to the first.
    function test_Pay_CreditsAddUp() public {
        hub = hubIn(HubState.Registered);
        vm.startPrank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        hub.pay(alice, 5 ether, 0);
        vm.stopPrank();
        assertEq(hub.owed(alice), 15 ether);
        assertEq(hub.totalOwed(), 15 ether);
    }

    function test_Pay_LockRoundsUp() public {
        hub = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        hub.pay(alice, 1, 0);
        assertEq(hub.locked(), 1, "30% of 1 wei locks 1 wei");
        vm.prank(hubOwner);
        hub.pay(alice, 11, 0);
        assertEq(hub.locked(), 1 + 4, "30% of 11 wei (3.3) locks 4");
        assertEq(hub.lockFor(10), 3);
        assertEq(hub.lockFor(0), 0);
    }

    function test_Pay_ExactlyTheFreeBalance() public {
        hub = createRegisteredHub(hubOwner, 14 ether);
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        assertEq(hub.freeBalance(), 0);
    }

    function test_RevertWhen_PayAboveTheFreeBalance() public {
        hub = createRegisteredHub(hubOwner, 14 ether - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 13 ether - 1, 13 ether)
        );
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
    }

    /// @dev The free balance excludes what is already owed and locked.
    function test_RevertWhen_PayWithFundsAlreadyCommitted() public {
        hub = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        hub.pay(alice, 50 ether, 0); // 65 committed, 1 frozen: 34 free
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 34 ether, 39 ether)
        );
        vm.prank(hubOwner);
        hub.pay(bob, 30 ether, 0);
    }

    function test_RevertWhen_PayZero() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(IHubWallet.HubWalletZeroAmount.selector);
        vm.prank(hubOwner);
        hub.pay(alice, 0, 0);
    }

    function test_RevertWhen_PayZeroAddress() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidMiner.selector, address(0)));
        vm.prank(hubOwner);
        hub.pay(address(0), 1 ether, 0);
    }

    function test_RevertWhen_PayTheWalletItself() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidMiner.selector, address(hub)));
        vm.prank(hubOwner);
        hub.pay(address(hub), 1 ether, 0);
    }

    function test_RevertWhen_PayCallerNeitherOwnerNorOperator() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotOperator.selector, alice));
        vm.prank(alice);
        hub.pay(alice, 1 ether, 0);
    }

    /*//////////////////////////////////////////////////////////////
                                  CLAIM
    //////////////////////////////////////////////////////////////*/

    function test_Claim_InRegistered() public {
        hub = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        hub.pay(alice, PAYOUT, 0);
        vm.expectEmit(address(hub));
        emit IHubWallet.Claimed(alice, PAYOUT);
        vm.prank(alice);
        uint256 claimed = hub.claim();
        assertEq(claimed, PAYOUT);
        assertEq(token.balanceOf(alice), PAYOUT);
        assertEq(hub.owed(alice), 0);
        assertEq(hub.totalOwed(), 0);
        // The lock stays until PayDay.
        assertEq(hub.locked(), PAYOUT_LOCK);
        assertEq(token.balanceOf(address(hub)), DEPOSIT - PAYOUT);
    }

    function test_Claim_InIdle() public {
        hub = hubIn(HubState.Idle);
        vm.prank(alice);
        hub.claim();
        assertEq(token.balanceOf(alice), PAYOUT);
    }

    /// @dev Created is in claim's row; nothing can be owed yet, so the state check passes and the ledger refuses.
    function test_Claim_InCreatedPassesTheStateCheck() public {
        hub = hubIn(HubState.Created);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNothingOwed.selector, alice));
        vm.prank(alice);
        hub.claim();
    }

    function test_Claim_AfterRehab() public {
        hub = hubIn(HubState.Suspected);
        asDao();
        hub.rehab();
        vm.prank(alice);
        hub.claim();
        assertEq(token.balanceOf(alice), PAYOUT);
    }

    function test_RevertWhen_ClaimNothingOwed() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNothingOwed.selector, bob));
        vm.prank(bob);
        hub.claim();
    }

    function test_RevertWhen_ClaimTwice() public {
        hub = hubIn(HubState.Idle);
        vm.prank(alice);
        hub.claim();
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNothingOwed.selector, alice));
        vm.prank(alice);
        hub.claim();
    }

    /*//////////////////////////////////////////////////////////////
                                 PAYDAY
    //////////////////////////////////////////////////////////////*/

    function test_PayDay_SendsFeeToDaoAndUnlocks() public {
        hub = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        hub.pay(alice, PAYOUT, 0);
        skip(30 days);
        uint256 fee = PAYOUT_LOCK * 50 / 10_000; // 0.015 SNM, exact
        vm.expectEmit(address(hub));
        emit IHubWallet.PayDayHeld(fee, PAYOUT_LOCK, block.timestamp + 14 days);
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubStatusChanged(address(hub), HubState.Idle);
        vm.prank(hubOwner);
        hub.payDay();
        assertEq(token.balanceOf(address(timelock)), fee);
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        assertEq(hub.locked(), 0);
        assertEq(hub.frozen(), 0, "the registration freeze is lifted too");
        (uint256 coolingAmount, uint256 coolingUntil) = hub.cooling();
        assertEq(coolingAmount, PAYOUT_LOCK - fee, "what was locked cools, minus the fee");
        assertEq(coolingUntil, block.timestamp + 14 days);
        assertEq(hub.freeBalance(), DEPOSIT - PAYOUT - PAYOUT_LOCK, "cooling funds are not free");
        assertEq(hub.owed(alice), PAYOUT, "miners stay owed");
        assertFalse(whitelist.isActive(address(hub)));
        // Once the cool-down is over the unlocked funds are free.
        vm.warp(coolingUntil);
        (coolingAmount,) = hub.cooling();
        assertEq(coolingAmount, 0);
        assertEq(hub.freeBalance(), DEPOSIT - fee - PAYOUT);
    }

    function test_PayDay_FeeRoundsUp() public {
        hub = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        hub.pay(alice, 1, 0); // locks 1 wei
        skip(30 days);
        vm.prank(hubOwner);
        hub.payDay();
        assertEq(token.balanceOf(address(timelock)), 1, "0.5% of 1 wei is 1 wei");
    }

    function test_PayDay_NothingLockedNoFee() public {
        hub = hubIn(HubState.Registered);
        skip(30 days);
        vm.expectEmit(address(hub));
        emit IHubWallet.PayDayHeld(0, 0, block.timestamp + 14 days);
        vm.prank(hubOwner);
        hub.payDay();
        assertEq(token.balanceOf(address(timelock)), 0);
        assertEq(hub.freeBalance(), DEPOSIT);
    }

    function test_PayDay_AtTheEndOfThePeriod() public {
        hub = hubIn(HubState.Registered);
        vm.warp(hub.payDayAt());
        vm.prank(hubOwner);
        hub.payDay();
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
    }

    function test_RevertWhen_PayDayBeforeTheEndOfThePeriod() public {
        hub = hubIn(HubState.Registered);
        uint256 payDayAt = hub.payDayAt();
        vm.warp(payDayAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletPayoutPeriodNotOver.selector, payDayAt));
        vm.prank(hubOwner);
        hub.payDay();
    }

    /*//////////////////////////////////////////////////////////////
                            PAYDAY COOL-DOWN
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_WithdrawCoolingFunds() public {
        hub = hubCooling();
        uint256 free = hub.freeBalance();
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, free, free + 1));
        vm.prank(hubOwner);
        hub.withdraw(free + 1);
        vm.prank(hubOwner);
        hub.withdraw(free);
        (uint256 coolingAmount,) = hub.cooling();
        assertEq(token.balanceOf(address(hub)), PAYOUT + coolingAmount, "the owed and the cooling funds stay");
    }

    function test_RevertWhen_PayCoolingFundsAfterRegisteringAgain() public {
        hub = hubCooling();
        vm.prank(hubOwner);
        hub.register();
        // Free: everything but what is owed, cooling and the freeze.
        uint256 free = hub.freeBalance();
        (uint256 coolingAmount,) = hub.cooling();
        assertEq(free, token.balanceOf(address(hub)) - PAYOUT - coolingAmount - 1 ether);
        // Paying x locks 30% on top: the most that can be paid is free / 1.3, never out of the cooling funds.
        uint256 tooMuch = free;
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletInsufficientFreeBalance.selector, free, tooMuch + hub.lockFor(tooMuch)
            )
        );
        vm.prank(hubOwner);
        hub.pay(bob, tooMuch, 0);
    }

    function test_RevertWhen_RegisterOutOfCoolingFunds() public {
        hub = hubCooling();
        // Withdraw every free token: what is left is owed or cooling, so the 1 SNM freeze is not covered.
        uint256 free = hub.freeBalance();
        vm.prank(hubOwner);
        hub.withdraw(free);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 0, 1 ether));
        vm.prank(hubOwner);
        hub.register();
    }

    function test_Suspect_IdleWhileCooling() public {
        hub = hubCooling();
        asDao();
        hub.suspect();
        assertEq(uint8(hub.state()), uint8(HubState.Suspected));
    }

    function test_Suspect_IdleAtTheLastSecondOfTheCoolDown() public {
        hub = hubCooling();
        (, uint256 coolingUntil) = hub.cooling();
        vm.warp(coolingUntil - 1);
        asDao();
        hub.suspect();
        assertEq(uint8(hub.state()), uint8(HubState.Suspected));
    }

    function test_RevertWhen_SuspectIdleAfterTheCoolDown() public {
        hub = hubCooling();
        (, uint256 coolingUntil) = hub.cooling();
        vm.warp(coolingUntil);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotCooling.selector, coolingUntil));
        asDao();
        hub.suspect();
    }

    function test_RevertWhen_SuspectIdleThatNeverHeldPayDay() public {
        // Rehab leaves a hub Idle without a PayDay: nothing cools, so the DAO cannot suspect it again at once.
        hub = hubIn(HubState.Suspected);
        asDao();
        hub.rehab();
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotCooling.selector, 0));
        asDao();
        hub.suspect();
    }

    function test_PayDay_AfterTheCoolDownStartsAFreshOne() public {
        hub = hubCooling();
        vm.prank(hubOwner);
        hub.register();
        vm.prank(hubOwner);
        hub.pay(bob, PAYOUT, 0);
        // PayDay comes 30 days after this registration; the first cool-down (14 days) is long over by then.
        vm.warp(hub.payDayAt());
        (uint256 before,) = hub.cooling();
        assertEq(before, 0);
        vm.prank(hubOwner);
        hub.payDay();
        (uint256 second, uint256 until) = hub.cooling();
        assertEq(second, PAYOUT_LOCK - PAYOUT_LOCK * 50 / 10_000);
        assertEq(until, block.timestamp + 14 days);
    }

    function test_PayDay_CoolingAccumulatesWhenTheHubHurries() public {
        // A payout period shorter than the cool-down: the second PayDay comes while the first one's funds cool.
        HubParameters memory p = factory.parameters();
        p.payoutPeriod = 1 days;
        asDao();
        factory.setParameters(p);
        hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        fund(address(hub), DEPOSIT);
        vm.startPrank(hubOwner);
        hub.register();
        hub.pay(alice, PAYOUT, 0);
        skip(1 days);
        hub.payDay();
        (uint256 first,) = hub.cooling();
        hub.register();
        hub.pay(alice, PAYOUT, 0);
        skip(1 days);
        hub.payDay();
        vm.stopPrank();
        (uint256 both, uint256 until) = hub.cooling();
        assertEq(both, 2 * first, "the second PayDay's funds cool with the first's, until the later end");
        assertEq(until, block.timestamp + 14 days);
    }

    function test_Rehab_EndsTheCooling() public {
        hub = hubCooling();
        asDao();
        hub.suspect();
        asDao();
        hub.rehab();
        (uint256 coolingAmount, uint256 coolingUntil) = hub.cooling();
        assertEq(coolingAmount, 0);
        assertEq(coolingUntil, 0);
        assertEq(hub.freeBalance(), token.balanceOf(address(hub)) - PAYOUT);
    }

    function test_RevertWhen_PayDayCallerNeitherOwnerNorOperator() public {
        hub = hubIn(HubState.Registered);
        skip(30 days);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotOperator.selector, address(timelock)));
        asDao();
        hub.payDay();
    }

    /*//////////////////////////////////////////////////////////////
                                WITHDRAW
    //////////////////////////////////////////////////////////////*/

    function test_Withdraw_FromCreated() public {
        hub = hubIn(HubState.Created);
        vm.expectEmit(address(hub));
        emit IHubWallet.Withdrawn(hubOwner, DEPOSIT);
        vm.prank(hubOwner);
        hub.withdraw(DEPOSIT);
        assertEq(token.balanceOf(hubOwner), DEPOSIT);
        assertEq(token.balanceOf(address(hub)), 0);
    }

    function test_Withdraw_FromIdleEverythingButWhatIsOwed() public {
        hub = hubIn(HubState.Idle);
        uint256 free = hub.freeBalance();
        assertEq(free, token.balanceOf(address(hub)) - PAYOUT);
        vm.prank(hubOwner);
        hub.withdraw(free);
        assertEq(token.balanceOf(address(hub)), PAYOUT);
        // The miner can still pull.
        vm.prank(alice);
        hub.claim();
        assertEq(token.balanceOf(address(hub)), 0);
    }

    function test_RevertWhen_WithdrawWhatIsOwed() public {
        hub = hubIn(HubState.Idle);
        uint256 free = hub.freeBalance();
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, free, free + 1));
        vm.prank(hubOwner);
        hub.withdraw(free + 1);
    }

    function test_RevertWhen_WithdrawZero() public {
        hub = hubIn(HubState.Created);
        vm.expectRevert(IHubWallet.HubWalletZeroAmount.selector);
        vm.prank(hubOwner);
        hub.withdraw(0);
    }

    function test_RevertWhen_WithdrawCallerNotOwner() public {
        hub = hubIn(HubState.Created);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotOwner.selector, eve));
        vm.prank(eve);
        hub.withdraw(1 ether);
    }

    /*//////////////////////////////////////////////////////////////
                                 SUSPECT
    //////////////////////////////////////////////////////////////*/

    function test_Suspect_BlocksAllFunds() public {
        hub = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        hub.pay(alice, PAYOUT, 0);
        vm.expectEmit(address(hub));
        emit IHubWallet.Suspected(block.timestamp);
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubStatusChanged(address(hub), HubState.Suspected);
        asDao();
        hub.suspect();
        assertEq(uint8(hub.state()), uint8(HubState.Suspected));
        assertEq(hub.suspectedAt(), block.timestamp);
        assertEq(hub.banAt(), block.timestamp + 120 days);
        assertFalse(whitelist.isActive(address(hub)));
        // Claims, payouts and withdrawals are all refused.
        bytes32 claimStates = _bit(HubState.Created) | _bit(HubState.Registered) | _bit(HubState.Idle);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletUnexpectedState.selector, HubState.Suspected, claimStates)
        );
        vm.prank(alice);
        hub.claim();
        assertEq(hub.frozen(), FREEZE);
        assertEq(hub.locked(), PAYOUT_LOCK);
    }

    function test_RevertWhen_SuspectCallerNotDao() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotDao.selector, hubOwner));
        vm.prank(hubOwner);
        hub.suspect();
    }

    /// @dev The governor itself holds no power: only the timelock does.
    function test_RevertWhen_SuspectCallerIsTheGovernor() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotDao.selector, address(governor)));
        vm.prank(address(governor));
        hub.suspect();
    }

    /*//////////////////////////////////////////////////////////////
                                  REHAB
    //////////////////////////////////////////////////////////////*/

    function test_Rehab_LiftsEveryFreeze() public {
        hub = hubIn(HubState.Suspected);
        vm.expectEmit(address(hub));
        emit IHubWallet.Rehabilitated();
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubStatusChanged(address(hub), HubState.Idle);
        asDao();
        hub.rehab();
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        assertEq(hub.locked(), 0);
        assertEq(hub.frozen(), 0);
        assertEq(hub.freeBalance(), DEPOSIT - PAYOUT);
        vm.prank(hubOwner);
        hub.withdraw(DEPOSIT - PAYOUT);
        assertEq(token.balanceOf(hubOwner), DEPOSIT - PAYOUT);
    }

    function test_Rehab_AnyTime() public {
        hub = hubIn(HubState.Suspected);
        skip(1000 days);
        asDao();
        hub.rehab();
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
    }

    function test_Rehab_ThenRegisterAgain() public {
        hub = hubIn(HubState.Suspected);
        asDao();
        hub.rehab();
        vm.prank(hubOwner);
        hub.register();
        assertEq(uint8(hub.state()), uint8(HubState.Registered));
    }

    function test_RevertWhen_RehabCallerNotDao() public {
        hub = hubIn(HubState.Suspected);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotDao.selector, hubOwner));
        vm.prank(hubOwner);
        hub.rehab();
    }

    /*//////////////////////////////////////////////////////////////
                                   BAN
    //////////////////////////////////////////////////////////////*/

    function test_Ban_SendsEverythingToTheVault() public {
        hub = hubIn(HubState.Suspected);
        skip(120 days);
        vm.expectEmit(address(vault));
        emit IExpropriationVault.Deposited(0, address(hub), DEPOSIT, block.timestamp + 60 days);
        vm.expectEmit(address(hub));
        emit IHubWallet.Banned(DEPOSIT, 0, PAYOUT);
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubStatusChanged(address(hub), HubState.Punished);
        asDao();
        hub.ban();
        assertEq(uint8(hub.state()), uint8(HubState.Punished));
        assertEq(token.balanceOf(address(hub)), 0);
        assertEq(token.balanceOf(address(vault)), DEPOSIT);
        IExpropriationVault.Deposit memory dep = vault.deposits(0);
        assertEq(dep.depositor, address(hub));
        assertEq(dep.amount, DEPOSIT);
        assertEq(dep.releaseAt, block.timestamp + 60 days);
        assertFalse(dep.released);
        assertEq(uint8(whitelist.record(address(hub)).status), uint8(HubState.Punished));
        // The miners' credit is forfeited: the ledger stays as a record, nothing can be claimed.
        assertEq(hub.owed(alice), PAYOUT);
        assertEq(hub.locked(), 0);
        assertEq(hub.freeBalance(), 0);
    }

    function test_Ban_AtTheEndOfTheSuspicionPeriod() public {
        hub = hubIn(HubState.Suspected);
        vm.warp(hub.banAt());
        asDao();
        hub.ban();
        assertEq(uint8(hub.state()), uint8(HubState.Punished));
    }

    function test_RevertWhen_BanBeforeTheEndOfTheSuspicionPeriod() public {
        hub = hubIn(HubState.Suspected);
        uint256 banAt = hub.banAt();
        vm.warp(banAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletSuspicionPeriodNotOver.selector, banAt));
        asDao();
        hub.ban();
    }

    function test_RevertWhen_BanCallerNotDao() public {
        hub = hubIn(HubState.Suspected);
        skip(120 days);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotDao.selector, hubOwner));
        vm.prank(hubOwner);
        hub.ban();
    }

    /// @dev With a zero registration freeze a hub can be Registered holding nothing; its ban makes no deposit.
    function test_Ban_NothingHeldMakesNoDeposit() public {
        HubParameters memory p = defaultParameters();
        p.registrationFreeze = 0;
        asDao();
        factory.setParameters(p);
        hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        vm.prank(hubOwner);
        hub.register();
        asDao();
        hub.suspect();
        skip(120 days);
        vm.expectEmit(address(hub));
        emit IHubWallet.Banned(0, type(uint256).max, 0);
        asDao();
        hub.ban();
        assertEq(vault.depositCount(), 0);
        assertEq(uint8(hub.state()), uint8(HubState.Punished));
    }

    /// @dev A Punished wallet never moves a token again, not even tokens sent to it after the ban.
    function test_Punished_NeverMovesATokenAgain() public {
        hub = hubIn(HubState.Punished);
        fund(address(hub), 5 ether);
        bytes32 s;
        vm.startPrank(hubOwner);
        s = _bit(HubState.Created) | _bit(HubState.Idle);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, s));
        hub.withdraw(5 ether);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, s));
        hub.register();
        vm.stopPrank();
        assertEq(token.balanceOf(address(hub)), 5 ether);
        assertEq(hub.freeBalance(), 0, "nothing is free in a Punished wallet");
    }
}
