// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {Test} from "forge-std/Test.sol";
import {Probe} from "../contracts/Probe.sol";
contract ProbeTest is Test { function test_x() public { Probe p = new Probe(); assertEq(p.totalSupply(), 0); } }
