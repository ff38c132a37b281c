// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Everything one deployment of sonm consists of. Written to `deployments/<chainId>.json`, read by the
/// Rust toolkit. Addresses only, so that each part of the deploy definition can be compiled on its own.
struct Deployment {
    address deployer;
    // token and governance
    address token;
    address timelock;
    address governor;
    // hub economy
    address vault;
    address whitelist;
    address hubWalletImplementation;
    address hubFactory;
    // verification game
    address judge;
    address computationRegistry;
    address mapGame;
    address chainGame;
    address mandelbrot;
    address monteCarlo;
    address keccakChain;
    // market
    address market;
}

/// @notice The governance parameters of a deployment. Durations are in seconds.
struct GovernanceConfig {
    uint256 supply;
    address holder;
    uint48 votingDelay;
    uint32 votingPeriod;
    uint256 proposalThreshold;
    uint256 quorumPercent;
    uint256 timelockDelay;
}
