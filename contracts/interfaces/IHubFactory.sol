// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HubParameters, IHubWallet} from "./IHubWallet.sol";
import {IWhitelist} from "./IWhitelist.sol";

/// @title HubFactory — creates hub wallets
/// @notice `createHub` deploys an EIP-1167 clone of the HubWallet implementation, initialises it with the current
/// terms and enters it in the Whitelist. Only the DAO (the timelock) changes the terms, and only for new wallets.
interface IHubFactory {
    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice Only the DAO (the timelock) may make this call.
    error HubFactoryNotDao(address caller);

    /// @notice The terms are out of range: a fraction above 10,000 basis points or a zero period.
    error HubFactoryInvalidParameters(HubParameters parameters);

    /// @notice The implementation's whitelist does not name this factory as its own.
    error HubFactoryWhitelistMismatch(address whitelistFactory);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `owner` created `hub` with the terms `parameters`.
    event HubCreated(address indexed hub, address indexed owner, HubParameters parameters);

    /// @notice The DAO set the terms for new wallets.
    event ParametersChanged(HubParameters parameters);

    /*//////////////////////////////////////////////////////////////
                                FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Creates a hub wallet owned by the caller and enters it in the whitelist.
    /// @param endpoint Where miners reach the hub: host:port or a DNS name.
    /// @param name The hub's display name.
    /// @return hub The new wallet.
    function createHub(string calldata endpoint, string calldata name) external returns (IHubWallet hub);

    /// @notice Sets the terms for new wallets. Only the DAO may call.
    function setParameters(HubParameters calldata parameters) external;

    /// @notice The terms new wallets get.
    function parameters() external view returns (HubParameters memory);

    /// @notice The HubWallet implementation every wallet is a clone of.
    function implementation() external view returns (IHubWallet);

    /// @notice The hub registry.
    function whitelist() external view returns (IWhitelist);

    /// @notice The DAO (the timelock).
    function dao() external view returns (address);
}
