// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../contracts/hub/HubWallet.sol";
import {Market} from "../../contracts/market/Market.sol";
import {IMarket} from "../../contracts/market/interfaces/IMarket.sol";
import {IMapGame} from "../../contracts/verification/interfaces/IMapGame.sol";
import {MapGameBase} from "../verification/map/MapGameBase.sol";
import {MerkleTrees} from "../verification/utils/MerkleTrees.sol";

/// @notice The market's test world: the deployment, a registered hub whose owner set an operator key, buyers who
/// approved the market, offers signed as `cast wallet sign --data` signs them, and the Square world of MapGameBase
/// (inputs, honest outputs, a cheat at will) to take, commit and prove against.
abstract contract MarketBase is MapGameBase {
    using MerkleTrees for MerkleTrees.Tree;

    Market internal market;
    HubWallet internal hub;

    address internal operator;
    uint256 internal operatorKey;
    uint256 internal hubOwnerKey;

    /// @dev What the hub deposits: bonds for many deals, the registration freeze and miners' pay.
    uint256 internal constant HUB_DEPOSIT = 10_000 ether;
    uint96 internal constant PRICE_PER_LEAF = 2 ether;
    uint32 internal constant TURNAROUND = 1 days;
    uint64 internal constant LEAVES = 8;

    function setUp() public virtual override {
        super.setUp();
        market = Market(d.market);
        vm.label(d.market, "Market");
        (operator, operatorKey) = makeAddrAndKey("operator");
        // The owner's key signs in a few tests ("signed by the operator or the owner"): hubOwner gets one too.
        (hubOwner, hubOwnerKey) = makeAddrAndKey("hubOwnerWithKey");
        hub = createRegisteredHub(hubOwner, HUB_DEPOSIT);
        vm.prank(hubOwner);
        hub.setOperator(operator);
        address[5] memory actors = [alice, bob, carol, dave, eve];
        for (uint256 i; i < actors.length; ++i) {
            vm.prank(actors[i]);
            token.approve(address(market), type(uint256).max);
        }
        buildSquareWorld(LEAVES);
    }

    /*//////////////////////////////////////////////////////////////
                                 OFFERS
    //////////////////////////////////////////////////////////////*/

    /// @dev The hub's standard offer: Square leaves at PRICE_PER_LEAF, the game's windows, a day's turnaround.
    function offerOf(HubWallet wallet) internal view returns (IMarket.Offer memory o) {
        IMapGame.Parameters memory p = game.parameters();
        o.hub = wallet;
        o.computation = square;
        o.pricePerLeaf = PRICE_PER_LEAF;
        o.maxLeaves = 1000;
        o.gasPerLeaf = GAS_PER_LEAF;
        o.hubBond = SOLVER_BOND;
        o.challengerBond = CHALLENGER_BOND;
        o.challengeWindow = p.challengeWindow;
        o.responseWindow = p.responseWindow;
        o.turnaround = TURNAROUND;
        o.expiry = uint40(block.timestamp + 7 days);
        o.nonce = 1;
    }

    function defaultOffer() internal view returns (IMarket.Offer memory) {
        return offerOf(hub);
    }

    /// @dev `key` signs `o` for this market: a 65-byte (r, s, v) signature of its EIP-712 digest.
    function sign(IMarket.Offer memory o, uint256 key) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, market.hashOffer(o));
        return abi.encodePacked(r, s, v);
    }

    /// @dev `who` takes `leaves` leaves of `o` (signed by the operator) with the Square world's inputs.
    function takeAs(address who, IMarket.Offer memory o, uint64 leaves) internal returns (uint256 dealId) {
        return takeAs(who, o, sign(o, operatorKey), leaves);
    }

    function takeAs(address who, IMarket.Offer memory o, bytes memory signature, uint64 leaves)
        internal
        returns (uint256 dealId)
    {
        vm.prank(who);
        dealId = market.take(o, signature, inputTree.root(), leaves, "sonm://inputs");
    }

    /// @dev The buyer (alice) takes the whole Square world from the hub's standard offer.
    function takeWorld() internal returns (uint256 dealId) {
        return takeAs(buyer, defaultOffer(), LEAVES);
    }

    /// @dev The operator commits the (current) result tree of the world on `dealId`.
    function commitDeal(uint256 dealId) internal {
        commitAs(operator, dealId, resultTree.root());
    }

    /// @dev The DAO suspects `wallet` and bans it once the suspicion period is over (the clock moves on).
    function banHub(HubWallet wallet) internal {
        asDao();
        wallet.suspect();
        skip(wallet.banAt() - block.timestamp);
        asDao();
        wallet.ban();
    }

    /// @dev Every SNM the market and the game hold.
    function heldByMarketAndGame() internal view returns (uint256) {
        return token.balanceOf(address(market)) + token.balanceOf(address(game));
    }
}
