// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../../../../contracts/verification/computations/IChainComputation.sol";

/// @notice state = abi.encode(uint256 n); a step adds one. State i of a chain from abi.encode(0) is abi.encode(i), so a
/// test knows the honest hash at any step of a 2^64-step chain without running it.
contract CounterChain is IChainComputation {
    function step(bytes calldata state) external pure returns (bytes memory) {
        return abi.encode(abi.decode(state, (uint256)) + 1);
    }
}

/// @notice Burns every unit of gas it is given: every step halts, whatever gas the caller has.
contract GasBurner is IChainComputation {
    function step(bytes calldata) external pure returns (bytes memory) {
        uint256 i;
        while (true) {
            unchecked {
                ++i;
            }
        }
        return "";
    }
}

/// @notice Always reverts: every step halts.
contract Reverter is IChainComputation {
    function step(bytes calldata) external pure returns (bytes memory) {
        revert("no");
    }
}

/// @notice Returns data that is not one ABI-encoded `bytes`: every step halts.
contract Malformed is IChainComputation {
    function step(bytes calldata) external pure returns (bytes memory) {
        assembly {
            mstore(0, 0x40) // a wrong offset
            mstore(32, 1)
            return(0, 64)
        }
    }
}
