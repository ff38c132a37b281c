// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ComputationRegistry} from "../../../../contracts/verification/ComputationRegistry.sol";
import {KeccakChain} from "../../../../contracts/verification/computations/KeccakChain.sol";
import {MandelbrotRow} from "../../../../contracts/verification/computations/MandelbrotRow.sol";
import {MonteCarloPi} from "../../../../contracts/verification/computations/MonteCarloPi.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Named gas figures of the registry, written to snapshots/ComputationRegistry.json and checked by CI. Each
/// registration is a transaction of its own (isolated), so it pays for the cold account and the fresh storage slot as
/// a real one does. `register_<name>_tx` is the transaction (21,000 + calldata + execution); `register_<name>` its
/// execution alone; `codeSize_<name>` the bytes walked.
/// forge-config: default.isolate = true
/// forge-config: ci.isolate = true
contract ComputationRegistryGasTest is Test {
    string internal constant GROUP = "ComputationRegistry";

    /// @dev EIP-170's limit on a contract's code.
    uint256 internal constant MAX_CODE_SIZE = 24_576;

    ComputationRegistry internal registry;

    function setUp() public {
        registry = new ComputationRegistry();
    }

    /// @dev What a transaction pays before executing: 21,000 and its calldata (4 gas a zero byte, 16 another).
    function intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev Registers `computation` and records the transaction, its execution and the code's size.
    function record(string memory name, address computation) internal returns (uint256 execution) {
        registry.register(computation);
        uint256 txGas = vm.snapshotGasLastCall(GROUP, string.concat("register_", name, "_tx"));
        execution = txGas - intrinsic(abi.encodeCall(registry.register, (computation)));
        vm.snapshotValue(GROUP, string.concat("register_", name), execution);
        vm.snapshotValue(GROUP, string.concat("codeSize_", name), computation.code.length);
        assertTrue(registry.isRegistered(computation));
    }

    function test_Gas_Register_MandelbrotRow() public {
        record("MandelbrotRow", address(new MandelbrotRow()));
    }

    function test_Gas_Register_MonteCarloPi() public {
        record("MonteCarloPi", address(new MonteCarloPi()));
    }

    function test_Gas_Register_KeccakChain() public {
        record("KeccakChain", address(new KeccakChain()));
    }

    /// @dev The dearest code the chain can hold: 24,576 one-byte instructions (no PUSH to skip over), all allowed.
    /// Registering it fits well within one transaction of EIP-7825's 2^24 gas.
    function test_Gas_Register_LargestCode() public {
        bytes memory code = new bytes(MAX_CODE_SIZE);
        for (uint256 i; i < MAX_CODE_SIZE; ++i) {
            code[i] = i % 2 == 0 ? bytes1(0x5b) : bytes1(0x01); // JUMPDEST, ADD
        }
        address computation = makeAddr("largest");
        vm.etch(computation, code);
        assertLe(record("largest", computation), 1 << 23);
    }
}
