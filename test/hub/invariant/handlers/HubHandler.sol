// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExpropriationVault} from "../../../../contracts/governance/ExpropriationVault.sol";
import {HubFactory} from "../../../../contracts/hub/HubFactory.sol";
import {HubWallet} from "../../../../contracts/hub/HubWallet.sol";
import {IExpropriationVault} from "../../../../contracts/interfaces/IExpropriationVault.sol";
import {HubState} from "../../../../contracts/interfaces/IHubWallet.sol";
import {Whitelist} from "../../../../contracts/registry/Whitelist.sol";
import {SonmToken} from "../../../../contracts/token/SonmToken.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives a few hub wallets through random, bounded calls by random callers (owners, miners, the DAO, a
/// stranger), and keeps the ghost records the invariants check.
contract HubHandler is Test {
    SonmToken internal immutable token;
    ExpropriationVault internal immutable vault;
    Whitelist internal immutable whitelist;
    address internal immutable dao;
    address internal immutable treasury;

    HubWallet[] public hubs;
    address[] public miners;
    address public stranger = makeAddr("stranger");

    /// @dev Transitions into Suspected or Punished made by anyone but the timelock.
    uint256 public ghostUnauthorizedTransitions;
    /// @dev Vault releases made before the deposit's freeze ended.
    uint256 public ghostEarlyReleases;
    /// @dev The SNM staked on live ratings.
    uint256 public ghostStakes;
    /// @dev SNM sent to each hub after its ban: all it may ever hold.
    mapping(address hub => uint256) public ghostInflowAfterBan;
    /// @dev How often each action ran, and how often it went through.
    mapping(string action => uint256) public calls;
    mapping(string action => uint256) public successes;

    constructor(
        SonmToken token_,
        HubFactory factory,
        ExpropriationVault vault_,
        Whitelist whitelist_,
        address dao_,
        address treasury_
    ) {
        token = token_;
        vault = vault_;
        whitelist = whitelist_;
        dao = dao_;
        treasury = treasury_;
        for (uint256 i; i < 3; ++i) {
            miners.push(makeAddr(string.concat("miner", vm.toString(i))));
        }
        for (uint256 i; i < 2; ++i) {
            address owner = makeAddr(string.concat("owner", vm.toString(i)));
            vm.prank(owner);
            hubs.push(HubWallet(address(factory.createHub("hub.example.org:15010", "hub"))));
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 HELPERS
    //////////////////////////////////////////////////////////////*/

    function hubCount() external view returns (uint256) {
        return hubs.length;
    }

    function _hub(uint256 seed) internal view returns (HubWallet) {
        return hubs[seed % hubs.length];
    }

    function _miner(uint256 seed) internal view returns (address) {
        return miners[seed % miners.length];
    }

    /// @dev The DAO (half the time), the hub's owner, one of its miners or a stranger.
    function _caller(HubWallet hub, uint256 seed) internal view returns (address) {
        uint256 pick = seed % 6;
        if (pick < 3) return dao;
        if (pick == 3) return hub.owner();
        if (pick == 4) return _miner(seed / 6);
        return stranger;
    }

    /// @dev Records any move into Suspected or Punished made by someone other than the timelock.
    modifier watch(string memory action, address caller) {
        ++calls[action];
        HubState[] memory before = new HubState[](hubs.length);
        for (uint256 i; i < hubs.length; ++i) {
            before[i] = hubs[i].state();
        }
        _;
        for (uint256 i; i < hubs.length; ++i) {
            HubState now_ = hubs[i].state();
            if (now_ != before[i] && (now_ == HubState.Suspected || now_ == HubState.Punished) && caller != dao) {
                ++ghostUnauthorizedTransitions;
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 ACTIONS
    //////////////////////////////////////////////////////////////*/

    function deposit(uint256 hubSeed, uint256 amount) external watch("deposit", treasury) {
        HubWallet hub = _hub(hubSeed);
        amount = bound(amount, 1, 1_000_000 ether);
        vm.prank(treasury);
        assertTrue(token.transfer(address(hub), amount));
        if (hub.state() == HubState.Punished) ghostInflowAfterBan[address(hub)] += amount;
    }

    function register(uint256 hubSeed, uint256 callerSeed) external {
        HubWallet hub = _hub(hubSeed);
        address caller = callerSeed % 5 == 0 ? _caller(hub, callerSeed / 5) : hub.owner();
        _register(hub, caller);
    }

    function _register(HubWallet hub, address caller) internal watch("register", caller) {
        // Registration needs the freeze: top the wallet up first, as a hub would.
        uint256 freeze = hub.parameters().registrationFreeze;
        if (hub.state() != HubState.Punished && hub.freeBalance() < freeze) {
            vm.prank(treasury);
            assertTrue(token.transfer(address(hub), freeze + 100 ether));
        }
        vm.prank(caller);
        try hub.register() {
            ++successes["register"];
        } catch {}
    }

    function pay(uint256 hubSeed, uint256 minerSeed, uint256 amount, uint256 callerSeed) external {
        HubWallet hub = _hub(hubSeed);
        // Mostly the owner; sometimes someone else.
        address caller = callerSeed % 5 == 0 ? _caller(hub, callerSeed / 5) : hub.owner();
        // Around the free balance: often just enough, sometimes a little too much.
        uint256 free = hub.freeBalance();
        amount = bound(amount, 1, free * 10 / 13 + 2);
        _pay(hub, _miner(minerSeed), amount, caller);
    }

    function _pay(HubWallet hub, address miner, uint256 amount, address caller) internal watch("pay", caller) {
        vm.prank(caller);
        try hub.pay(miner, amount, 0) {
            ++successes["pay"];
        } catch {}
    }

    function claim(uint256 hubSeed, uint256 minerSeed) external {
        HubWallet hub = _hub(hubSeed);
        // Mostly a miner the hub owes something, if there is one.
        address miner = _miner(minerSeed);
        for (uint256 i; i < miners.length && minerSeed % 4 != 0; ++i) {
            if (hub.owed(_miner(minerSeed % miners.length + i)) != 0) {
                miner = _miner(minerSeed % miners.length + i);
                break;
            }
        }
        _claim(hub, miner);
    }

    function _claim(HubWallet hub, address miner) internal watch("claim", miner) {
        vm.prank(miner);
        try hub.claim() {
            ++successes["claim"];
        } catch {}
    }

    function payDay(uint256 hubSeed, uint256 callerSeed) external {
        HubWallet hub = _hub(hubSeed);
        address caller = callerSeed % 5 == 0 ? _caller(hub, callerSeed / 5) : hub.owner();
        // Half the time, wait for the end of the payout period first (or one second short of it).
        if (hub.state() == HubState.Registered && callerSeed % 2 == 0) {
            uint256 at = hub.payDayAt() - (callerSeed % 3 == 0 ? 1 : 0);
            // forge-lint: disable-next-line(block-timestamp)
            if (at > block.timestamp) vm.warp(at);
        }
        _payDay(hub, caller);
    }

    function _payDay(HubWallet hub, address caller) internal watch("payDay", caller) {
        vm.prank(caller);
        try hub.payDay() {
            ++successes["payDay"];
        } catch {}
    }

    function withdraw(uint256 hubSeed, uint256 amount, uint256 callerSeed) external {
        HubWallet hub = _hub(hubSeed);
        address caller = callerSeed % 5 == 0 ? _caller(hub, callerSeed / 5) : hub.owner();
        amount = bound(amount, 1, hub.freeBalance() + 2);
        _withdraw(hub, amount, caller);
    }

    function _withdraw(HubWallet hub, uint256 amount, address caller) internal watch("withdraw", caller) {
        vm.prank(caller);
        try hub.withdraw(amount) {
            ++successes["withdraw"];
        } catch {}
    }

    function suspect(uint256 hubSeed, uint256 callerSeed) external {
        HubWallet hub = _hub(hubSeed);
        _suspect(hub, _caller(hub, callerSeed));
    }

    function _suspect(HubWallet hub, address caller) internal watch("suspect", caller) {
        vm.prank(caller);
        try hub.suspect() {
            ++successes["suspect"];
        } catch {}
    }

    function rehab(uint256 hubSeed, uint256 callerSeed) external {
        HubWallet hub = _hub(hubSeed);
        _rehab(hub, _caller(hub, callerSeed));
    }

    function _rehab(HubWallet hub, address caller) internal watch("rehab", caller) {
        vm.prank(caller);
        try hub.rehab() {
            ++successes["rehab"];
        } catch {}
    }

    function ban(uint256 hubSeed, uint256 callerSeed) external {
        HubWallet hub = _hub(hubSeed);
        // A ban needs a suspicion first: sometimes the DAO suspects a registered hub on the way.
        if (hub.state() == HubState.Registered && callerSeed % 3 == 0) _suspect(hub, dao);
        // Half the time, wait for the end of the suspicion period first (or one second short of it).
        if (hub.state() == HubState.Suspected && callerSeed % 2 == 0) {
            uint256 at = hub.banAt() - (callerSeed % 3 == 0 ? 1 : 0);
            // forge-lint: disable-next-line(block-timestamp)
            if (at > block.timestamp) vm.warp(at);
        }
        _ban(hub, _caller(hub, callerSeed));
    }

    function _ban(HubWallet hub, address caller) internal watch("ban", caller) {
        vm.prank(caller);
        try hub.ban() {
            ++successes["ban"];
        } catch {}
    }

    function warp(uint256 seconds_) external watch("warp", address(0)) {
        // Up to past the suspicion period, so PayDay and bans are reachable in a few steps.
        skip(bound(seconds_, 1, 130 days));
    }

    function release(uint256 depositSeed) external watch("release", stranger) {
        uint256 count = vault.depositCount();
        if (count == 0) return;
        uint256 id = depositSeed % count;
        IExpropriationVault.Deposit memory d = vault.deposits(id);
        // Sometimes try right at the end of the freeze, or one second before it.
        uint256 pick = (depositSeed / count) % 4;
        // forge-lint: disable-next-line(block-timestamp)
        if (pick < 2 && d.releaseAt - pick > block.timestamp) vm.warp(d.releaseAt - pick);
        try vault.release(id) {
            ++successes["release"];
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp < d.releaseAt) ++ghostEarlyReleases;
        } catch {}
    }

    /// @dev A miner rates a hub, sometimes with less than the minimum stake.
    function rate(uint256 hubSeed, uint256 raterSeed, uint8 score, uint256 stake) external {
        HubWallet hub = _hub(hubSeed);
        address rater = _miner(raterSeed);
        uint256 minimum = whitelist.minimumStake();
        stake = bound(stake, minimum - 1, minimum * 100);
        score = uint8(bound(score, 0, whitelist.MAX_SCORE()));
        _rate(hub, rater, score, stake);
    }

    function _rate(HubWallet hub, address rater, uint8 score, uint256 stake) internal watch("rate", rater) {
        vm.prank(treasury);
        assertTrue(token.transfer(rater, stake));
        vm.startPrank(rater);
        token.approve(address(whitelist), stake);
        try whitelist.rate(address(hub), score, stake) {
            ++successes["rate"];
            ghostStakes += stake;
        } catch {}
        vm.stopPrank();
    }

    function withdrawRating(uint256 hubSeed, uint256 raterSeed) external {
        HubWallet hub = _hub(hubSeed);
        address rater = _miner(raterSeed);
        _withdrawRating(hub, rater);
    }

    function _withdrawRating(HubWallet hub, address rater) internal watch("withdrawRating", rater) {
        uint256 stake = whitelist.ratingOf(address(hub), rater).stake;
        vm.prank(rater);
        try whitelist.withdrawRating(address(hub)) {
            ++successes["withdrawRating"];
            ghostStakes -= stake;
        } catch {}
    }
}
