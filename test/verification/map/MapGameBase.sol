// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MapGame} from "../../../contracts/verification/MapGame.sol";
import {IMapComputation} from "../../../contracts/verification/computations/IMapComputation.sol";
import {MandelbrotRow} from "../../../contracts/verification/computations/MandelbrotRow.sol";
import {MonteCarloPi} from "../../../contracts/verification/computations/MonteCarloPi.sol";
import {IComputationRegistry} from "../../../contracts/verification/interfaces/IComputationRegistry.sol";
import {IMapGame} from "../../../contracts/verification/interfaces/IMapGame.sol";
import {GasBurner, GasEcho, Malformed, Reverter, Square} from "../../mocks/TestComputations.sol";
import {BaseTest} from "../../utils/BaseTest.sol";
import {MerkleTrees} from "../utils/MerkleTrees.sol";

/// @notice The map tests' base: the deployment (through the deploy script, see {BaseTest}), the game, the example
/// computations and a few test ones, funded actors, and a "world" of one task whose inputs and honest results are
/// built as StandardMerkleTrees.
abstract contract MapGameBase is BaseTest {
    using MerkleTrees for MerkleTrees.Tree;

    MapGame internal game;
    MandelbrotRow internal mandelbrot;
    MonteCarloPi internal monteCarlo;
    Square internal square;
    GasBurner internal burner;
    GasEcho internal gasEcho;
    Reverter internal reverter;
    Malformed internal malformed;

    /// @dev Roles: alice buys, bob solves, carol and dave challenge, eve copies others' transactions.
    address internal buyer;
    address internal solver;
    address internal challenger;
    address internal dave = makeAddr("dave");

    uint96 internal constant REWARD = 100 ether;
    uint96 internal constant SOLVER_BOND = 50 ether;
    uint96 internal constant CHALLENGER_BOND = 5 ether;
    uint32 internal constant GAS_PER_LEAF = 100_000;
    uint256 internal constant FUNDS = 1_000_000 ether;

    /// @dev The world of the current task: its inputs and outputs as trees.
    bytes[] internal inputs;
    bytes[] internal outputs;
    MerkleTrees.Tree internal inputTree;
    MerkleTrees.Tree internal resultTree;

    function setUp() public virtual override {
        super.setUp();
        game = MapGame(d.mapGame);
        mandelbrot = MandelbrotRow(d.mandelbrot);
        monteCarlo = MonteCarloPi(d.monteCarlo);
        square = new Square();
        burner = new GasBurner();
        gasEcho = new GasEcho();
        reverter = new Reverter();
        malformed = new Malformed();
        // The games judge only registered (pure) computations; the test ones are pure too.
        IComputationRegistry registry = IComputationRegistry(d.computationRegistry);
        registry.register(address(square));
        registry.register(address(burner));
        registry.register(address(gasEcho));
        registry.register(address(reverter));
        registry.register(address(malformed));
        vm.label(d.mapGame, "MapGame");
        vm.label(d.mandelbrot, "MandelbrotRow");
        vm.label(d.monteCarlo, "MonteCarloPi");
        vm.label(d.judge, "JudgeHarness");
        vm.label(address(square), "Square");

        buyer = alice;
        solver = bob;
        challenger = carol;
        address[5] memory actors = [alice, bob, carol, dave, eve];
        for (uint256 i; i < actors.length; ++i) {
            fund(actors[i], FUNDS);
            vm.prank(actors[i]);
            token.approve(address(game), type(uint256).max);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 WORLD
    //////////////////////////////////////////////////////////////*/

    /// @dev `n` Square inputs `abi.encode(i + 7)` and their honest outputs, as trees.
    function buildSquareWorld(uint256 n) internal {
        delete inputs;
        delete outputs;
        for (uint256 i; i < n; ++i) {
            inputs.push(abi.encode(i + 7));
            outputs.push(abi.encode((i + 7) * (i + 7)));
        }
        inputTree = MerkleTrees.build(inputs);
        resultTree = MerkleTrees.build(outputs);
    }

    /// @dev Replaces the output at `index` with a wrong one and rebuilds the result tree.
    function cheatAt(uint256 index) internal {
        outputs[index] = abi.encode(uint256(0xbad));
        resultTree = MerkleTrees.build(outputs);
    }

    function spec(IMapComputation computation, bytes32 inputRoot, uint64 leafCount)
        internal
        view
        returns (IMapGame.TaskSpec memory s)
    {
        s.computation = computation;
        s.inputRoot = inputRoot;
        s.leafCount = leafCount;
        s.gasPerLeaf = GAS_PER_LEAF;
        s.reward = REWARD;
        s.solverBond = SOLVER_BOND;
        s.challengerBond = CHALLENGER_BOND;
        s.commitDeadline = uint40(block.timestamp + 7 days);
    }

    /// @dev The buyer posts the current world's Square task.
    function postWorld() internal returns (uint256 taskId) {
        vm.prank(buyer);
        taskId = game.post(spec(square, inputTree.root(), uint64(inputs.length)), "ipfs://inputs");
    }

    function claimAs(address who, uint256 taskId) internal {
        vm.prank(who);
        game.claim(taskId);
    }

    function commitAs(address who, uint256 taskId, bytes32 root) internal {
        vm.prank(who);
        game.commit(taskId, root, "ipfs://results");
    }

    /// @dev Posts the world, the solver claims and commits the current result tree.
    function committedWorld() internal returns (uint256 taskId) {
        taskId = postWorld();
        claimAs(solver, taskId);
        commitAs(solver, taskId, resultTree.root());
    }

    function cheatProof(uint256 index) internal view returns (IMapGame.CheatProof memory p) {
        p.index = index;
        p.input = inputs[index];
        p.inputProof = inputTree.proof(index);
        p.output = outputs[index];
        p.resultProof = resultTree.proof(index);
    }

    /// @dev `who` commits to `p` for `taskId`, and one block passes.
    function commitProofAs(address who, uint256 taskId, IMapGame.CheatProof memory p, bytes32 salt)
        internal
        returns (bytes32 commitment)
    {
        commitment = game.proofCommitment(who, taskId, p.index, p.input, p.output, salt);
        vm.prank(who);
        game.commitProof(commitment);
        vm.roll(block.number + 1);
    }

    function openQueryAs(address who, uint256 taskId, uint256 index) internal returns (uint256 queryId) {
        vm.prank(who);
        queryId = game.openQuery(taskId, index);
    }

    function answer(uint256 queryId) internal {
        answerAt(queryId, game.query(queryId).index);
    }

    /// @dev The solver answers with the leaf at `index`; no external call before the answer, so it can follow
    /// `vm.expectRevert`.
    function answerAt(uint256 queryId, uint256 index) internal {
        bytes32[] memory path = resultTree.proof(index);
        vm.prank(solver);
        game.answerQuery(queryId, outputs[index], path);
    }

    function taskOf(uint256 taskId) internal view returns (IMapGame.Task memory) {
        return game.task(taskId);
    }

    function statusOf(uint256 taskId) internal view returns (IMapGame.TaskStatus) {
        return game.task(taskId).status;
    }

    function parameters() internal view returns (IMapGame.Parameters memory) {
        return game.parameters();
    }

    /// @dev A status's bit in an `expectedStatuses` bitmap of {IMapGame.MapGameUnexpectedTaskStatus}.
    function _bit(IMapGame.TaskStatus s) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }

    /// @dev A status's bit in an `expectedStatuses` bitmap of {IMapGame.MapGameUnexpectedQueryStatus}.
    function _bit(IMapGame.QueryStatus s) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }
}
