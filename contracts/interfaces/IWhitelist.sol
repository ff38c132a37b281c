// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubState} from "./IHubWallet.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Whitelist — the hub registry (the whitepaper's "Hubs Pool List")
/// @notice One record per hub wallet created by the HubFactory. Each wallet mirrors its state here; its owner keeps
/// its endpoint and name; the DAO marks it trusted or untrusted; anyone rates it by staking SNM. Paged views let a
/// miner's agent list hubs (all, or the registered ones) without an indexer.
interface IWhitelist {
    /// @notice A hub's record, as the views return it.
    struct HubRecord {
        /// The hub's wallet (the record's key).
        address wallet;
        /// The hub's owner.
        address owner;
        /// Where miners reach the hub: host:port or a DNS name.
        string endpoint;
        /// The hub's display name.
        string name;
        /// The wallet's state, mirrored.
        HubState status;
        /// Whether the DAO trusts the hub.
        bool trusted;
        /// When the wallet was created and entered.
        uint256 createdAt;
        /// When the hub last registered (0 if never).
        uint256 registeredAt;
        /// The stake-weighted score of its live ratings, in hundredths of a point (0 to 100 × MAX_SCORE).
        uint256 rating;
        /// The SNM staked on its live ratings.
        uint256 ratingStake;
        /// How many live ratings it has.
        uint256 raters;
    }

    /// @notice One live rating.
    struct Rating {
        /// The SNM staked.
        uint128 stake;
        /// When the stake may be withdrawn.
        uint64 unlocksAt;
        /// The score, 0 to MAX_SCORE.
        uint8 score;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Only the HubFactory may enter hubs.
    error WhitelistNotFactory(address caller);

    /// @notice Only the DAO (the timelock) may make this call.
    error WhitelistNotDao(address caller);

    /// @notice Only `hub`'s owner may make this call.
    error WhitelistNotHubOwner(address hub, address caller);

    /// @notice `hub` is not in the whitelist.
    error WhitelistUnknownHub(address hub);

    /// @notice `hub` is already in the whitelist.
    error WhitelistHubExists(address hub);

    /// @notice `owner` cannot be the zero address.
    error WhitelistInvalidOwner(address owner);

    /// @notice An endpoint must be 1 to MAX_ENDPOINT_LENGTH bytes; this one has `length`.
    error WhitelistInvalidEndpoint(uint256 length);

    /// @notice A name must be 1 to MAX_NAME_LENGTH bytes; this one has `length`.
    error WhitelistInvalidName(uint256 length);

    /// @notice A score must be 0 to MAX_SCORE.
    error WhitelistInvalidScore(uint256 score);

    /// @notice `stake` is below the minimum stake `minimum`.
    error WhitelistStakeTooSmall(uint256 stake, uint256 minimum);

    /// @notice `rater` already has a live rating of `hub`; withdraw it first.
    error WhitelistAlreadyRated(address hub, address rater);

    /// @notice `rater` has no live rating of `hub`.
    error WhitelistNoRating(address hub, address rater);

    /// @notice The rating's stake is locked until `unlocksAt`.
    error WhitelistRatingLocked(uint256 unlocksAt);

    /// @notice The minimum stake must be positive and the lock period at most MAX_RATING_LOCK_PERIOD.
    error WhitelistInvalidRatingParameters(uint256 minimumStake, uint256 lockPeriod);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The factory entered `hub`, owned by `owner`.
    event HubEntered(address indexed hub, address indexed owner, string endpoint, string name);

    /// @notice `hub`'s wallet moved to `status`.
    event HubStatusChanged(address indexed hub, HubState status);

    /// @notice `hub`'s owner changed its endpoint.
    event HubEndpointChanged(address indexed hub, string endpoint);

    /// @notice `hub`'s owner changed its name.
    event HubNameChanged(address indexed hub, string name);

    /// @notice The DAO marked `hub` trusted or untrusted.
    event HubTrustChanged(address indexed hub, bool trusted);

    /// @notice `rater` rated `hub` `score`, staking `stake` until `unlocksAt`.
    event HubRated(address indexed hub, address indexed rater, uint256 score, uint256 stake, uint256 unlocksAt);

    /// @notice `rater` withdrew its rating of `hub` and its `stake`.
    event RatingWithdrawn(address indexed hub, address indexed rater, uint256 stake);

    /// @notice The DAO set the rating terms for new ratings.
    event RatingParametersChanged(uint256 minimumStake, uint256 lockPeriod);

    /*//////////////////////////////////////////////////////////////
                            FACTORY AND WALLETS
    //////////////////////////////////////////////////////////////*/

    /// @notice Enters `hub`, owned by `owner`, in state Created. Only the HubFactory may call.
    function enter(address hub, address owner, string calldata endpoint, string calldata name) external;

    /// @notice Mirrors the calling wallet's new state. Only a wallet in the whitelist may call. Registered records
    /// the registration time and enters the active list; any other state leaves it.
    function recordStatus(HubState status) external;

    /*//////////////////////////////////////////////////////////////
                                HUB OWNER
    //////////////////////////////////////////////////////////////*/

    /// @notice Changes `hub`'s endpoint. Only its owner may call.
    function setEndpoint(address hub, string calldata endpoint) external;

    /// @notice Changes `hub`'s name. Only its owner may call.
    function setName(address hub, string calldata name) external;

    /*//////////////////////////////////////////////////////////////
                                   DAO
    //////////////////////////////////////////////////////////////*/

    /// @notice Marks `hub` trusted or untrusted.
    function setTrusted(address hub, bool trusted) external;

    /// @notice Sets the minimum stake and the lock period of new ratings.
    function setRatingParameters(uint256 minimumStake, uint256 lockPeriod) external;

    /*//////////////////////////////////////////////////////////////
                                 RATINGS
    //////////////////////////////////////////////////////////////*/

    /// @notice Rates `hub` `score` (0 to MAX_SCORE), staking `stake` SNM (approve first) for the lock period.
    function rate(address hub, uint8 score, uint256 stake) external;

    /// @notice Withdraws the caller's rating of `hub` and its stake, once unlocked.
    function withdrawRating(address hub) external;

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice The SNM token (ratings are staked in it).
    function token() external view returns (IERC20);

    /// @notice The DAO (the timelock).
    function dao() external view returns (address);

    /// @notice The HubFactory, the only one that may enter hubs.
    function factory() external view returns (address);

    /// @notice The minimum stake of a new rating.
    function minimumStake() external view returns (uint256);

    /// @notice How long a new rating's stake stays locked, in seconds.
    function ratingLockPeriod() external view returns (uint256);

    /// @notice Whether `hub` is in the whitelist.
    function isListed(address hub) external view returns (bool);

    /// @notice Whether `hub` is registered (in the active list).
    function isActive(address hub) external view returns (bool);

    /// @notice `hub`'s record.
    function record(address hub) external view returns (HubRecord memory);

    /// @notice `rater`'s live rating of `hub` (all zero if none).
    function ratingOf(address hub, address rater) external view returns (Rating memory);

    /// @notice How many hubs the whitelist holds.
    function hubCount() external view returns (uint256);

    /// @notice Up to `limit` records of all hubs, in order of entry, from the `offset`th.
    function hubs(uint256 offset, uint256 limit) external view returns (HubRecord[] memory);

    /// @notice How many hubs are registered.
    function activeHubCount() external view returns (uint256);

    /// @notice Up to `limit` records of registered hubs, from the `offset`th (the order changes as hubs leave).
    function activeHubs(uint256 offset, uint256 limit) external view returns (HubRecord[] memory);
}
