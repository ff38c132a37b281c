// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExpropriationVault} from "../../../contracts/interfaces/IExpropriationVault.sol";
import {BaseTest} from "../../utils/BaseTest.sol";

contract ExpropriationVaultTest is BaseTest {
    uint256 internal constant AMOUNT = 50 ether;
    uint256 internal constant FREEZE = 60 days;

    function setUp() public override {
        super.setUp();
        fund(alice, 1000 ether);
        vm.prank(alice);
        token.approve(address(vault), type(uint256).max);
    }

    function _deposit() internal returns (uint256 id) {
        vm.prank(alice);
        id = vault.deposit(AMOUNT, FREEZE);
    }

    function test_Deposit_RecordsAndFreezes() public {
        vm.expectEmit(address(vault));
        emit IExpropriationVault.Deposited(0, alice, AMOUNT, block.timestamp + FREEZE);
        uint256 id = _deposit();
        assertEq(id, 0);
        IExpropriationVault.Deposit memory dep = vault.deposits(0);
        assertEq(dep.depositor, alice);
        assertEq(dep.amount, AMOUNT);
        assertEq(dep.releaseAt, block.timestamp + FREEZE);
        assertFalse(dep.released);
        assertEq(vault.depositCount(), 1);
        assertEq(vault.totalFrozen(), AMOUNT);
        assertEq(token.balanceOf(address(vault)), AMOUNT);
    }

    function test_Deposit_IdsCountUp() public {
        assertEq(_deposit(), 0);
        assertEq(_deposit(), 1);
        assertEq(vault.totalFrozen(), 2 * AMOUNT);
    }

    function test_Deposit_FreezeCappedAt32Bits() public {
        vm.prank(alice);
        vault.deposit(AMOUNT, type(uint256).max);
        assertEq(vault.deposits(0).releaseAt, block.timestamp + type(uint32).max);
    }

    function test_RevertWhen_DepositZero() public {
        vm.expectRevert(IExpropriationVault.ExpropriationVaultZeroAmount.selector);
        vm.prank(alice);
        vault.deposit(0, FREEZE);
    }

    function test_Release_ToTheDaoAfterTheFreeze() public {
        uint256 id = _deposit();
        skip(FREEZE);
        vm.expectEmit(address(vault));
        emit IExpropriationVault.Released(id, address(timelock), AMOUNT);
        vm.prank(eve); // anyone may trigger it: the DAO is the only recipient
        vault.release(id);
        assertEq(token.balanceOf(address(timelock)), AMOUNT);
        assertEq(token.balanceOf(eve), 0);
        assertTrue(vault.deposits(id).released);
        assertEq(vault.totalFrozen(), 0);
    }

    function test_RevertWhen_ReleaseBeforeTheFreezeEnds() public {
        uint256 id = _deposit();
        uint256 releaseAt = block.timestamp + FREEZE;
        skip(FREEZE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IExpropriationVault.ExpropriationVaultStillFrozen.selector, id, releaseAt)
        );
        vault.release(id);
    }

    /// @dev Not even the DAO can take a deposit early.
    function test_RevertWhen_DaoReleasesEarly() public {
        uint256 id = _deposit();
        vm.expectRevert(
            abi.encodeWithSelector(
                IExpropriationVault.ExpropriationVaultStillFrozen.selector, id, block.timestamp + FREEZE
            )
        );
        asDao();
        vault.release(id);
    }

    function test_RevertWhen_ReleaseTwice() public {
        uint256 id = _deposit();
        skip(FREEZE);
        vault.release(id);
        vm.expectRevert(abi.encodeWithSelector(IExpropriationVault.ExpropriationVaultAlreadyReleased.selector, id));
        vault.release(id);
    }

    function test_RevertWhen_ReleaseUnknownDeposit() public {
        vm.expectRevert(abi.encodeWithSelector(IExpropriationVault.ExpropriationVaultUnknownDeposit.selector, 0));
        vault.release(0);
    }

    function test_RevertWhen_ReadUnknownDeposit() public {
        vm.expectRevert(abi.encodeWithSelector(IExpropriationVault.ExpropriationVaultUnknownDeposit.selector, 3));
        vault.deposits(3);
    }

    function test_Release_EachDepositOnItsOwnClock() public {
        uint256 first = _deposit();
        skip(10 days);
        uint256 second = _deposit();
        skip(FREEZE - 10 days);
        vault.release(first);
        vm.expectRevert(
            abi.encodeWithSelector(
                IExpropriationVault.ExpropriationVaultStillFrozen.selector, second, block.timestamp + 10 days
            )
        );
        vault.release(second);
        assertEq(vault.totalFrozen(), AMOUNT);
    }
}
