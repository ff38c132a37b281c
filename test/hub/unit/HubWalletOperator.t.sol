// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {HubWalletTestBase} from "./HubWalletTestBase.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice The hub's operator key (docs/protocol.md, "HubWallet" and "The market"): who sets it, what it may and
/// may not do; batch payments; and the market's bond call, `fundDeal`.
contract HubWalletOperatorTest is HubWalletTestBase {
    address internal operator = makeAddr("operator");
    address internal game = makeAddr("game");
    uint256 internal constant DEAL = 42;

    /// @dev `h` with the operator set by its owner.
    function _withOperator(HubWallet h) internal returns (HubWallet) {
        vm.prank(hubOwner);
        h.setOperator(operator);
        return h;
    }

    function _lists(address a, uint256 x) internal pure returns (address[] memory miners, uint256[] memory amounts) {
        miners = new address[](1);
        amounts = new uint256[](1);
        miners[0] = a;
        amounts[0] = x;
    }

    function _lists(address a, uint256 x, address b, uint256 y)
        internal
        pure
        returns (address[] memory miners, uint256[] memory amounts)
    {
        miners = new address[](2);
        amounts = new uint256[](2);
        (miners[0], miners[1]) = (a, b);
        (amounts[0], amounts[1]) = (x, y);
    }

    function _notOperator(address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IHubWallet.HubWalletNotOperator.selector, caller);
    }

    function _notOwner(address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IHubWallet.HubWalletNotOwner.selector, caller);
    }

    function _fundDeal(HubWallet h, address signer, uint256 amount) internal {
        vm.prank(d.market);
        h.fundDeal(signer, amount, game);
    }

    /*//////////////////////////////////////////////////////////////
                              SET OPERATOR
    //////////////////////////////////////////////////////////////*/

    function test_SetOperator_ByTheOwner() public {
        hub = hubIn(HubState.Registered);
        assertEq(hub.operator(), address(0));
        vm.expectEmit(address(hub));
        emit IHubWallet.OperatorSet(operator, address(0), 0);
        vm.prank(hubOwner);
        hub.setOperator(operator);
        assertEq(hub.operator(), operator);
        assertTrue(hub.isOperator(operator));
        assertTrue(IMarket(d.market).actsFor(address(hub), operator), "the market's copy follows");
    }

    function test_SetOperator_InEveryStateButPunished() public {
        HubState[4] memory states = [HubState.Created, HubState.Registered, HubState.Idle, HubState.Suspected];
        for (uint256 i; i < states.length; ++i) {
            hub = _withOperator(hubIn(states[i]));
            assertEq(hub.operator(), operator);
        }
    }

    function test_SetOperator_ReplacesTheKey() public {
        hub = _withOperator(hubIn(HubState.Registered));
        address next = makeAddr("next");
        uint256 retiredUntil = block.timestamp + hub.MAX_RECEIPT_LIFETIME();
        vm.expectEmit(address(hub));
        emit IHubWallet.OperatorSet(next, operator, retiredUntil);
        vm.prank(hubOwner);
        hub.setOperator(next);
        assertFalse(hub.isOperator(operator));
        assertTrue(hub.isOperator(next));
        assertFalse(IMarket(d.market).actsFor(address(hub), operator));
        vm.expectRevert(_notOperator(operator));
        vm.prank(operator);
        hub.pay(alice, 1 ether, 0);
    }

    function test_SetOperator_ZeroRevokes() public {
        hub = _withOperator(hubIn(HubState.Registered));
        uint256 retiredUntil = block.timestamp + hub.MAX_RECEIPT_LIFETIME();
        vm.expectEmit(address(hub));
        emit IHubWallet.OperatorSet(address(0), operator, retiredUntil);
        vm.prank(hubOwner);
        hub.setOperator(address(0));
        assertEq(hub.operator(), address(0));
        assertFalse(hub.isOperator(operator));
        assertFalse(hub.isOperator(address(0)));
        assertFalse(IMarket(d.market).actsFor(address(hub), operator));
        vm.expectRevert(_notOperator(operator));
        vm.prank(operator);
        hub.pay(alice, 1 ether, 0);
    }

    function test_RevertWhen_SetOperatorByAStranger() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(_notOwner(eve));
        vm.prank(eve);
        hub.setOperator(eve);
        assertEq(hub.operator(), address(0));
    }

    /// @dev The operator cannot hand the key on, nor revoke itself, nor lock the owner out.
    function test_RevertWhen_SetOperatorByTheOperator() public {
        hub = _withOperator(hubIn(HubState.Registered));
        vm.expectRevert(_notOwner(operator));
        vm.prank(operator);
        hub.setOperator(eve);
        assertEq(hub.operator(), operator);
    }

    function test_RevertWhen_SetOperatorInPunished() public {
        hub = hubIn(HubState.Punished);
        bytes32 allowed =
            _bit(HubState.Created) | _bit(HubState.Registered) | _bit(HubState.Idle) | _bit(HubState.Suspected);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, allowed)
        );
        vm.prank(hubOwner);
        hub.setOperator(operator);
    }

    /*//////////////////////////////////////////////////////////////
                              IS OPERATOR
    //////////////////////////////////////////////////////////////*/

    function test_IsOperator() public {
        hub = hubIn(HubState.Registered);
        assertTrue(hub.isOperator(hubOwner), "the owner");
        assertFalse(hub.isOperator(address(0)), "not the zero address while no operator is set");
        assertFalse(hub.isOperator(operator), "not a key before it is set");
        assertFalse(hub.isOperator(eve), "not a stranger");
        _withOperator(hub);
        assertTrue(hub.isOperator(operator), "the operator");
        assertTrue(hub.isOperator(hubOwner), "the owner still");
        assertFalse(hub.isOperator(address(0)));
        assertFalse(hub.isOperator(eve));
    }

    /*//////////////////////////////////////////////////////////////
                         WHAT THE OPERATOR MAY DO
    //////////////////////////////////////////////////////////////*/

    function test_Register_ByTheOperator() public {
        hub = _withOperator(hubIn(HubState.Created));
        vm.prank(operator);
        hub.register();
        assertEq(uint8(hub.state()), uint8(HubState.Registered));
    }

    function test_Pay_ByTheOperatorNamesTheDeal() public {
        hub = _withOperator(hubIn(HubState.Registered));
        vm.expectEmit(address(hub));
        emit IHubWallet.Paid(alice, DEAL, 10 ether, 3 ether);
        vm.prank(operator);
        hub.pay(alice, 10 ether, DEAL);
        assertEq(hub.owed(alice), 10 ether);
        assertEq(hub.locked(), 3 ether);
    }

    function test_PayMany_ByTheOperator() public {
        hub = _withOperator(hubIn(HubState.Registered));
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 10 ether, bob, 20 ether);
        vm.prank(operator);
        hub.payMany(DEAL, miners, amounts);
        assertEq(hub.owed(alice), 10 ether);
        assertEq(hub.owed(bob), 20 ether);
        assertEq(hub.totalOwed(), 30 ether);
        assertEq(hub.locked(), 9 ether);
        assertEq(hub.freeBalance(), DEPOSIT - FREEZE - 39 ether);
    }

    function test_PayDay_ByTheOperator() public {
        hub = _withOperator(hubIn(HubState.Registered));
        skip(hub.parameters().payoutPeriod);
        vm.prank(operator);
        hub.payDay();
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
    }

    function test_RevertWhen_WithdrawByTheOperator() public {
        hub = _withOperator(hubIn(HubState.Created));
        vm.expectRevert(_notOwner(operator));
        vm.prank(operator);
        hub.withdraw(1 ether);
        assertEq(token.balanceOf(address(hub)), DEPOSIT);
    }

    function test_RevertWhen_StrangerActsAsTheOperator() public {
        hub = _withOperator(hubIn(HubState.Created));
        vm.expectRevert(_notOperator(eve));
        vm.prank(eve);
        hub.register();

        vm.prank(operator);
        hub.register();
        vm.expectRevert(_notOperator(eve));
        vm.prank(eve);
        hub.pay(eve, 1 ether, 0);
        (address[] memory miners, uint256[] memory amounts) = _lists(eve, 1 ether);
        vm.expectRevert(_notOperator(eve));
        vm.prank(eve);
        hub.payMany(0, miners, amounts);
        skip(hub.parameters().payoutPeriod);
        vm.expectRevert(_notOperator(eve));
        vm.prank(eve);
        hub.payDay();
    }

    /*//////////////////////////////////////////////////////////////
                                PAY MANY
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_PayManyEmpty() public {
        hub = hubIn(HubState.Registered);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidBatch.selector, 0, 0));
        vm.prank(hubOwner);
        hub.payMany(DEAL, new address[](0), new uint256[](0));
    }

    function test_RevertWhen_PayManyListsDiffer() public {
        hub = hubIn(HubState.Registered);
        (address[] memory two,) = _lists(alice, 1 ether, bob, 1 ether);
        (, uint256[] memory one) = _lists(alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidBatch.selector, 2, 1));
        vm.prank(hubOwner);
        hub.payMany(DEAL, two, one);

        (address[] memory oneMiner,) = _lists(alice, 1 ether);
        (, uint256[] memory twoAmounts) = _lists(alice, 1 ether, bob, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidBatch.selector, 1, 2));
        vm.prank(hubOwner);
        hub.payMany(DEAL, oneMiner, twoAmounts);

        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidBatch.selector, 0, 1));
        vm.prank(hubOwner);
        hub.payMany(DEAL, new address[](0), one);
    }

    function test_RevertWhen_PayManyZeroAmount() public {
        hub = hubIn(HubState.Registered);
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 1 ether, bob, 0);
        vm.expectRevert(IHubWallet.HubWalletZeroAmount.selector);
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
    }

    function test_RevertWhen_PayManyZeroAddress() public {
        hub = hubIn(HubState.Registered);
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 1 ether, address(0), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidMiner.selector, address(0)));
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
    }

    function test_RevertWhen_PayManyTheWalletItself() public {
        hub = hubIn(HubState.Registered);
        (address[] memory miners, uint256[] memory amounts) = _lists(address(hub), 1 ether, alice, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidMiner.selector, address(hub)));
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
    }

    /// @dev Each payment fits the free balance (99) on its own (50 + 15), the batch (100 + 30) does not.
    function test_RevertWhen_PayManyTotalAboveTheFreeBalance() public {
        hub = hubIn(HubState.Registered);
        assertEq(hub.freeBalance(), 99 ether);
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 50 ether, bob, 50 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 99 ether, 130 ether)
        );
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
        assertEq(hub.owed(alice), 0, "nothing of a refused batch is credited");
        assertEq(hub.totalOwed(), 0);
        assertEq(hub.locked(), 0);
        // Each on its own goes through.
        vm.prank(hubOwner);
        hub.pay(alice, 50 ether, DEAL);
    }

    /// @dev A batch may use the whole free balance (130 = 50 + 15 + 50 + 15), not a wei more.
    function test_PayMany_ExactlyTheFreeBalance() public {
        hub = createRegisteredHub(hubOwner, FREEZE + 130 ether);
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 50 ether, bob, 50 ether + 1);
        // 50 ether + 1 locks 15 ether + 1 (rounded up): 2 wei over.
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 130 ether, 130 ether + 2)
        );
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
        amounts[1] = 50 ether;
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
        assertEq(hub.freeBalance(), 0);
        assertEq(hub.locked(), 30 ether);
    }

    /// @dev The lock is rounded up per payment: three payments of 1 wei lock 1 wei each, where one of 3 wei would
    /// lock 1 in all.
    function test_PayMany_LockRoundsUpPerPayment() public {
        hub = hubIn(HubState.Registered);
        address[] memory miners = new address[](3);
        uint256[] memory amounts = new uint256[](3);
        (miners[0], miners[1], miners[2]) = (alice, bob, carol);
        (amounts[0], amounts[1], amounts[2]) = (1, 1, 1);
        for (uint256 i; i < 3; ++i) {
            vm.expectEmit(address(hub));
            emit IHubWallet.Paid(miners[i], DEAL, 1, 1);
        }
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
        assertEq(hub.locked(), 3);
        assertEq(hub.totalOwed(), 3);
        assertEq(hub.lockFor(3), 1, "a single payment of 3 wei would lock 1");
    }

    function test_PayMany_PaidEventsCarryTheDeal() public {
        hub = hubIn(HubState.Registered);
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 10 ether, bob, 11);
        vm.expectEmit(address(hub));
        emit IHubWallet.Paid(alice, DEAL, 10 ether, 3 ether);
        vm.expectEmit(address(hub));
        emit IHubWallet.Paid(bob, DEAL, 11, 4);
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
    }

    function test_PayMany_SameMinerTwice() public {
        hub = hubIn(HubState.Registered);
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 10 ether, alice, 5 ether);
        vm.prank(hubOwner);
        hub.payMany(DEAL, miners, amounts);
        assertEq(hub.owed(alice), 15 ether);
        assertEq(hub.totalOwed(), 15 ether);
        assertEq(hub.locked(), 3 ether + 1.5 ether);
        vm.prank(alice);
        assertEq(hub.claim(), 15 ether);
    }

    function test_RevertWhen_PayManyNotRegistered() public {
        HubState[4] memory states = [HubState.Created, HubState.Idle, HubState.Suspected, HubState.Punished];
        (address[] memory miners, uint256[] memory amounts) = _lists(alice, 1 ether);
        for (uint256 i; i < states.length; ++i) {
            hub = hubIn(states[i]);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IHubWallet.HubWalletUnexpectedState.selector, states[i], _bit(HubState.Registered)
                )
            );
            vm.prank(hubOwner);
            hub.payMany(DEAL, miners, amounts);
        }
    }

    /*//////////////////////////////////////////////////////////////
                               FUND DEAL
    //////////////////////////////////////////////////////////////*/

    function test_FundDeal_MovesTheBondToTheGame() public {
        hub = _withOperator(hubIn(HubState.Registered));
        vm.expectEmit(d.token);
        emit IERC20.Transfer(address(hub), game, 50 ether);
        _fundDeal(hub, operator, 50 ether);
        assertEq(token.balanceOf(game), 50 ether);
        assertEq(token.balanceOf(address(hub)), DEPOSIT - 50 ether);
        assertEq(hub.freeBalance(), DEPOSIT - FREEZE - 50 ether);
    }

    function test_FundDeal_SignedByTheOwner() public {
        hub = hubIn(HubState.Registered);
        _fundDeal(hub, hubOwner, 10 ether);
        assertEq(token.balanceOf(game), 10 ether);
    }

    /// @dev Only the market: a stranger, the owner and the operator cannot move the free balance out this way.
    function test_RevertWhen_FundDealNotByTheMarket() public {
        hub = _withOperator(hubIn(HubState.Registered));
        address[3] memory callers = [eve, hubOwner, operator];
        for (uint256 i; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotMarket.selector, callers[i]));
            vm.prank(callers[i]);
            hub.fundDeal(operator, 1 ether, callers[i]);
        }
        assertEq(token.balanceOf(address(hub)), DEPOSIT);
    }

    function test_RevertWhen_FundDealSignerNotTheOperator() public {
        hub = _withOperator(hubIn(HubState.Registered));
        vm.expectRevert(_notOperator(eve));
        _fundDeal(hub, eve, 1 ether);
        vm.expectRevert(_notOperator(address(0)));
        _fundDeal(hub, address(0), 1 ether);
    }

    function test_RevertWhen_FundDealSignerRevoked() public {
        hub = _withOperator(hubIn(HubState.Registered));
        vm.prank(hubOwner);
        hub.setOperator(address(0));
        vm.expectRevert(_notOperator(operator));
        _fundDeal(hub, operator, 1 ether);
    }

    function test_RevertWhen_FundDealNotRegistered() public {
        HubState[4] memory states = [HubState.Created, HubState.Idle, HubState.Suspected, HubState.Punished];
        for (uint256 i; i < states.length; ++i) {
            hub = hubIn(states[i]);
            uint256 before = token.balanceOf(address(hub));
            vm.expectRevert(
                abi.encodeWithSelector(
                    IHubWallet.HubWalletUnexpectedState.selector, states[i], _bit(HubState.Registered)
                )
            );
            _fundDeal(hub, hubOwner, 1 ether);
            assertEq(token.balanceOf(address(hub)), before);
        }
    }

    /// @dev The whole free balance may be bonded, not a wei more: the freeze stays.
    function test_FundDeal_ExactlyTheFreeBalance() public {
        hub = hubIn(HubState.Registered);
        _fundDeal(hub, hubOwner, DEPOSIT - FREEZE);
        assertEq(token.balanceOf(address(hub)), FREEZE);
        assertEq(hub.freeBalance(), 0);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 0, 1));
        _fundDeal(hub, hubOwner, 1);
    }

    /// @dev What is owed to miners and locked by their pay stays: 100 - 1 frozen - 10 owed - 3 locked = 86.
    function test_RevertWhen_FundDealFromOwedAndLockedFunds() public {
        hub = hubIn(HubState.Registered);
        vm.prank(hubOwner);
        hub.pay(alice, PAYOUT, 0);
        assertEq(hub.freeBalance(), 86 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 86 ether, 86 ether + 1)
        );
        _fundDeal(hub, hubOwner, 86 ether + 1);
        _fundDeal(hub, hubOwner, 86 ether);
        assertEq(token.balanceOf(address(hub)), FREEZE + PAYOUT + PAYOUT_LOCK);
    }

    /// @dev What the last PayDay unlocked still cools after registering again, and cannot be bonded either:
    /// 100 - 0.015 fee = 99.985 held; 1 frozen, 10 owed and 2.985 cooling stay; 86 free.
    function test_RevertWhen_FundDealFromCoolingFunds() public {
        hub = hubCooling();
        vm.prank(hubOwner);
        hub.register();
        (uint256 cooling,) = hub.cooling();
        assertEq(cooling, PAYOUT_LOCK - 0.015 ether);
        assertEq(hub.freeBalance(), 86 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 86 ether, 87 ether)
        );
        _fundDeal(hub, hubOwner, 87 ether);
        // Once the cool-down is over, the cooled funds are free again.
        skip(hub.parameters().payDayCoolDown);
        assertEq(hub.freeBalance(), 86 ether + cooling);
        _fundDeal(hub, hubOwner, 87 ether);
    }

    /// @dev A wallet holding just its registration freeze has nothing free.
    function test_RevertWhen_FundDealWithNothingFree() public {
        hub = createRegisteredHub(hubOwner, FREEZE);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInsufficientFreeBalance.selector, 0, 1 ether));
        _fundDeal(hub, hubOwner, 1 ether);
    }
}
