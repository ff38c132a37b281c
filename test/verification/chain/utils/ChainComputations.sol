// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainComputation} from "../../../../contracts/verification/computations/IChainComputation.sol";

// Chain computations for the bounds on a unit (docs/protocol.md, "Soundness", rule 1). Both are pure by the
// registry's allow-list, so tasks may name them once registered.

/// @notice Each step appends one byte (0x01) to the state: a chain whose states grow until the task's bound, where the
/// step that would return a state one byte longer halts.
contract GrowingChain is IChainComputation {
    function step(bytes calldata state) external pure returns (bytes memory) {
        return bytes.concat(state, hex"01");
    }
}

/// @notice The largest unit a chain task may hold: a step that spends all but `RESERVE` of the gas it is given, then
/// returns a state as long as its input (its first byte plus one, wrapping). Judged from a state of the largest
/// allowed size with the largest allowed gas, it is the judgement that must fit one transaction.
contract LargestStep is IChainComputation {
    /// @dev Enough to copy a 32 KiB state and return it.
    uint256 internal constant RESERVE = 200_000;

    function step(bytes calldata state) external view returns (bytes memory next) {
        next = state;
        while (gasleft() > RESERVE) {}
        if (next.length != 0) {
            // A byte plus one wraps at 0xff: the step never reverts.
            unchecked {
                next[0] = bytes1(uint8(next[0]) + 1);
            }
        }
    }
}
