// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {IMapGame} from "../../../contracts/verification/interfaces/IMapGame.sol";
import {MarketBase} from "../MarketBase.sol";
import {MarketHandler} from "./handlers/MarketHandler.sol";

/// @notice What must hold whatever buyers, hubs, challengers and the DAO do with the market's deals, in any order:
/// the market and the game never hold less than they owe (the market itself holds nothing), every live deal's bond
/// is in the game, no token leaves the cast, no deal reopens, and every hub's history counts exactly the deals taken
/// from it and how each ended.
/// @dev The default profile's 64 runs of 32 calls; in ci, runs of the profile's 128 calls, but 32 of them (the
/// profile's 256 would take over two minutes for the five invariants; 32 take about a quarter of a minute).
/// forge-config: ci.invariant.runs = 32
contract MarketInvariantTest is MarketBase {
    MarketHandler internal handler;
    address[] internal cast;

    function setUp() public override {
        super.setUp();
        // A second hub, with its own operator, beside the base's.
        (address otherOwner,) = makeAddrAndKey("otherHubOwner");
        (address otherOperator, uint256 otherOperatorKey) = makeAddrAndKey("otherOperator");
        HubWallet other = createHub(otherOwner, "other.example.org:15010", "other");
        fund(address(other), 2000 ether);
        vm.startPrank(otherOwner);
        other.register();
        other.setOperator(otherOperator);
        vm.stopPrank();

        MarketHandler.Seller[] memory sellers = new MarketHandler.Seller[](2);
        sellers[0] = MarketHandler.Seller(hub, operator, operatorKey);
        sellers[1] = MarketHandler.Seller(other, otherOperator, otherOperatorKey);
        address[] memory buyers = new address[](3);
        (buyers[0], buyers[1], buyers[2]) = (alice, bob, carol);
        address[] memory challengers = new address[](3);
        (challengers[0], challengers[1], challengers[2]) = (carol, dave, eve);
        handler = new MarketHandler(market, square, sellers, buyers, challengers);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = MarketHandler.take.selector;
        selectors[1] = MarketHandler.accept.selector;
        selectors[2] = MarketHandler.cancelDeal.selector;
        selectors[3] = MarketHandler.commit.selector;
        selectors[4] = MarketHandler.answerQuery.selector;
        selectors[5] = MarketHandler.cancelOffer.selector;
        selectors[6] = MarketHandler.proveCheat.selector;
        selectors[7] = MarketHandler.openQuery.selector;
        selectors[8] = MarketHandler.timeoutQuery.selector;
        selectors[9] = MarketHandler.reclaimQueryBond.selector;
        selectors[10] = MarketHandler.finalize.selector;
        selectors[11] = MarketHandler.forfeitClaim.selector;
        selectors[12] = MarketHandler.warp.selector;
        selectors[13] = MarketHandler.daoActs.selector;
        // Deals must keep coming: taking is drawn more often.
        selectors[14] = MarketHandler.take.selector;
        selectors[15] = MarketHandler.take.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));

        cast = [alice, bob, carol, dave, eve, treasury, d.timelock, d.vault, address(hub), address(other)];
    }

    /// @dev What the game owes: the escrow and bond of every live deal and the bond of every open query.
    function _owed() internal view returns (uint256 escrows, uint256 bonds, uint256 queryBonds) {
        uint256[] memory deals = handler.allDeals();
        for (uint256 i; i < deals.length; ++i) {
            IMapGame.Task memory t = game.task(deals[i]);
            if (t.status == IMapGame.TaskStatus.Claimed || t.status == IMapGame.TaskStatus.Committed) {
                escrows += t.reward;
                bonds += t.solverBond;
            }
        }
        uint256[] memory queries = handler.allQueries();
        for (uint256 i; i < queries.length; ++i) {
            IMapGame.Query memory q = game.query(queries[i]);
            if (q.status == IMapGame.QueryStatus.Open) queryBonds += game.task(q.taskId).challengerBond;
        }
    }

    /// @dev (a) The market and the game never hold less than they owe; the market holds nothing at all; the game
    /// holds exactly what it owes (docs/protocol.md: it holds the escrows, the live bonds and the open query bonds).
    function invariant_MarketAndGameHoldWhatTheyOwe() public view {
        (uint256 escrows, uint256 bonds, uint256 queryBonds) = _owed();
        uint256 owed = escrows + bonds + queryBonds;
        assertGe(heldByMarketAndGame(), owed, "market and game hold at least what they owe");
        assertEq(token.balanceOf(address(market)), 0, "the market holds no token");
        assertEq(token.balanceOf(address(game)), owed, "the game holds exactly what it owes");
    }

    /// @dev (b) The bond of every live deal is in the game, and bonds the hub that sold it.
    function invariant_LiveBondsAreInTheGame() public view {
        (, uint256 bonds,) = _owed();
        assertGe(token.balanceOf(address(game)), bonds);
        uint256[] memory deals = handler.allDeals();
        for (uint256 i; i < deals.length; ++i) {
            IMapGame.Task memory t = game.task(deals[i]);
            IMarket.Offer memory o = handler.offerAt(handler.offerOf(deals[i]));
            assertTrue(t.isDeal);
            // A deal never reopens: it is never Open, and its solver stays its hub while it lives.
            assertTrue(t.status != IMapGame.TaskStatus.Open, "a deal never reopens");
            assertTrue(t.status != IMapGame.TaskStatus.None);
            if (t.status == IMapGame.TaskStatus.Claimed || t.status == IMapGame.TaskStatus.Committed) {
                assertEq(t.solver, address(o.hub));
                assertEq(t.solverBond, o.hubBond);
            }
        }
    }

    /// @dev No token is made or lost, and none leaves the cast (buyers, challengers, hubs, game, market, DAO, vault).
    function invariant_NoTokenLeavesTheCast() public view {
        uint256 sum = heldByMarketAndGame();
        for (uint256 i; i < cast.length; ++i) {
            sum += token.balanceOf(cast[i]);
        }
        assertEq(sum, token.totalSupply());
    }

    /// @dev (c) Every hub's history counts exactly the deals taken from it, the distinct buyers, and how each deal
    /// ended; the ended and the live deals make up the taken ones.
    function invariant_HistoriesMatchTheGhosts() public view {
        uint256[] memory deals = handler.allDeals();
        for (uint256 s; s < handler.sellerCount(); ++s) {
            address hub_ = address(handler.hubAt(s));
            IMarket.History memory h = market.history(hub_);
            MarketHandler.Ghost memory g = handler.ghost(hub_);
            assertEq(h.taken, g.taken, "taken");
            assertEq(h.accepted, g.accepted, "accepted");
            assertEq(h.settled, g.settled, "settled");
            assertEq(h.cheatsProven, g.cheatsProven, "cheats proven");
            assertEq(h.queriesUnanswered, g.queriesUnanswered, "queries unanswered");
            assertEq(h.noCommits, g.noCommits, "no commits");
            assertEq(h.voided, g.voided, "voided");
            assertEq(h.buyers, g.buyers, "buyers");
            uint256 ended =
                uint256(h.accepted) + h.settled + h.cheatsProven + h.queriesUnanswered + h.noCommits + h.voided;
            assertLe(ended, h.taken, "no deal ends twice");
            uint256 live;
            for (uint256 i; i < deals.length; ++i) {
                IMapGame.Task memory t = game.task(deals[i]);
                bool isLive = t.status == IMapGame.TaskStatus.Claimed || t.status == IMapGame.TaskStatus.Committed;
                if (isLive && t.solver == hub_) ++live;
            }
            assertEq(ended + live, h.taken, "every deal taken is live or ended once");
            if (h.cheatsProven + h.queriesUnanswered + h.noCommits == 0) assertEq(h.lastFaultAt, 0);
            else assertGt(h.lastFaultAt, 0);
        }
    }

    /// @dev Each offer's taken volume is what the buyers took of it, within its maximum; a cancel is recorded.
    function invariant_OfferVolumes() public view {
        for (uint256 i; i < handler.offerCount(); ++i) {
            IMarket.Offer memory o = handler.offerAt(i);
            IMarket.OfferState memory st = market.offerState(market.hashOffer(o));
            assertEq(st.taken, handler.ghostLeavesTaken(i));
            assertLe(st.taken, o.maxLeaves);
            assertEq(st.cancelled, handler.ghostCancelled(i));
        }
        assertEq(handler.ghostCancelledTaken(), 0, "a cancelled offer is never taken");
    }

    /// @dev Logs how often each action went through (run with -vv), to see that the runs reach every phase.
    function afterInvariant() public {
        bytes32[17] memory actions = [
            bytes32("take"),
            "accept",
            "cancelDeal",
            "commit",
            "answerQuery",
            "withhold",
            "cancelOffer",
            "proveCheat",
            "openQuery",
            "timeoutQuery",
            "reclaimQueryBond",
            "finalize",
            "forfeitClaim",
            "warp",
            "suspect",
            "rehab",
            "ban"
        ];
        for (uint256 i; i < actions.length; ++i) {
            emit log_named_uint(string(abi.encodePacked(actions[i])), handler.calls(actions[i]));
        }
    }
}
