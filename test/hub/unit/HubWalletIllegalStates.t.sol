// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubState, IHubWallet} from "../../../contracts/interfaces/IHubWallet.sol";
import {HubWalletTestBase} from "./HubWalletTestBase.sol";

/// @notice Every (call, state) pair outside the HubWallet table of docs/protocol.md ("HubWallet") reverts with
/// HubWalletUnexpectedState(state, allowed).
/// Each call is made by its rightful caller, after every timed condition is met, so the state alone is at fault.
contract HubWalletIllegalStatesTest is HubWalletTestBase {
    /// @dev The wallet's state-changing calls.
    enum Call {
        Register,
        Pay,
        Claim,
        PayDay,
        Withdraw,
        Suspect,
        Rehab,
        Ban
    }

    /*//////////////////////////////////////////////////////////////
                            ONE TEST A PAIR
    //////////////////////////////////////////////////////////////*/

    function test_RevertWhen_RegisterInRegistered() public {
        expectRevert_UnexpectedState(Call.Register, HubState.Registered);
    }

    function test_RevertWhen_RegisterInSuspected() public {
        expectRevert_UnexpectedState(Call.Register, HubState.Suspected);
    }

    function test_RevertWhen_RegisterInPunished() public {
        expectRevert_UnexpectedState(Call.Register, HubState.Punished);
    }

    function test_RevertWhen_PayInCreated() public {
        expectRevert_UnexpectedState(Call.Pay, HubState.Created);
    }

    function test_RevertWhen_PayInIdle() public {
        expectRevert_UnexpectedState(Call.Pay, HubState.Idle);
    }

    function test_RevertWhen_PayInSuspected() public {
        expectRevert_UnexpectedState(Call.Pay, HubState.Suspected);
    }

    function test_RevertWhen_PayInPunished() public {
        expectRevert_UnexpectedState(Call.Pay, HubState.Punished);
    }

    function test_RevertWhen_ClaimInSuspected() public {
        expectRevert_UnexpectedState(Call.Claim, HubState.Suspected);
    }

    function test_RevertWhen_ClaimInPunished() public {
        expectRevert_UnexpectedState(Call.Claim, HubState.Punished);
    }

    function test_RevertWhen_PayDayInCreated() public {
        expectRevert_UnexpectedState(Call.PayDay, HubState.Created);
    }

    function test_RevertWhen_PayDayInIdle() public {
        expectRevert_UnexpectedState(Call.PayDay, HubState.Idle);
    }

    function test_RevertWhen_PayDayInSuspected() public {
        expectRevert_UnexpectedState(Call.PayDay, HubState.Suspected);
    }

    function test_RevertWhen_PayDayInPunished() public {
        expectRevert_UnexpectedState(Call.PayDay, HubState.Punished);
    }

    function test_RevertWhen_WithdrawInRegistered() public {
        expectRevert_UnexpectedState(Call.Withdraw, HubState.Registered);
    }

    function test_RevertWhen_WithdrawInSuspected() public {
        expectRevert_UnexpectedState(Call.Withdraw, HubState.Suspected);
    }

    function test_RevertWhen_WithdrawInPunished() public {
        expectRevert_UnexpectedState(Call.Withdraw, HubState.Punished);
    }

    function test_RevertWhen_SuspectInCreated() public {
        expectRevert_UnexpectedState(Call.Suspect, HubState.Created);
    }

    function test_RevertWhen_SuspectInIdleAfterTheCoolDown() public {
        // `hubIn(Idle)` is past its cool-down: the state is allowed, the time is not.
        hub = hubIn(HubState.Idle);
        (, uint256 coolingUntil) = hub.cooling();
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletNotCooling.selector, coolingUntil));
        make(Call.Suspect);
    }

    function test_RevertWhen_SuspectInSuspected() public {
        expectRevert_UnexpectedState(Call.Suspect, HubState.Suspected);
    }

    function test_RevertWhen_SuspectInPunished() public {
        expectRevert_UnexpectedState(Call.Suspect, HubState.Punished);
    }

    function test_RevertWhen_RehabInCreated() public {
        expectRevert_UnexpectedState(Call.Rehab, HubState.Created);
    }

    function test_RevertWhen_RehabInRegistered() public {
        expectRevert_UnexpectedState(Call.Rehab, HubState.Registered);
    }

    function test_RevertWhen_RehabInIdle() public {
        expectRevert_UnexpectedState(Call.Rehab, HubState.Idle);
    }

    function test_RevertWhen_RehabInPunished() public {
        expectRevert_UnexpectedState(Call.Rehab, HubState.Punished);
    }

    function test_RevertWhen_BanInCreated() public {
        expectRevert_UnexpectedState(Call.Ban, HubState.Created);
    }

    function test_RevertWhen_BanInRegistered() public {
        expectRevert_UnexpectedState(Call.Ban, HubState.Registered);
    }

    function test_RevertWhen_BanInIdle() public {
        expectRevert_UnexpectedState(Call.Ban, HubState.Idle);
    }

    function test_RevertWhen_BanInPunished() public {
        expectRevert_UnexpectedState(Call.Ban, HubState.Punished);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev Brings a hub to `state`, waits out every timed condition, and expects `call`, made by its rightful
    /// caller, to revert with HubWalletUnexpectedState(state, the states `call` is allowed in).
    function expectRevert_UnexpectedState(Call call, HubState state) internal {
        assertEq(allowedStates(call) & _bit(state), bytes32(0), "the table allows this pair: not an illegal state");
        hub = hubIn(state);
        skip(365 days);
        vm.expectRevert(
            abi.encodeWithSelector(IHubWallet.HubWalletUnexpectedState.selector, state, allowedStates(call))
        );
        make(call);
    }

    /// @dev The states each call is allowed in, as the protocol's HubWallet table gives them.
    function allowedStates(Call call) internal pure returns (bytes32) {
        if (call == Call.Register || call == Call.Withdraw) return _bit(HubState.Created) | _bit(HubState.Idle);
        if (call == Call.Pay || call == Call.PayDay) return _bit(HubState.Registered);
        // An Idle hub may be suspected while its last PayDay's funds cool; past that, HubWalletNotCooling.
        if (call == Call.Suspect) return _bit(HubState.Registered) | _bit(HubState.Idle);
        if (call == Call.Claim) return _bit(HubState.Created) | _bit(HubState.Registered) | _bit(HubState.Idle);
        return _bit(HubState.Suspected); // Rehab, Ban
    }

    /// @dev Makes `call` as its rightful caller: the owner, a miner (alice claims), or the DAO.
    function make(Call call) internal {
        if (call == Call.Claim) vm.prank(alice);
        else if (call == Call.Suspect || call == Call.Rehab || call == Call.Ban) vm.prank(address(timelock));
        else vm.prank(hubOwner);

        if (call == Call.Register) hub.register();
        else if (call == Call.Pay) hub.pay(bob, 1 ether, 0);
        else if (call == Call.Claim) hub.claim();
        else if (call == Call.PayDay) hub.payDay();
        else if (call == Call.Withdraw) hub.withdraw(1 ether);
        else if (call == Call.Suspect) hub.suspect();
        else if (call == Call.Rehab) hub.rehab();
        else hub.ban();
    }
}
