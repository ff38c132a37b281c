// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A second, deliberately plain implementation of ComputationRegistry's check, for the tests to compare
/// against: the allow-list written out opcode by opcode (the registry keeps a bitmap), the instructions listed first
/// and judged after (the registry judges as it walks), the STATICCALL rule read backwards from the call.
library ReferenceWalker {
    /// @dev Every opcode accepted wherever it stands, one byte each.
    bytes internal constant ALLOWED = hex"00" // STOP
        hex"0102030405060708090a0b" // ADD MUL SUB DIV SDIV MOD SMOD ADDMOD MULMOD EXP SIGNEXTEND
        hex"101112131415161718191a1b1c1d" // LT GT SLT SGT EQ ISZERO AND OR XOR NOT BYTE SHL SHR SAR
        hex"20" // KECCAK256
        hex"343536373839" // CALLVALUE CALLDATALOAD CALLDATASIZE CALLDATACOPY CODESIZE CODECOPY
        hex"3d3e" // RETURNDATASIZE RETURNDATACOPY
        hex"50515253" // POP MLOAD MSTORE MSTORE8
        hex"565758595a5b" // JUMP JUMPI PC MSIZE GAS JUMPDEST
        hex"5e5f" // MCOPY PUSH0
        hex"606162636465666768696a6b6c6d6e6f" // PUSH1-PUSH16
        hex"707172737475767778797a7b7c7d7e7f" // PUSH17-PUSH32
        hex"808182838485868788898a8b8c8d8e8f" // DUP1-DUP16
        hex"909192939495969798999a9b9c9d9e9f" // SWAP1-SWAP16
        hex"f3fdfe"; // RETURN REVERT INVALID

    uint8 internal constant GAS = 0x5a;
    uint8 internal constant STATICCALL = 0xfa;

    /// @dev The allow-list as a lookup table.
    function allowedTable() internal pure returns (bool[256] memory table) {
        for (uint256 i; i < ALLOWED.length; ++i) {
            table[uint8(ALLOWED[i])] = true;
        }
    }

    function isPush(uint8 opcode) internal pure returns (bool) {
        return opcode >= 0x60 && opcode <= 0x7f;
    }

    /// @dev The offset of every instruction of `code`, in order (a PUSHn's n data bytes are not instructions).
    function instructions(bytes memory code) internal pure returns (uint256[] memory starts) {
        starts = new uint256[](code.length);
        uint256 count;
        uint256 pc;
        while (pc < code.length) {
            starts[count++] = pc;
            uint8 opcode = uint8(code[pc]);
            pc += isPush(opcode) ? opcode - 0x5f + 1 : 1;
        }
        assembly {
            mstore(starts, count)
        }
    }

    /// @dev The value a PUSH at `start` pushes; bytes past the end of the code read as zero, as in the EVM.
    function pushedValue(bytes memory code, uint256 start) internal pure returns (uint256 value) {
        uint256 size = uint8(code[start]) - 0x5f;
        for (uint256 j = 1; j <= size; ++j) {
            value = (value << 8) | (start + j < code.length ? uint8(code[start + j]) : 0);
        }
    }

    /// @dev Whether the STATICCALL that is instruction `k` is preceded by `PUSHn <0x01..0x11>, GAS`.
    function callsPrecompile(bytes memory code, uint256[] memory starts, uint256 k) internal pure returns (bool) {
        if (k < 2) return false;
        if (uint8(code[starts[k - 1]]) != GAS) return false;
        if (!isPush(uint8(code[starts[k - 2]]))) return false;
        uint256 target = pushedValue(code, starts[k - 2]);
        return target >= 0x01 && target <= 0x11;
    }

    /// @dev The registry's verdict on non-empty code that is not a delegation designator: accepted, or the offset and
    /// opcode of the first refused instruction.
    function walk(bytes memory code) internal pure returns (bool accepted, uint256 offset, uint8 opcode) {
        bool[256] memory allowed = allowedTable();
        uint256[] memory starts = instructions(code);
        for (uint256 k; k < starts.length; ++k) {
            uint8 op = uint8(code[starts[k]]);
            bool ok = op == STATICCALL ? callsPrecompile(code, starts, k) : allowed[op];
            if (!ok) return (false, starts[k], op);
        }
        return (true, 0, 0);
    }
}
