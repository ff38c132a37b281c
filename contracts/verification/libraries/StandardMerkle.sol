// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title OpenZeppelin StandardMerkleTree leaves and proofs, lean
/// @notice The one definition of the game's Merkle format, interoperable with `@openzeppelin/merkle-tree`
/// (`StandardMerkleTree.of(values, ["uint256", "bytes"])`) and with OpenZeppelin's `MerkleProof`:
/// - a leaf is `keccak256(bytes.concat(keccak256(abi.encode(uint256 index, bytes data))))`;
/// - an inner node is the keccak256 of its two children, the smaller first (sorted pairs).
/// @dev Same results as `MerkleProof.verifyCalldata`; the loop is assembly because proofs are checked on every
/// dispute and OpenZeppelin's version spends about 240 gas a level against about 110 here (see the gas snapshot).
library StandardMerkle {
    /// @notice The leaf of the value `(index, data)`.
    /// @dev Hashed twice, as StandardMerkleTree does, so that a 64-byte leaf preimage can never be mistaken for an
    /// inner node (second-preimage resistance).
    function leaf(uint256 index, bytes memory data) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, data))));
    }

    /// @notice Whether `proof` leads from `leafHash` to `root`.
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leafHash) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            let node := leafHash
            let offset := proof.offset
            // One past the last sibling; `proof.length` came through the ABI decoder, so the shift cannot overflow
            // a calldata-sized length.
            let end := add(offset, shl(5, proof.length))
            // The loop test sits at the bottom (do-while) so an iteration costs one jump, not two; the `lt` guard
            // in front makes an empty proof skip it.
            if lt(offset, end) {
                for {} 1 {} {
                    let sibling := calldataload(offset)
                    // Sorted pair without a branch: if node > sibling, `slot` is 0x20 and the node goes second.
                    // Scratch space (0x00-0x3f) is Solidity's to clobber, so nothing is allocated.
                    let slot := shl(5, gt(node, sibling))
                    mstore(slot, node)
                    mstore(xor(slot, 0x20), sibling)
                    node := keccak256(0x00, 0x40)
                    offset := add(offset, 0x20)
                    if iszero(lt(offset, end)) { break }
                }
            }
            ok := eq(node, root)
        }
    }
}
