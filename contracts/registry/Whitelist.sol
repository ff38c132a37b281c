// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubState} from "../interfaces/IHubWallet.sol";
import {IWhitelist} from "../interfaces/IWhitelist.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// @title Whitelist — the hub registry (the whitepaper's "Hubs Pool List")
/// @notice One record per hub wallet created by the HubFactory; the wallets mirror their states here. Ratings are
/// stake-weighted: a rater stakes at least `minimumStake` SNM, locked for `ratingLockPeriod`, and a hub's rating is
/// the average score of its live ratings weighted by their stakes.
contract Whitelist is IWhitelist {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;
    using SafeCast for uint256;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The highest score a rating may give.
    uint8 public constant MAX_SCORE = 100;

    /// @notice The longest endpoint, in bytes: a DNS name (253) and a port.
    uint256 public constant MAX_ENDPOINT_LENGTH = 260;

    /// @notice The longest name, in bytes.
    uint256 public constant MAX_NAME_LENGTH = 64;

    /// @notice The longest lock period the DAO may set for ratings: ten years.
    uint256 public constant MAX_RATING_LOCK_PERIOD = 3650 days;

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWhitelist
    IERC20 public immutable token;

    /// @inheritdoc IWhitelist
    address public immutable dao;

    /// @inheritdoc IWhitelist
    address public immutable factory;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev A record as stored: the first slot is all `recordStatus` touches.
    struct Entry {
        address owner;
        HubState status;
        bool trusted;
        uint40 createdAt;
        uint40 registeredAt;
        string endpoint;
        string name;
    }

    /// @dev A hub's live ratings, aggregated.
    struct Score {
        uint128 totalStake;
        uint128 raters;
        // Σ stake × score: at most MAX_SCORE × the token supply.
        uint256 weightedSum;
    }

    /// @inheritdoc IWhitelist
    uint256 public minimumStake;

    /// @inheritdoc IWhitelist
    uint256 public ratingLockPeriod;

    mapping(address hub => Entry) private _entries;
    mapping(address hub => Score) private _scores;
    mapping(address hub => mapping(address rater => Rating)) private _ratings;

    /// @dev Every hub, in order of entry; hubs are never removed (a Punished hub stays listed as such).
    address[] private _hubs;

    /// @dev The registered hubs.
    EnumerableSet.AddressSet private _active;

    /*//////////////////////////////////////////////////////////////
                               MODIFIERS
    //////////////////////////////////////////////////////////////*/

    modifier onlyDao() {
        if (msg.sender != dao) revert WhitelistNotDao(msg.sender);
        _;
    }

    modifier onlyHubOwner(address hub) {
        address owner = _entries[hub].owner;
        if (owner == address(0)) revert WhitelistUnknownHub(hub);
        if (msg.sender != owner) revert WhitelistNotHubOwner(hub, msg.sender);
        _;
    }

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param token_ The SNM token.
    /// @param dao_ The DAO (the timelock).
    /// @param factory_ The HubFactory (its address may be computed before it is deployed).
    /// @param minimumStake_ The minimum stake of a rating.
    /// @param ratingLockPeriod_ How long a rating's stake stays locked, in seconds.
    constructor(IERC20 token_, address dao_, address factory_, uint256 minimumStake_, uint256 ratingLockPeriod_) {
        token = token_;
        dao = dao_;
        factory = factory_;
        _setRatingParameters(minimumStake_, ratingLockPeriod_);
    }

    /*//////////////////////////////////////////////////////////////
                           FACTORY AND WALLETS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWhitelist
    function enter(address hub, address owner, string calldata endpoint, string calldata name) external {
        if (msg.sender != factory) revert WhitelistNotFactory(msg.sender);
        if (owner == address(0)) revert WhitelistInvalidOwner(owner);
        Entry storage e = _entries[hub];
        if (e.owner != address(0)) revert WhitelistHubExists(hub);
        _checkEndpoint(endpoint);
        _checkName(name);
        e.owner = owner;
        e.createdAt = uint40(block.timestamp);
        e.endpoint = endpoint;
        e.name = name;
        _hubs.push(hub);
        emit HubEntered(hub, owner, endpoint, name);
    }

    /// @inheritdoc IWhitelist
    function recordStatus(HubState status) external {
        Entry storage e = _entries[msg.sender];
        if (e.owner == address(0)) revert WhitelistUnknownHub(msg.sender);
        e.status = status;
        if (status == HubState.Registered) {
            e.registeredAt = uint40(block.timestamp);
            _active.add(msg.sender);
        } else {
            _active.remove(msg.sender);
        }
        emit HubStatusChanged(msg.sender, status);
    }

    /*//////////////////////////////////////////////////////////////
                                HUB OWNER
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWhitelist
    function setEndpoint(address hub, string calldata endpoint) external onlyHubOwner(hub) {
        _checkEndpoint(endpoint);
        _entries[hub].endpoint = endpoint;
        emit HubEndpointChanged(hub, endpoint);
    }

    /// @inheritdoc IWhitelist
    function setName(address hub, string calldata name) external onlyHubOwner(hub) {
        _checkName(name);
        _entries[hub].name = name;
        emit HubNameChanged(hub, name);
    }

    /*//////////////////////////////////////////////////////////////
                                   DAO
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWhitelist
    function setTrusted(address hub, bool trusted) external onlyDao {
        Entry storage e = _entries[hub];
        if (e.owner == address(0)) revert WhitelistUnknownHub(hub);
        e.trusted = trusted;
        emit HubTrustChanged(hub, trusted);
    }

    /// @inheritdoc IWhitelist
    function setRatingParameters(uint256 minimumStake_, uint256 lockPeriod) external onlyDao {
        _setRatingParameters(minimumStake_, lockPeriod);
    }

    /*//////////////////////////////////////////////////////////////
                                 RATINGS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWhitelist
    function rate(address hub, uint8 score, uint256 stake) external {
        if (_entries[hub].owner == address(0)) revert WhitelistUnknownHub(hub);
        if (score > MAX_SCORE) revert WhitelistInvalidScore(score);
        uint256 minimum = minimumStake;
        if (stake < minimum) revert WhitelistStakeTooSmall(stake, minimum);
        Rating storage r = _ratings[hub][msg.sender];
        if (r.stake != 0) revert WhitelistAlreadyRated(hub, msg.sender);
        uint256 unlocksAt = block.timestamp + ratingLockPeriod;
        // A stake cannot exceed the token's supply, far below 2^128; the cast is checked all the same.
        uint128 stake128 = stake.toUint128();
        r.stake = stake128;
        // Fits: the lock period is at most MAX_RATING_LOCK_PERIOD.
        // forge-lint: disable-next-line(unsafe-typecast)
        r.unlocksAt = uint64(unlocksAt);
        r.score = score;
        Score storage s = _scores[hub];
        s.totalStake += stake128;
        // Cannot overflow: one rater per hub and rater, and there are fewer than 2^128 addresses that hold SNM.
        unchecked {
            s.raters += 1;
        }
        s.weightedSum += stake * score;
        emit HubRated(hub, msg.sender, score, stake, r.unlocksAt);
        token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @inheritdoc IWhitelist
    function withdrawRating(address hub) external {
        Rating memory r = _ratings[hub][msg.sender];
        if (r.stake == 0) revert WhitelistNoRating(hub, msg.sender);
        // forge-lint: disable-next-line(block-timestamp) -- a rating lock lasts days; validators move time by seconds.
        if (block.timestamp < r.unlocksAt) revert WhitelistRatingLocked(r.unlocksAt);
        delete _ratings[hub][msg.sender];
        Score storage s = _scores[hub];
        // Cannot underflow: the aggregate holds this rating's stake, count and weighted score.
        unchecked {
            s.totalStake -= r.stake;
            s.raters -= 1;
            s.weightedSum -= uint256(r.stake) * r.score;
        }
        emit RatingWithdrawn(hub, msg.sender, r.stake);
        token.safeTransfer(msg.sender, r.stake);
    }

    /*//////////////////////////////////////////////////////////////
                                  VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IWhitelist
    function isListed(address hub) external view returns (bool) {
        return _entries[hub].owner != address(0);
    }

    /// @inheritdoc IWhitelist
    function isActive(address hub) external view returns (bool) {
        return _active.contains(hub);
    }

    /// @inheritdoc IWhitelist
    function record(address hub) external view returns (HubRecord memory) {
        if (_entries[hub].owner == address(0)) revert WhitelistUnknownHub(hub);
        return _record(hub);
    }

    /// @inheritdoc IWhitelist
    function ratingOf(address hub, address rater) external view returns (Rating memory) {
        return _ratings[hub][rater];
    }

    /// @inheritdoc IWhitelist
    function hubCount() external view returns (uint256) {
        return _hubs.length;
    }

    /// @inheritdoc IWhitelist
    function hubs(uint256 offset, uint256 limit) external view returns (HubRecord[] memory page) {
        page = new HubRecord[](_pageLength(_hubs.length, offset, limit));
        for (uint256 i; i < page.length; ++i) {
            page[i] = _record(_hubs[offset + i]);
        }
    }

    /// @inheritdoc IWhitelist
    function activeHubCount() external view returns (uint256) {
        return _active.length();
    }

    /// @inheritdoc IWhitelist
    function activeHubs(uint256 offset, uint256 limit) external view returns (HubRecord[] memory page) {
        page = new HubRecord[](_pageLength(_active.length(), offset, limit));
        for (uint256 i; i < page.length; ++i) {
            page[i] = _record(_active.at(offset + i));
        }
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    function _record(address hub) private view returns (HubRecord memory r) {
        Entry storage e = _entries[hub];
        Score storage s = _scores[hub];
        r.wallet = hub;
        r.owner = e.owner;
        r.endpoint = e.endpoint;
        r.name = e.name;
        r.status = e.status;
        r.trusted = e.trusted;
        r.createdAt = e.createdAt;
        r.registeredAt = e.registeredAt;
        // Hundredths of a point, rounded down: the weighted average of the live scores.
        r.rating = s.totalStake == 0 ? 0 : s.weightedSum * 100 / s.totalStake;
        r.ratingStake = s.totalStake;
        r.raters = s.raters;
    }

    /// @dev How many items a page from `offset` of at most `limit` holds, out of `total`.
    function _pageLength(uint256 total, uint256 offset, uint256 limit) private pure returns (uint256) {
        if (offset >= total) return 0;
        return _min(total - offset, limit);
    }

    function _setRatingParameters(uint256 minimumStake_, uint256 lockPeriod) private {
        // A zero stake would make a rating free and indistinguishable from no rating.
        if (minimumStake_ == 0 || lockPeriod > MAX_RATING_LOCK_PERIOD) {
            revert WhitelistInvalidRatingParameters(minimumStake_, lockPeriod);
        }
        minimumStake = minimumStake_;
        ratingLockPeriod = lockPeriod;
        emit RatingParametersChanged(minimumStake_, lockPeriod);
    }

    function _checkEndpoint(string calldata endpoint) private pure {
        uint256 length = bytes(endpoint).length;
        if (length == 0 || length > MAX_ENDPOINT_LENGTH) revert WhitelistInvalidEndpoint(length);
    }

    function _checkName(string calldata name) private pure {
        uint256 length = bytes(name).length;
        if (length == 0 || length > MAX_NAME_LENGTH) revert WhitelistInvalidName(length);
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
