// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExpropriationVault} from "../interfaces/IExpropriationVault.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ExpropriationVault — where a banned hub's funds wait before they reach the DAO
/// @notice A banned hub wallet deposits everything it holds with the freeze it snapshotted at creation (60 days by
/// default); each deposit is released to the DAO (the timelock) only once its freeze is over, so a ban cannot be
/// turned into quick money. Release is permissionless because the DAO is the only possible recipient.
contract ExpropriationVault is IExpropriationVault {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IExpropriationVault
    IERC20 public immutable token;

    /// @inheritdoc IExpropriationVault
    address public immutable dao;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IExpropriationVault
    uint256 public totalFrozen;

    Deposit[] private _deposits;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTOR
    //////////////////////////////////////////////////////////////*/

    /// @param token_ The SNM token.
    /// @param dao_ The DAO (the timelock).
    constructor(IERC20 token_, address dao_) {
        token = token_;
        dao = dao_;
    }

    /*//////////////////////////////////////////////////////////////
                                EXTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IExpropriationVault
    function deposit(uint256 amount, uint256 freeze) external returns (uint256 depositId) {
        if (amount == 0) revert ExpropriationVaultZeroAmount();
        // A freeze is capped at 2^32 - 1 seconds (136 years: for ever in practice), which keeps the cast in range.
        uint256 releaseAt = block.timestamp + (freeze > type(uint32).max ? type(uint32).max : freeze);
        depositId = _deposits.length;
        // forge-lint: disable-next-line(unsafe-typecast) -- `releaseAt` < now + 2^32, far below 2^64.
        _deposits.push(Deposit({depositor: msg.sender, releaseAt: uint64(releaseAt), released: false, amount: amount}));
        totalFrozen += amount;
        emit Deposited(depositId, msg.sender, amount, releaseAt);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IExpropriationVault
    function release(uint256 depositId) external {
        if (depositId >= _deposits.length) revert ExpropriationVaultUnknownDeposit(depositId);
        Deposit storage d = _deposits[depositId];
        if (d.released) revert ExpropriationVaultAlreadyReleased(depositId);
        // forge-lint: disable-next-line(block-timestamp) -- freezes last days; a validator moves time by seconds.
        if (block.timestamp < d.releaseAt) revert ExpropriationVaultStillFrozen(depositId, d.releaseAt);
        d.released = true;
        uint256 amount = d.amount;
        // Cannot underflow: `totalFrozen` is the sum of the unreleased deposits, this one included.
        unchecked {
            totalFrozen -= amount;
        }
        emit Released(depositId, dao, amount);
        token.safeTransfer(dao, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IExpropriationVault
    function deposits(uint256 depositId) external view returns (Deposit memory) {
        if (depositId >= _deposits.length) revert ExpropriationVaultUnknownDeposit(depositId);
        return _deposits[depositId];
    }

    /// @inheritdoc IExpropriationVault
    function depositCount() external view returns (uint256) {
        return _deposits.length;
    }
}
