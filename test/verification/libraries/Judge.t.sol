// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../../../contracts/verification/computations/IChainComputation.sol";
import {IMapComputation} from "../../../contracts/verification/computations/IMapComputation.sol";
import {Judge} from "../../../contracts/verification/libraries/Judge.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Returns its argument's bytes as its raw return data, so a test chooses exactly what the judge decodes.
contract RawReturner is IMapComputation, IChainComputation {
    function compute(bytes calldata raw) external pure returns (bytes memory) {
        _return(raw);
    }

    function step(bytes calldata raw) external pure returns (bytes memory) {
        _return(raw);
    }

    function _return(bytes calldata raw) private pure {
        assembly {
            calldatacopy(0, raw.offset, raw.length)
            return(0, raw.length)
        }
    }
}

/// @notice Returns the calldata it was called with, so a test sees exactly what the judge sent.
contract CalldataEcho is IMapComputation {
    function compute(bytes calldata) external pure returns (bytes memory) {
        return msg.data;
    }
}

/// @notice The judge as it was written before its calldata encoding and return decoding moved to assembly (plain
/// Solidity: `abi.encodeCall`, a high-level `staticcall`, a checked decoder). The reference the assembly must match.
library ReferenceJudge {
    function leaf(IMapComputation computation, bytes memory input, uint256 gasLimit, uint256 maxBytes)
        internal
        view
        returns (bytes memory output)
    {
        (bool ok, bytes memory ret) =
            _call(address(computation), abi.encodeCall(IMapComputation.compute, (input)), gasLimit);
        if (ok) (ok, output) = _decodeBytes(ret);
        if (ok && output.length > maxBytes) ok = false;
        if (!ok) output = "";
    }

    function step(IChainComputation computation, bytes memory state, uint256 gasLimit, uint256 maxBytes)
        internal
        view
        returns (bytes memory next)
    {
        (bool ok, bytes memory ret) =
            _call(address(computation), abi.encodeCall(IChainComputation.step, (state)), gasLimit);
        if (ok) (ok, next) = _decodeBytes(ret);
        if (ok && next.length > maxBytes) ok = false;
        if (!ok) next = state;
    }

    function _call(address target, bytes memory data, uint256 gasLimit)
        private
        view
        returns (bool ok, bytes memory ret)
    {
        uint256 available = gasleft();
        if (available < gasLimit + gasLimit / 63 + Judge.CALL_RESERVE) {
            revert Judge.JudgeInsufficientGas(gasLimit, available);
        }
        (ok, ret) = target.staticcall{gas: gasLimit}(data);
    }

    function _decodeBytes(bytes memory ret) private pure returns (bool ok, bytes memory out) {
        if (ret.length < 64) return (false, out);
        uint256 offset;
        uint256 len;
        assembly ("memory-safe") {
            offset := mload(add(ret, 32))
            len := mload(add(ret, 64))
        }
        if (offset != 32 || len > ret.length) return (false, out);
        if (ret.length != 64 + ((len + 31) / 32) * 32) return (false, out);
        out = new bytes(len);
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(ret, 96), len)
        }
        ok = true;
    }
}

