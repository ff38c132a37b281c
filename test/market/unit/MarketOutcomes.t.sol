// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubParameters, HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {IMarket} from "../../../contracts/market/interfaces/IMarket.sol";
import {IMapGame} from "../../../contracts/verification/interfaces/IMapGame.sol";
import {MerkleTrees} from "../../verification/utils/MerkleTrees.sol";
import {MarketBase} from "../MarketBase.sol";

/// @notice docs/protocol.md, "The market", table "Every outcome of a deal": one test per row. Each checks who got
/// the escrow and the bond, whether the task reopened, and what the hub's history shows.
contract MarketOutcomesTest is MarketBase {
    using MerkleTrees for MerkleTrees.Tree;

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

    /// Row 2: honest, and nobody accepts: it settles when the deal's challenge window ends.
    function test_Outcome_HonestSettledAfterTheWindow() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        commitDeal(dealId);
        vm.expectRevert(
            abi.encodeWithSelector(IMapGame.MapGameDeadlineNotReached.selector, block.timestamp + 10 minutes)
        );
        game.finalize(dealId);
        skip(10 minutes);
        vm.prank(eve);
        game.finalize(dealId);

        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Finalized));
        assertEq(token.balanceOf(address(hub)), hubBefore + ESCROW);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.accepted, 0);
        assertEq(h.settled, 1);
        assertEq(h.leavesDelivered, LEAVES);
        assertEq(h.earned, ESCROW);
    }

    /// Row 3: a proven cheat, proven by a watcher: the bond is split, the escrow returns, the deal never reopens.
    function test_Outcome_CheatProven() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        cheatAt(3);
        commitDeal(dealId);
        uint256 challengerBefore = token.balanceOf(challenger);
        IMapGame.CheatProof memory p = cheatProof(3);
        commitProofAs(challenger, dealId, p, bytes32("salt"));
        vm.prank(challenger);
        game.proveCheat(dealId, p, bytes32("salt"));

        uint256 toChallenger = uint256(SOLVER_BOND) * game.parameters().challengerShareBps / 10_000;
        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Refunded), "ended, not reopened");
        assertEq(token.balanceOf(buyer), buyerBefore, "buyer whole");
        assertEq(token.balanceOf(challenger), challengerBefore + toChallenger);
        assertEq(token.balanceOf(d.timelock), daoBefore + SOLVER_BOND - toChallenger);
        assertEq(token.balanceOf(address(hub)), hubBefore - SOLVER_BOND, "the hub lost its bond");
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.cheatsProven, 1);
        assertEq(h.lastFaultAt, block.timestamp);
        assertEq(h.accepted + h.settled, 0);
        // A deal never reopens: nobody can claim it.
        vm.expectRevert();
        vm.prank(solver);
        game.claim(dealId);
    }

    /// A hub that cheats and proves it from another address of its own: the fault is still written, and the hub
    /// loses at least the DAO's part of its bond.
    function test_Outcome_CheatProvenByTheHubItself() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        cheatAt(0);
        commitDeal(dealId);
        address sock = makeAddr("hubSockPuppet");
        IMapGame.CheatProof memory p = cheatProof(0);
        commitProofAs(sock, dealId, p, bytes32("own"));
        vm.prank(sock);
        game.proveCheat(dealId, p, bytes32("own"));

        IMarket.History memory h = market.history(address(hub));
        assertEq(h.cheatsProven, 1, "written whoever proved it");
        uint256 recovered = token.balanceOf(sock);
        assertLe(recovered, uint256(SOLVER_BOND) / 2, "at most half the bond comes back");
        assertEq(token.balanceOf(buyer), buyerBefore, "buyer whole");
    }

    /// Row 4: an unanswered query: the challenger gets its bond and a share, the escrow returns.
    function test_Outcome_QueryUnanswered() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        commitDeal(dealId);
        uint256 challengerBefore = token.balanceOf(challenger);
        uint256 queryId = openQueryAs(challenger, dealId, 5);
        // The buyer cannot accept while the query is open.
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameQueriesOpen.selector, dealId, 1));
        vm.prank(buyer);
        game.accept(dealId);
        skip(10 minutes);
        game.timeoutQuery(queryId);

        uint256 toChallenger = uint256(SOLVER_BOND) * game.parameters().challengerShareBps / 10_000;
        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Refunded));
        assertEq(token.balanceOf(buyer), buyerBefore, "buyer whole");
        assertEq(token.balanceOf(challenger), challengerBefore + toChallenger);
        assertEq(token.balanceOf(address(hub)), hubBefore - SOLVER_BOND);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.queriesUnanswered, 1);
        assertEq(h.lastFaultAt, block.timestamp);
    }

    /// An answered query on a deal: the deal goes on, the bond goes to the hub wallet.
    function test_Deal_QueryAnsweredThenAccepted() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        commitDeal(dealId);
        uint256 queryId = openQueryAs(challenger, dealId, 5);
        answer(queryId);
        vm.prank(buyer);
        game.accept(dealId);
        assertEq(token.balanceOf(address(hub)), hubBefore + ESCROW + CHALLENGER_BOND);
        assertEq(market.history(address(hub)).accepted, 1);
    }

    /// Row 5: no commit by the turnaround: escrow and bond go to the buyer; the deal never reopens.
    function test_Outcome_NoCommit() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        skip(TURNAROUND);
        // Neither a claim nor a refund may reopen or end a deal: only forfeitClaim does.
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                dealId,
                IMapGame.TaskStatus.Claimed,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        vm.prank(solver);
        game.claim(dealId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                dealId,
                IMapGame.TaskStatus.Claimed,
                _bit(IMapGame.TaskStatus.Open)
            )
        );
        vm.prank(buyer);
        game.refund(dealId);
        vm.prank(eve);
        game.forfeitClaim(dealId);

        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Refunded));
        assertEq(token.balanceOf(buyer), buyerBefore + SOLVER_BOND, "escrow back, and the bond");
        assertEq(token.balanceOf(address(hub)), hubBefore - SOLVER_BOND);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.noCommits, 1);
        assertEq(h.lastFaultAt, block.timestamp);
        // Too late to commit.
        vm.expectRevert();
        commitDeal(dealId);
    }

    /// Row 6: the hub becomes Suspected before committing; the buyer cancels: escrow back, bond to the wallet.
    function test_Outcome_BuyerCancelsWithASuspectedHub() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        // Not while the hub is in good standing.
        vm.expectRevert(
            abi.encodeWithSelector(IMapGame.MapGameHubInGoodStanding.selector, address(hub), uint8(HubState.Registered))
        );
        vm.prank(buyer);
        game.cancelDeal(dealId);
        asDao();
        hub.suspect();
        // Only the buyer.
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotBuyer.selector, eve, buyer));
        vm.prank(eve);
        game.cancelDeal(dealId);
        vm.prank(buyer);
        game.cancelDeal(dealId);

        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Refunded));
        assertEq(token.balanceOf(buyer), buyerBefore, "buyer whole");
        assertEq(token.balanceOf(address(hub)), hubBefore, "the bond back in the wallet, within the DAO's reach");
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.voided, 1);
        assertEq(h.lastFaultAt, 0, "not a fault of the deal");
    }

    /// cancelDeal applies to uncommitted deals only, and to deals only.
    function test_Deal_CancelRefusedWhenCommittedOrNotADeal() public {
        uint256 dealId = takeWorld();
        commitDeal(dealId);
        asDao();
        hub.suspect();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                dealId,
                IMapGame.TaskStatus.Committed,
                _bit(IMapGame.TaskStatus.Claimed)
            )
        );
        vm.prank(buyer);
        game.cancelDeal(dealId);
        uint256 taskId = postWorld();
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotDeal.selector, taskId));
        vm.prank(buyer);
        game.cancelDeal(taskId);
    }

    /// Row 7: the hub becomes Suspected after committing: the deal goes on and settles into the wallet, where the
    /// DAO's decision reaches it.
    function test_Outcome_HubSuspectedWhileInFlight() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        commitDeal(dealId);
        asDao();
        hub.suspect();
        vm.prank(buyer);
        game.accept(dealId);
        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Finalized));
        assertEq(token.balanceOf(address(hub)), hubBefore + ESCROW);
        assertEq(uint8(hub.state()), uint8(HubState.Suspected), "blocked there until the DAO decides");
        assertEq(market.history(address(hub)).accepted, 1);
    }

    /// Row 8: the hub holds PayDay (Idle) while a deal is in flight: the operator still commits, the deal settles
    /// into the Idle wallet, and the reward is free (not cooling).
    function test_Outcome_HubIdleWhileInFlight() public {
        skip(hub.payDayAt() - block.timestamp - 1 hours);
        uint256 dealId = takeWorld();
        skip(1 hours);
        vm.prank(operator);
        hub.payDay();
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        uint256 freeBefore = hub.freeBalance();
        commitDeal(dealId);
        skip(10 minutes);
        game.finalize(dealId);
        assertEq(hub.freeBalance(), freeBefore + ESCROW + SOLVER_BOND);
        assertEq(market.history(address(hub)).settled, 1);
        // Idle: no new deal until it registers again.
        IMarket.Offer memory o = defaultOffer();
        bytes memory sig = sign(o, operatorKey);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Idle,
                bytes32(uint256(1) << uint8(HubState.Registered))
            )
        );
        takeAs(buyer, o, sig, LEAVES);
    }

    /// Row 9: the hub is banned (Punished) before its committed deal settled: nothing settles into the wallet, the
    /// escrow returns to the buyer and the bond goes to the DAO.
    function test_Outcome_HubPunishedBeforeSettlement() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        commitDeal(dealId);
        banHub(hub);
        uint256 daoAfterBan = token.balanceOf(d.timelock);
        vm.prank(buyer);
        game.accept(dealId);

        assertEq(uint8(_status(dealId)), uint8(IMapGame.TaskStatus.Refunded));
        assertEq(token.balanceOf(address(hub)), 0, "nothing settled into the Punished wallet");
        assertEq(token.balanceOf(buyer), buyerBefore, "buyer whole");
        assertEq(token.balanceOf(d.timelock), daoAfterBan + SOLVER_BOND);
        IMarket.History memory h = market.history(address(hub));
        assertEq(h.voided, 1);
        assertTrue(h.banned);
        assertEq(h.accepted, 0);
    }

    /// Row 9 (uncommitted): the buyer cancels a deal of a Punished hub: the bond goes to the DAO.
    function test_Outcome_BuyerCancelsWithAPunishedHub() public {
        _snapshotBalances();
        uint256 dealId = takeWorld();
        banHub(hub);
        uint256 daoAfterBan = token.balanceOf(d.timelock);
        vm.prank(buyer);
        game.cancelDeal(dealId);
        assertEq(token.balanceOf(buyer), buyerBefore);
        assertEq(token.balanceOf(d.timelock), daoAfterBan + SOLVER_BOND);
        assertEq(token.balanceOf(address(hub)), 0);
    }

    /// A query answered on a deal of a hub banned meanwhile: the challenger's bond goes to the DAO, not the wallet.
    function test_Deal_AnswerIntoAPunishedWalletGoesToTheDao() public {
        // A hub with a short suspicion period (the DAO's terms for new wallets), so a ban lands within a window.
        HubParameters memory p = factory.parameters();
        p.suspicionPeriod = 1 hours;
        asDao();
        factory.setParameters(p);
        HubWallet quick = createRegisteredHub(hubOwner, HUB_DEPOSIT);
        vm.prank(hubOwner);
        quick.setOperator(operator);
        IMarket.Offer memory o = offerOf(quick);
        o.responseWindow = 1 days;
        o.challengeWindow = 1 days;
        uint256 dealId = takeAs(buyer, o, LEAVES);
        commitDeal(dealId);
        uint256 queryId = openQueryAs(challenger, dealId, 2);
        asDao();
        quick.suspect();
        skip(1 hours);
        asDao();
        quick.ban();
        uint256 daoBefore_ = token.balanceOf(d.timelock);
        answer(queryId);
        assertEq(token.balanceOf(address(quick)), 0);
        assertEq(token.balanceOf(d.timelock), daoBefore_ + CHALLENGER_BOND);
    }

    /// Accept: the buyer only, a committed result only; an open task's buyer may accept too.
    function test_Accept_OnlyTheBuyerAndOnlyCommitted() public {
        uint256 dealId = takeWorld();
        vm.expectRevert(
            abi.encodeWithSelector(
                IMapGame.MapGameUnexpectedTaskStatus.selector,
                dealId,
                IMapGame.TaskStatus.Claimed,
                _bit(IMapGame.TaskStatus.Committed)
            )
        );
        vm.prank(buyer);
        game.accept(dealId);
        commitDeal(dealId);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotBuyer.selector, operator, buyer));
        vm.prank(operator);
        game.accept(dealId);

        uint256 taskId = committedWorld();
        uint256 solverBefore = token.balanceOf(solver);
        vm.expectEmit(address(game));
        emit IMapGame.TaskAccepted(taskId, buyer);
        vm.prank(buyer);
        game.accept(taskId);
        assertEq(token.balanceOf(solver), solverBefore + REWARD + SOLVER_BOND);
    }

    /// The deal's windows are the offer's: a longer challenge window and response window than the DAO's.
    function test_Deal_UsesTheOffersWindows() public {
        IMarket.Offer memory o = defaultOffer();
        o.challengeWindow = 3 days;
        o.responseWindow = 2 days;
        uint256 dealId = takeAs(buyer, o, LEAVES);
        IMapGame.DealTerms memory terms = game.dealTerms(dealId);
        assertTrue(game.task(dealId).isDeal);
        assertEq(terms.challengeWindow, 3 days);
        assertEq(terms.responseWindow, 2 days);
        assertEq(game.task(dealId).deadline, block.timestamp + TURNAROUND, "commit within the turnaround");
        commitDeal(dealId);
        assertEq(game.task(dealId).deadline, block.timestamp + 3 days);
        uint256 queryId = openQueryAs(challenger, dealId, 1);
        assertEq(game.query(queryId).deadline, block.timestamp + 2 days);
        uint256 taskId = postWorld();
        assertFalse(game.task(taskId).isDeal);
        assertEq(game.dealTerms(taskId).challengeWindow, 0);
    }

    /// Rotating the operator strands nothing: the new key commits; the old one no longer can; the owner always can.
    function test_Deal_OperatorRotationStrandsNothing() public {
        uint256 first = takeWorld();
        uint256 second = takeWorld();
        uint256 third = takeWorld();
        (address next,) = makeAddrAndKey("nextOperator");
        vm.prank(hubOwner);
        hub.setOperator(next);
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotSolver.selector, operator, address(hub)));
        commitDeal(first);
        commitAs(next, first, resultTree.root());
        commitAs(hubOwner, second, resultTree.root());
        vm.expectRevert(abi.encodeWithSelector(IMapGame.MapGameNotSolver.selector, eve, address(hub)));
        commitAs(eve, third, resultTree.root());
        assertTrue(market.actsFor(address(hub), next));
        assertTrue(market.actsFor(address(hub), hubOwner));
        assertFalse(market.actsFor(address(hub), operator));
    }
}
