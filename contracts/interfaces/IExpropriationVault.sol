// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title ExpropriationVault — where a banned hub's funds wait before they reach the DAO
/// @notice Each deposit is frozen for the period its depositor fixes (a hub wallet passes the freeze it snapshotted
/// at creation), then released to the DAO (the timelock), so a ban cannot be turned into quick money.
interface IExpropriationVault {
    /// @notice One deposit.
    struct Deposit {
        /// Who deposited (a banned hub wallet).
        address depositor;
        /// When the deposit may be released.
        uint64 releaseAt;
        /// Whether it was released.
        bool released;
        /// SNM (wei).
        uint256 amount;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice An amount of zero was given.
    error ExpropriationVaultZeroAmount();

    /// @notice No deposit has the id `depositId`.
    error ExpropriationVaultUnknownDeposit(uint256 depositId);

    /// @notice Deposit `depositId` is frozen until `releaseAt`.
    error ExpropriationVaultStillFrozen(uint256 depositId, uint256 releaseAt);

    /// @notice Deposit `depositId` was already released.
    error ExpropriationVaultAlreadyReleased(uint256 depositId);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `depositor` deposited `amount`, frozen until `releaseAt`, as deposit `depositId`.
    event Deposited(uint256 indexed depositId, address indexed depositor, uint256 amount, uint256 releaseAt);

    /// @notice Deposit `depositId` (`amount`) was released to the DAO.
    event Released(uint256 indexed depositId, address indexed dao, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Pulls `amount` SNM from the caller (approve first) and freezes it for `freeze` seconds.
    /// @return depositId The deposit's id (0, 1, 2, …).
    function deposit(uint256 amount, uint256 freeze) external returns (uint256 depositId);

    /// @notice Sends deposit `depositId` to the DAO once its freeze is over. Anyone may call: the DAO is the only
    /// possible recipient.
    function release(uint256 depositId) external;

    /// @notice The SNM token.
    function token() external view returns (IERC20);

    /// @notice The DAO (the timelock), which receives every released deposit.
    function dao() external view returns (address);

    /// @notice Deposit `depositId`.
    function deposits(uint256 depositId) external view returns (Deposit memory);

    /// @notice How many deposits were made.
    function depositCount() external view returns (uint256);

    /// @notice The SNM deposited and not yet released.
    function totalFrozen() external view returns (uint256);
}
