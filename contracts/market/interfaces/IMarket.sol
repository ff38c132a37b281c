// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IHubWallet} from "../../interfaces/IHubWallet.sol";
import {IWhitelist} from "../../interfaces/IWhitelist.sol";
import {IMapComputation} from "../../verification/computations/IMapComputation.sol";
import {IMapGame} from "../../verification/interfaces/IMapGame.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title The market: hubs' signed offers, taken by buyers as deals of the map game
/// @notice A hub's operator (or owner) signs offers off chain (EIP-712, domain "SonmMarket" version "1"). A buyer
/// takes one in one transaction: the price of its leaves is escrowed into the MapGame, the hub's bond moves from the
/// hub wallet's free balance into the game, and the task opens already claimed by the hub's wallet. From there the
/// game's rules apply (docs/protocol.md, "The market"); the game tells the market how each deal ended, and the
/// market keeps every hub's history.
interface IMarket {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice A hub's offer to compute map tasks. Signed as the EIP-712 type
    /// `Offer(address hub,address computation,uint96 pricePerLeaf,uint64 maxLeaves,uint32 gasPerLeaf,uint96 hubBond,
    /// uint96 challengerBond,uint32 challengeWindow,uint32 responseWindow,uint32 turnaround,uint40 expiry,
    /// uint256 nonce)`.
    struct Offer {
        /// The hub's wallet: the deal's solver, paid into and bonded from.
        IHubWallet hub;
        /// The registered (pure) computation the hub runs on each leaf.
        IMapComputation computation;
        /// SNM (wei) the buyer pays per leaf.
        uint96 pricePerLeaf;
        /// The most leaves all the deals taken from this offer may have together (its volume).
        uint64 maxLeaves;
        /// The most gas a leaf may need: the task's `gasPerLeaf`.
        uint32 gasPerLeaf;
        /// The hub's bond per deal (the task's solver bond), at least the game's minimum.
        uint96 hubBond;
        /// A challenger's query bond on the deal, between the game's minimum and `hubBond`.
        uint96 challengerBond;
        /// Seconds a committed result may be challenged: at least the game's, at most MAX_WINDOW.
        uint32 challengeWindow;
        /// Seconds the hub has to answer a query: at least the game's, at most MAX_WINDOW.
        uint32 responseWindow;
        /// Seconds from the take within which the hub commits: between MIN_WINDOW and MAX_WINDOW.
        uint32 turnaround;
        /// The offer cannot be taken from this time on.
        uint40 expiry;
        /// Any number: tells apart offers with the same terms.
        uint256 nonce;
    }

    /// @notice How a deal ended, as the game reports it.
    enum Outcome {
        Accepted, // the buyer accepted the committed result; reward and bond went to the hub wallet
        Settled, // the challenge window ended without a fault; reward and bond went to the hub wallet
        CheatProven, // a proof of cheat: the bond was slashed, the escrow returned to the buyer
        QueryUnanswered, // a query timed out: the bond was slashed, the escrow returned to the buyer
        NoCommit, // no commit by the turnaround: escrow and bond went to the buyer
        Voided, // the hub was Suspected or Punished: the buyer cancelled, or nothing could settle into the wallet
        Declined // the hub declined before committing (inputs not served): escrow to the buyer, bond to the wallet
    }

    /// @notice What a hub has done in the market. Two slots: what a settlement writes, and the rest.
    struct History {
        /// Deals whose buyer accepted the result.
        uint32 accepted;
        /// Deals settled when the challenge window ended.
        uint32 settled;
        /// Leaves of accepted and settled deals.
        uint64 leavesDelivered;
        /// Rewards settled into the wallet (SNM wei; saturates at 2^96 - 1).
        uint96 earned;
        /// Whether the DAO banned the hub (its wallet is Punished): nothing settles into it any more.
        bool banned;
        /// Deals taken from its offers.
        uint32 taken;
        /// Deals failed by a proven cheat.
        uint32 cheatsProven;
        /// Deals failed by an unanswered query.
        uint32 queriesUnanswered;
        /// Deals failed by no commit within the turnaround.
        uint32 noCommits;
        /// Deals voided because the hub was Suspected or Punished.
        uint32 voided;
        /// Distinct buyers that took its offers.
        uint32 buyers;
        /// When its last fault (cheat, unanswered query, no commit, receipt dishonoured) was written; 0 if never.
        uint40 lastFaultAt;
        /// Work receipts presented to its wallet that it could not pay (each presentation counts).
        uint32 receiptsDishonoured;
        /// The SNM those presentations asked for (saturates at 2^96 - 1).
        uint96 amountDishonoured;
        /// Deals the hub declined before committing (not a fault: a buyer may withhold its inputs).
        uint32 declined;
    }

    /// @notice A hub with its history, as `histories` pages them.
    struct HubHistory {
        address hub;
        History history;
    }

    /// @notice What the chain keeps of an offer.
    struct OfferState {
        /// Leaves taken so far, over every deal.
        uint64 taken;
        /// Whether the hub cancelled it.
        bool cancelled;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `hub` is not a hub wallet (a clone the factory made of its implementation).
    error MarketUnknownHub(address hub);

