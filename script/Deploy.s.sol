// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SonmGovernor} from "../contracts/governance/SonmGovernor.sol";
import {SonmToken} from "../contracts/token/SonmToken.sol";
import {ComputationRegistry} from "../contracts/verification/ComputationRegistry.sol";
import {JudgeHarness} from "../contracts/verification/JudgeHarness.sol";
import {ChainGameDeployer} from "./deploy/ChainGameDeployer.sol";
import {Deployment, GovernanceConfig} from "./deploy/Deployment.sol";
import {HubDeployer} from "./deploy/HubDeployer.sol";
import {MapGameDeployer} from "./deploy/MapGameDeployer.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title The one deploy definition of sonm
/// @notice `forge script script/Deploy.s.sol --rpc-url $ETH_RPC_URL --broadcast --private-key ...` (or `--account`)
/// deploys token, timelock, governor, and every part of the market, hands every privileged role to the timelock,
/// leaves the deployer with none, and writes `deployments/<chainId>.json`.
/// Parameters come from the environment (`SONM_*`), over a profile: `production` by default, `local` (short
/// governance durations) on chain 31337 or with `SONM_PROFILE=local`.
/// The tests' base `setUp` deploys through `deploy`, so this definition is tested on every run.
contract Deploy is HubDeployer, MapGameDeployer, ChainGameDeployer {
    /// @notice The version of `deployments/<chainId>.json`'s format. The toolkit refuses a file of another version:
    /// 2 added the market (and the operator-aware hub wallets it needs).
    uint256 public constant DEPLOYMENT_FORMAT_VERSION = 2;

    /// @notice Deploys with the environment's configuration as the script's sender and writes the deployments file.
    function run() external returns (Deployment memory d) {
        d = deploy(governanceConfig(msg.sender), msg.sender);
        _write(d);
    }

    /// @notice Deploys everything as `deployer` (broadcast), then hands every privileged role to the timelock.
    function deploy(GovernanceConfig memory cfg, address deployer) public returns (Deployment memory d) {
        d.deployer = deployer;
        vm.startBroadcast(deployer);
        _deployGovernance(d, cfg);
        d.judge = address(new JudgeHarness());
        // The games judge only computations this registry checked pure (docs/protocol.md, "Pure computations").
        d.computationRegistry = address(new ComputationRegistry());
        // The hub wallets, the game and the market name one another. The market is created after the vault, the
        // whitelist, the wallet implementation, the factory and the game: the deployer's nonce plus five.
        d.market = vm.computeCreateAddress(deployer, vm.getNonce(deployer) + 5);
        _deployHubs(d);
        _deployMapGame(d);
        _deployChainGame(d);
        // The deployer was the timelock's admin only to wire the market; from here the DAO alone governs.
        TimelockController(payable(d.timelock)).renounceRole(bytes32(0), deployer);
        vm.stopBroadcast();
    }

    /// @notice The governance configuration: the profile's defaults, each overridable by an environment variable.
    function governanceConfig(address deployer) public view returns (GovernanceConfig memory cfg) {
        bool local = _localProfile();
        cfg.supply = vm.envOr("SONM_SUPPLY", uint256(444_000_000 ether));
        cfg.holder = vm.envOr("SONM_TOKEN_HOLDER", deployer);
        cfg.votingDelay = uint48(vm.envOr("SONM_VOTING_DELAY", uint256(local ? 1 : 1 days)));
        cfg.votingPeriod = uint32(vm.envOr("SONM_VOTING_PERIOD", uint256(local ? 5 minutes : 7 days)));
        cfg.proposalThreshold = vm.envOr("SONM_PROPOSAL_THRESHOLD", uint256(0));
        cfg.quorumPercent = vm.envOr("SONM_QUORUM_PERCENT", uint256(4));
        cfg.timelockDelay = vm.envOr("SONM_TIMELOCK_DELAY", uint256(local ? 1 minutes : 2 days));
    }

    function _deployGovernance(Deployment memory d, GovernanceConfig memory cfg) internal {
        SonmToken token = new SonmToken(cfg.holder, cfg.supply);
        // Proposers are set below, once the governor exists; anyone may execute a queued operation.
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1);
        TimelockController timelock = new TimelockController(cfg.timelockDelay, none, anyone, d.deployer);
        SonmGovernor governor = new SonmGovernor(
            token, timelock, cfg.votingDelay, cfg.votingPeriod, cfg.proposalThreshold, cfg.quorumPercent
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        d.token = address(token);
        d.timelock = address(timelock);
        d.governor = address(governor);
    }

    /// @dev Writes `deployments/<chainId>.json`: {formatVersion, chainId, startBlock, deployer, contracts: {Name:
    /// address}}.
    function _write(Deployment memory d) internal {
        string memory c = "contracts";
        vm.serializeAddress(c, "SonmToken", d.token);
        vm.serializeAddress(c, "TimelockController", d.timelock);
        vm.serializeAddress(c, "SonmGovernor", d.governor);
        vm.serializeAddress(c, "ExpropriationVault", d.vault);
        vm.serializeAddress(c, "Whitelist", d.whitelist);
        vm.serializeAddress(c, "HubWallet", d.hubWalletImplementation);
        vm.serializeAddress(c, "HubFactory", d.hubFactory);
        vm.serializeAddress(c, "JudgeHarness", d.judge);
        vm.serializeAddress(c, "ComputationRegistry", d.computationRegistry);
        vm.serializeAddress(c, "MapGame", d.mapGame);
        vm.serializeAddress(c, "Market", d.market);
        vm.serializeAddress(c, "ChainGame", d.chainGame);
        vm.serializeAddress(c, "MandelbrotRow", d.mandelbrot);
        vm.serializeAddress(c, "MonteCarloPi", d.monteCarlo);
        string memory contracts = vm.serializeAddress(c, "KeccakChain", d.keccakChain);

        string memory root = "deployment";
        vm.serializeUint(root, "formatVersion", DEPLOYMENT_FORMAT_VERSION);
        vm.serializeUint(root, "chainId", block.chainid);
        vm.serializeUint(root, "startBlock", block.number);
        vm.serializeAddress(root, "deployer", d.deployer);
        string memory json = vm.serializeString(root, "contracts", contracts);
        vm.writeJson(json, string.concat(vm.projectRoot(), "/deployments/", vm.toString(block.chainid), ".json"));
    }
}
