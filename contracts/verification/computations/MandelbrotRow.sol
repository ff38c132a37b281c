// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapComputation} from "./IMapComputation.sol";

/// @title One row of a Mandelbrot image, in fixed point
/// @notice The whitepaper's rendering use case as a map task: one leaf is one row.
///
/// Input: `abi.encode(uint32 row, uint32 width, uint32 height, int64 centerX, int64 centerY, uint64 step,
/// uint8 maxIter)`. Coordinates are signed fixed point with 60 fractional bits (1.0 = 2^60, so a center lies
/// within (-8, 8)); `step` is the distance between neighbouring pixels, same format. Pixel `px` of row `row` is
/// `c = (centerX + (px - width/2) * step) + i * (centerY + (row - height/2) * step)` (integer halves, rounded down).
///
/// Output: `width` bytes; byte `px` is the number of iterations `z <- z^2 + c` (from `z = 0`) done before
/// `|z|^2 > 4`, at most `maxIter` (`maxIter` = did not escape). Products are rounded toward minus infinity
/// (arithmetic shifts). Points in the main cardioid and the period-2 bulb are known not to escape and get `maxIter`
/// without iterating.
///
/// Reverts (so the leaf's output is empty, see {Judge}) if `row >= height` or the input is not exactly that
/// encoding.
/// @dev No arithmetic can overflow: |c| < 2^37 in real terms (2^97 raw) since px, row < 2^32 and step < 2^64; an
/// iteration only runs from |z| <= 2, so |z^2 + c| < 2^97 raw too and every square stays below 2^195.
contract MandelbrotRow is IMapComputation {
    /// @notice The row is not in the image.
    error MandelbrotRowOutOfView(uint256 row, uint256 height);

    /// @notice Fractional bits of the fixed-point format.
    uint256 public constant FRACTION_BITS = 60;

    /// @inheritdoc IMapComputation
    function compute(bytes calldata input) external pure returns (bytes memory output) {
        (uint32 row, uint32 width, uint32 height, int64 centerX, int64 centerY, uint64 step, uint8 maxIter) =
            abi.decode(input, (uint32, uint32, uint32, int64, int64, uint64, uint8));
        if (row >= height) revert MandelbrotRowOutOfView(row, height);
        output = new bytes(width);
        int256 cy = int256(centerY) + (int256(uint256(row)) - int256(uint256(height / 2))) * int256(uint256(step));
        int256 x0 = int256(centerX) - int256(uint256(width / 2)) * int256(uint256(step));
        assembly ("memory-safe") {
            let one := shl(60, 1)
            // |z|^2 > 4 in the squared (120 fractional bits) scale.
            let escape := shl(122, 1)
            let cy2 := mul(cy, cy)
            // The shortcut tests multiply values of |c| < 2 only, where nothing can overflow.
            // -2 <= cy < 2 as one unsigned compare: shifted by 2, a negative value wraps around to a huge one.
            let nearY := lt(add(cy, shl(61, 1)), shl(62, 1))
            let out := add(output, 0x20)
            let cx := x0
            for { let px := 0 } lt(px, width) { px := add(px, 1) } {
                let n := 0
                let inside := 0
                if and(nearY, lt(add(cx, shl(61, 1)), shl(62, 1))) {
                    // Period-2 bulb: (cx + 1)^2 + cy^2 <= 1/16.
                    let a := add(cx, one)
                    inside := iszero(gt(add(mul(a, a), cy2), shl(116, 1)))
                    // Main cardioid: with a = cx - 1/4 and q = a^2 + cy^2, q * (q + a) <= cy^2 / 4. q + a may be
                    // negative, hence the signed compare.
                    a := sub(cx, shl(58, 1))
                    let q := sar(60, add(mul(a, a), cy2))
                    inside := or(inside, iszero(sgt(mul(q, add(q, a)), sar(2, cy2))))
                }
                switch inside
                case 0 {
                    let x := 0
                    let y := 0
                    for {} lt(n, maxIter) { n := add(n, 1) } {
                        let xx := mul(x, x)
                        let yy := mul(y, y)
                        // Both squares are non-negative and below 2^195: an unsigned compare is exact.
                        if gt(add(xx, yy), escape) { break }
                        // 2xy in 60 fractional bits is xy shifted by 59; `sar` keeps the sign.
                        y := add(sar(59, mul(x, y)), cy)
                        x := add(sar(60, sub(xx, yy)), cx)
                    }
                }
                default { n := maxIter }
                mstore8(add(out, px), n)
                cx := add(cx, step)
            }
        }
    }
}
