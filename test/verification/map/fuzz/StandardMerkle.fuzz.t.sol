// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MerkleVerifier} from "../mocks/MerkleVerifier.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The lean verifier says exactly what OpenZeppelin's `MerkleProof` says, on any input.
contract StandardMerkleFuzzTest is Test {
    using MerkleTrees for MerkleTrees.Tree;

    MerkleVerifier internal verifier;

    function setUp() public {
        verifier = new MerkleVerifier();
    }

    /// @dev Arbitrary proofs, roots and leaves: mostly false, identical answers.
    function testFuzz_AgreesWithOpenZeppelin_Arbitrary(bytes32[] calldata proof, bytes32 root, bytes32 leaf)
        public
        view
    {
        assertEq(verifier.verify(proof, root, leaf), verifier.verifyOpenZeppelin(proof, root, leaf));
    }

    /// @dev Valid paths (the root computed from the leaf), then one sibling flipped.
    function testFuzz_AgreesWithOpenZeppelin_ValidPath(bytes32 leaf, bytes32 seed, uint8 depth, uint8 flip)
        public
        view
    {
        bytes32[] memory path = MerkleTrees.siblings(seed, bound(depth, 0, 64));
        bytes32 root = MerkleTrees.rootOf(leaf, path);
        assertTrue(verifier.verify(path, root, leaf));
        assertTrue(verifier.verifyOpenZeppelin(path, root, leaf));
        if (path.length > 0) {
            uint256 at = bound(flip, 0, path.length - 1);
            path[at] = ~path[at];
            assertEq(verifier.verify(path, root, leaf), verifier.verifyOpenZeppelin(path, root, leaf));
            assertFalse(verifier.verify(path, root, leaf));
        }
    }

    /// @dev Trees of any size up to 64 leaves of arbitrary data: every proof verifies with both.
    function testFuzz_TreeProofs(bytes32 seed, uint8 size, uint8 pick) public view {
        uint256 n = bound(size, 1, 64);
        bytes[] memory values = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            values[i] = abi.encodePacked(keccak256(abi.encode(seed, i)), uint8(i));
        }
        MerkleTrees.Tree memory t = MerkleTrees.build(values);
        uint256 at = bound(pick, 0, n - 1);
        bytes32 leaf = verifier.leafOf(at, values[at]);
        assertTrue(verifier.verify(t.proof(at), t.root(), leaf));
        assertTrue(verifier.verifyOpenZeppelin(t.proof(at), t.root(), leaf));
    }
}
