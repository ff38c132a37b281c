// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ComputationRegistry} from "../../../../contracts/verification/ComputationRegistry.sol";
import {IComputationRegistry} from "../../../../contracts/verification/interfaces/IComputationRegistry.sol";
import {ReferenceWalker} from "../utils/ReferenceWalker.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The registry against the reference walker on random code: it never fails with anything but its own three
/// errors, it refuses exactly where the reference refuses, and what it accepts has no forbidden instruction.
contract ComputationRegistryFuzzTest is Test {
    ComputationRegistry internal registry;
    address internal computation = makeAddr("computation");

    function setUp() public {
        registry = new ComputationRegistry();
    }

    /// @dev Etches `code` and registers it; checks the outcome against the reference walker.
    function registerAndCompare(bytes memory code) internal {
        vm.etch(computation, code);
        try registry.register(computation) returns (bytes32 codeHash) {
            assertEq(codeHash, keccak256(code), "pinned hash");
            assertTrue(registry.isIntact(computation), "isIntact");
            (bool accepted,,) = ReferenceWalker.walk(code);
            assertTrue(accepted, "accepted, but the reference refuses");
            assertNoForbiddenInstruction(code);
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            if (selector == IComputationRegistry.ComputationRegistryNoCode.selector) {
                assertEq(code.length, 0, "NoCode for code");
                assertEq(reason, abi.encodeWithSelector(selector, computation));
            } else if (selector == IComputationRegistry.ComputationRegistryDelegatedAccount.selector) {
                assertEq(code.length, 23, "DelegatedAccount for no designator");
                assertEq(reason, abi.encodeWithSelector(selector, computation, address(bytes20(slice(code, 3)))));
            } else {
                assertEq(selector, IComputationRegistry.ComputationRegistryForbiddenOpcode.selector, "foreign error");
                (bool accepted, uint256 offset, uint8 opcode) = ReferenceWalker.walk(code);
                assertFalse(accepted, "refused, but the reference accepts");
                assertEq(reason, abi.encodeWithSelector(selector, computation, offset, opcode), "offset or opcode");
            }
            assertFalse(registry.isRegistered(computation), "registered after a refusal");
        }
    }

    /// @dev The property itself, apart from any walker's verdict: every instruction (every byte that is not PUSH
    /// data) is on the allow-list, or a STATICCALL right after `PUSHn <0x01..0x11>, GAS`.
    function assertNoForbiddenInstruction(bytes memory code) internal pure {
        bool[256] memory allowed = ReferenceWalker.allowedTable();
        uint256[] memory starts = ReferenceWalker.instructions(code);
        for (uint256 k; k < starts.length; ++k) {
            uint8 op = uint8(code[starts[k]]);
            if (op == 0xfa) {
                assertTrue(k >= 2 && uint8(code[starts[k - 1]]) == 0x5a, "STATICCALL without GAS");
                assertTrue(ReferenceWalker.isPush(uint8(code[starts[k - 2]])), "STATICCALL without PUSH");
                uint256 target = ReferenceWalker.pushedValue(code, starts[k - 2]);
                assertTrue(target >= 1 && target <= 0x11, "STATICCALL to no precompile");
            } else {
                assertTrue(allowed[op], "forbidden instruction");
            }
        }
    }

    function slice(bytes memory b, uint256 from) internal pure returns (bytes memory out) {
        out = new bytes(b.length - from);
        for (uint256 i; i < out.length; ++i) {
            out[i] = b[from + i];
        }
    }

    /// @dev Neither revm nor the chain holds code that starts with 0xef01 and is not a designator: vm.etch would
    /// refuse it, so such a prefix is made 0xef02.
    function etchable(bytes memory code) internal pure returns (bytes memory) {
        if (code.length >= 2 && code[0] == 0xef && code[1] == 0x01) code[1] = 0x02;
        return code;
    }

    /// @dev Any bytes at all: almost always refused, at the first forbidden instruction.
    function testFuzz_Register_RandomCode(bytes memory code) public {
        registerAndCompare(etchable(code));
    }

    /// @dev Code drawn mostly from the allow-list, with the precompile-call pattern (a random target, in the range
    /// or near it) and, rarely, any byte: accepted as often as refused.
    function testFuzz_Register_MostlyAllowedCode(bytes memory raw, uint256 seed) public {
        bytes memory code = new bytes(raw.length * 4);
        uint256 length;
        for (uint256 i; i < raw.length; ++i) {
            uint256 r = uint8(uint256(keccak256(abi.encode(seed, i))));
            if (r < 3) {
                // Any byte (1 in 85).
                code[length++] = raw[i];
            } else if (r < 16) {
                // `PUSH1 t, GAS, STATICCALL` with t in 0..0x1f.
                code[length++] = 0x60;
                code[length++] = bytes1(uint8(raw[i]) & 0x1f);
                code[length++] = 0x5a;
                code[length++] = 0xfa;
            } else {
                code[length++] = ReferenceWalker.ALLOWED[uint8(raw[i]) % ReferenceWalker.ALLOWED.length];
            }
        }
        assembly {
            mstore(code, length)
        }
        registerAndCompare(etchable(code));
    }

    /// @dev `PUSHn target, GAS, STATICCALL` for every width and any value that fits: accepted iff 1 <= target <= 0x11.
    function testFuzz_Register_StaticCallTarget(uint8 width, uint256 target, bool small) public {
        width = uint8(bound(width, 1, 32));
        target = small ? bound(target, 0, 0x20) : target;
        if (width < 32) target &= (1 << (8 * width)) - 1;
        bytes memory code = abi.encodePacked(uint8(0x5f + width), slice(abi.encode(target), 32 - width), hex"5afa00");
        registerAndCompare(code);
        assertEq(registry.isRegistered(computation), target >= 1 && target <= 0x11);
    }

    /// @dev An EIP-7702 designator for any delegate.
    function testFuzz_RevertWhen_DelegationDesignator(address delegate) public {
        bytes memory code = abi.encodePacked(hex"ef0100", delegate);
        registerAndCompare(code);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputationRegistry.ComputationRegistryDelegatedAccount.selector, computation, delegate
            )
        );
        registry.register(computation);
    }
}