    /// @notice The offer expired at `expiry`.
    error MarketOfferExpired(uint256 expiry);

    /// @notice The hub cancelled the offer `offerHash`.
    error MarketOfferCancelled(bytes32 offerHash);

    /// @notice Taking `requested` leaves would pass the offer's volume: `available` are left.
    error MarketOfferVolumeExceeded(bytes32 offerHash, uint256 requested, uint256 available);

    /// @notice The price of the deal does not fit 96 bits.
    error MarketPriceOverflow(uint256 pricePerLeaf, uint256 leafCount);

    /// @notice Only a hub wallet may make this call.
    error MarketNotHubWallet(address caller);

    /// @notice Only the game may make this call.
    error MarketNotGame(address caller);

    /// @notice The game was deployed for another market: the deployment is miswired.
    error MarketGameMismatch(address gameMarket);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `buyer` took `leafCount` leaves of offer `offerHash` from `hub`, as the game's task `dealId`, for
    /// `price` SNM escrowed.
    event DealTaken(
        uint256 indexed dealId,
        bytes32 indexed offerHash,
        address indexed hub,
        address buyer,
        uint64 leafCount,
        uint256 price
    );

    /// @notice The hub (`by`, its owner or operator) cancelled the offer `offerHash`.
    event OfferCancelled(bytes32 indexed offerHash, address indexed hub, address by);

    /*//////////////////////////////////////////////////////////////
                                 BUYER
    //////////////////////////////////////////////////////////////*/

    /// @notice Takes `leafCount` leaves of `offer` as a deal: checks the signature (the hub's operator or owner),
    /// the expiry, the volume left and the hub (listed and Registered); escrows `pricePerLeaf × leafCount` from the
    /// caller (who approved the market) into the game; moves the hub's bond from the wallet's free balance into the
    /// game; opens the game's task claimed by the hub wallet, with the commit deadline `turnaround` from now.
    /// @param inputRoot The Merkle root of the task's inputs.
    /// @param inputURI Where the inputs can be fetched (recorded in the game's event).
    /// @return dealId The game's task id.
    function take(
        Offer calldata offer,
        bytes calldata signature,
        bytes32 inputRoot,
        uint64 leafCount,
        string calldata inputURI
    ) external returns (uint256 dealId);

    /*//////////////////////////////////////////////////////////////
                                  HUB
    //////////////////////////////////////////////////////////////*/

    /// @notice Cancels `offer` for good. The hub's owner or operator.
    function cancel(Offer calldata offer) external;

    /*//////////////////////////////////////////////////////////////
                              HUB WALLETS
    //////////////////////////////////////////////////////////////*/

    /// @notice Called by a hub wallet when its owner sets the operator key: the market keeps a copy, so that the game
    /// checks a deal's committer with one read (the wallet stays the authority: see {actsFor}).
    function recordOperator(address operator) external;

    /// @notice Called by a hub wallet when the DAO bans it: from then on nothing settles into it.
    function recordBan() external;

    /// @notice Called by a hub wallet when a valid work receipt for `amount` was presented and it could not pay it.
    function recordDishonoured(uint256 amount) external;

    /*//////////////////////////////////////////////////////////////
                                  GAME
    //////////////////////////////////////////////////////////////*/

    /// @notice Records how a deal of `hub` ended. Only the game. (No event: the game's own events tell every outcome:
    /// TaskAccepted, TaskFinalized, CheatProven, QueryTimedOut, ClaimForfeited and DealVoided.)
    /// @param leaves The deal's leaves (counted as delivered if accepted or settled).
    /// @param earned The reward settled into the wallet (0 unless accepted or settled).
    /// @return settles False if the outcome was Accepted or Settled but the hub is banned: the deal is then recorded
    /// as Voided instead, and the game must not pay the wallet.
    function recordOutcome(address hub, Outcome outcome, uint256 leaves, uint256 earned) external returns (bool settles);

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The SNM token.
    function token() external view returns (IERC20);

    /// @notice The map game deals are played in.
    function game() external view returns (IMapGame);

    /// @notice The hub registry: only hubs it lists can sell.
    function whitelist() external view returns (IWhitelist);

    /// @notice The EIP-712 digest of `offer`: what its signer signed.
    function hashOffer(Offer calldata offer) external view returns (bytes32);

    /// @notice What the chain keeps of the offer with digest `offerHash`.
    function offerState(bytes32 offerHash) external view returns (OfferState memory);

    /// @notice `hub`'s history.
    function history(address hub) external view returns (History memory);

    /// @notice The histories of the Whitelist's hubs `offset` to `offset + limit` (fewer at the end), in its order.
    function histories(uint256 offset, uint256 limit) external view returns (HubHistory[] memory);

    /// @notice Whether `account` acts for `hub`: the operator key the wallet last recorded, or else (asked of the
    /// wallet itself) its owner or operator.
    function actsFor(address hub, address account) external view returns (bool);

    /// @notice Whether `buyer` ever took an offer of `hub`.
    function hasBought(address hub, address buyer) external view returns (bool);
}
