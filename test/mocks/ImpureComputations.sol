// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapComputation} from "../../contracts/verification/computations/IMapComputation.sol";

// Computations for the ComputationRegistry tests, compiled by solc: one per class of opcode the registry refuses, each
// reading or doing the one thing its name says, and a few it accepts. Opcodes solc will not emit from Solidity are
// written in inline assembly; the ones it will not emit at all (SELFDESTRUCT, CALLCODE without a warning, undefined
// opcodes, EIP-7702 designators) are raw bytecode in the tests. Each contract takes the input as a computation does;
// none is meant to be useful.

/*//////////////////////////////////////////////////////////////
                STATE AND TRANSIENT STORAGE
//////////////////////////////////////////////////////////////*/

/// @notice Reads a storage slot (SLOAD): the output would depend on state the judging transaction can change.
contract ImpureStorageRead {
    uint256 private _value;

    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(_value);
    }
}

/// @notice Writes a storage slot (SSTORE).
contract ImpureStorageWrite {
    uint256 private _value;

    function compute(bytes calldata input) external returns (bytes memory) {
        _value = input.length;
        return "";
    }
}

/// @notice Reads a transient storage slot (TLOAD).
contract ImpureTransientRead {
    function compute(bytes calldata) external view returns (bytes memory) {
        uint256 value;
        assembly {
            value := tload(0)
        }
        return abi.encode(value);
    }
}

/// @notice Writes a transient storage slot (TSTORE).
contract ImpureTransientWrite {
    function compute(bytes calldata input) external returns (bytes memory) {
        assembly {
            tstore(0, input.length)
        }
        return "";
    }
}

/*//////////////////////////////////////////////////////////////
                    BALANCES AND OTHER ACCOUNTS
//////////////////////////////////////////////////////////////*/

/// @notice Reads an account's balance (BALANCE).
contract ImpureBalance {
    function compute(bytes calldata input) external view returns (bytes memory) {
        return abi.encode(address(bytes20(input[:20])).balance);
    }
}

/// @notice Reads its own balance (SELFBALANCE).
contract ImpureSelfBalance {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(address(this).balance);
    }
}

/// @notice Reads another account's code size (EXTCODESIZE).
contract ImpureExtCodeSize {
    function compute(bytes calldata input) external view returns (bytes memory) {
        return abi.encode(address(bytes20(input[:20])).code.length);
    }
}

/// @notice Reads another account's code hash (EXTCODEHASH).
contract ImpureExtCodeHash {
    function compute(bytes calldata input) external view returns (bytes memory) {
        return abi.encode(address(bytes20(input[:20])).codehash);
    }
}

/// @notice Copies another account's code (EXTCODECOPY).
contract ImpureExtCodeCopy {
    function compute(bytes calldata input) external view returns (bytes memory) {
        address account = address(bytes20(input[:20]));
        bytes32 head;
        assembly {
            extcodecopy(account, 0, 0, 32)
            head := mload(0)
        }
        return abi.encode(head);
    }
}

/*//////////////////////////////////////////////////////////////
                BLOCK AND TRANSACTION CONTEXT
//////////////////////////////////////////////////////////////*/

/// @notice Reads a block hash (BLOCKHASH).
contract ImpureBlockHash {
    function compute(bytes calldata input) external view returns (bytes memory) {
        return abi.encode(blockhash(input.length));
    }
}

/// @notice Reads the block's fee recipient (COINBASE).
contract ImpureCoinbase {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.coinbase);
    }
}

/// @notice Reads the block's time (TIMESTAMP).
contract ImpureTimestamp {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.timestamp);
    }
}

/// @notice Reads the block's number (NUMBER).
contract ImpureNumber {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.number);
    }
}

/// @notice Reads the beacon chain's randomness (PREVRANDAO).
contract ImpurePrevrandao {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.prevrandao);
    }
}

/// @notice Reads the block's gas limit (GASLIMIT).
contract ImpureGasLimit {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.gaslimit);
    }
}

/// @notice Reads the chain id (CHAINID).
contract ImpureChainId {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.chainid);
    }
}

/// @notice Reads the block's base fee (BASEFEE).
contract ImpureBaseFee {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.basefee);
    }
}

/// @notice Reads a blob's versioned hash (BLOBHASH).
contract ImpureBlobHash {
    function compute(bytes calldata input) external view returns (bytes memory) {
        return abi.encode(blobhash(input.length));
    }
}

/// @notice Reads the block's blob base fee (BLOBBASEFEE).
contract ImpureBlobBaseFee {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(block.blobbasefee);
    }
}

/// @notice Reads the transaction's gas price (GASPRICE).
contract ImpureGasPrice {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(tx.gasprice);
    }
}

/// @notice Reads the transaction's sender (ORIGIN).
contract ImpureOrigin {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(tx.origin);
    }
}

/// @notice Reads its caller (CALLER).
contract ImpureCaller {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(msg.sender);
    }
}

/// @notice Reads its own address (ADDRESS).
contract ImpureAddress {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(address(this));
    }
}

