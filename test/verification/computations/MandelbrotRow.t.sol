// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JudgeHarness} from "../../../contracts/verification/JudgeHarness.sol";
import {MandelbrotRow} from "../../../contracts/verification/computations/MandelbrotRow.sol";
import {Test} from "forge-std/Test.sol";

/// @notice MandelbrotRow against a plain reference (checked Solidity, no shortcuts), known points, bad inputs, and
/// its gas per 256-pixel row.
contract MandelbrotRowTest is Test {
    MandelbrotRow internal mandelbrot;
    JudgeHarness internal judge;

    int64 internal constant ONE = int64(1) << 60;
    /// @dev The whole set: centre (-0.5, 0), 3 units across 256 pixels.
    int64 internal constant CENTER_X = -(ONE / 2);
    uint64 internal constant STEP_256 = uint64(3 * (uint256(1) << 60) / 256);

    function setUp() public {
        mandelbrot = new MandelbrotRow();
        judge = new JudgeHarness();
    }

    function input(uint32 row, uint32 width, uint32 height, int64 cx, int64 cy, uint64 step, uint8 maxIter)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(row, width, height, cx, cy, step, maxIter);
    }

    /// @dev The definition, written plainly: iterate z <- z^2 + c from 0 until |z|^2 > 4 or maxIter.
    function plain(uint32 row, uint32 width, uint32 height, int64 centerX, int64 centerY, uint64 step, uint8 maxIter)
        internal
        pure
        returns (bytes memory out)
    {
        out = new bytes(width);
        int256 cy = int256(centerY) + (int256(uint256(row)) - int256(uint256(height / 2))) * int256(uint256(step));
        for (uint256 px; px < width; ++px) {
            int256 cx = int256(centerX) + (int256(px) - int256(uint256(width / 2))) * int256(uint256(step));
            int256 x;
            int256 y;
            uint256 n;
            while (n < maxIter) {
                int256 xx = x * x;
                int256 yy = y * y;
                if (xx + yy > int256(4) << 120) break;
                y = ((x * y) >> 59) + cy;
                x = ((xx - yy) >> 60) + cx;
                ++n;
            }
            out[px] = bytes1(uint8(n));
        }
    }

    function test_KnownPoints() public view {
        // One pixel wide, one high: c is the centre itself.
        assertEq(mandelbrot.compute(input(0, 1, 1, 0, 0, 1, 200)), hex"c8", "0 never escapes");
        assertEq(mandelbrot.compute(input(0, 1, 1, ONE, 0, 1, 200)), hex"03", "1: 0, 1, 2, 5");
        assertEq(mandelbrot.compute(input(0, 1, 1, 2 * ONE, 0, 1, 200)), hex"02", "2: 0, 2, 6");
        assertEq(mandelbrot.compute(input(0, 1, 1, -2 * ONE, 0, 1, 200)), hex"c8", "-2: 0, -2, 2, 2, ...");
        assertEq(mandelbrot.compute(input(0, 1, 1, -ONE, 0, 1, 200)), hex"c8", "-1: the period-2 bulb");
        assertEq(mandelbrot.compute(input(0, 1, 1, 0, ONE, 1, 200)), hex"c8", "i: 0, i, i-1, -i, i-1, ...");
        assertEq(mandelbrot.compute(input(0, 1, 1, 0, 0, 1, 0)), hex"00", "maxIter 0");
        assertEq(mandelbrot.compute(input(0, 0, 1, 0, 0, 1, 9)), "", "width 0");
    }

    function test_MatchesReference_WholeSetAt64x48() public view {
        uint64 step = uint64(3 * (uint256(1) << 60) / 64);
        for (uint32 row; row < 48; ++row) {
            assertEq(
                mandelbrot.compute(input(row, 64, 48, CENTER_X, 0, step, 100)),
                plain(row, 64, 48, CENTER_X, 0, step, 100)
            );
        }
    }

    function testFuzz_MatchesReference(uint32 row, int64 cx, int64 cy, uint64 step, uint8 maxIter) public view {
        uint32 height = 32;
        row = uint32(bound(row, 0, height - 1));
        // Views around the set, any zoom down to 2^-60 per pixel.
        cx = int64(bound(cx, -3 * ONE, 2 * ONE));
        cy = int64(bound(cy, -2 * ONE, 2 * ONE));
        step = uint64(bound(step, 1, uint64(ONE) / 8));
        maxIter = uint8(bound(maxIter, 0, 64));
        assertEq(
            mandelbrot.compute(input(row, 16, height, cx, cy, step, maxIter)),
            plain(row, 16, height, cx, cy, step, maxIter)
        );
    }

    function test_RevertWhen_RowOutsideTheImage() public {
        vm.expectRevert(abi.encodeWithSelector(MandelbrotRow.MandelbrotRowOutOfView.selector, 4, 4));
        mandelbrot.compute(input(4, 8, 4, 0, 0, 1, 9));
        // Judged: the empty output.
        assertEq(judge.leaf(mandelbrot, input(4, 8, 4, 0, 0, 1, 9), 1_000_000, 32_768), "");
    }

    function test_RevertWhen_InputNotTheEncoding() public {
        bytes memory bad = input(0, 8, 4, 0, 0, 1, 9);
        // maxIter with a bit above its uint8.
        bad[bad.length - 2] = 0x01;
        vm.expectRevert();
        mandelbrot.compute(bad);
        vm.expectRevert();
        mandelbrot.compute(hex"1234");
        assertEq(judge.leaf(mandelbrot, bad, 1_000_000, 32_768), "");
    }

    /// @dev Gas of 256-pixel rows of the whole set (256 x 256, maxIter 255): the middle row, which crosses the
    /// cardioid and the bulb, and the dearest row of the image. Recorded in snapshots/MandelbrotRow.json.
    function test_Gas_Row256() public {
        mandelbrot.compute(input(128, 256, 256, CENTER_X, 0, STEP_256, 255));
        vm.snapshotGasLastCall("MandelbrotRow", "row256_maxIter255_middleRow");
        uint256 dearest;
        uint256 total;
        for (uint32 row; row < 256; row += 4) {
            mandelbrot.compute(input(row, 256, 256, CENTER_X, 0, STEP_256, 255));
            uint256 g = vm.lastCallGas().gasTotalUsed;
            total += g;
            if (g > dearest) dearest = g;
        }
        vm.snapshotValue("MandelbrotRow", "row256_maxIter255_dearestRow", dearest);
        vm.snapshotValue("MandelbrotRow", "row256_maxIter255_meanRow", total / 64);
        assertLe(dearest, 5_000_000, "a row fits the default maxGasPerLeaf with room");

        // One iteration: c = -2 iterates 0, -2, 2, 2, ... without escaping and outside both shortcuts.
        mandelbrot.compute(input(0, 1, 1, -2 * ONE, 0, 1, 0));
        uint256 none = vm.lastCallGas().gasTotalUsed;
        mandelbrot.compute(input(0, 1, 1, -2 * ONE, 0, 1, 255));
        vm.snapshotValue("MandelbrotRow", "perIteration", (vm.lastCallGas().gasTotalUsed - none) / 255);
    }
}
