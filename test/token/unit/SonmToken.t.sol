// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SonmToken} from "../../../contracts/token/SonmToken.sol";
import {BaseTest} from "../../utils/BaseTest.sol";

contract SonmTokenTest is BaseTest {
    function test_Metadata() public view {
        assertEq(token.name(), "SONM Token");
        assertEq(token.symbol(), "SNM");
        assertEq(token.decimals(), 18);
        assertEq(token.DEFAULT_SUPPLY(), 444_000_000 ether);
    }

    function test_SupplyMintedOnceToTheHolder() public {
        SonmToken t = new SonmToken(alice, 1000 ether);
        assertEq(t.totalSupply(), 1000 ether);
        assertEq(t.balanceOf(alice), 1000 ether);
    }

    /// @dev No mint after construction: the token has no mint function at all.
    function test_NoMintFunction() public {
        (bool ok,) = address(token).call(abi.encodeWithSignature("mint(address,uint256)", alice, 1));
        assertFalse(ok);
        assertEq(token.totalSupply(), SUPPLY);
    }

    function test_Clock_IsTheTimestamp() public view {
        assertEq(token.clock(), block.timestamp);
        assertEq(token.CLOCK_MODE(), "mode=timestamp");
    }

    function test_Votes_FollowDelegationAndTransfers() public {
        fund(alice, 100 ether);
        vm.prank(alice);
        token.delegate(bob);
        assertEq(token.getVotes(bob), 100 ether);
        vm.prank(alice);
        assertTrue(token.transfer(carol, 40 ether));
        assertEq(token.getVotes(bob), 60 ether);
        uint256 t = block.timestamp;
        skip(1);
        assertEq(token.getPastVotes(bob, t), 60 ether);
    }

    function test_Permit_SetsAllowanceBySignature() public {
        (address owner, uint256 key) = makeAddrAndKey("permitOwner");
        fund(owner, 10 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                bob,
                5 ether,
                token.nonces(owner),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        token.permit(owner, bob, 5 ether, deadline, v, r, s);
        assertEq(token.allowance(owner, bob), 5 ether);
        assertEq(token.nonces(owner), 1);
    }
}
