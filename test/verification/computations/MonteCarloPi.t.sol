// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JudgeHarness} from "../../../contracts/verification/JudgeHarness.sol";
import {MonteCarloPi} from "../../../contracts/verification/computations/MonteCarloPi.sol";
import {Test} from "forge-std/Test.sol";

/// @notice MonteCarloPi against a plain reference of its PRNG, its estimate, bad inputs and its gas per sample.
contract MonteCarloPiTest is Test {
    MonteCarloPi internal monteCarlo;

    function setUp() public {
        monteCarlo = new MonteCarloPi();
    }

    function plain(bytes32 seed, uint64 samples) internal pure returns (uint256 hits) {
        for (uint256 i; i < samples; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 x = r >> 136;
            uint256 y = r & ((uint256(1) << 120) - 1);
            if (x * x + y * y < uint256(1) << 240) ++hits;
        }
    }

    function testFuzz_MatchesReference(bytes32 seed, uint64 samples) public view {
        samples = uint64(bound(samples, 0, 300));
        assertEq(monteCarlo.compute(abi.encode(seed, samples)), abi.encode(plain(seed, samples)));
    }

    function test_NoSamplesNoHits() public view {
        assertEq(monteCarlo.compute(abi.encode(bytes32(0), uint64(0))), abi.encode(uint256(0)));
    }

    /// @dev 16 leaves of 1,000 samples: pi to within 0.1 (the standard error is about 0.013).
    function test_EstimatesPi() public view {
        uint256 hits;
        uint256 samples;
        for (uint256 leaf; leaf < 16; ++leaf) {
            hits += abi.decode(
                monteCarlo.compute(abi.encode(keccak256(abi.encode("sonm", leaf)), uint64(1000))), (uint256)
            );
            samples += 1000;
        }
        uint256 piMilli = 4000 * hits / samples;
        assertApproxEqAbs(piMilli, 3142, 100);
    }

    function test_RevertWhen_InputNotTheEncoding() public {
        vm.expectRevert();
        monteCarlo.compute(abi.encode(bytes32(0), uint256(1) << 64));
        vm.expectRevert();
        monteCarlo.compute(hex"00");
        assertEq(new JudgeHarness().leaf(monteCarlo, hex"00", 1_000_000, 32_768), "");
    }

    /// @dev A batch that does not fit its gas is judged empty, whatever it would have output.
    function test_TooManySamplesForTheGasIsEmpty() public {
        assertEq(new JudgeHarness().leaf(monteCarlo, abi.encode(bytes32(0), uint64(100_000)), 1_000_000, 32_768), "");
    }

    function test_Gas_ThousandSamples() public {
        monteCarlo.compute(abi.encode(bytes32("seed"), uint64(1000)));
        uint256 g = vm.snapshotGasLastCall("MonteCarloPi", "samples1000");
        vm.snapshotValue("MonteCarloPi", "perSample", g / 1000);
    }
}
