// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IComputationRegistry} from "./interfaces/IComputationRegistry.sol";

/// @title ComputationRegistry — the computations whose code is checked pure
/// @notice See {IComputationRegistry}: the allow-list, the STATICCALL rule and what the check cannot see.
/// @dev The precedent is Casper's purity checker (a contract that walked a contract's code and refused any opcode
/// that reads state or context). No owner, no parameter: the allow-list is the protocol's and changes only with a
/// new registry.
contract ComputationRegistry is IComputationRegistry {
    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev Opcodes the walk treats apart.
    uint256 private constant PUSH0 = 0x5f;
    uint256 private constant PUSH1 = 0x60;
    uint256 private constant GAS = 0x5a;
    uint256 private constant STATICCALL = 0xfa;

    /// @dev The precompiles of prague: ecrecover .. point evaluation (0x01-0x0a), BLS12-381 (0x0b-0x11, EIP-2537).
    uint256 private constant FIRST_PRECOMPILE = 0x01;
    uint256 private constant LAST_PRECOMPILE = 0x11;

    /// @dev An EIP-7702 delegation designator: these 3 bytes, then the delegate's 20-byte address.
    uint256 private constant DELEGATION_PREFIX = 0xef0100;
    uint256 private constant DELEGATION_LENGTH = 23;

    /// @dev PUSH1-PUSH32 as a bitmap (bit `op` for opcode `op`): allowed, their data skipped. Each run of opcodes
    /// first..last below is written `(1 << (last + 1)) - (1 << first)`, the number with bits first..last set.
    uint256 private constant PUSH_OPCODES = (1 << 0x80) - (1 << 0x60);

    /// @dev The allow-list as a bitmap: bit `op` is set when opcode `op` is accepted wherever it stands. STATICCALL
    /// is not in it: it is accepted only after `PUSHn <precompile>, GAS` (see {_walk}).
    uint256 private constant ALLOWED_OPCODES = PUSH_OPCODES // PUSH1-PUSH32
        | ((1 << 0x0c) - (1 << 0x00)) // STOP, ADD, MUL, SUB, DIV, SDIV, MOD, SMOD, ADDMOD, MULMOD, EXP, SIGNEXTEND
        | ((1 << 0x1e) - (1 << 0x10)) // LT, GT, SLT, SGT, EQ, ISZERO, AND, OR, XOR, NOT, BYTE, SHL, SHR, SAR
        | (1 << 0x20) // KECCAK256
        | ((1 << 0x3a) - (1 << 0x34)) // CALLVALUE, CALLDATALOAD, CALLDATASIZE, CALLDATACOPY, CODESIZE, CODECOPY
        | ((1 << 0x3f) - (1 << 0x3d)) // RETURNDATASIZE, RETURNDATACOPY
        | ((1 << 0x54) - (1 << 0x50)) // POP, MLOAD, MSTORE, MSTORE8
        | ((1 << 0x5c) - (1 << 0x56)) // JUMP, JUMPI, PC, MSIZE, GAS, JUMPDEST
        | ((1 << 0x60) - (1 << 0x5e)) // MCOPY, PUSH0
        | ((1 << 0xa0) - (1 << 0x80)) // DUP1-DUP16, SWAP1-SWAP16
        | (1 << 0xf3) // RETURN
        | ((1 << 0xff) - (1 << 0xfd)); // REVERT, INVALID

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev The code hash pinned at registration; zero for a computation not registered (no code hashes to zero).
    mapping(address computation => bytes32 codeHash) private _codeHashOf;

    /*//////////////////////////////////////////////////////////////
                                EXTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IComputationRegistry
    function register(address computation) external returns (bytes32 codeHash) {
        codeHash = _codeHashOf[computation];
        if (codeHash != 0) return codeHash;
        // `.code` is EXTCODESIZE then EXTCODECOPY: the bytes the EVM would run for a call (for a delegated account,
        // the designator itself, not the delegate's code).
        bytes memory code = computation.code;
        _check(computation, code);
        codeHash = computation.codehash;
        _codeHashOf[computation] = codeHash;
        emit ComputationRegistered(computation, codeHash);
    }

    /// @inheritdoc IComputationRegistry
    function isRegistered(address computation) external view returns (bool) {
        return _codeHashOf[computation] != 0;
    }

    /// @inheritdoc IComputationRegistry
    function codeHashOf(address computation) external view returns (bytes32) {
        return _codeHashOf[computation];
    }

    /// @inheritdoc IComputationRegistry
    function isIntact(address computation) external view returns (bool) {
        bytes32 pinned = _codeHashOf[computation];
        return pinned != 0 && computation.codehash == pinned;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Refuses `code` unless it is non-empty, not a delegation designator and every instruction in it is
    /// allowed.
    function _check(address computation, bytes memory code) private pure {
        uint256 length = code.length;
        if (length == 0) revert ComputationRegistryNoCode(computation);
        if (length == DELEGATION_LENGTH && _word(code, 0) >> 232 == DELEGATION_PREFIX) {
            revert ComputationRegistryDelegatedAccount(computation, address(uint160(_word(code, 3) >> 96)));
        }
        (bool refused, uint256 offset, uint256 opcode) = _walk(code);
        if (refused) revert ComputationRegistryForbiddenOpcode(computation, offset, uint8(opcode));
    }

    /// @dev Walks `code` (non-empty) and stops at the first instruction off the allow-list. Instructions are found as
    /// the EVM finds jump destinations: from byte 0, each PUSHn skipping its n data bytes, so a byte the walk skips
    /// is one the EVM can never execute. Assembly because it pays: the same loop in Solidity cost about 280 gas an
    /// instruction, this one about 85 (snapshots/ComputationRegistry.json), which keeps the largest code the chain
    /// can hold well inside one transaction. The tests hold it to a plain Solidity reference walk, on random code too.
    function _walk(bytes memory code) private pure returns (bool refused, uint256 offset, uint256 opcode) {
        // The opcodes that take the fast path: allowed and one byte long. (Inline assembly can name only a constant
        // that is a literal, not one that is an expression: hence the variable.)
        uint256 plain = ALLOWED_OPCODES & ~PUSH_OPCODES;
        assembly ("memory-safe") {
            let start := add(code, 0x20)
            let end := add(start, mload(code))
            // Where the last PUSH instruction starts; 0 before the first (a real one is at least at `start`).
            let lastPush := 0
            for { let p := start } lt(p, end) {} {
                let op := byte(0, mload(p))
                // The slow path: a PUSH, a STATICCALL or a refused opcode.
                if iszero(and(shr(op, plain), 1)) {
                    // PUSH1..PUSH32 in one compare (below PUSH1, op - PUSH1 wraps around to a huge number): skip the
                    // opcode and its op - PUSH0 data bytes.
                    if lt(sub(op, PUSH1), 32) {
                        lastPush := p
                        p := add(p, add(sub(op, PUSH0), 1))
                        continue
                    }
                    // A STATICCALL is accepted only right after `PUSHn <precompile>, GAS`: the last PUSH must end
                    // exactly where a GAS stands, right before this call. Then that GAS is an instruction (it
                    // follows one) and the only way to this STATICCALL (neither byte is a JUMPDEST).
                    let accepted := 0
                    if and(eq(op, STATICCALL), gt(lastPush, 0)) {
                        let size := sub(byte(0, mload(lastPush)), PUSH0)
                        // The pushed value: the top `size` bytes of the word after the PUSH (all within the code,
                        // since a GAS and this STATICCALL follow them).
                        let target := shr(sub(256, shl(3, size)), mload(add(lastPush, 1)))
                        let gasAt := add(lastPush, add(size, 1))
                        accepted := and(
                            and(eq(gasAt, sub(p, 1)), eq(byte(0, mload(gasAt)), GAS)),
                            // FIRST_PRECOMPILE <= target <= LAST_PRECOMPILE in one compare: below it, it wraps.
                            lt(sub(target, FIRST_PRECOMPILE), add(sub(LAST_PRECOMPILE, FIRST_PRECOMPILE), 1))
                        )
                    }
                    if iszero(accepted) {
                        refused := 1
                        offset := sub(p, start)
                        opcode := op
                        break
                    }
                }
                p := add(p, 1)
            }
        }
    }

    /// @dev The 32 bytes of `code` from byte `offset` on (the designator's prefix and delegate; the code is 23 bytes
    /// long, so the bytes past it that the word takes in are shifted out).
    function _word(bytes memory code, uint256 offset) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := mload(add(add(code, 0x20), offset))
        }
    }
}
