// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {HubWalletTestBase} from "./HubWalletTestBase.sol";

/// @notice Every (call, state) pair outside the HubWallet table of docs/protocol.md ("HubWallet") reverts with
/// HubWalletUnexpectedState(state, allowed).
/// Each call is made by its rightful caller, after every timed condition is met, so the state alone is at fault.
contract HubWalletIllegalStatesTest is HubWalletTestBase {
    function test_RevertWhen_RegisterInRegistered() public {
        hub = hubIn(HubState.Registered);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Registered,
                _bit(HubState.Created) | _bit(HubState.Idle)
            )
        );
        vm.prank(hubOwner);
        hub.register();
    }

    function test_RevertWhen_RegisterInSuspected() public {
        hub = hubIn(HubState.Suspected);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Suspected,
                _bit(HubState.Created) | _bit(HubState.Idle)
            )
        );
        vm.prank(hubOwner);
        hub.register();
    }

    function test_RevertWhen_RegisterInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Punished,
                _bit(HubState.Created) | _bit(HubState.Idle)
            )
        );
        vm.prank(hubOwner);
        hub.register();
    }

    function test_RevertWhen_PayInCreated() public {
        hub = hubIn(HubState.Created);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Created, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.pay(bob, 1 ether);
    }

    function test_RevertWhen_PayInIdle() public {
        hub = hubIn(HubState.Idle);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Idle, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.pay(bob, 1 ether);
    }

    function test_RevertWhen_PayInSuspected() public {
        hub = hubIn(HubState.Suspected);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Suspected, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.pay(bob, 1 ether);
    }

    function test_RevertWhen_PayInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.pay(bob, 1 ether);
    }

    function test_RevertWhen_ClaimInSuspected() public {
        hub = hubIn(HubState.Suspected);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Suspected,
                _bit(HubState.Created) | _bit(HubState.Registered) | _bit(HubState.Idle)
            )
        );
        vm.prank(alice);
        hub.claim();
    }

    function test_RevertWhen_ClaimInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Punished,
                _bit(HubState.Created) | _bit(HubState.Registered) | _bit(HubState.Idle)
            )
        );
        vm.prank(alice);
        hub.claim();
    }

    function test_RevertWhen_PayDayInCreated() public {
        hub = hubIn(HubState.Created);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Created, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.payDay();
    }

    function test_RevertWhen_PayDayInIdle() public {
        hub = hubIn(HubState.Idle);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Idle, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.payDay();
    }

    function test_RevertWhen_PayDayInSuspected() public {
        hub = hubIn(HubState.Suspected);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Suspected, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.payDay();
    }

    function test_RevertWhen_PayDayInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, _bit(HubState.Registered)
            )
        );
        vm.prank(hubOwner);
        hub.payDay();
    }

    function test_RevertWhen_WithdrawInRegistered() public {
        hub = hubIn(HubState.Registered);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Registered,
                _bit(HubState.Created) | _bit(HubState.Idle)
            )
        );
        vm.prank(hubOwner);
        hub.withdraw(1 ether);
    }

    function test_RevertWhen_WithdrawInSuspected() public {
        hub = hubIn(HubState.Suspected);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Suspected,
                _bit(HubState.Created) | _bit(HubState.Idle)
            )
        );
        vm.prank(hubOwner);
        hub.withdraw(1 ether);
    }

    function test_RevertWhen_WithdrawInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector,
                HubState.Punished,
                _bit(HubState.Created) | _bit(HubState.Idle)
            )
        );
        vm.prank(hubOwner);
        hub.withdraw(1 ether);
    }

    function test_RevertWhen_SuspectInCreated() public {
        hub = hubIn(HubState.Created);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Created, _bit(HubState.Registered)
            )
        );
        vm.prank(address(timelock));
        hub.suspect();
    }

    function test_RevertWhen_SuspectInIdle() public {
        hub = hubIn(HubState.Idle);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Idle, _bit(HubState.Registered)
            )
        );
        vm.prank(address(timelock));
        hub.suspect();
    }

    function test_RevertWhen_SuspectInSuspected() public {
        hub = hubIn(HubState.Suspected);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Suspected, _bit(HubState.Registered)
            )
        );
        vm.prank(address(timelock));
        hub.suspect();
    }

    function test_RevertWhen_SuspectInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, _bit(HubState.Registered)
            )
        );
        vm.prank(address(timelock));
        hub.suspect();
    }

    function test_RevertWhen_RehabInCreated() public {
        hub = hubIn(HubState.Created);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Created, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.rehab();
    }

    function test_RevertWhen_RehabInRegistered() public {
        hub = hubIn(HubState.Registered);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Registered, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.rehab();
    }

    function test_RevertWhen_RehabInIdle() public {
        hub = hubIn(HubState.Idle);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Idle, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.rehab();
    }

    function test_RevertWhen_RehabInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.rehab();
    }

    function test_RevertWhen_BanInCreated() public {
        hub = hubIn(HubState.Created);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Created, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.ban();
    }

    function test_RevertWhen_BanInRegistered() public {
        hub = hubIn(HubState.Registered);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Registered, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.ban();
    }

    function test_RevertWhen_BanInIdle() public {
        hub = hubIn(HubState.Idle);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Idle, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.ban();
    }

    function test_RevertWhen_BanInPunished() public {
        hub = hubIn(HubState.Punished);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubWallet.HubWalletUnexpectedState.selector, HubState.Punished, _bit(HubState.Suspected)
            )
        );
        vm.prank(address(timelock));
        hub.ban();
    }
}
