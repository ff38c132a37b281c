// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BaseTest} from "../../utils/BaseTest.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

contract SonmGovernorTest is BaseTest {
    function test_Settings() public view {
        assertEq(governor.name(), "SONM DAO");
        assertEq(governor.votingDelay(), 1 days);
        assertEq(governor.votingPeriod(), 7 days);
        assertEq(governor.proposalThreshold(), 0);
        assertEq(governor.CLOCK_MODE(), "mode=timestamp");
        assertEq(governor.clock(), block.timestamp);
    }

    function test_Quorum_FourPercentOfTheSupply() public view {
        assertEq(governor.quorum(block.timestamp - 1), SUPPLY * 4 / 100);
    }

    function test_Proposal_NeedsQueuing() public {
        address[] memory targets = new address[](1);
        targets[0] = address(whitelist);
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(whitelist.setRatingParameters, (1 ether, 1 days));
        vm.prank(treasury);
        uint256 id = governor.propose(targets, values, calldatas, "rating terms");
        assertTrue(governor.proposalNeedsQueuing(id));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Pending));
    }

    function test_PassProposal_ChangesRatingTerms() public {
        passProposal(
            address(whitelist), abi.encodeCall(whitelist.setRatingParameters, (1 ether, 1 days)), "rating terms"
        );
        assertEq(whitelist.minimumStake(), 1 ether);
    }

    function test_Cancel_ByTheProposerBeforeTheVote() public {
        address[] memory targets = new address[](1);
        targets[0] = address(whitelist);
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(whitelist.setRatingParameters, (1 ether, 1 days));
        vm.prank(treasury);
        uint256 id = governor.propose(targets, values, calldatas, "rating terms");
        vm.prank(treasury);
        governor.cancel(targets, values, calldatas, keccak256("rating terms"));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Canceled));
    }

    function test_Proposal_DefeatedWithoutQuorum() public {
        fund(alice, SUPPLY / 100); // 1%: below the 4% quorum
        vm.prank(alice);
        token.delegate(alice);
        skip(1);
        address[] memory targets = new address[](1);
        targets[0] = address(whitelist);
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(whitelist.setRatingParameters, (1 ether, 1 days));
        vm.prank(alice);
        uint256 id = governor.propose(targets, values, calldatas, "alone");
        skip(1 days + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        skip(7 days);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Defeated));
    }
}
