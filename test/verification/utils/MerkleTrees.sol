// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title StandardMerkleTree, built in Solidity for tests
/// @notice Builds trees exactly as `@openzeppelin/merkle-tree`'s `StandardMerkleTree.of(values, ["uint256", "bytes"])`
/// does (sortLeaves on): the value of leaf `i` is `(i, data[i])`, leaf hashes are sorted ascending and laid out in a
/// complete binary tree in an array (`nodes[0]` is the root, the k-th smallest leaf sits at `nodes[n-1+... ]`, see
/// `makeMerkleTree`), inner nodes hash their two children sorted. Shared by the map and chain game tests.
library MerkleTrees {
    /// @param nodes The tree as an array: children of `j` at `2j+1` and `2j+2`.
    /// @param position Where the leaf of index `i` sits in `nodes`.
    struct Tree {
        bytes32[] nodes;
        uint256[] position;
    }

    /// @notice The leaf of `(index, data)`: `keccak256(bytes.concat(keccak256(abi.encode(index, data))))`.
    function leafHash(uint256 index, bytes memory data) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, data))));
    }

    /// @notice OpenZeppelin's `Hashes.commutativeKeccak256`: the smaller child first.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    /// @notice The tree over the values `(i, data[i])`.
    function build(bytes[] memory data) internal pure returns (Tree memory t) {
        uint256 n = data.length;
        require(n > 0, "MerkleTrees: no leaves");
        bytes32[] memory hashes = new bytes32[](n);
        uint256[] memory order = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            hashes[i] = leafHash(i, data[i]);
            order[i] = i;
        }
        _sort(hashes, order, 0, int256(n) - 1);
        t.nodes = new bytes32[](2 * n - 1);
        t.position = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            uint256 at = t.nodes.length - 1 - k;
            t.nodes[at] = hashes[order[k]];
            t.position[order[k]] = at;
        }
        for (uint256 j = t.nodes.length - n; j > 0; --j) {
            t.nodes[j - 1] = hashPair(t.nodes[2 * j - 1], t.nodes[2 * j]);
        }
    }

    /// @notice The root.
    function root(Tree memory t) internal pure returns (bytes32) {
        return t.nodes[0];
    }

    /// @notice The proof of the leaf of index `i` (siblings from the leaf up), as `getProof` gives it.
    function proof(Tree memory t, uint256 i) internal pure returns (bytes32[] memory p) {
        uint256 j = t.position[i];
        uint256 depth;
        for (uint256 k = j; k > 0; k = (k - 1) / 2) {
            ++depth;
        }
        p = new bytes32[](depth);
        for (uint256 d; j > 0; ++d) {
            p[d] = t.nodes[j % 2 == 1 ? j + 1 : j - 1];
            j = (j - 1) / 2;
        }
    }

    /// @notice The root that `path` leads to from `leaf` (OpenZeppelin's `processProof`). With arbitrary siblings,
    /// this is the root of a tree nobody needs to build: how the tests get depth-20 proofs of 2^20-leaf trees.
    function rootOf(bytes32 leaf, bytes32[] memory path) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 d; d < path.length; ++d) {
            node = hashPair(node, path[d]);
        }
    }

    /// @notice `depth` pseudo-random siblings derived from `seed`.
    function siblings(bytes32 seed, uint256 depth) internal pure returns (bytes32[] memory s) {
        s = new bytes32[](depth);
        for (uint256 d; d < depth; ++d) {
            s[d] = keccak256(abi.encode(seed, d));
        }
    }

    /// @dev Quicksort of `order` by `hashes[order[_]]`, ascending (ties cannot matter: equal hashes are equal leaves).
    function _sort(bytes32[] memory hashes, uint256[] memory order, int256 lo, int256 hi) private pure {
        while (lo < hi) {
            bytes32 pivot = hashes[order[uint256(lo + (hi - lo) / 2)]];
            int256 i = lo;
            int256 j = hi;
            while (i <= j) {
                while (hashes[order[uint256(i)]] < pivot) ++i;
                while (hashes[order[uint256(j)]] > pivot) --j;
                if (i <= j) {
                    (order[uint256(i)], order[uint256(j)]) = (order[uint256(j)], order[uint256(i)]);
                    ++i;
                    --j;
                }
            }
            // Recurse into the smaller side, loop on the larger: the stack stays logarithmic.
            if (j - lo < hi - i) {
                _sort(hashes, order, lo, j);
                lo = i;
            } else {
                _sort(hashes, order, i, hi);
                hi = j;
            }
        }
    }
}