/*//////////////////////////////////////////////////////////////
                    CREATION, CALLS AND LOGS
//////////////////////////////////////////////////////////////*/

/// @notice Creates an account (CREATE).
contract ImpureCreate {
    function compute(bytes calldata) external returns (bytes memory) {
        address created;
        assembly {
            created := create(0, 0, 0)
        }
        return abi.encode(created);
    }
}

/// @notice Creates an account at a salted address (CREATE2).
contract ImpureCreate2 {
    function compute(bytes calldata input) external returns (bytes memory) {
        address created;
        assembly {
            created := create2(0, 0, 0, input.length)
        }
        return abi.encode(created);
    }
}

/// @notice Calls another account (CALL).
contract ImpureCall {
    function compute(bytes calldata input) external returns (bytes memory) {
        (bool ok, bytes memory output) = address(bytes20(input[:20])).call(input[20:]);
        return abi.encode(ok, output);
    }
}

/// @notice Runs another account's code in its own context (DELEGATECALL).
contract ImpureDelegateCall {
    function compute(bytes calldata input) external returns (bytes memory) {
        (bool ok, bytes memory output) = address(bytes20(input[:20])).delegatecall(input[20:]);
        return abi.encode(ok, output);
    }
}

/// @notice Calls another computation (STATICCALL to an address from the input, not a precompile): its output is
/// whatever that account's code, which the registry never saw, returns.
contract ImpureStaticCall {
    function compute(bytes calldata input) external view returns (bytes memory) {
        return IMapComputation(address(bytes20(input[:20]))).compute(input[20:]);
    }
}

/// @notice Logs with no topic (LOG0).
contract ImpureLog0 {
    function compute(bytes calldata) external returns (bytes memory) {
        assembly {
            log0(0, 0)
        }
        return "";
    }
}

/// @notice Logs with one topic (LOG1).
contract ImpureLog1 {
    function compute(bytes calldata) external returns (bytes memory) {
        assembly {
            log1(0, 0, 1)
        }
        return "";
    }
}

/// @notice Logs with two topics (LOG2).
contract ImpureLog2 {
    function compute(bytes calldata) external returns (bytes memory) {
        assembly {
            log2(0, 0, 1, 2)
        }
        return "";
    }
}

/// @notice Logs with three topics (LOG3).
contract ImpureLog3 {
    function compute(bytes calldata) external returns (bytes memory) {
        assembly {
            log3(0, 0, 1, 2, 3)
        }
        return "";
    }
}

/// @notice Logs with four topics (LOG4).
contract ImpureLog4 {
    function compute(bytes calldata) external returns (bytes memory) {
        assembly {
            log4(0, 0, 1, 2, 3, 4)
        }
        return "";
    }
}

/*//////////////////////////////////////////////////////////////
                    PRECOMPILES AND PUSH DATA
//////////////////////////////////////////////////////////////*/

/// @notice Pure, and accepted: calls modexp (0x05) and sha256 (0x02) in inline assembly as
/// `staticcall(gas(), <literal>, ...)`, which solc compiles to `PUSH1 <literal>, GAS, STATICCALL`.
/// Input: modexp's own input (three 32-byte lengths, then base, exponent and modulus). Output: `sha256(input)`
/// followed by the modexp result.
contract PrecompileComputation is IMapComputation {
    function compute(bytes calldata input) external view returns (bytes memory output) {
        uint256 modulusLength = uint256(bytes32(input[64:96]));
        output = new bytes(32 + modulusLength);
        assembly ("memory-safe") {
            let data := mload(0x40)
            calldatacopy(data, input.offset, input.length)
            if iszero(staticcall(gas(), 0x02, data, input.length, add(output, 0x20), 0x20)) { revert(0, 0) }
            if iszero(staticcall(gas(), 0x05, data, input.length, add(output, 0x40), modulusLength)) {
                revert(0, 0)
            }
        }
    }
}

/// @notice Pure, but refused: the high-level `sha256` calls precompile 0x02, yet solc's legacy code generator pushes
/// the address early and DUPs it before `GAS, STATICCALL`, so the registry cannot see the target is a precompile.
contract HighLevelPrecompileComputation is IMapComputation {
    function compute(bytes calldata input) external pure returns (bytes memory) {
        return abi.encode(sha256(input));
    }
}

/// @notice Pure, and accepted: its constants hold bytes that would be forbidden opcodes (0x54 SLOAD, 0x55 SSTORE,
/// 0xf0 CREATE, 0xf1 CALL, 0xff SELFDESTRUCT, 0xa0 LOG0, 0x42 TIMESTAMP), but only as PUSH data, which never runs.
contract PushDataComputation is IMapComputation {
    function compute(bytes calldata input) external pure returns (bytes memory) {
        return
            abi.encode(
                uint256(bytes32(input[:32])) ^ 0x5455f0f1ffa0425455f0f1ffa0425455f0f1ffa0425455f0f1ffa0425455f0f1
            );
    }
}
