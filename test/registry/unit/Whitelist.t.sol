// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {HubState} from "../../../contracts/interfaces/IHubWallet.sol";
import {IWhitelist} from "../../../contracts/interfaces/IWhitelist.sol";
import {Whitelist} from "../../../contracts/registry/Whitelist.sol";
import {BaseTest} from "../../utils/BaseTest.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

contract WhitelistTest is BaseTest {
    string internal constant ENDPOINT = "hub.example.org:15010";
    uint256 internal constant STAKE = 10 ether;

    HubWallet internal hub;

    function setUp() public override {
        super.setUp();
        hub = createHub(hubOwner, ENDPOINT, "hub");
        fund(alice, 1000 ether);
        fund(bob, 1000 ether);
        vm.prank(alice);
        token.approve(address(whitelist), type(uint256).max);
        vm.prank(bob);
        token.approve(address(whitelist), type(uint256).max);
    }

    /*//////////////////////////////////////////////////////////////
                                 ENTRIES
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_EnterCallerNotFactory() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistNotFactory.selector, eve));
        vm.prank(eve);
        whitelist.enter(eve, eve, ENDPOINT, "fake");
    }

    function test_RevertWhen_EnterTwice() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistHubExists.selector, address(hub)));
        vm.prank(address(factory));
        whitelist.enter(address(hub), eve, ENDPOINT, "again");
    }

    function test_RevertWhen_EnterZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidOwner.selector, address(0)));
        vm.prank(address(factory));
        whitelist.enter(eve, address(0), ENDPOINT, "hub");
    }

    function test_RevertWhen_EnterEndpointTooLong() public {
        string memory endpoint = string(new bytes(whitelist.MAX_ENDPOINT_LENGTH() + 1));
        vm.expectRevert(
            abi.encodeWithSelector(IWhitelist.WhitelistInvalidEndpoint.selector, whitelist.MAX_ENDPOINT_LENGTH() + 1)
        );
        vm.prank(hubOwner);
        factory.createHub(endpoint, "hub");
    }

    function test_RevertWhen_EnterEmptyName() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidName.selector, 0));
        vm.prank(hubOwner);
        factory.createHub(ENDPOINT, "");
    }

    function test_RevertWhen_EnterNameTooLong() public {
        string memory name = string(new bytes(whitelist.MAX_NAME_LENGTH() + 1));
        vm.expectRevert(
            abi.encodeWithSelector(IWhitelist.WhitelistInvalidName.selector, whitelist.MAX_NAME_LENGTH() + 1)
        );
        vm.prank(hubOwner);
        factory.createHub(ENDPOINT, name);
    }

    function test_Enter_LongestEndpointAndName() public {
        string memory endpoint = string(new bytes(whitelist.MAX_ENDPOINT_LENGTH()));
        string memory name = string(new bytes(whitelist.MAX_NAME_LENGTH()));
        HubWallet h = createHub(hubOwner, endpoint, name);
        assertEq(whitelist.record(address(h)).endpoint, endpoint);
    }

    function test_RevertWhen_RecordStatusCallerNotListed() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, eve));
        vm.prank(eve);
        whitelist.recordStatus(HubState.Registered);
    }

    function test_RecordStatus_MirrorsEveryState() public {
        fund(address(hub), 100 ether);
        vm.prank(hubOwner);
        hub.register();
        assertEq(uint8(whitelist.record(address(hub)).status), uint8(HubState.Registered));
        asDao();
        hub.suspect();
        assertEq(uint8(whitelist.record(address(hub)).status), uint8(HubState.Suspected));
        asDao();
        hub.rehab();
        assertEq(uint8(whitelist.record(address(hub)).status), uint8(HubState.Idle));
        vm.prank(hubOwner);
        hub.register();
        asDao();
        hub.suspect();
        skip(120 days);
        asDao();
        hub.ban();
        assertEq(uint8(whitelist.record(address(hub)).status), uint8(HubState.Punished));
        assertTrue(whitelist.isListed(address(hub)), "a Punished hub stays listed");
        assertFalse(whitelist.isActive(address(hub)));
    }

    function test_RevertWhen_RecordOfUnknownHub() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, eve));
        whitelist.record(eve);
    }

    function test_IsListed() public view {
        assertTrue(whitelist.isListed(address(hub)));
        assertFalse(whitelist.isListed(eve));
    }

    /*//////////////////////////////////////////////////////////////
                            OWNER'S UPDATES
    //////////////////////////////////////////////////////////////*/

    function test_SetEndpoint_ByTheOwner() public {
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubEndpointChanged(address(hub), "10.0.0.1:15010");
        vm.prank(hubOwner);
        whitelist.setEndpoint(address(hub), "10.0.0.1:15010");
        assertEq(whitelist.record(address(hub)).endpoint, "10.0.0.1:15010");
    }

    function test_SetName_ByTheOwner() public {
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubNameChanged(address(hub), "renamed");
        vm.prank(hubOwner);
        whitelist.setName(address(hub), "renamed");
        assertEq(whitelist.record(address(hub)).name, "renamed");
    }

    function test_RevertWhen_SetEndpointCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistNotHubOwner.selector, address(hub), eve));
        vm.prank(eve);
        whitelist.setEndpoint(address(hub), "evil.example.org:1");
    }

    function test_RevertWhen_SetEndpointByTheDao() public {
        vm.expectRevert(
            abi.encodeWithSelector(IWhitelist.WhitelistNotHubOwner.selector, address(hub), address(timelock))
        );
        asDao();
        whitelist.setEndpoint(address(hub), "dao.example.org:1");
    }

    function test_RevertWhen_SetNameCallerNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistNotHubOwner.selector, address(hub), eve));
        vm.prank(eve);
        whitelist.setName(address(hub), "evil");
    }

    function test_RevertWhen_SetEndpointUnknownHub() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, eve));
        vm.prank(eve);
        whitelist.setEndpoint(eve, ENDPOINT);
    }

    function test_RevertWhen_SetNameUnknownHub() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, eve));
        vm.prank(eve);
        whitelist.setName(eve, "hub");
    }

    function test_RevertWhen_SetEndpointEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidEndpoint.selector, 0));
        vm.prank(hubOwner);
        whitelist.setEndpoint(address(hub), "");
    }

    function test_RevertWhen_SetNameEmpty() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidName.selector, 0));
        vm.prank(hubOwner);
        whitelist.setName(address(hub), "");
    }

    /*//////////////////////////////////////////////////////////////
                                  TRUST
    //////////////////////////////////////////////////////////////*/

    function test_SetTrusted_ByTheDao() public {
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubTrustChanged(address(hub), true);
        asDao();
        whitelist.setTrusted(address(hub), true);
        assertTrue(whitelist.record(address(hub)).trusted);
        asDao();
        whitelist.setTrusted(address(hub), false);
        assertFalse(whitelist.record(address(hub)).trusted);
    }

    function test_RevertWhen_SetTrustedCallerNotDao() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistNotDao.selector, hubOwner));
        vm.prank(hubOwner);
        whitelist.setTrusted(address(hub), true);
    }

    function test_RevertWhen_SetTrustedUnknownHub() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, eve));
        asDao();
        whitelist.setTrusted(eve, true);
    }

    /*//////////////////////////////////////////////////////////////
                                 RATINGS
    //////////////////////////////////////////////////////////////*/

    function test_Rate_StakesAndScores() public {
        uint256 unlocksAt = block.timestamp + 30 days;
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubRated(address(hub), alice, 80, STAKE, unlocksAt);
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE);
        assertEq(token.balanceOf(address(whitelist)), STAKE);
        IWhitelist.Rating memory r = whitelist.ratingOf(address(hub), alice);
        assertEq(r.stake, STAKE);
        assertEq(r.score, 80);
        assertEq(r.unlocksAt, unlocksAt);
        IWhitelist.HubRecord memory rec = whitelist.record(address(hub));
        assertEq(rec.rating, 8000, "80.00 points");
        assertEq(rec.ratingStake, STAKE);
        assertEq(rec.raters, 1);
    }

    function test_Rate_IsStakeWeighted() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 100, 30 ether);
        vm.prank(bob);
        whitelist.rate(address(hub), 20, 10 ether);
        // (100 × 30 + 20 × 10) / 40 = 80
        IWhitelist.HubRecord memory rec = whitelist.record(address(hub));
        assertEq(rec.rating, 8000);
        assertEq(rec.ratingStake, 40 ether);
        assertEq(rec.raters, 2);
    }

    function test_Rate_RoundsToHundredthsDown() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 1, 10 ether);
        vm.prank(bob);
        whitelist.rate(address(hub), 0, 20 ether);
        // 10 / 30 = 0.333… points
        assertEq(whitelist.record(address(hub)).rating, 33);
    }

    function test_Rate_ZeroScoreAllowed() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 0, STAKE);
        assertEq(whitelist.record(address(hub)).rating, 0);
        assertEq(whitelist.record(address(hub)).raters, 1);
    }

    function test_Rate_NoRatingsNoScore() public view {
        assertEq(whitelist.record(address(hub)).rating, 0);
        assertEq(whitelist.record(address(hub)).ratingStake, 0);
    }

    function test_RevertWhen_RateTwice() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE);
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistAlreadyRated.selector, address(hub), alice));
        vm.prank(alice);
        whitelist.rate(address(hub), 10, STAKE);
    }

    function test_RevertWhen_RateBelowTheMinimumStake() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistStakeTooSmall.selector, STAKE - 1, STAKE));
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE - 1);
    }

    function test_RevertWhen_RateAboveTheMaximumScore() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidScore.selector, 101));
        vm.prank(alice);
        whitelist.rate(address(hub), 101, STAKE);
    }

    function test_RevertWhen_RateUnknownHub() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistUnknownHub.selector, eve));
        vm.prank(alice);
        whitelist.rate(eve, 80, STAKE);
    }

    function test_RevertWhen_RateStakeAbove128Bits() public {
        uint256 stake = uint256(type(uint128).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, stake));
        vm.prank(alice);
        whitelist.rate(address(hub), 80, stake);
    }

    function test_WithdrawRating_AfterTheLock() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE);
        vm.prank(bob);
        whitelist.rate(address(hub), 40, STAKE);
        skip(30 days);
        vm.expectEmit(address(whitelist));
        emit IWhitelist.RatingWithdrawn(address(hub), alice, STAKE);
        vm.prank(alice);
        whitelist.withdrawRating(address(hub));
        assertEq(token.balanceOf(alice), 1000 ether);
        assertEq(whitelist.ratingOf(address(hub), alice).stake, 0);
        IWhitelist.HubRecord memory rec = whitelist.record(address(hub));
        assertEq(rec.rating, 4000, "only bob's 40 remains");
        assertEq(rec.raters, 1);
        assertEq(rec.ratingStake, STAKE);
    }

    function test_RevertWhen_WithdrawRatingBeforeTheLockEnds() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE);
        uint256 unlocksAt = block.timestamp + 30 days;
        skip(30 days - 1);
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistRatingLocked.selector, unlocksAt));
        vm.prank(alice);
        whitelist.withdrawRating(address(hub));
    }

    function test_RevertWhen_WithdrawRatingNoRating() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistNoRating.selector, address(hub), alice));
        vm.prank(alice);
        whitelist.withdrawRating(address(hub));
    }

    function test_Rate_AgainAfterWithdrawing() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE);
        skip(30 days);
        vm.prank(alice);
        whitelist.withdrawRating(address(hub));
        vm.prank(alice);
        whitelist.rate(address(hub), 20, 2 * STAKE);
        assertEq(whitelist.record(address(hub)).rating, 2000);
    }

    /// @dev A stake stays withdrawable whatever becomes of the hub.
    function test_WithdrawRating_OfAPunishedHub() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE);
        fund(address(hub), 10 ether);
        vm.prank(hubOwner);
        hub.register();
        asDao();
        hub.suspect();
        skip(120 days);
        asDao();
        hub.ban();
        vm.prank(alice);
        whitelist.withdrawRating(address(hub));
        assertEq(token.balanceOf(alice), 1000 ether);
    }

    function test_SetRatingParameters_ByTheDao() public {
        vm.expectEmit(address(whitelist));
        emit IWhitelist.RatingParametersChanged(50 ether, 7 days);
        asDao();
        whitelist.setRatingParameters(50 ether, 7 days);
        assertEq(whitelist.minimumStake(), 50 ether);
        assertEq(whitelist.ratingLockPeriod(), 7 days);
        vm.prank(alice);
        whitelist.rate(address(hub), 80, 50 ether);
        assertEq(whitelist.ratingOf(address(hub), alice).unlocksAt, block.timestamp + 7 days);
    }

    /// @dev A rating keeps the lock it was made with.
    function test_SetRatingParameters_LiveRatingsKeepTheirLock() public {
        vm.prank(alice);
        whitelist.rate(address(hub), 80, STAKE);
        asDao();
        whitelist.setRatingParameters(STAKE, 365 days);
        skip(30 days);
        vm.prank(alice);
        whitelist.withdrawRating(address(hub));
    }

    function test_RevertWhen_SetRatingParametersCallerNotDao() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistNotDao.selector, alice));
        vm.prank(alice);
        whitelist.setRatingParameters(1, 1);
    }

    function test_RevertWhen_SetRatingParametersZeroStake() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidRatingParameters.selector, 0, 1 days));
        asDao();
        whitelist.setRatingParameters(0, 1 days);
    }

    function test_RevertWhen_SetRatingParametersLockTooLong() public {
        uint256 tooLong = whitelist.MAX_RATING_LOCK_PERIOD() + 1;
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidRatingParameters.selector, 1, tooLong));
        asDao();
        whitelist.setRatingParameters(1, tooLong);
    }

    function test_RevertWhen_ConstructedWithZeroMinimumStake() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidRatingParameters.selector, 0, 0));
        new Whitelist(token, address(timelock), address(factory), 0, 0);
    }

    /*//////////////////////////////////////////////////////////////
                               ENUMERATION
    //////////////////////////////////////////////////////////////*/

    function test_Hubs_PagesInOrderOfEntry() public {
        HubWallet[] memory more = new HubWallet[](4);
        for (uint256 i; i < 4; ++i) {
            more[i] = createHub(hubOwner, ENDPOINT, string.concat("hub", vm.toString(i)));
        }
        assertEq(whitelist.hubCount(), 5);
        IWhitelist.HubRecord[] memory page = whitelist.hubs(1, 2);
        assertEq(page.length, 2);
        assertEq(page[0].wallet, address(more[0]));
        assertEq(page[1].wallet, address(more[1]));
        assertEq(page[1].name, "hub1");
        page = whitelist.hubs(3, 10);
        assertEq(page.length, 2, "the last page is short");
        assertEq(page[1].wallet, address(more[3]));
        assertEq(whitelist.hubs(5, 10).length, 0, "past the end");
        assertEq(whitelist.hubs(0, 0).length, 0);
    }

    function test_ActiveHubs_OnlyRegisteredOnes() public {
        HubWallet other = createHub(hubOwner, ENDPOINT, "other");
        HubWallet third = createHub(hubOwner, ENDPOINT, "third");
        fund(address(hub), 10 ether);
        fund(address(other), 10 ether);
        fund(address(third), 10 ether);
        vm.startPrank(hubOwner);
        hub.register();
        other.register();
        third.register();
        vm.stopPrank();
        assertEq(whitelist.activeHubCount(), 3);
        skip(30 days);
        vm.prank(hubOwner);
        hub.payDay();
        assertEq(whitelist.activeHubCount(), 2);
        IWhitelist.HubRecord[] memory page = whitelist.activeHubs(0, 10);
        assertEq(page.length, 2);
        for (uint256 i; i < page.length; ++i) {
            assertEq(uint8(page[i].status), uint8(HubState.Registered));
            assertTrue(page[i].wallet != address(hub));
        }
        assertEq(whitelist.activeHubs(1, 10).length, 1);
        assertEq(whitelist.activeHubs(2, 10).length, 0);
    }
}
