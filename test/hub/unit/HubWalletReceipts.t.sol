// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubState, IHubWallet, WorkReceipt} from "../../../contracts/interfaces/IHubWallet.sol";
import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {MarketBase} from "../../market/MarketBase.sol";

/// @notice Work receipts (docs/protocol.md, "Work receipts"): a hub's signed promise to pay a miner, redeemable
/// against its wallet as if the hub had called `pay`; every attack of issue 13, each leaving the attacker no richer
/// and the honest miner whole.
contract HubWalletReceiptsTest is MarketBase {
    address internal miner = makeAddr("miner");
    uint256 internal constant AMOUNT = 10 ether;
    uint256 internal nextNonce = 1;

    function receiptFor(HubWallet wallet, uint256 amount) internal returns (WorkReceipt memory r) {
        r = WorkReceipt({
            hub: address(wallet),
            miner: miner,
            deal: 7,
            amount: amount,
            nonce: nextNonce++,
            expiry: uint40(block.timestamp + 3 days)
        });
    }

    function signReceipt(HubWallet wallet, WorkReceipt memory r, uint256 key) internal view returns (bytes memory) {
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(key, wallet.hashReceipt(r));
        return abi.encodePacked(rr, s, v);
    }

    function redeemAs(address who, WorkReceipt memory r, bytes memory sig) internal returns (bool) {
        vm.prank(who);
        return hub.redeem(r, sig);
    }

    function test_Redeem_CreditsTheMinerAsPay() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        uint256 lockedBefore = hub.locked();
        vm.expectEmit(address(hub));
        emit IHubWallet.Paid(miner, 7, AMOUNT, hub.lockFor(AMOUNT));
        vm.expectEmit(address(hub));
        emit IHubWallet.ReceiptRedeemed(r.nonce);
        // Anyone may present it for the miner.
        assertTrue(redeemAs(eve, r, sig));
        assertEq(hub.owed(miner), AMOUNT);
        assertEq(hub.locked(), lockedBefore + hub.lockFor(AMOUNT), "the same 30% lock as pay");
        assertTrue(hub.isNonceUsed(r.nonce));
        assertEq(token.balanceOf(eve), FUNDS, "the presenter gains nothing");
        vm.prank(miner);
        hub.claim();
        assertEq(token.balanceOf(miner), AMOUNT);
    }

    function test_Redeem_SignedByTheOwner() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        assertTrue(redeemAs(miner, r, signReceipt(hub, r, hubOwnerKey)));
    }

    function test_Redeem_NoncesInAnyOrder() public {
        WorkReceipt memory a = receiptFor(hub, 1 ether);
        WorkReceipt memory b = receiptFor(hub, 2 ether);
        b.nonce = 1000;
        assertTrue(redeemAs(miner, b, signReceipt(hub, b, operatorKey)));
        assertTrue(redeemAs(miner, a, signReceipt(hub, a, operatorKey)));
        assertEq(hub.owed(miner), 3 ether);
    }

    function test_RevertWhen_Forged() public {
        (, uint256 eveKey) = makeAddrAndKey("eveKey");
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, eveKey);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotOperator.selector, vm.addr(eveKey)));
        redeemAs(miner, r, sig);
        // Tampered: the operator signed 10 SNM, 100 are asked.
        sig = signReceipt(hub, r, operatorKey);
        r.amount = 100 ether;
        vm.expectRevert();
        redeemAs(miner, r, sig);
        assertEq(hub.owed(miner), 0);
    }

    function test_RevertWhen_ForAnotherWallet() public {
        HubWallet other = createRegisteredHub(hubOwner, HUB_DEPOSIT);
        vm.prank(hubOwner);
        other.setOperator(operator);
        WorkReceipt memory r = receiptFor(other, AMOUNT);
        bytes memory sig = signReceipt(other, r, operatorKey);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletReceiptForAnotherWallet.selector, address(other)));
        redeemAs(miner, r, sig);
        // The same terms naming this wallet but signed in the other's domain recover another signer.
        r.hub = address(hub);
        bytes32 otherDigest = keccak256(
            abi.encodePacked(
                hex"1901",
                keccak256(
                    abi.encode(
                        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                        keccak256("SonmHubWallet"),
                        keccak256("1"),
                        block.chainid,
                        address(other)
                    )
                ),
                keccak256(abi.encode(hub.RECEIPT_TYPEHASH(), r))
            )
        );
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(operatorKey, otherDigest);
        vm.expectRevert();
        redeemAs(miner, r, abi.encodePacked(rr, s, v));
        assertEq(hub.owed(miner), 0);
    }

    function test_RevertWhen_AnotherChain() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        vm.chainId(block.chainid + 1);
        vm.expectRevert();
        redeemAs(miner, r, sig);
    }

    function test_RevertWhen_Replayed() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        redeemAs(miner, r, sig);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletReceiptUsed.selector, r.nonce));
        redeemAs(miner, r, sig);
        assertEq(hub.owed(miner), AMOUNT, "paid once");
    }

    function test_RevertWhen_ExpiredOrTooLong() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        skip(3 days);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletReceiptExpired.selector, r.expiry));
        redeemAs(miner, r, sig);
        WorkReceipt memory far = receiptFor(hub, AMOUNT);
        far.expiry = uint40(block.timestamp + 7 days + 1);
        sig = signReceipt(hub, far, operatorKey);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletReceiptLifetimeTooLong.selector, far.expiry, block.timestamp + 7 days
            )
        );
        redeemAs(miner, far, sig);
    }

    /// Revoked a moment ago: the receipt it signed is still good (the owner cannot void it by changing keys).
    function test_Redeem_OperatorRevokedAMomentAgo() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        vm.expectEmit(address(hub));
        emit IHubWallet.OperatorSet(address(0), operator, block.timestamp + 7 days);
        vm.prank(hubOwner);
        hub.setOperator(address(0));
        assertFalse(hub.isOperator(operator), "every other power ends at once");
        assertEq(hub.retiredUntil(operator), block.timestamp + hub.MAX_RECEIPT_LIFETIME());
        assertEq(hub.retiredUntil(eve), 0);
        skip(2 days);
        assertTrue(redeemAs(miner, r, sig));
    }

    /// Revoked long enough ago: a receipt it signs (backdated or not) is refused.
    function test_RevertWhen_OperatorRevokedLongAgo() public {
        vm.prank(hubOwner);
        hub.setOperator(address(0));
        skip(7 days);
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotOperator.selector, operator));
        redeemAs(miner, r, sig);
    }

    /// More than the free balance: dishonoured, recorded in the history, redeemable once funded.
    function test_Redeem_DishonouredThenRedeemedOnceFunded() public {
        uint256 tooMuch = hub.freeBalance();
        WorkReceipt memory r = receiptFor(hub, tooMuch);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        vm.expectEmit(address(hub));
        emit IHubWallet.ReceiptDishonoured(miner, 7, tooMuch, r.nonce);
        assertFalse(redeemAs(miner, r, sig));
        assertFalse(hub.isNonceUsed(r.nonce), "stays redeemable");
        assertEq(hub.owed(miner), 0);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.receiptsDishonoured, 1);
        assertEq(h.amountDishonoured, tooMuch);
        assertEq(h.lastFaultAt, block.timestamp);
        fund(address(hub), tooMuch);
        assertTrue(redeemAs(miner, r, sig));
        assertEq(hub.owed(miner), tooMuch);
    }

    /// A Suspected wallet cannot pay: dishonoured and recorded; after a rehab (Idle) still dishonoured until the hub
    /// registers again, then paid.
    function test_Redeem_SuspectedThenIdleThenRegistered() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        asDao();
        hub.suspect();
        assertFalse(redeemAs(miner, r, sig));
        asDao();
        hub.rehab();
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        assertFalse(redeemAs(miner, r, sig));
        assertEq(market.history(address(hub)).receiptsDishonoured, 2, "a hub that stays Idle shows it");
        vm.prank(operator);
        hub.register();
        assertTrue(redeemAs(miner, r, sig));
    }

    /// A Punished wallet refuses receipts: its funds went to the vault with what it owed.
    function test_RevertWhen_Punished() public {
        WorkReceipt memory r = receiptFor(hub, AMOUNT);
        r.expiry = uint40(block.timestamp + 7 days);
        banHub(hub);
        // Signed by the owner (the operator would do as well), presented within its lifetime.
        r.expiry = uint40(block.timestamp + 1 days);
        bytes memory sig = signReceipt(hub, r, hubOwnerKey);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Punished,
                ~bytes32(uint256(1) << uint8(HubState.Punished))
            )
        );
        redeemAs(miner, r, sig);
    }

    function test_RevertWhen_ZeroAmountOrInvalidMiner() public {
        WorkReceipt memory r = receiptFor(hub, 0);
        bytes memory sig = signReceipt(hub, r, operatorKey);
        vm.expectRevert(IHubWallet.HubWalletZeroAmount.selector);
        redeemAs(miner, r, sig);
        r = receiptFor(hub, AMOUNT);
        r.miner = address(hub);
        sig = signReceipt(hub, r, operatorKey);
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletInvalidMiner.selector, address(hub)));
        redeemAs(miner, r, sig);
    }

    /// Invariant of issue 13, fuzzed: whatever receipts are redeemed or dishonoured, the wallet's debt to miners
    /// never exceeds its balance minus what is locked and frozen.
    function testFuzz_DebtNeverExceedsWhatTheWalletCanPay(uint96[8] memory amounts) public {
        for (uint256 i; i < amounts.length; ++i) {
            uint256 amount = bound(amounts[i], 1, 4000 ether);
            WorkReceipt memory r = receiptFor(hub, amount);
            redeemAs(miner, r, signReceipt(hub, r, operatorKey));
            assertLe(
                hub.totalOwed(),
                token.balanceOf(address(hub)) - hub.locked() - hub.frozen(),
                "debt within balance - lock - freeze"
            );
        }
    }
}
