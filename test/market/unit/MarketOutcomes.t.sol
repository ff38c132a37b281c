// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubState} from "../../../contracts/interfaces/IHubWallet.sol";
import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {IMapGame} from "../../../contracts/verification/interfaces/IMapGame.sol";
import {MarketBase} from "../MarketBase.sol";

/// @notice docs/protocol.md, "The market", table "Every outcome of a deal": one test per row. Each checks who got
/// the escrow and the bond, whether the task reopened, and what the hub's history shows.
contract MarketOutcomesTest is MarketBase {
    uint256 internal constant ESCROW = uint256(PRICE_PER_LEAF) * LEAVES;

    uint256 internal buyerBefore;
    uint256 internal hubBefore;
    uint256 internal daoBefore;

    function _snapshotBalances() internal {
        buyerBefore = token.balanceOf(buyer);
        hubBefore = token.balanceOf(address(hub));
        daoBefore = token.balanceOf(d.timelock);
    }

    function _status(uint256 dealId) internal view returns (IMapGame.TaskStatus) {
        return game.task(dealId).status;
    }

    /// Row 1: honest, and the buyer accepts at once.
    function test_Outcome_HonestAccepted() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        assertEq(token.balanceOf(buyer), buyerBefore - ESCROW, "escrowed");
        assertEq(token.balanceOf(address(hub)), hubBefore - SOLVER_BOND, "bond left the wallet");
        commitDeal(dealId);
        vm.prank(buyer);
        game.accept(dealId);

        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Finalized));
        assertEq(token.balanceOf(address(hub)), hubBefore + ESCROW, "reward and bond in the wallet");
        assertEq(token.balanceOf(buyer), buyerBefore - ESCROW);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.taken, 1);
        assertEq(h.accepted, 1);
        assertEq(h.settled, 0);
        assertEq(h.leavesDelivered, LEAVES);
        assertEq(h.earned, ESCROW);
        assertEq(h.buyers, 1);
        assertEq(h.lastFaultAt, 0);
    }
}
