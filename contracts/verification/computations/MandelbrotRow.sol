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
        int256 cy = int256(centerY) + (int256(uint256(row)) - int256(uint256(height / 2))) * int256(uint256(step));
        int256 x0 = int256(centerX) - int256(uint256(width / 2)) * int256(uint256(step));
        output = _render(width, x0, cy, step, maxIter);
    }

    /// @dev The row from its leftmost point `x0 + i * cy`, `width` pixels `step` apart. A function of its own so
    /// that the decoded view leaves the stack before the loop's variables need it.
    function _render(uint256 width, int256 x0, int256 cy, uint256 step, uint256 maxIter)
        private
        pure
        returns (bytes memory output)
    {
        output = new bytes(width);
        assembly ("memory-safe") {
            // Constants are written inline, not held in variables: the optimizer folds them into one PUSH each (as
            // cheap as a DUP), and the stack has no slot to spare. shl(60, 1) is 1.0; shl(58, 1) is 1/4; in the
            // squared scale (120 fractional bits) shl(116, 1) is 1/16 and shl(122, 1) is 4.
            let cy2 := mul(cy, cy)
            let cx := x0
            for { let px := 0 } lt(px, width) { px := add(px, 1) } {
                let n := 0
                // Shortcuts, only where |cx|, |cy| <= 2 so nothing overflows. The bounds test shifts by 2: a
                // negative value wraps around to a huge one, so one unsigned compare per coordinate suffices.
                if and(lt(add(cy, shl(61, 1)), add(shl(62, 1), 1)), lt(add(cx, shl(61, 1)), add(shl(62, 1), 1))) {
                    // Period-2 bulb: (cx + 1)^2 + cy^2 <= 1/16.
                    let a := add(cx, shl(60, 1))
                    let inside := iszero(gt(add(mul(a, a), cy2), shl(116, 1)))
                    // Main cardioid: with a = cx - 1/4 and q = a^2 + cy^2, q * (q + a) <= cy^2 / 4. q + a may be
                    // negative, hence the signed compare.
                    a := sub(cx, shl(58, 1))
                    let q := sar(60, add(mul(a, a), cy2))
                    inside := or(inside, iszero(sgt(mul(q, add(q, a)), sar(2, cy2))))
                    n := mul(maxIter, inside)
                }
                if iszero(n) {
                    let x := 0
                    let y := 0
                    let xx := 0
                    let yy := 0
                    // One test per iteration: go on while n < maxIter and |z|^2 <= 4. Both squares are
                    // non-negative and below 2^195, so the unsigned compare is exact.
                    for {} and(lt(n, maxIter), iszero(gt(add(xx, yy), shl(122, 1)))) {} {
                        // 2xy in 60 fractional bits is xy shifted by 59; `sar` keeps the sign.
                        y := add(sar(59, mul(x, y)), cy)
                        x := add(sar(60, sub(xx, yy)), cx)
                        xx := mul(x, x)
                        yy := mul(y, y)
                        n := add(n, 1)
                    }
                }
                mstore8(add(add(output, 0x20), px), n)
                cx := add(cx, step)
            }
        }
    }
}
