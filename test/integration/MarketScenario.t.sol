// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubState, IHubWallet} from "../../contracts/interfaces/IHubWallet.sol";
import {IMarket} from "../../contracts/market/interfaces/IMarket.sol";
import {IMapGame} from "../../contracts/verification/interfaces/IMapGame.sol";
import {MarketBase} from "../market/MarketBase.sol";
import {MerkleTrees} from "../verification/utils/MerkleTrees.sol";

/// @notice The whitepaper's client-hub flow (2.5.4, 2.5.5) end to end, on the deployment: the hub's operator signs an
/// offer; a buyer takes it (escrow and bond into the game); the hub's miners compute and the operator commits; the
/// buyer accepts ("confirms the transfer"); the reward reaches the hub wallet; the operator pays the miners in one
/// batch naming the deal; the miners claim; PayDay sends the DAO its fee; after the cool-down the owner withdraws.
contract MarketScenarioTest is MarketBase {
    using MerkleTrees for MerkleTrees.Tree;

    function test_Whitepaper_ClientHubFlow() public {
        uint256 ownerStart = token.balanceOf(hubOwner);
        uint256 walletStart = token.balanceOf(address(hub));
        uint256 buyerStart = token.balanceOf(buyer);
        uint256 daoStart = token.balanceOf(d.timelock);

        // 1. The operator signs an offer (off chain); the buyer takes 8 leaves of it in one transaction.
        IMarket.Offer memory o = defaultOffer();
        uint256 dealId = takeAs(buyer, o, LEAVES);
        uint256 price = uint256(PRICE_PER_LEAF) * LEAVES;
        assertEq(token.balanceOf(buyer), buyerStart - price);
        assertEq(uint8(game.task(dealId).status), uint8(IMapGame.TaskStatus.Claimed));
        assertEq(game.task(dealId).solver, address(hub), "the wallet is the solver");

        // 2. The miners compute (off chain); the operator commits the result root.
        commitDeal(dealId);

        // 3. The buyer checks the result and confirms the transfer.
        vm.prank(buyer);
        game.accept(dealId);
        assertEq(token.balanceOf(address(hub)), walletStart + price, "reward (and the bond back) in the wallet");

        // 4. The operator pays its four miners for the deal in one call.
        address[] memory miners = new address[](4);
        uint256[] memory amounts = new uint256[](4);
        for (uint256 i; i < 4; ++i) {
            miners[i] = makeAddr(string.concat("miner-", vm.toString(i + 1)));
            amounts[i] = 3 ether;
        }
        for (uint256 i; i < 4; ++i) {
            vm.expectEmit(address(hub));
            emit IHubWallet.Paid(miners[i], dealId, 3 ether, 0.9 ether);
        }
        vm.prank(operator);
        hub.payMany(dealId, miners, amounts);
        assertEq(hub.locked(), 3.6 ether, "30% of 12 SNM locked on top");

        // 5. The miners claim what they are owed.
        for (uint256 i; i < 4; ++i) {
            vm.prank(miners[i]);
            hub.claim();
            assertEq(token.balanceOf(miners[i]), 3 ether);
        }

        // 6. PayDay, held by the operator: the DAO's fee out of the lock, the rest cools, the hub is Idle.
        skip(hub.payDayAt() - block.timestamp);
        vm.prank(operator);
        hub.payDay();
        uint256 fee = (uint256(3.6 ether) * 50 + 9999) / 10_000;
        assertEq(token.balanceOf(d.timelock), daoStart + fee);
        assertEq(uint8(hub.state()), uint8(HubState.Idle));

        // 7. The operator may not withdraw; the owner may, after the cool-down.
        (, uint256 coolingUntil) = hub.cooling();
        skip(coolingUntil - block.timestamp);
        uint256 free = hub.freeBalance();
        vm.expectRevert();
        vm.prank(operator);
        hub.withdraw(free);
        vm.prank(hubOwner);
        hub.withdraw(free);
        assertEq(token.balanceOf(hubOwner), ownerStart + free);

        // Every SNM accounted for: the buyer's price went to the miners, the DAO and the owner.
        assertEq(free, walletStart + price - 12 ether - fee, "wallet: deposit + price - pay - fee");
        assertEq(token.balanceOf(address(hub)), 0);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.taken, 1);
        assertEq(h.accepted, 1);
        assertEq(h.earned, price);
        assertEq(h.buyers, 1);
    }
}

