// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StandardMerkle} from "../../../../contracts/verification/libraries/StandardMerkle.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @dev {StandardMerkle} and OpenZeppelin's `MerkleProof` behind external calls: calldata proofs, measurable gas.
contract MerkleVerifier {
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return StandardMerkle.verify(proof, root, leaf);
    }

    function verifyOpenZeppelin(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    function leafOf(uint256 index, bytes calldata data) external pure returns (bytes32) {
        return StandardMerkle.leaf(index, data);
    }
}
