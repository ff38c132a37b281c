// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IHubFactory} from "../interfaces/IHubFactory.sol";
import {IHubWallet} from "../interfaces/IHubWallet.sol";
import {IWhitelist} from "../interfaces/IWhitelist.sol";
import {IMapGame} from "../verification/interfaces/IMapGame.sol";
import {IMarket} from "./interfaces/IMarket.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title Market: hubs' signed offers, taken by buyers as deals of the map game
/// @notice See {IMarket} and docs/protocol.md ("The market"). The market holds no tokens: a take moves the buyer's
/// escrow and the hub's bond straight into the game, which settles every deal and reports how it ended.
/// @dev Offers are EIP-712 typed data (domain "SonmMarket", version "1", this chain, this contract), signed by an
/// EOA: the hub's operator or its owner (`IHubWallet.isOperator`, checked by the wallet when the market asks it for
/// the bond). A hub whose owner is a contract wallet sets an EOA operator.
contract Market is IMarket, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice The EIP-712 type hash of {IMarket.Offer}.
    bytes32 public constant OFFER_TYPEHASH = keccak256(
        "Offer(address hub,address computation,uint96 pricePerLeaf,uint64 maxLeaves,uint32 gasPerLeaf,uint96 hubBond,"
        "uint96 challengerBond,uint32 challengeWindow,uint32 responseWindow,uint32 turnaround,uint40 expiry,"
        "uint256 nonce)"
    );

    /// @inheritdoc IMarket
    IERC20 public immutable token;

    /// @inheritdoc IMarket
    IMapGame public immutable game;

    /// @inheritdoc IMarket
    IWhitelist public immutable whitelist;

    /// @notice The code hash of every hub wallet: an EIP-1167 clone of the factory's implementation. A contract with
    /// this code runs the wallet's rules; one the factory did not make can never be Registered (the Whitelist refuses
    /// its status), so it can never bond a deal.
    bytes32 public immutable walletCodeHash;

    mapping(bytes32 offerHash => OfferState) private _offers;
    mapping(address hub => History) private _histories;
    mapping(address hub => mapping(address buyer => bool)) private _bought;
    mapping(address hub => address) private _operators;

    /// @param token_ The SNM token.
    /// @param game_ The map game, deployed for this market (its `market()` is this contract).
    /// @param whitelist_ The hub registry.
    constructor(IERC20 token_, IMapGame game_, IWhitelist whitelist_) EIP712("SonmMarket", "1") {
        // The game and the market name each other: the game was deployed with this contract's address.
        address gameMarket = game_.market();
        if (gameMarket != address(this)) revert MarketGameMismatch(gameMarket);
        token = token_;
        game = game_;
        whitelist = whitelist_;
        address implementation = address(IHubFactory(whitelist_.factory()).implementation());
        // The EIP-1167 minimal proxy's runtime code, as OpenZeppelin's Clones deploys it.
        walletCodeHash =
            keccak256(abi.encodePacked(hex"363d3d373d3d3d363d73", implementation, hex"5af43d82803e903d91602b57fd5bf3"));
    }

    /*//////////////////////////////////////////////////////////////
                                 BUYER
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarket
    function take(
        Offer calldata offer,
        bytes calldata signature,
        bytes32 inputRoot,
        uint64 leafCount,
        string calldata inputURI
    ) external returns (uint256 dealId) {
        (bytes32 offerHash, address signer, uint256 price) = _use(offer, signature, leafCount);
        _noteTaken(address(offer.hub), msg.sender);

        // The escrow and the bond reach the game before the task that owes them exists.
        token.safeTransferFrom(msg.sender, address(game), price);
        // Checks that the signer acts for the hub, that the hub is Registered and that its free balance covers the
        // bond (an offer by a revoked operator, or from a Suspected or Punished hub, reverts here).
        offer.hub.fundDeal(signer, offer.hubBond, address(game));
        dealId = game.openDeal(msg.sender, address(offer.hub), _dealSpec(offer, inputRoot, leafCount, price), inputURI);
        emit DealTaken(dealId, offerHash, address(offer.hub), msg.sender, leafCount, price);
    }

    /*//////////////////////////////////////////////////////////////
                                  HUB
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarket
    function cancel(Offer calldata offer) external {
        if (!offer.hub.isOperator(msg.sender)) revert IHubWallet.HubWalletNotOperator(msg.sender);
        bytes32 offerHash = _hashOffer(offer);
        _offers[offerHash].cancelled = true;
        emit OfferCancelled(offerHash, address(offer.hub), msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                              HUB WALLETS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarket
    function recordOperator(address operator) external {
        _onlyHubWallet();
        _operators[msg.sender] = operator;
    }

    /// @inheritdoc IMarket
    function recordBan() external {
        _onlyHubWallet();
        _histories[msg.sender].banned = true;
    }

    /// @inheritdoc IMarket
    function recordDishonoured(uint256 amount) external {
        _onlyHubWallet();
        History storage h = _histories[msg.sender];
        // A counter of 2^32 presentations cannot be reached: each costs a transaction. The sum saturates.
        unchecked {
            h.receiptsDishonoured += 1;
        }
        h.amountDishonoured = uint96(_saturatingAdd(h.amountDishonoured, amount, type(uint96).max));
        // Safe until the year 36,812.
        // forge-lint: disable-next-line(unsafe-typecast)
        h.lastFaultAt = uint40(block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                                  GAME
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarket
    function recordOutcome(address hub, Outcome outcome, uint256 leaves, uint256 earned)
        external
        returns (bool settles)
    {
        if (msg.sender != address(game)) revert MarketNotGame(msg.sender);
        History storage h = _histories[hub];
        settles = true;
        // Nothing settles into a banned hub's wallet: it could never move the tokens again.
        if ((outcome == Outcome.Accepted || outcome == Outcome.Settled) && h.banned) {
            outcome = Outcome.Voided;
            settles = false;
        }
        // Counters of 2^32 deals cannot be reached: each costs a transaction. The sums of leaves and rewards could in
        // principle pass their types, so they saturate: a history must never block a settlement.
        unchecked {
            if (outcome == Outcome.Accepted || outcome == Outcome.Settled) {
                if (outcome == Outcome.Accepted) h.accepted += 1;
                else h.settled += 1;
                h.leavesDelivered = uint64(_saturatingAdd(h.leavesDelivered, leaves, type(uint64).max));
                h.earned = uint96(_saturatingAdd(h.earned, earned, type(uint96).max));
            } else if (outcome == Outcome.Voided) {
                h.voided += 1;
            } else if (outcome == Outcome.Declined) {
                h.declined += 1;
            } else {
                if (outcome == Outcome.CheatProven) h.cheatsProven += 1;
                else if (outcome == Outcome.QueryUnanswered) h.queriesUnanswered += 1;
                else h.noCommits += 1;
                // Safe until the year 36,812.
                // forge-lint: disable-next-line(unsafe-typecast)
                h.lastFaultAt = uint40(block.timestamp);
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IMarket
    function hashOffer(Offer calldata offer) external view returns (bytes32) {
        return _hashOffer(offer);
    }

    /// @inheritdoc IMarket
    function offerState(bytes32 offerHash) external view returns (OfferState memory) {
        return _offers[offerHash];
    }

    /// @inheritdoc IMarket
    function history(address hub) external view returns (History memory) {
        return _histories[hub];
    }

    /// @inheritdoc IMarket
    function histories(uint256 offset, uint256 limit) external view returns (HubHistory[] memory page) {
        IWhitelist.HubRecord[] memory records = whitelist.hubs(offset, limit);
        page = new HubHistory[](records.length);
        for (uint256 i; i < records.length; ++i) {
            address hub = records[i].wallet;
            page[i] = HubHistory({hub: hub, history: _histories[hub]});
        }
    }

    /// @inheritdoc IMarket
    function actsFor(address hub, address account) external view returns (bool) {
        // The copy answers for the operator in one read; the owner (or a wallet's key set before the copy existed)
        // is asked of the wallet, the authority.
        if (account != address(0) && _operators[hub] == account) return true;
        return IHubWallet(hub).isOperator(account);
    }

    /// @inheritdoc IMarket
    function hasBought(address hub, address buyer) external view returns (bool) {
        return _bought[hub][buyer];
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Reverts unless the caller is a hub wallet (a clone of the factory's implementation).
    function _onlyHubWallet() internal view {
        if (msg.sender.codehash != walletCodeHash) revert MarketNotHubWallet(msg.sender);
    }

    /// @dev The EIP-712 digest of `offer`. Every field of an Offer is a static type, so `abi.encode` of the struct is
    /// its EIP-712 `encodeData`.
    function _hashOffer(Offer calldata offer) internal view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(OFFER_TYPEHASH, offer)));
    }

    /// @dev Checks `offer` and its signature for a take of `leafCount` leaves, and counts them as taken. Returns the
    /// offer's digest, its signer (not yet checked against the hub: the wallet does that) and the deal's price.
    function _use(Offer calldata offer, bytes calldata signature, uint64 leafCount)
        internal
        returns (bytes32 offerHash, address signer, uint256 price)
    {
        offerHash = _hashOffer(offer);
        // Reverts on a malformed signature; a well-formed one by anyone else fails the wallet's check.
        signer = ECDSA.recover(offerHash, signature);
        // forge-lint: disable-next-line(block-timestamp) -- an offer lives minutes to days; validators move seconds.
        if (block.timestamp >= offer.expiry) revert MarketOfferExpired(offer.expiry);
        OfferState memory state = _offers[offerHash];
        if (state.cancelled) revert MarketOfferCancelled(offerHash);
        // `taken <= maxLeaves` always: every take is checked here.
        uint256 available = offer.maxLeaves - state.taken;
        if (leafCount > available) revert MarketOfferVolumeExceeded(offerHash, leafCount, available);
        // The code hash, not a registry call: it also warms the wallet's account for the call that follows.
        if (address(offer.hub).codehash != walletCodeHash) revert MarketUnknownHub(address(offer.hub));
        // Cannot overflow: 96 + 64 bits.
        price = uint256(offer.pricePerLeaf) * leafCount;
        if (price > type(uint96).max) revert MarketPriceOverflow(offer.pricePerLeaf, leafCount);
        // Safe: at most maxLeaves, a uint64 (checked above).
        // forge-lint: disable-next-line(unsafe-typecast)
        _offers[offerHash].taken = uint64(state.taken + leafCount);
    }

    /// @dev Counts a deal taken from `hub` by `buyer` in the hub's history.
    function _noteTaken(address hub, address buyer) internal {
        History storage h = _histories[hub];
        // A counter of 2^32 deals cannot be reached: each costs a transaction.
        unchecked {
            h.taken += 1;
            if (!_bought[hub][buyer]) {
                _bought[hub][buyer] = true;
                h.buyers += 1;
            }
        }
    }

    /// @dev The game's terms of a deal of `leafCount` leaves of `offer`, at `price` (at most 2^96 - 1, checked).
    function _dealSpec(Offer calldata offer, bytes32 inputRoot, uint64 leafCount, uint256 price)
        internal
        pure
        returns (IMapGame.DealSpec memory)
    {
        return IMapGame.DealSpec({
            computation: offer.computation,
            inputRoot: inputRoot,
            leafCount: leafCount,
            gasPerLeaf: offer.gasPerLeaf,
            // Safe: checked by the caller.
            // forge-lint: disable-next-line(unsafe-typecast)
            reward: uint96(price),
            solverBond: offer.hubBond,
            challengerBond: offer.challengerBond,
            challengeWindow: offer.challengeWindow,
            responseWindow: offer.responseWindow,
            turnaround: offer.turnaround
        });
    }

    /// @dev `a + b`, or `max` if that is more.
    function _saturatingAdd(uint256 a, uint256 b, uint256 max) internal pure returns (uint256) {
        // `a <= max` (it was stored in a type of that range); `b` may be anything.
        return b > max - a ? max : a + b;
    }
}
