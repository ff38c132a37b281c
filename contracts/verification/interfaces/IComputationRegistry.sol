// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ComputationRegistry — the computations whose code is checked pure
/// @notice A computation is judged on chain by calling it (see {Judge}); its output must depend on its input alone,
/// or the judging transaction could change a leaf's or a step's judged output. The registry checks a computation's
/// deployed bytecode once, when it is registered, against an allow-list of opcodes, and pins its code hash; a game
/// names only registered computations and compares the pinned hash with the current one at judgement.
///
/// The checker walks the whole code, instruction by instruction as the EVM's jump-destination analysis does (PUSH1
/// to PUSH32 data skipped), and accepts it only if every instruction is on the allow-list:
/// - STOP, the arithmetic ADD to SIGNEXTEND (0x00-0x0b), comparison and bitwise LT to SAR (0x10-0x1d), KECCAK256;
/// - CALLVALUE, always 0 since the judge reaches a computation by STATICCALL (solc emits it in every contract whose
///   functions are all non-payable), CALLDATALOAD, CALLDATASIZE, CALLDATACOPY, CODESIZE and CODECOPY (the
///   computation's own code, which the hash pins), RETURNDATASIZE and RETURNDATACOPY;
/// - POP, MLOAD, MSTORE, MSTORE8, JUMP, JUMPI, PC, MSIZE, GAS, JUMPDEST, MCOPY, PUSH0 to PUSH32, DUP1-16, SWAP1-16;
/// - RETURN, REVERT, INVALID (0xfe);
/// - STATICCALL only in the sequence `PUSHn a, GAS, STATICCALL` with `1 <= a <= 0x11` (the precompiles of prague:
///   0x01-0x0a and the BLS12-381 ones 0x0b-0x11). Neither GAS nor STATICCALL is a JUMPDEST, so execution can reach
///   that STATICCALL only through the two instructions before it: its gas argument is GAS's and its target the
///   pushed constant. solc's legacy code generator emits this sequence for inline assembly
///   `staticcall(gas(), <literal>, ...)`; it does not for the high-level `sha256`, `ripemd160` or `ecrecover`
///   (it DUPs the address pushed earlier), so a computation calls precompiles in inline assembly.
/// Everything else is refused: storage and transient storage, balances, other accounts' code, the block and
/// transaction context (ADDRESS, ORIGIN, CALLER, GASPRICE, BLOCKHASH, COINBASE, TIMESTAMP, NUMBER, PREVRANDAO,
/// GASLIMIT, CHAINID, SELFBALANCE, BASEFEE, BLOBHASH, BLOBBASEFEE), CREATE and CREATE2, CALL, CALLCODE,
/// DELEGATECALL, LOG0-LOG4, SELFDESTRUCT and every opcode prague does not define. Code that is an EIP-7702
/// delegation designator, and an account without code, are refused before the walk. No address and no code hash is
/// treated specially.
///
/// What the check cannot see is in docs/protocol.md, "Pure computations".
interface IComputationRegistry {
    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    /// @notice `computation` has no code (an account without code, or a precompile).
    error ComputationRegistryNoCode(address computation);

    /// @notice `computation` is an EIP-7702 delegated account (its code is `0xef0100 ++ delegate`): what it runs is
    /// whatever code `delegate` has, and its owner can re-delegate at any time.
    error ComputationRegistryDelegatedAccount(address computation, address delegate);

    /// @notice `computation`'s code has an instruction off the allow-list: `opcode` at byte `offset` (for a
    /// STATICCALL, one not preceded by `PUSHn <precompile>, GAS`).
    error ComputationRegistryForbiddenOpcode(address computation, uint256 offset, uint8 opcode);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice `computation`'s code was checked pure and its hash `codeHash` pinned.
    event ComputationRegistered(address indexed computation, bytes32 indexed codeHash);

    /*//////////////////////////////////////////////////////////////
                               FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Checks `computation`'s code against the allow-list and pins its code hash. Anyone may call it.
    /// Idempotent: for a computation already registered it returns the pinned hash without checking again or
    /// emitting, so two parties racing to register the same computation both succeed.
    /// @dev Reverts with {ComputationRegistryNoCode}, {ComputationRegistryDelegatedAccount} or
    /// {ComputationRegistryForbiddenOpcode}.
    /// @param computation The contract to register.
    /// @return codeHash The pinned code hash (EXTCODEHASH at registration).
    function register(address computation) external returns (bytes32 codeHash);

    /// @notice Whether `computation` is registered.
    function isRegistered(address computation) external view returns (bool);

    /// @notice The code hash pinned when `computation` was registered, or zero if it is not registered.
    function codeHashOf(address computation) external view returns (bytes32);

    /// @notice Whether `computation` is registered and its current code hash (EXTCODEHASH) still equals the pinned
    /// one. The allow-list refuses SELFDESTRUCT and CREATE*, so a registered computation cannot change its code on a
    /// prague chain; the games check this at judgement all the same.
    function isIntact(address computation) external view returns (bool);
}
