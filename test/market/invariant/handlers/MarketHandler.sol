// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../../contracts/hub/HubWallet.sol";
import {HubState} from "../../../../contracts/interfaces/IHubWallet.sol";
import {Market} from "../../../../contracts/market/Market.sol";
import {IMarket} from "../../../../contracts/market/interfaces/IMarket.sol";
import {MapGame} from "../../../../contracts/verification/MapGame.sol";
import {IMapComputation} from "../../../../contracts/verification/computations/IMapComputation.sol";
import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {MerkleTrees} from "../../../verification/utils/MerkleTrees.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives the market and its deals through every action, with bounded inputs, from a small cast: buyers
/// take leaves of a few signed offers of two hubs; the hubs' operators commit honest results or results that lie at
/// one index and answer queries (or let them lapse); challengers prove cheats and query; the buyers accept or cancel;
/// anyone finalizes, forfeits and times out; the DAO suspects, rehabilitates and bans hubs. Deals run the Square
/// computation over 1 to 8 leaves whose inputs follow from the deal id. The ghost counts are written only after the
/// call they count went through, and the outcome each action should record is worked out here from the wallet's
/// state, not read from the market.
contract MarketHandler is Test {
    using MerkleTrees for MerkleTrees.Tree;

    /// @dev A hub of the cast: its wallet, and the key of its operator.
    struct Seller {
        HubWallet wallet;
        address operator;
        uint256 operatorKey;
    }

    /// @dev How each deal's ending should show in its hub's history.
    struct Ghost {
        uint256 taken;
        uint256 accepted;
        uint256 settled;
        uint256 cheatsProven;
        uint256 queriesUnanswered;
        uint256 noCommits;
        uint256 voided;
        uint256 buyers;
    }

    Market public immutable market;
    MapGame public immutable game;
    IMapComputation public immutable computation;
    address public immutable dao;

    Seller[] internal _sellers;
    /// @dev Every offer ever signed, cancelled ones included; `_live[slot]` is the offer a slot sells now (a cancel
    /// replaces it with a fresh one of the same terms, so the market never runs dry).
    IMarket.Offer[] internal _offers;
    bytes[] internal _signatures;
    uint256[] internal _live;
    address[] public buyers;
    address[] public challengers;

    uint256[] public dealIds;
    uint256[] public queryIds;
    /// @dev The offer each deal was taken from.
    mapping(uint256 dealId => uint256) public offerOf;
    /// @dev For a committed deal: 0 if its result is honest, else 1 + the index it lies about.
    mapping(uint256 dealId => uint256) public cheatAt;

    mapping(address hub => Ghost) internal _ghosts;
    mapping(address hub => mapping(address buyer => bool)) public ghostBought;
    /// @dev Leaves taken of each offer, and whether it was cancelled.
    mapping(uint256 offer => uint256) public ghostLeavesTaken;
    mapping(uint256 offer => bool) public ghostCancelled;
    /// @dev Takes of a cancelled offer that were not refused with MarketOfferCancelled: must stay 0.
    uint256 public ghostCancelledTaken;

    mapping(bytes32 action => uint256) public calls;

    constructor(
        Market market_,
        IMapComputation computation_,
        Seller[] memory sellers_,
        address[] memory buyers_,
        address[] memory challengers_
    ) {
        market = market_;
        game = MapGame(address(market_.game()));
        computation = computation_;
        dao = game.dao();
        buyers = buyers_;
        challengers = challengers_;
        for (uint256 i; i < sellers_.length; ++i) {
            _sellers.push(sellers_[i]);
            // Two offers a hub: a long one with the game's windows, a short one with longer windows and smaller bonds.
            _live.push(_addOffer(i, 0, 2 ether, 400, 50 ether, 5 ether, 0, 1 days));
            _live.push(_addOffer(i, 1, 1 ether, 60, 20 ether, 2 ether, 1 hours, 1 hours));
        }
    }

    function _addOffer(
        uint256 seller,
        uint256 nonce,
        uint96 price,
        uint64 maxLeaves,
        uint96 hubBond,
        uint96 challengerBond,
        uint32 extraWindow,
        uint32 turnaround
    ) internal returns (uint256 index) {
        IMapGame.Parameters memory p = game.parameters();
        Seller memory s = _sellers[seller];
        IMarket.Offer memory o = IMarket.Offer({
            hub: s.wallet,
            computation: computation,
            pricePerLeaf: price,
            maxLeaves: maxLeaves,
            gasPerLeaf: 50_000,
            hubBond: hubBond,
            challengerBond: challengerBond,
            challengeWindow: p.challengeWindow + extraWindow,
            responseWindow: p.responseWindow + extraWindow,
            turnaround: turnaround,
            // Far beyond any run: bans alone move time by months.
            expiry: uint40(block.timestamp + 3650 days),
            nonce: nonce
        });
        _sign(s.operatorKey, o);
        index = _offers.length - 1;
    }

    function _sign(uint256 key, IMarket.Offer memory o) internal {
        (uint8 v, bytes32 r, bytes32 sig) = vm.sign(key, market.hashOffer(o));
        _offers.push(o);
        _signatures.push(abi.encodePacked(r, sig, v));
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    function sellerCount() external view returns (uint256) {
        return _sellers.length;
    }

    function hubAt(uint256 i) external view returns (HubWallet) {
        return _sellers[i].wallet;
    }

    function offerCount() external view returns (uint256) {
        return _offers.length;
    }

    function offerAt(uint256 i) external view returns (IMarket.Offer memory) {
        return _offers[i];
    }

    function dealCount() external view returns (uint256) {
        return dealIds.length;
    }

    function allDeals() external view returns (uint256[] memory) {
        return dealIds;
    }

    function allQueries() external view returns (uint256[] memory) {
        return queryIds;
    }

    function ghost(address hub) external view returns (Ghost memory) {
        return _ghosts[hub];
    }

    /*//////////////////////////////////////////////////////////////
                                 WORLD
    //////////////////////////////////////////////////////////////*/

    function _seller(uint256 seed) internal view returns (Seller memory) {
        return _sellers[seed % _sellers.length];
    }

    function _sellerOf(address hub) internal view returns (Seller memory s) {
        for (uint256 i; i < _sellers.length; ++i) {
            if (address(_sellers[i].wallet) == hub) return _sellers[i];
        }
    }

    /// @dev The first deal from a seeded start whose status is `status` (else 0, which no call accepts): random picks
    /// would mostly hit ended deals.
    function _findDeal(uint256 seed, IMapGame.TaskStatus status) internal view returns (uint256) {
        uint256 n = dealIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 dealId = dealIds[(seed + k) % n];
            if (game.task(dealId).status == status) return dealId;
        }
        return 0;
    }

    /// @dev The first uncommitted deal from a seeded start whose hub is Suspected or Punished (else any uncommitted
    /// deal, whose cancel must fail).
    function _findCancellable(uint256 seed) internal view returns (uint256) {
        uint256 n = dealIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 dealId = dealIds[(seed + k) % n];
            IMapGame.Task memory t = game.task(dealId);
            if (t.status != IMapGame.TaskStatus.Claimed) continue;
            HubState state = HubWallet(t.solver).state();
            if (state == HubState.Suspected || state == HubState.Punished) return dealId;
        }
        return _findDeal(seed, IMapGame.TaskStatus.Claimed);
    }

    /// @dev The first committed deal from a seeded start whose result lies (else any committed deal).
    function _findLyingDeal(uint256 seed) internal view returns (uint256) {
        uint256 n = dealIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 dealId = dealIds[(seed + k) % n];
            if (game.task(dealId).status == IMapGame.TaskStatus.Committed && cheatAt[dealId] != 0) return dealId;
        }
        return _findDeal(seed, IMapGame.TaskStatus.Committed);
    }

    function _findOpenQuery(uint256 seed) internal view returns (uint256) {
        uint256 n = queryIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 queryId = queryIds[(seed + k) % n];
            if (game.query(queryId).status == IMapGame.QueryStatus.Open) return queryId;
        }
        return 0;
    }

    function _inputOf(uint256 dealId, uint256 i) internal pure returns (bytes memory) {
        return abi.encode(dealId * 1000 + i);
    }

    /// @dev The outputs a commitment claims: honest, or lying at `lie - 1`.
    function _outputOf(uint256 dealId, uint256 i, uint256 lie) internal pure returns (bytes memory) {
        if (lie == i + 1) return abi.encode(uint256(0xbad));
        uint256 x = dealId * 1000 + i;
        return abi.encode(x * x);
    }

    function _inputTree(uint256 dealId, uint256 n) internal pure returns (MerkleTrees.Tree memory) {
        bytes[] memory ins = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            ins[i] = _inputOf(dealId, i);
        }
        return MerkleTrees.build(ins);
    }

    function _resultTree(uint256 dealId, uint256 n, uint256 lie) internal pure returns (MerkleTrees.Tree memory) {
        bytes[] memory outs = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            outs[i] = _outputOf(dealId, i, lie);
        }
        return MerkleTrees.build(outs);
    }

    /// @dev Moves time to `deadline` (never back) when `seed` is even.
    function _maybeWarpTo(uint256 deadline, uint256 seed) internal {
        if (seed % 2 == 0 && deadline > block.timestamp) {
            vm.warp(deadline);
            vm.roll(block.number + 1);
        }
    }

    /// @dev Whether a settlement into `hub` must be voided: nothing settles into a Punished wallet.
    function _punished(address hub) internal view returns (bool) {
        return HubWallet(hub).state() == HubState.Punished;
    }

    /*//////////////////////////////////////////////////////////////
                                 BUYERS
    //////////////////////////////////////////////////////////////*/

    /// @dev A buyer takes 1 to 8 leaves of a live offer; one time in two its hub commits at once (honest or lying,
    /// by `lieSeed`).
    function take(uint256 offerSeed, uint256 buyerSeed, uint256 leavesSeed, uint256 lieSeed) external {
        uint256 index = _live[offerSeed % _live.length];
        IMarket.Offer memory o = _offers[index];
        address buyer = buyers[buyerSeed % buyers.length];
        uint64 leaves = uint64(_bound(leavesSeed, 1, 8));
        uint256 expectedId = game.taskCount() + 1;
        bytes32 inputRoot = _inputTree(expectedId, leaves).root();
        vm.prank(buyer);
        uint256 dealId = market.take(o, _signatures[index], inputRoot, leaves, "sonm://inputs");
        assertEq(dealId, expectedId, "deal ids follow the game's tasks");

        dealIds.push(dealId);
        offerOf[dealId] = index;
        ghostLeavesTaken[index] += leaves;
        Ghost storage g = _ghosts[address(o.hub)];
        g.taken += 1;
        if (!ghostBought[address(o.hub)][buyer]) {
            ghostBought[address(o.hub)][buyer] = true;
            g.buyers += 1;
        }
        calls["take"] += 1;
        if (lieSeed % 4 < 2) _commit(dealId, lieSeed >> 2);
    }

    function accept(uint256 dealSeed) external {
        uint256 dealId = _findDeal(dealSeed, IMapGame.TaskStatus.Committed);
        IMapGame.Task memory t = game.task(dealId);
        bool voids = _punished(t.solver);
        vm.prank(t.buyer);
        game.accept(dealId);
        if (voids) _ghosts[t.solver].voided += 1;
        else _ghosts[t.solver].accepted += 1;
        calls["accept"] += 1;
    }

    /// @dev The buyer of an uncommitted deal whose hub is Suspected or Punished takes the escrow back.
    function cancelDeal(uint256 dealSeed) external {
        uint256 dealId = _findCancellable(dealSeed);
        IMapGame.Task memory t = game.task(dealId);
        vm.prank(t.buyer);
        game.cancelDeal(dealId);
        _ghosts[t.solver].voided += 1;
        calls["cancelDeal"] += 1;
    }

    /*//////////////////////////////////////////////////////////////
                                  HUBS
    //////////////////////////////////////////////////////////////*/

    /// @dev The hub's operator commits the honest results, or results lying at one index.
    function commit(uint256 dealSeed, uint256 lieSeed) external {
        _commit(_findDeal(dealSeed, IMapGame.TaskStatus.Claimed), lieSeed);
    }

    function _commit(uint256 dealId, uint256 lieSeed) internal {
        IMapGame.Task memory t = game.task(dealId);
        uint256 lie = lieSeed % 2 == 0 ? 0 : 1 + (lieSeed / 2) % t.leafCount;
        bytes32 root = _resultTree(dealId, t.leafCount, lie).root();
        vm.prank(_sellerOf(t.solver).operator);
        game.commit(dealId, root, "sonm://results");
        cheatAt[dealId] = lie;
        calls["commit"] += 1;
    }

    /// @dev The operator answers with the committed leaf, or (one time in three) withholds and lets the response
    /// window pass.
    function answerQuery(uint256 querySeed) external {
        uint256 queryId = _findOpenQuery(querySeed);
        IMapGame.Query memory q = game.query(queryId);
        if (querySeed % 3 == 0) {
            if (q.deadline > block.timestamp) vm.warp(q.deadline);
            calls["withhold"] += 1;
            return;
        }
        IMapGame.Task memory t = game.task(q.taskId);
        uint256 lie = cheatAt[q.taskId];
        bytes32[] memory path = _resultTree(q.taskId, t.leafCount, lie).proof(q.index);
        vm.prank(_sellerOf(t.solver).operator);
        game.answerQuery(queryId, _outputOf(q.taskId, q.index, lie), path);
        calls["answerQuery"] += 1;
    }

    /// @dev The hub cancels a live offer and signs the same terms again under a new nonce; a buyer then tries the
    /// cancelled one, which must be refused (the call reverts, with the cancel, if it is not).
    function cancelOffer(uint256 offerSeed, uint256 buyerSeed) external {
        uint256 slot = offerSeed % _live.length;
        uint256 index = _live[slot];
        IMarket.Offer memory o = _offers[index];
        Seller memory s = _sellerOf(address(o.hub));
        vm.prank(s.operator);
        market.cancel(o);
        ghostCancelled[index] = true;
        bytes memory refusal = abi.encodeWithSelector(IMarket.MarketOfferCancelled.selector, market.hashOffer(o));
        vm.prank(buyers[buyerSeed % buyers.length]);
        try market.take(o, _signatures[index], bytes32(0), 1, "") {
            ghostCancelledTaken += 1;
        } catch (bytes memory reason) {
            if (keccak256(reason) != keccak256(refusal)) ghostCancelledTaken += 1;
        }
        o.nonce = _offers.length;
        _sign(s.operatorKey, o);
        _live[slot] = _offers.length - 1;
        calls["cancelOffer"] += 1;
    }

    /*//////////////////////////////////////////////////////////////
                              CHALLENGERS
    //////////////////////////////////////////////////////////////*/

    /// @dev A challenger commits a proof for the leaf at `indexSeed` (mostly the lie, if any), a block passes, it
    /// reveals.
    function proveCheat(uint256 dealSeed, uint256 challengerSeed, uint256 indexSeed) external {
        uint256 dealId = _findLyingDeal(dealSeed);
        IMapGame.Task memory t = game.task(dealId);
        uint256 lie = cheatAt[dealId];
        // Mostly the lie; one time in eight an honest leaf (which must fail).
        uint256 index = lie != 0 && indexSeed % 8 != 0 ? lie - 1 : indexSeed % t.leafCount;
        IMapGame.CheatProof memory p = IMapGame.CheatProof(
            index,
            _inputOf(dealId, index),
            _inputTree(dealId, t.leafCount).proof(index),
            _outputOf(dealId, index, lie),
            _resultTree(dealId, t.leafCount, lie).proof(index)
        );
        address challenger = challengers[challengerSeed % challengers.length];
        bytes32 salt = keccak256(abi.encode(block.number, dealId, index));
        bytes32 c = game.proofCommitment(challenger, dealId, index, p.input, p.output, salt);
        if (game.proofCommitBlock(c) == 0) {
            vm.prank(challenger);
            game.commitProof(c);
        }
        vm.roll(block.number + 1);
        vm.prank(challenger);
        game.proveCheat(dealId, p, salt);
        _ghosts[t.solver].cheatsProven += 1;
        calls["proveCheat"] += 1;
    }

    function openQuery(uint256 dealSeed, uint256 challengerSeed, uint256 indexSeed) external {
        uint256 dealId = _findDeal(dealSeed, IMapGame.TaskStatus.Committed);
        uint256 n = game.task(dealId).leafCount;
        vm.prank(challengers[challengerSeed % challengers.length]);
        uint256 queryId = game.openQuery(dealId, n == 0 ? 0 : indexSeed % n);
        queryIds.push(queryId);
        calls["openQuery"] += 1;
    }

    function timeoutQuery(uint256 querySeed) external {
        uint256 queryId = _findOpenQuery(querySeed);
        IMapGame.Query memory q = game.query(queryId);
        _maybeWarpTo(q.deadline, querySeed);
        address hub = game.task(q.taskId).solver;
        game.timeoutQuery(queryId);
        _ghosts[hub].queriesUnanswered += 1;
        calls["timeoutQuery"] += 1;
    }

    function reclaimQueryBond(uint256 querySeed) external {
        game.reclaimQueryBond(_findOpenQuery(querySeed));
        calls["reclaimQueryBond"] += 1;
    }

    /*//////////////////////////////////////////////////////////////
                                 ANYONE
    //////////////////////////////////////////////////////////////*/

    function finalize(uint256 dealSeed) external {
        uint256 dealId = _findDeal(dealSeed, IMapGame.TaskStatus.Committed);
        IMapGame.Task memory t = game.task(dealId);
        _maybeWarpTo(t.deadline, dealSeed);
        bool voids = _punished(t.solver);
        game.finalize(dealId);
        if (voids) _ghosts[t.solver].voided += 1;
        else _ghosts[t.solver].settled += 1;
        calls["finalize"] += 1;
    }

    /// @dev Ends a deal its hub did not commit by the turnaround, letting the turnaround pass first one time in two.
    function forfeitClaim(uint256 dealSeed) external {
        uint256 dealId = _findDeal(dealSeed, IMapGame.TaskStatus.Claimed);
        IMapGame.Task memory t = game.task(dealId);
        _maybeWarpTo(t.deadline, dealSeed);
        game.forfeitClaim(dealId);
        _ghosts[t.solver].noCommits += 1;
        calls["forfeitClaim"] += 1;
    }

    function warp(uint256 secondsSeed) external {
        skip(_bound(secondsSeed, 1, 2 hours));
        vm.roll(block.number + 1);
        calls["warp"] += 1;
    }

    /*//////////////////////////////////////////////////////////////
                                  DAO
    //////////////////////////////////////////////////////////////*/

    /// @dev The DAO acts on a hub, rarely: a Registered hub is suspected one time in four; a Suspected one is
    /// rehabilitated (and its operator registers it again) one time in two, or banned once the suspicion period is
    /// over (months pass, and every deadline with them) one time in four.
    function daoActs(uint256 hubSeed, uint256 actionSeed) external {
        Seller memory s = _seller(hubSeed);
        HubState state = s.wallet.state();
        uint256 pick = actionSeed % 4;
        if (state == HubState.Registered && pick == 0) {
            vm.prank(dao);
            s.wallet.suspect();
            calls["suspect"] += 1;
        } else if (state == HubState.Suspected && pick < 2) {
            vm.prank(dao);
            s.wallet.rehab();
            vm.prank(s.operator);
            s.wallet.register();
            calls["rehab"] += 1;
        } else if (state == HubState.Suspected && pick == 2) {
            uint256 banAt = s.wallet.banAt();
            if (banAt > block.timestamp) vm.warp(banAt);
            vm.prank(dao);
            s.wallet.ban();
            calls["ban"] += 1;
        }
    }
}
