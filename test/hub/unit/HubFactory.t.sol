// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubFactory} from "../../../contracts/hub/HubFactory.sol";
import {HubWallet} from "../../../contracts/hub/HubWallet.sol";
import {IHubFactory} from "../../../contracts/interfaces/IHubFactory.sol";
import {HubParameters, HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {IWhitelist} from "../../../contracts/interfaces/IWhitelist.sol";
import {Whitelist} from "../../../contracts/registry/Whitelist.sol";
import {BaseTest} from "../../utils/BaseTest.sol";

contract HubFactoryTest is BaseTest {
    function _newTerms() internal view returns (HubParameters memory p) {
        p = defaultParameters();
        p.registrationFreeze = 5 ether;
        p.lockBps = 4000;
        p.daoFeeBps = 100;
        p.payoutPeriod = 7 days;
        p.suspicionPeriod = 60 days;
        p.expropriationFreeze = 90 days;
    }

    /*//////////////////////////////////////////////////////////////
                                CREATEHUB
    //////////////////////////////////////////////////////////////*/

    function test_CreateHub_DeploysAMinimalClone() public {
        HubWallet hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        // EIP-1167: 45 bytes that delegate to the implementation.
        bytes memory code = address(hub).code;
        assertEq(code.length, 45);
        assertEq(
            keccak256(code),
            keccak256(
                abi.encodePacked(
                    hex"363d3d373d3d3d363d73", address(hubWalletImplementation), hex"5af43d82803e903d91602b57fd5bf3"
                )
            )
        );
    }

    function test_CreateHub_InitialisesTheWalletForTheCaller() public {
        HubWallet hub = createHub(hubOwner, "hub.example.org:15010", "hub");
        assertEq(hub.owner(), hubOwner);
        assertEq(uint8(hub.state()), uint8(HubState.Created));
        assertEq(abi.encode(hub.parameters()), abi.encode(factory.parameters()));
    }

    function test_CreateHub_EntersTheWhitelist() public {
        vm.warp(1_800_000_000);
        HubWallet hub = createHub(hubOwner, "hub.example.org:15010", "first hub");
        IWhitelist.HubRecord memory r = whitelist.record(address(hub));
        assertEq(r.wallet, address(hub));
        assertEq(r.owner, hubOwner);
        assertEq(r.endpoint, "hub.example.org:15010");
        assertEq(r.name, "first hub");
        assertEq(uint8(r.status), uint8(HubState.Created));
        assertFalse(r.trusted);
        assertEq(r.createdAt, 1_800_000_000);
        assertEq(r.registeredAt, 0);
        assertEq(whitelist.hubCount(), 1);
    }

    function test_CreateHub_EmitsHubCreated() public {
        address predicted = vm.computeCreateAddress(address(factory), vm.getNonce(address(factory)));
        vm.expectEmit(address(factory));
        emit IHubFactory.HubCreated(predicted, hubOwner, defaultParameters());
        vm.expectEmit(address(whitelist));
        emit IWhitelist.HubEntered(predicted, hubOwner, "hub.example.org:15010", "hub");
        createHub(hubOwner, "hub.example.org:15010", "hub");
    }

    function test_CreateHub_EachCallANewWallet() public {
        HubWallet a = createHub(hubOwner, "a.example.org:1", "a");
        HubWallet b = createHub(hubOwner, "b.example.org:1", "b");
        assertTrue(address(a) != address(b));
        assertEq(whitelist.hubCount(), 2);
    }

    function test_RevertWhen_CreateHubWithAnEmptyEndpoint() public {
        vm.expectRevert(abi.encodeWithSelector(IWhitelist.WhitelistInvalidEndpoint.selector, 0));
        vm.prank(hubOwner);
        factory.createHub("", "hub");
    }

    /*//////////////////////////////////////////////////////////////
                               PARAMETERS
    //////////////////////////////////////////////////////////////*/

    function test_SetParameters_ByTheDao() public {
        HubParameters memory p = _newTerms();
        vm.expectEmit(address(factory));
        emit IHubFactory.ParametersChanged(p);
        asDao();
        factory.setParameters(p);
        assertEq(abi.encode(factory.parameters()), abi.encode(p));
    }

    function test_SetParameters_OnlyNewWalletsGetThem() public {
        HubWallet before = createHub(hubOwner, "a.example.org:1", "a");
        HubParameters memory p = _newTerms();
        asDao();
        factory.setParameters(p);
        HubWallet afterwards = createHub(hubOwner, "b.example.org:1", "b");
        assertEq(abi.encode(before.parameters()), abi.encode(defaultParameters()), "the old hub's terms are kept");
        assertEq(abi.encode(afterwards.parameters()), abi.encode(p));
    }

    /// @dev The snapshot governs the wallet's behaviour, not only its view.
    function test_SetParameters_OldWalletStillLocksItsOwnShare() public {
        HubWallet hub = createRegisteredHub(hubOwner, 100 ether);
        asDao();
        factory.setParameters(_newTerms());
        vm.prank(hubOwner);
        hub.pay(alice, 10 ether, 0);
        assertEq(hub.locked(), 3 ether, "30%, not the new 40%");
    }

    function test_RevertWhen_SetParametersCallerNotDao() public {
        HubParameters memory p = _newTerms();
        vm.expectRevert(abi.encodeWithSelector(IHubFactory.HubFactoryNotDao.selector, hubOwner));
        vm.prank(hubOwner);
        factory.setParameters(p);
    }

    function test_RevertWhen_SetParametersLockAboveWhole() public {
        HubParameters memory p = _newTerms();
        p.lockBps = 10_001;
        _expectInvalid(p);
    }

    function test_RevertWhen_SetParametersFeeAboveWhole() public {
        HubParameters memory p = _newTerms();
        p.daoFeeBps = 10_001;
        _expectInvalid(p);
    }

    function test_RevertWhen_SetParametersZeroPayoutPeriod() public {
        HubParameters memory p = _newTerms();
        p.payoutPeriod = 0;
        _expectInvalid(p);
    }

    function test_RevertWhen_SetParametersZeroSuspicionPeriod() public {
        HubParameters memory p = _newTerms();
        p.suspicionPeriod = 0;
        _expectInvalid(p);
    }

    function test_RevertWhen_SetParametersZeroExpropriationFreeze() public {
        HubParameters memory p = _newTerms();
        p.expropriationFreeze = 0;
        _expectInvalid(p);
    }

    function test_RevertWhen_SetParametersZeroPayDayCoolDown() public {
        HubParameters memory p = _newTerms();
        p.payDayCoolDown = 0;
        _expectInvalid(p);
    }

    function test_SetParameters_WholeFractionsAllowed() public {
        HubParameters memory p = _newTerms();
        p.lockBps = 10_000;
        p.daoFeeBps = 10_000;
        asDao();
        factory.setParameters(p);
        assertEq(factory.parameters().lockBps, 10_000);
    }

    function _expectInvalid(HubParameters memory p) internal {
        vm.expectRevert(abi.encodeWithSelector(IHubFactory.HubFactoryInvalidParameters.selector, p));
        asDao();
        factory.setParameters(p);
    }

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTION
    //////////////////////////////////////////////////////////////*/

    /// @dev The whitelist trusts one factory: a factory it does not name refuses to be built.
    function test_RevertWhen_ConstructedForAnotherFactorysWhitelist() public {
        vm.expectRevert(abi.encodeWithSelector(IHubFactory.HubFactoryWhitelistMismatch.selector, address(factory)));
        new HubFactory(IHubWallet(address(hubWalletImplementation)), defaultParameters());
    }

    function test_Constructor_ReadsWhitelistAndDaoFromTheImplementation() public {
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 2);
        Whitelist wl = new Whitelist(token, address(timelock), predicted, 1 ether, 1 days);
        HubWallet impl = new HubWallet(token, wl, vault, address(timelock), d.market);
        HubFactory f = new HubFactory(impl, defaultParameters());
        assertEq(address(f), predicted);
        assertEq(address(f.whitelist()), address(wl));
        assertEq(f.dao(), address(timelock));
        assertEq(address(f.implementation()), address(impl));
    }
}