/// @notice The judge's encoding and decoding, byte for byte: for any return data, what {Judge} decodes is what the
/// plain-Solidity reference decodes; the calldata it sends is `abi.encodeCall`'s; and it leaves the caller's memory as
/// Solidity expects it.
contract JudgeTest is Test {
    uint256 internal constant GAS = 1_000_000;
    uint256 internal constant MAX = Judge.MAX_UNIT_BYTES;

    RawReturner internal raw;

    function setUp() public {
        raw = new RawReturner();
    }

    function _agree(bytes memory ret) internal view returns (bytes memory output) {
        output = Judge.leaf(raw, ret, GAS, MAX);
        assertEq(output, ReferenceJudge.leaf(raw, ret, GAS, MAX), "leaf");
        bytes memory next = Judge.step(raw, ret, GAS, MAX);
        assertEq(next, ReferenceJudge.step(raw, ret, GAS, MAX), "step");
        // A step that outputs nothing halts on its own state, which here is the return data itself.
        assertEq(next, output.length == 0 && !_isEmptyBytes(ret) ? ret : output, "step halts or decodes");
    }

    /// abi.encode(bytes("")): the one well-formed return whose output is empty.
    function _isEmptyBytes(bytes memory ret) internal pure returns (bool) {
        return keccak256(ret) == keccak256(abi.encode(bytes("")));
    }

    function testFuzz_AnyReturnData_DecodesAsTheReference(bytes calldata ret) public view {
        _agree(ret);
    }

    function testFuzz_WellFormedBytes_AreDecoded(bytes calldata payload) public view {
        assertEq(_agree(abi.encode(payload)), payload);
    }

    /// Padding the encoder would have zeroed, dirtied by the computation: still one well-formed `bytes`, decoded
    /// without the dirt.
    function testFuzz_DirtyPadding_IsDecodedWithoutIt(bytes calldata payload, bytes32 dirt) public view {
        bytes memory ret = abi.encode(payload);
        uint256 tail = payload.length % 32;
        vm.assume(tail != 0);
        for (uint256 i = 64 + payload.length; i < ret.length; ++i) {
            ret[i] = dirt[i % 32];
        }
        assertEq(_agree(ret), payload);
    }

    /// One word of the encoding off by a little: a wrong offset, a length past the data, or too few or too many
    /// bytes for the length. Each outputs nothing, as the reference does.
    function testFuzz_NearlyWellFormed_OutputsNothing(bytes calldata payload, uint8 which, uint8 by) public view {
        bytes memory ret = abi.encode(payload);
        uint256 delta = 1 + uint256(by) % 40;
        which %= 5;
        if (which == 0) {
            assembly {
                mstore(add(ret, 32), add(32, delta)) // offset
            }
        } else if (which == 1) {
            assembly {
                mstore(add(ret, 64), add(mload(add(ret, 64)), delta)) // length too large for the words sent
            }
            vm.assume((payload.length + delta + 31) / 32 != (payload.length + 31) / 32);
        } else if (which == 2) {
            assembly {
                mstore(add(ret, 64), not(0)) // a length that would overflow any arithmetic on it
            }
        } else if (which == 3) {
            ret = bytes.concat(ret, new bytes(delta)); // trailing bytes
        } else {
            vm.assume(ret.length > 64);
            assembly {
                mstore(ret, sub(mload(ret), 1)) // one byte short
            }
        }
        assertEq(_agree(ret), "");
    }

    /// @dev The byte bound: a well-formed `bytes` longer than the bound is judged as malformed, by the assembly and
    /// the reference alike, and one at the bound is kept.
    function testFuzz_OutputOverTheBound_OutputsNothing(bytes calldata payload, uint16 maxBytes) public view {
        bytes memory ret = abi.encode(payload);
        uint256 bound_ = bound(maxBytes, 0, payload.length + 1);
        bytes memory output = Judge.leaf(raw, ret, GAS, bound_);
        assertEq(output, ReferenceJudge.leaf(raw, ret, GAS, bound_), "leaf");
        assertEq(output, payload.length <= bound_ ? payload : bytes(""));
        bytes memory next = Judge.step(raw, ret, GAS, bound_);
        assertEq(next, payload.length <= bound_ ? payload : ret, "a step over the bound halts");
    }

    function test_ShortReturns_OutputNothing() public view {
        for (uint256 len; len < 64; ++len) {
            bytes memory ret = new bytes(len);
            if (len >= 32) ret[31] = 0x20;
            assertEq(_agree(ret), "");
        }
    }

    /// The calldata is `abi.encodeCall(IMapComputation.compute, (input))` exactly: same words, same zero padding,
    /// same size, whatever lies in free memory.
    function testFuzz_Calldata_IsAbiEncodeCall(bytes calldata input, bytes32 dirt) public {
        IMapComputation echo = new CalldataEcho();
        // Dirty the free memory the judge will write its calldata into.
        assembly {
            let p := mload(0x40)
            for { let i := 0 } lt(i, 0x400) { i := add(i, 32) } { mstore(add(p, i), dirt) }
        }
        assertEq(Judge.leaf(echo, input, GAS, MAX), abi.encodeCall(IMapComputation.compute, (input)));
    }

    /// The output is a proper allocation: memory allocated before the call is untouched, what is allocated after
    /// does not overlap it, and its tail is clean.
    function testFuzz_Output_IsAllocatedAndCallerMemoryUntouched(bytes calldata payload, bytes32 dirt) public view {
        bytes memory before = abi.encodePacked(dirt, payload);
        bytes32 beforeHash = keccak256(before);
        bytes memory output = Judge.leaf(raw, abi.encode(payload), GAS, MAX);
        bytes memory later = new bytes(64);
        for (uint256 i; i < 64; ++i) {
            later[i] = 0xff;
        }
        assertEq(keccak256(before), beforeHash, "memory before the call");
        assertEq(output, payload, "the output survives later allocations");
        uint256 tailWord;
        assembly {
            tailWord := mload(add(add(output, 32), and(mload(output), not(31))))
        }
        uint256 tail = payload.length % 32;
        if (tail != 0) assertEq(tailWord << (tail * 8), 0, "the last word's tail is zero");
    }

    /// The judge refuses, with the same error and the same figures as the reference, a gas limit it cannot forward.
    function test_AGasLimitItCannotForward_IsRefused() public {
        JudgeCaller caller = new JudgeCaller();
        (bool ok, bytes memory ret) = address(caller).call{gas: 500_000}(abi.encodeCall(caller.leaf, (raw, 600_000)));
        assertFalse(ok);
        assertEq(bytes4(ret), Judge.JudgeInsufficientGas.selector);
        (, bytes memory refRet) =
            address(caller).call{gas: 500_000}(abi.encodeCall(caller.referenceLeaf, (raw, 600_000)));
        assertEq(bytes4(refRet), Judge.JudgeInsufficientGas.selector);
        (uint256 gasLimit, uint256 available) = abi.decode(_args(ret), (uint256, uint256));
        assertEq(gasLimit, 600_000);
        assertLt(available, 500_000);
        assertGt(available, 480_000);
        // A limit no gas could cover overflows nowhere: it is refused too (checked arithmetic, as in the reference).
        vm.expectRevert();
        caller.leaf(raw, type(uint256).max);
    }

    function _args(bytes memory ret) internal pure returns (bytes memory args) {
        args = new bytes(ret.length - 4);
        for (uint256 i; i < args.length; ++i) {
            args[i] = ret[i + 4];
        }
    }
}

contract JudgeCaller {
    function leaf(IMapComputation computation, uint256 gasLimit) external view returns (bytes memory) {
        return Judge.leaf(computation, abi.encode(bytes("x")), gasLimit, Judge.MAX_UNIT_BYTES);
    }

    function referenceLeaf(IMapComputation computation, uint256 gasLimit) external view returns (bytes memory) {
        return ReferenceJudge.leaf(computation, abi.encode(bytes("x")), gasLimit, Judge.MAX_UNIT_BYTES);
    }
}
