// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title SONM Token (SNM)
/// @notice The market's currency and the DAO's vote. The whole supply is minted once, at deployment, to `holder`;
/// there is no mint afterwards.
/// @dev Votes are counted on a timestamp clock, so every governance duration in this project is in seconds.
contract SonmToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice The default supply: 444,000,000 SNM.
    uint256 public constant DEFAULT_SUPPLY = 444_000_000 ether;

    /// @param holder Receives the whole supply.
    /// @param supply The whole supply, in wei (18 decimals).
    constructor(address holder, uint256 supply) ERC20("SONM Token", "SNM") ERC20Permit("SONM Token") {
        _mint(holder, supply);
    }

    /// @notice The clock the votes are checkpointed on: the block timestamp.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice Machine-readable description of the clock (EIP-6372).
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
