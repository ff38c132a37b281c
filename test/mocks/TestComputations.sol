// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../../contracts/verification/computations/IChainComputation.sol";
import {IMapComputation} from "../../contracts/verification/computations/IMapComputation.sol";

/*//////////////////////////////////////////////////////////////
                        WELL-BEHAVED
//////////////////////////////////////////////////////////////*/

/// @notice A cheap leaf: `abi.encode(uint256 x)` -> `abi.encode(x * x)` (wrapping). Keeps the game's own gas visible.
contract Square is IMapComputation {
    function compute(bytes calldata input) external pure returns (bytes memory) {
        uint256 x = abi.decode(input, (uint256));
        unchecked {
            return abi.encode(x * x);
        }
    }
}

/// @notice Outputs the gas it was called with: judged the same only if the judge forwards exactly the task's gas.
contract GasEcho is IMapComputation {
    function compute(bytes calldata) external view returns (bytes memory) {
        return abi.encode(gasleft());
    }
}

/// @notice state = abi.encode(uint256 n); a step adds one. State i of a chain from abi.encode(0) is abi.encode(i), so a
/// test knows the honest hash at any step of a 2^64-step chain without running it.
contract CounterChain is IChainComputation {
    function step(bytes calldata state) external pure returns (bytes memory) {
        return abi.encode(abi.decode(state, (uint256)) + 1);
    }
}

/*//////////////////////////////////////////////////////////////
                         MISBEHAVING
//////////////////////////////////////////////////////////////*/
// Each is both a map computation and a chain computation, so every test (map, chain, the judge, the executor's)
// deploys the same code. By the gas semantics (see {Judge}) a leaf that fails outputs "" and a step that fails halts
// (returns its input), whatever gas the caller has.

/// @notice Burns every unit of gas it is given.
contract GasBurner is IMapComputation, IChainComputation {
    function compute(bytes calldata) external pure returns (bytes memory) {
        _burn();
        return "";
    }

    function step(bytes calldata) external pure returns (bytes memory) {
        _burn();
        return "";
    }

    function _burn() private pure {
        assembly {
            for {} 1 {} {}
        }
    }
}

/// @notice Always reverts, with a reason.
contract Reverter is IMapComputation, IChainComputation {
    function compute(bytes calldata) external pure returns (bytes memory) {
        revert("no");
    }

    function step(bytes calldata) external pure returns (bytes memory) {
        revert("no");
    }
}

/// @notice Returns data that is not one ABI-encoded `bytes`: its offset word (0x40) points at the end of the data.
contract Malformed is IMapComputation, IChainComputation {
    function compute(bytes calldata) external pure returns (bytes memory) {
        _returnMalformed();
    }

    function step(bytes calldata) external pure returns (bytes memory) {
        _returnMalformed();
    }

    function _returnMalformed() private pure {
        assembly {
            mstore(0, 0x40) // a wrong offset
            mstore(32, 1)
            return(0, 64)
        }
    }
}

/// @notice Outputs `n` zero bytes for the input `abi.encode(n)`: a leaf whose output length the test chooses, to
/// cross the task's byte bound.
contract LongOutput is IMapComputation {
    function compute(bytes calldata input) external pure returns (bytes memory) {
        return new bytes(abi.decode(input, (uint256)));
    }
}

/// @notice The largest unit a map task may hold (docs/protocol.md, "Soundness", rule 1): a leaf that spends all but
/// `RESERVE` of the gas it is given, then outputs its input with the first byte plus one (wrapping). Judged with
/// `MAX_GAS_PER_LEAF` on an input of `MAX_LEAF_BYTES`, its output is as long as the bound allows: the judgement that
/// must fit one transaction. The map twin of the chain tests' `LargestStep`.
contract LargestLeaf is IMapComputation {
    /// @dev Enough to copy a 32 KiB input and return it.
    uint256 internal constant RESERVE = 200_000;

    function compute(bytes calldata input) external view returns (bytes memory output) {
        output = input;
        while (gasleft() > RESERVE) {}
        if (output.length != 0) {
            // A byte plus one wraps at 0xff: the leaf never reverts.
            unchecked {
                output[0] = bytes1(uint8(output[0]) + 1);
            }
        }
    }
}
