// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {IMapGame} from "../../../contracts/verification/interfaces/IMapGame.sol";
import {MarketBase} from "../MarketBase.sol";

/// @notice A deal opens already claimed by the hub, so the hub's bond is at stake before it has seen an input. A
/// buyer who never serves the inputs behind its root would have made the hub forfeit its whole bond to it at the
/// turnaround, or guess and be proven a cheat by the buyer (found by the market's attack tests). The hub may decline
/// the deal during the first half of its turnaround (docs/protocol.md, "Declining"): the buyer gets its escrow back
/// and nothing more, the hub its bond; the history counts a decline, not a fault.
contract MarketWithheldInputsTest is MarketBase {
    function test_BuyerWithholdingInputs_TheHubDeclines_NobodyGains() public {
        IMarket.Offer memory o = defaultOffer();
        bytes memory signature = sign(o, operatorKey);
        uint256 eveBefore = token.balanceOf(eve);
        uint256 hubBefore = token.balanceOf(address(hub));

        vm.prank(eve);
        uint256 dealId = market.take(o, signature, keccak256("inputs eve never publishes"), 1, "sonm://nowhere/inputs");
        // The hub's operator finds nothing at the URI and declines within the first half of the turnaround.
        skip(o.turnaround / 2 - 1);
        vm.expectEmit(address(game));
        emit IMapGame.DealVoided(dealId, address(hub), PRICE_PER_LEAF, address(hub), SOLVER_BOND);
        vm.prank(operator);
        game.declineDeal(dealId);

        assertEq(token.balanceOf(eve), eveBefore, "attacker no richer");
        assertEq(token.balanceOf(address(hub)), hubBefore, "the honest hub whole");
        assertEq(uint8(game.task(dealId).status), uint8(IMapGame.TaskStatus.Refunded));
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.declined, 1);
        assertEq(h.noCommits + h.cheatsProven, 0, "not a fault");
        assertEq(h.lastFaultAt, 0);
    }

    /// The owner may decline too; a stranger may not; after the first half of the turnaround the hub must commit or
    /// forfeit (a hub that neither declined in time nor committed is at fault).
    function test_Decline_WhoAndWhen() public {
        uint256 dealId = takeWorld();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotSolver.selector, eve, address(hub)));
        vm.prank(eve);
        game.declineDeal(dealId);
        uint256 declineBy = game.dealTerms(dealId).declineBy;
        assertEq(declineBy, block.timestamp + TURNAROUND / 2);
        skip(TURNAROUND / 2);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameDeadlinePassed.selector, declineBy));
        vm.prank(operator);
        game.declineDeal(dealId);

        uint256 other = takeWorld();
        vm.prank(hubOwner);
        game.declineDeal(other);
        assertEq(market.history(address(hub)).declined, 1);
    }

    /// Only an uncommitted deal can be declined, and only a deal.
    function test_Decline_RefusedWhenCommittedOrNotADeal() public {
        uint256 dealId = takeWorld();
        commitDeal(dealId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                dealId,
                IMapGame.TaskStatus.Committed,
                _bit(IMapGame.TaskStatus.Claimed)
            )
        );
        vm.prank(operator);
        game.declineDeal(dealId);
        uint256 taskId = postWorld();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotDeal.selector, taskId));
        vm.prank(operator);
        game.declineDeal(taskId);
    }
}
