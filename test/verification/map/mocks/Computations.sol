// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapComputation} from "../../../../contracts/verification/computations/IMapComputation.sol";

/// @notice A cheap leaf: `abi.encode(uint256 x)` -> `abi.encode(x * x)` (wrapping). Keeps the game's own gas visible.
contract Square is IMapComputation {
    function compute(bytes calldata input) external pure returns (bytes memory) {
        uint256 x = abi.decode(input, (uint256));
        unchecked {
            return abi.encode(x * x);
        }
    }
}

/// @notice Burns every unit of gas it is given: by the gas semantics its output is always empty.
contract GasBurner is IMapComputation {
    function compute(bytes calldata) external pure returns (bytes memory) {
        assembly {
            for {} 1 {} {}
        }
        return "";
    }
}

/// @notice Outputs the gas it was called with: judged the same only if the judge forwards exactly the task's gas.
contract GasEcho is IMapComputation {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(gasleft());
    }
}

/// @notice Always reverts: its output is empty.
contract Reverter is IMapComputation {
    function compute(bytes calldata) external pure returns (bytes memory) {
        revert("no");
    }
}

/// @notice Returns bytes that are not one ABI-encoded `bytes`: its output is empty.
contract Malformed is IMapComputation {
    function compute(bytes calldata) external pure returns (bytes memory) {
        assembly {
            mstore(0, 0x40)
            return(0, 0x20)
        }
    }
}
