// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExpropriationVault} from "../../contracts/governance/ExpropriationVault.sol";
import {SonmGovernor} from "../../contracts/governance/SonmGovernor.sol";
import {HubFactory} from "../../contracts/hub/HubFactory.sol";
import {HubWallet} from "../../contracts/hub/HubWallet.sol";
import {HubParameters} from "../../contracts/interfaces/IHubWallet.sol";
import {Whitelist} from "../../contracts/registry/Whitelist.sol";
import {SonmToken} from "../../contracts/token/SonmToken.sol";
import {Deploy} from "../../script/Deploy.s.sol";
import {Deployment, GovernanceConfig} from "../../script/deploy/Deployment.sol";
import {HubConfig} from "../../script/deploy/HubDeployer.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The base of every test: deploys sonm through the deploy definition (script/Deploy.s.sol), so the script
/// is tested on every run, and offers labelled actors and helpers to fund accounts, create hubs and pass DAO
/// proposals.
abstract contract BaseTest is Test {
    /*//////////////////////////////////////////////////////////////
                               DEPLOYMENT
    //////////////////////////////////////////////////////////////*/

    /// @dev The production governance durations (docs/protocol.md, "DAO"), so the tests exercise the real ones.
    uint48 internal constant VOTING_DELAY = 1 days;
    uint32 internal constant VOTING_PERIOD = 7 days;
    uint256 internal constant QUORUM_PERCENT = 4;
    uint256 internal constant TIMELOCK_DELAY = 2 days;
    uint256 internal constant SUPPLY = 444_000_000 ether;

    Deployment internal d;
    HubConfig internal hubConfig;

    SonmToken internal token;
    TimelockController internal timelock;
    SonmGovernor internal governor;
    ExpropriationVault internal vault;
    Whitelist internal whitelist;
    HubWallet internal hubWalletImplementation;
    HubFactory internal factory;

    /*//////////////////////////////////////////////////////////////
                                 ACTORS
    //////////////////////////////////////////////////////////////*/

    /// @dev Sends the deployment's transactions; ends with no role anywhere.
    address internal deployer = makeAddr("deployer");
    /// @dev Receives the whole supply; delegates its votes to itself and carries DAO proposals.
    address internal treasury = makeAddr("treasury");
    address internal hubOwner = makeAddr("hubOwner");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal eve = makeAddr("eve");

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        Deploy script = new Deploy();
        d = script.deploy(governanceConfig(), deployer);
        hubConfig = script.hubConfig();

        token = SonmToken(d.token);
        timelock = TimelockController(payable(d.timelock));
        governor = SonmGovernor(payable(d.governor));
        vault = ExpropriationVault(d.vault);
        whitelist = Whitelist(d.whitelist);
        hubWalletImplementation = HubWallet(d.hubWalletImplementation);
        factory = HubFactory(d.hubFactory);

        vm.label(d.token, "SonmToken");
        vm.label(d.timelock, "Timelock(DAO)");
        vm.label(d.governor, "SonmGovernor");
        vm.label(d.vault, "ExpropriationVault");
        vm.label(d.whitelist, "Whitelist");
        vm.label(d.hubWalletImplementation, "HubWalletImplementation");
        vm.label(d.hubFactory, "HubFactory");

        vm.prank(treasury);
        token.delegate(treasury);
        // Votes are checkpointed by timestamp and read strictly in the past.
        skip(1);
    }

    /// @dev The governance configuration the tests deploy with: production durations, the supply to `treasury`.
    function governanceConfig() internal view virtual returns (GovernanceConfig memory cfg) {
        cfg.supply = SUPPLY;
        cfg.holder = treasury;
        cfg.votingDelay = VOTING_DELAY;
        cfg.votingPeriod = VOTING_PERIOD;
        cfg.proposalThreshold = 0;
        cfg.quorumPercent = QUORUM_PERCENT;
        cfg.timelockDelay = TIMELOCK_DELAY;
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev Sends `amount` SNM from the treasury to `to`.
    function fund(address to, uint256 amount) internal {
        vm.prank(treasury);
        assertTrue(token.transfer(to, amount));
    }

    /// @dev Makes the next call come from the DAO (the timelock), skipping the vote.
    function asDao() internal {
        vm.prank(d.timelock);
    }

    /// @dev `owner` creates a hub through the factory.
    function createHub(address owner, string memory endpoint, string memory name) internal returns (HubWallet hub) {
        vm.prank(owner);
        hub = HubWallet(address(factory.createHub(endpoint, name)));
        vm.label(address(hub), name);
    }

    /// @dev `owner` creates a hub, deposits `deposit` SNM in it and registers it.
    function createRegisteredHub(address owner, uint256 deposit) internal returns (HubWallet hub) {
        hub = createHub(owner, "hub.example.org:15010", "hub");
        fund(address(hub), deposit);
        vm.prank(owner);
        hub.register();
    }

    /// @dev Passes a DAO proposal end to end: the treasury proposes and votes for it, then it is queued and executed
    /// after the voting delay, the voting period and the timelock delay.
    function passProposal(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) internal returns (uint256 proposalId) {
        vm.prank(treasury);
        proposalId = governor.propose(targets, values, calldatas, description);
        skip(governor.votingDelay() + 1);
        vm.prank(treasury);
        governor.castVote(proposalId, 1);
        skip(governor.votingPeriod());
        bytes32 descriptionHash = keccak256(bytes(description));
        governor.queue(targets, values, calldatas, descriptionHash);
        skip(timelock.getMinDelay());
        governor.execute(targets, values, calldatas, descriptionHash);
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Executed), "proposal executed");
    }

    /// @dev Passes a one-call DAO proposal.
    function passProposal(address target, bytes memory data, string memory description)
        internal
        returns (uint256 proposalId)
    {
        address[] memory targets = new address[](1);
        targets[0] = target;
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        calldatas[0] = data;
        return passProposal(targets, values, calldatas, description);
    }

    /// @dev The factory's terms at deployment.
    function defaultParameters() internal view returns (HubParameters memory) {
        return hubConfig.hub;
    }

    /// @dev The error selector's bitmap argument: bit `1 << s` for each allowed state `s`.
    function stateBits(uint8[] memory states) internal pure returns (bytes32 bits) {
        for (uint256 i; i < states.length; ++i) {
            bits |= bytes32(uint256(1) << states[i]);
        }
    }
}
