// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IHubFactory} from "../interfaces/IHubFactory.sol";
import {HubParameters, IHubWallet} from "../interfaces/IHubWallet.sol";
import {IWhitelist} from "../interfaces/IWhitelist.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title HubFactory — creates hub wallets (the whitepaper's "simplified replication factory")
/// @notice Each hub is an EIP-1167 clone of one HubWallet implementation: a 45-byte proxy instead of a full
/// deployment. The factory holds the terms for new wallets; only the DAO (the timelock) changes them, and a wallet
/// keeps the terms it was created with.
contract HubFactory is IHubFactory {
    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev Basis points in a whole.
    uint256 private constant BPS = 10_000;

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubFactory
    IHubWallet public immutable implementation;

    /// @inheritdoc IHubFactory
    IWhitelist public immutable whitelist;

    /// @inheritdoc IHubFactory
    address public immutable dao;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    HubParameters private _parameters;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param implementation_ The HubWallet implementation; its whitelist and DAO are the factory's.
    /// @param parameters_ The terms for the first wallets.
    constructor(IHubWallet implementation_, HubParameters memory parameters_) {
        implementation = implementation_;
        whitelist = implementation_.whitelist();
        dao = implementation_.dao();
        // The whitelist trusts one factory, named at its construction: make sure it is this one.
        address whitelistFactory = whitelist.factory();
        if (whitelistFactory != address(this)) revert HubFactoryWhitelistMismatch(whitelistFactory);
        _setParameters(parameters_);
    }

    /*//////////////////////////////////////////////////////////////
                                EXTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IHubFactory
    function createHub(string calldata endpoint, string calldata name) external returns (IHubWallet hub) {
        HubParameters memory p = _parameters;
        hub = IHubWallet(Clones.clone(address(implementation)));
        hub.initialize(msg.sender, p);
        emit HubCreated(address(hub), msg.sender, p);
        whitelist.enter(address(hub), msg.sender, endpoint, name);
    }

    /// @inheritdoc IHubFactory
    function setParameters(HubParameters calldata parameters_) external {
        if (msg.sender != dao) revert HubFactoryNotDao(msg.sender);
        _setParameters(parameters_);
    }

    /// @inheritdoc IHubFactory
    function parameters() external view returns (HubParameters memory) {
        return _parameters;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    function _setParameters(HubParameters memory p) private {
        if (
            p.lockBps > BPS || p.daoFeeBps > BPS || p.payoutPeriod == 0 || p.suspicionPeriod == 0
                || p.expropriationFreeze == 0 || p.payDayCoolDown == 0
        ) revert HubFactoryInvalidParameters(p);
        _parameters = p;
        emit ParametersChanged(p);
    }
}
