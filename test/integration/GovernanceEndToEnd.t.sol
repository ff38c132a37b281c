// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubWallet} from "../../contracts/hub/HubWallet.sol";
import {IExpropriationVault} from "../../contracts/interfaces/IExpropriationVault.sol";
import {HubParameters, HubState, IHubWallet} from "../../contracts/interfaces/IHubWallet.sol";
import {BaseTest} from "../utils/BaseTest.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

/// @notice The DAO end to end: holders delegate, propose `suspect(hub)`, vote, queue, execute; a second proposal
/// bans the hub after 120 days; the funds reach the vault and are released to the DAO only after 60 days.
contract GovernanceEndToEndTest is BaseTest {
    HubWallet internal hub;

    function setUp() public override {
        super.setUp();
        // Two holders with 5% of the supply each delegate: alice to herself, bob to alice and himself in turn.
        fund(alice, SUPPLY / 20);
        fund(bob, SUPPLY / 20);
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(bob);
        token.delegate(bob);
        skip(1);

        hub = createRegisteredHub(hubOwner, 100 ether);
        vm.prank(hubOwner);
        hub.pay(carol, 10 ether, 0);
    }

    function _one(bytes memory data)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        targets[0] = address(hub);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        calldatas[0] = data;
    }

    function test_SuspectThenBanThroughTheDao() public {
        // 1. alice proposes to suspect the hub; alice and bob vote for it (10% of the supply: above the 4% quorum).
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _one(abi.encodeCall(IHubWallet.suspect, ()));
        string memory description = "Suspect hub: it reports results nobody computed";
        vm.prank(alice);
        uint256 id = governor.propose(targets, values, calldatas, description);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Pending));

        skip(governor.votingDelay() + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.prank(bob);
        governor.castVoteWithReason(id, 1, "seen it too");
        (uint256 against, uint256 forVotes,) = governor.proposalVotes(id);
        assertEq(forVotes, SUPPLY / 10);
        assertEq(against, 0);

        skip(governor.votingPeriod());
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        bytes32 descriptionHash = keccak256(bytes(description));
        governor.queue(targets, values, calldatas, descriptionHash);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Queued));

        // The timelock's delay holds: executing early fails.
        vm.expectRevert();
        governor.execute(targets, values, calldatas, descriptionHash);
        skip(timelock.getMinDelay());
        governor.execute(targets, values, calldatas, descriptionHash);
        assertEq(uint8(hub.state()), uint8(HubState.Suspected));

        // The hub's funds are blocked, its miner's claim too.
        vm.expectRevert();
        vm.prank(carol);
        hub.claim();

        _banTooEarly();
        _banAfter120Days();
    }

    function _banTooEarly() internal {
        // 2. A ban proposed at once would execute long before the 120 days: its execution fails.
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) =
            _one(abi.encodeCall(IHubWallet.ban, ()));
        string memory early = "Ban hub (too early)";
        vm.prank(alice);
        uint256 earlyId = governor.propose(targets, values, calldatas, early);
        skip(governor.votingDelay() + 1);
        vm.prank(alice);
        governor.castVote(earlyId, 1);
        skip(governor.votingPeriod());
        governor.queue(targets, values, calldatas, keccak256(bytes(early)));
        skip(timelock.getMinDelay());
        vm.expectRevert(abi.encodeWithSelector(IHubWallet.HubWalletSuspicionPeriodNotOver.selector, hub.banAt()));
        governor.execute(targets, values, calldatas, keccak256(bytes(early)));
    }

    function _banAfter120Days() internal {
        // 3. After 120 days a second proposal bans it.
        vm.warp(hub.suspectedAt() + 120 days);
        uint256 held = token.balanceOf(address(hub));
        passProposal(address(hub), abi.encodeCall(IHubWallet.ban, ()), "Ban hub");
        assertEq(uint8(hub.state()), uint8(HubState.Punished));
        assertEq(token.balanceOf(address(hub)), 0);
        assertEq(token.balanceOf(address(vault)), held);
        IExpropriationVault.Deposit memory dep = vault.deposits(0);
        assertEq(dep.depositor, address(hub));
        assertEq(dep.amount, held);
        uint256 bannedAt = block.timestamp;
        assertEq(dep.releaseAt, bannedAt + 60 days);

        // 4. The vault releases the funds to the DAO only after 60 days.
        vm.warp(bannedAt + 60 days - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IExpropriationVault.ExpropriationVaultStillFrozen.selector, 0, dep.releaseAt)
        );
        vault.release(0);
        vm.warp(bannedAt + 60 days);
        uint256 daoBefore = token.balanceOf(address(timelock));
        vault.release(0);
        assertEq(token.balanceOf(address(timelock)) - daoBefore, held);

        // 5. The funds are the DAO's: only another proposal spends them (here, back to the wronged miner).
        passProposal(address(token), abi.encodeCall(token.transfer, (carol, 10 ether)), "Compensate carol");
        assertEq(token.balanceOf(carol), 10 ether);
    }

    function test_RehabThroughTheDao() public {
        passProposal(address(hub), abi.encodeCall(IHubWallet.suspect, ()), "Suspect hub");
        passProposal(address(hub), abi.encodeCall(IHubWallet.rehab, ()), "Rehabilitate hub: false alarm");
        assertEq(uint8(hub.state()), uint8(HubState.Idle));
        vm.prank(carol);
        hub.claim();
        assertEq(token.balanceOf(carol), 10 ether);
    }

    function test_TrustAndTermsThroughTheDao() public {
        HubParameters memory terms = factory.parameters();
        terms.lockBps = 4000;
        address[] memory targets = new address[](2);
        targets[0] = address(whitelist);
        targets[1] = address(factory);
        uint256[] memory values = new uint256[](2);
        bytes[] memory calldatas = new bytes[](2);
        calldatas[0] = abi.encodeCall(whitelist.setTrusted, (address(hub), true));
        calldatas[1] = abi.encodeCall(factory.setParameters, (terms));
        passProposal(targets, values, calldatas, "Trust hub; raise the lock to 40%");
        assertTrue(whitelist.record(address(hub)).trusted);
        assertEq(factory.parameters().lockBps, 4000);
        assertEq(hub.parameters().lockBps, 3000, "the existing hub keeps its terms");
    }
}
