// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapComputation} from "./IMapComputation.sol";

/// @title A Monte-Carlo batch estimating pi
/// @notice One leaf is one batch of random points in the unit square; the fraction inside the quarter circle tends
/// to pi/4, so pi ~ 4 * (sum of hits) / (sum of samples) over all leaves.
///
/// Input: `abi.encode(bytes32 seed, uint64 samples)`.
/// Output: `abi.encode(uint256 hits)`.
///
/// The PRNG is keccak in counter mode: sample `i` (0-based) is `r = keccak256(abi.encode(seed, uint256(i)))`,
/// `x = r >> 136` and `y = r & (2^120 - 1)` (two 120-bit coordinates), a hit when `x^2 + y^2 < 2^240`. Any sample
/// can be recomputed alone, in any language.
contract MonteCarloPi is IMapComputation {
    /// @inheritdoc IMapComputation
    function compute(bytes calldata input) external pure returns (bytes memory output) {
        (bytes32 seed, uint64 samples) = abi.decode(input, (bytes32, uint64));
        uint256 hits;
        assembly ("memory-safe") {
            // Scratch space holds the 64-byte preimage (seed, i); only the counter word changes per sample.
            mstore(0x00, seed)
            let mask := sub(shl(120, 1), 1)
            let radius2 := shl(240, 1)
            for { let i := 0 } lt(i, samples) { i := add(i, 1) } {
                mstore(0x20, i)
                let r := keccak256(0x00, 0x40)
                let x := shr(136, r)
                let y := and(r, mask)
                // x, y < 2^120, so x^2 + y^2 < 2^241: no overflow.
                hits := add(hits, lt(add(mul(x, x), mul(y, y)), radius2))
            }
        }
        output = abi.encode(hits);
    }
}
