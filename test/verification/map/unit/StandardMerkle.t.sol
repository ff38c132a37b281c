// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleTrees} from "../../utils/MerkleTrees.sol";
import {MerkleVerifier} from "../mocks/MerkleVerifier.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The game's Merkle format over trees of 1, 2, 3, 7 and 1000 leaves, built by the Solidity helpers, and the
/// helpers themselves against the JavaScript library of OpenZeppelin (merkle-tree).
contract StandardMerkleTest is Test {
    using MerkleTrees for MerkleTrees.Tree;

    MerkleVerifier internal verifier;

    function setUp() public {
        verifier = new MerkleVerifier();
    }

    /// @dev Leaf i's data: the byte i repeated i + 1 times (as in the JavaScript vectors below).
    function data(uint256 n) internal pure returns (bytes[] memory values) {
        values = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            values[i] = new bytes(i + 1);
            for (uint256 j; j <= i; ++j) {
                values[i][j] = bytes1(uint8(i));
            }
        }
    }

    /// @dev Every leaf proves; no leaf proves under another index, other data or another root.
    function checkTree(uint256 n) internal view {
        bytes[] memory values = data(n);
        MerkleTrees.Tree memory t = MerkleTrees.build(values);
        bytes32 root = t.root();
        for (uint256 i; i < n; ++i) {
            bytes32[] memory proof = t.proof(i);
            bytes32 leaf = verifier.leafOf(i, values[i]);
            assertEq(leaf, MerkleTrees.leafHash(i, values[i]));
            assertTrue(verifier.verify(proof, root, leaf), "leaf proves");
            assertTrue(verifier.verifyOpenZeppelin(proof, root, leaf), "OpenZeppelin agrees");
            assertFalse(verifier.verify(proof, root, verifier.leafOf(i + 1, values[i])), "another index");
            assertFalse(
                verifier.verify(proof, root, verifier.leafOf(i, bytes.concat(values[i], hex"00"))), "other data"
            );
            assertFalse(verifier.verify(proof, keccak256(abi.encode(root)), leaf), "another root");
            if (proof.length > 0) {
                proof[proof.length - 1] = bytes32(uint256(proof[proof.length - 1]) ^ 1);
                assertFalse(verifier.verify(proof, root, leaf), "a tampered sibling");
            }
        }
    }

    function test_Tree_OneLeaf() public view {
        checkTree(1);
        // A one-leaf tree's root is its leaf; the proof is empty.
        bytes[] memory values = data(1);
        assertEq(MerkleTrees.build(values).root(), MerkleTrees.leafHash(0, values[0]));
    }

    function test_Tree_TwoLeaves() public view {
        checkTree(2);
    }

    function test_Tree_ThreeLeaves() public view {
        checkTree(3);
    }

    function test_Tree_SevenLeaves() public view {
        checkTree(7);
    }

    function test_Tree_ThousandLeaves() public view {
        checkTree(1000);
    }

    /// @dev Roots and proofs from `StandardMerkleTree.of(values, ["uint256", "bytes"])` of OpenZeppelin's merkle-tree
    /// 1.0.8 (node), for the same values: the helpers build the very trees the JavaScript and Rust tools build.
    function test_Tree_MatchesOpenZeppelinMerkleTree() public pure {
        assertEq(MerkleTrees.build(data(1)).root(), 0x582e32ac4c6d71d32481539e5607f25f140c95b55decacb174191e189a5a9efc);
        assertEq(MerkleTrees.build(data(2)).root(), 0xbf19802bfb0875298c267610f801504bc44e71688e04c3cbdd435eb60d6fe0d6);
        assertEq(MerkleTrees.build(data(3)).root(), 0x6020fa6b4efb61adefb00ec0332e691345b3697d54c935e15851245109777919);
        MerkleTrees.Tree memory seven = MerkleTrees.build(data(7));
        assertEq(seven.root(), 0x017d5547b12717db53cd6644fa8a0919f3b324a6e3d4d9270d08fbce779739bc);
        bytes32[] memory proof = seven.proof(6);
        assertEq(proof.length, 3);
        assertEq(proof[0], 0x582e32ac4c6d71d32481539e5607f25f140c95b55decacb174191e189a5a9efc);
        assertEq(proof[1], 0xd417c538f3b578083e9f19ca525edf626ac088f0bfbfad333a50d7f5694714d2);
        assertEq(proof[2], 0xb2e00b3a5ed808f9a56a963a2c8960060e1097f5c34183d5210f11e836b94577);
    }
}
