// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ChainGame} from "../../../../contracts/verification/ChainGame.sol";
import {KeccakChain} from "../../../../contracts/verification/computations/KeccakChain.sol";
import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {IComputationRegistry} from "../../../../contracts/verification/interfaces/IComputationRegistry.sol";
import {CounterChain} from "../../../mocks/TestComputations.sol";
import {BaseTest} from "../../../utils/BaseTest.sol";

/// @notice The market deployed through the deploy script (BaseTest), the chain game and funded, labelled actors, and
/// helpers that play chain tasks and bisection disputes over a {CounterChain}, whose honest state at any step is
/// known in closed form. Every computation a test names is registered first ({_registered}), as a task requires.
abstract contract ChainGameBase is BaseTest {
    uint64 internal constant NEVER = type(uint64).max;
    uint256 internal constant FUNDS = 1_000_000 ether;

    ChainGame internal game;
    IComputationRegistry internal registry;
    KeccakChain internal keccakChain;
    CounterChain internal counter;
    IChainGame.Parameters internal parameters;

    address internal buyer = makeAddr("buyer");
    address internal solver = makeAddr("solver");
    address internal anyone = makeAddr("anyone");

    function setUp() public virtual override {
        super.setUp();
        game = ChainGame(d.chainGame);
        registry = IComputationRegistry(d.computationRegistry);
        keccakChain = KeccakChain(d.keccakChain);
        counter = CounterChain(_registered(address(new CounterChain())));
        parameters = game.parameters();
        vm.label(d.chainGame, "ChainGame");
        vm.label(d.keccakChain, "KeccakChain");
        vm.label(address(counter), "CounterChain");

        address[6] memory actors = [buyer, solver, alice, bob, carol, anyone];
        for (uint256 i; i < actors.length; ++i) {
            _fund(actors[i]);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 TASKS
    //////////////////////////////////////////////////////////////*/

    /// @dev Registers `computation` in the deployment's registry (checks its code pure) and returns it.
    function _registered(address computation) internal returns (address) {
        registry.register(computation);
        return computation;
    }

    function _fund(address who) internal {
        fund(who, FUNDS);
        vm.prank(who);
        token.approve(address(game), type(uint256).max);
    }

    /// @dev A counter task of `steps` steps from abi.encode(0), at the DAO's minimums.
    function _spec(uint64 steps) internal view returns (IChainGame.TaskSpec memory spec) {
        spec = IChainGame.TaskSpec({
            computation: counter,
            steps: steps,
            gasPerStep: 100_000,
            reward: 100 ether,
            solverBond: 10 ether,
            challengerBond: 4 ether,
            clock: parameters.minClock,
            claimWindow: parameters.minClaimWindow,
            challengeWindow: parameters.minChallengeWindow,
            commitDeadline: uint40(block.timestamp + 1 days)
        });
    }

    function _post(IChainGame.TaskSpec memory spec, bytes memory initialState) internal returns (uint256 taskId) {
        vm.prank(buyer);
        taskId = game.post(spec, initialState);
    }

    function _postCounter(uint64 steps) internal returns (uint256) {
        return _post(_spec(steps), _state(0));
    }

    function _claimAndCommit(uint256 taskId, bytes32 finalHash) internal {
        vm.startPrank(solver);
        game.claim(taskId);
        game.commit(taskId, finalHash);
        vm.stopPrank();
    }

    function _challenge(uint256 taskId, address challenger) internal returns (uint256 disputeId) {
        vm.prank(challenger);
        disputeId = game.challenge(taskId, keccak256(abi.encode("another final hash", challenger)));
    }

    /*//////////////////////////////////////////////////////////////
                          THE COUNTER'S STATES
    //////////////////////////////////////////////////////////////*/

    function _state(uint256 i) internal pure returns (bytes memory) {
        return abi.encode(i);
    }

    function _trueHash(uint256 i) internal pure returns (bytes32) {
        return keccak256(_state(i));
    }

    /// @dev What a side that is honest up to step `liesAfter` says the hash at step i is.
    function _hashAt(uint256 i, uint64 liesAfter, bytes32 salt) internal pure returns (bytes32) {
        return i <= liesAfter ? _trueHash(i) : keccak256(abi.encode(salt, i));
    }

    function _solverHash(uint256 i, uint64 liesAfter) internal pure returns (bytes32) {
        return _hashAt(i, liesAfter, "solver");
    }

    function _challengerHash(uint256 i, uint64 liesAfter) internal pure returns (bytes32) {
        return _hashAt(i, liesAfter, "challenger");
    }

    /*//////////////////////////////////////////////////////////////
                               DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @dev Plays the bisection to the last step: the solver says the hashes of a chain honest up to `solverLies`,
    /// the challenger agrees exactly when the revealed hash is its own (honest up to `challengerLies`). Each move is
    /// made `delay` seconds after the previous one. Returns the number of rounds (reveal + answer).
    function _bisect(uint256 disputeId, uint64 solverLies, uint64 challengerLies, uint256 delay)
        internal
        returns (uint256 rounds)
    {
        IChainGame.Dispute memory info = game.dispute(disputeId);
        while (info.phase == IChainGame.DisputePhase.Reveal) {
            skip(delay);
            vm.prank(solver);
            game.reveal(disputeId, _solverHash(info.mid, solverLies));
            skip(delay);
            vm.prank(info.challenger);
            game.answer(disputeId, _solverHash(info.mid, solverLies) == _challengerHash(info.mid, challengerLies));
            ++rounds;
            info = game.dispute(disputeId);
        }
    }

    /// @dev Has the last step judged from the honest state at lo.
    function _judge(uint256 disputeId) internal {
        IChainGame.Dispute memory info = game.dispute(disputeId);
        vm.prank(anyone);
        game.judgeStep(disputeId, _state(info.lo));
    }

    /// @dev The game's liabilities: rewards of live tasks, bonds of live claims and of running disputes.
    function _liabilities() internal view returns (uint256 total) {
        for (uint256 id = 1; id <= game.taskCount(); ++id) {
            IChainGame.Task memory t = game.task(id);
            if (
                t.status == IChainGame.TaskStatus.Open || t.status == IChainGame.TaskStatus.Claimed
                    || t.status == IChainGame.TaskStatus.Committed
            ) total += t.reward;
            if (t.status == IChainGame.TaskStatus.Claimed || t.status == IChainGame.TaskStatus.Committed) {
                total += t.solverBond;
            }
        }
        for (uint256 id = 1; id <= game.disputeCount(); ++id) {
            IChainGame.Dispute memory info = game.dispute(id);
            if (
                info.phase == IChainGame.DisputePhase.Reveal || info.phase == IChainGame.DisputePhase.Answer
                    || info.phase == IChainGame.DisputePhase.Step
            ) total += game.task(info.taskId).challengerBond;
        }
    }

    /*//////////////////////////////////////////////////////////////
                            EXPECTED STATES
    //////////////////////////////////////////////////////////////*/

    /// @dev A status's bit in an `expectedStatuses` bitmap of {IChainGame.ChainGameUnexpectedTaskStatus}.
    function _bit(IChainGame.TaskStatus s) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(s));
    }

    /// @dev A phase's bit in an `expectedPhases` bitmap of {IChainGame.ChainGameUnexpectedDisputePhase}.
    function _bit(IChainGame.DisputePhase p) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(p));
    }

    /// @dev The phases in which a dispute is running: what {IChainGame.timeout} and {IChainGame.reclaimDisputeBond}
    /// expect.
    function _running() internal pure returns (bytes32) {
        return _bit(IChainGame.DisputePhase.Reveal) | _bit(IChainGame.DisputePhase.Answer)
            | _bit(IChainGame.DisputePhase.Step);
    }
}
