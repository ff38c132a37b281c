// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {LargestStep} from "../utils/ChainComputations.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";

/// @notice Named gas figures (snapshots/ChainGame.json), each the gas of a whole transaction: 21,000 intrinsic gas
/// and calldata included, storage cold and clean at its start, as on a real chain. (Without isolation every call of a
/// test shares one transaction, and a move that rewrites the dispute's slots would be priced as a warm, dirty write.)
/// Inputs are fixed, so CI can check the figures.
/// forge-config: default.isolate = true
/// forge-config: ci.isolate = true
contract ChainGameGasTest is ChainGameBase {
    string internal constant GROUP = "ChainGame";
    uint256 internal constant MOVE_TARGET = 70_000;
    uint256 internal constant DISPUTE_2POW32_TARGET = 3_000_000;

    /// @dev The gas of the last call as a transaction, recorded under `name`.
    function _record(string memory name) internal returns (uint256) {
        return vm.snapshotGasLastCall(GROUP, name);
    }

    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    /*//////////////////////////////////////////////////////////////
                            THE HONEST PATH
    //////////////////////////////////////////////////////////////*/

    function test_Gas_HonestPath() public {
        uint256 total;
        IChainGame.TaskSpec memory spec = _spec(uint64(1) << 32);
        spec.computation = keccakChain;
        spec.gasPerStep = 30_000;
        vm.prank(buyer);
        uint256 taskId = game.post(spec, bytes("seed"));
        total += _record("post");
        vm.prank(solver);
        game.claim(taskId);
        total += _record("claim");
        vm.prank(solver);
        game.commit(taskId, keccak256("final"));
        total += _record("commit");
        skip(parameters.minChallengeWindow);
        vm.prank(anyone);
        game.finalize(taskId);
        total += _record("finalize");
        vm.snapshotValue(GROUP, "honestPath", total);
    }

    /*//////////////////////////////////////////////////////////////
                               ONE DISPUTE
    //////////////////////////////////////////////////////////////*/

    /// @dev Plays a whole dispute over `steps` steps against a solver that cheats from `solverLies` on, recording the
    /// biggest move and the total of all moves plus the judged step.
    function _dispute(uint64 steps, uint64 solverLies, string memory suffix) internal returns (uint256 total) {
        uint256 taskId = _postCounter(steps);
        _claimAndCommit(taskId, _solverHash(steps, solverLies));
        vm.prank(alice);
        uint256 id = game.challenge(taskId, _trueHash(steps));
        uint256 opening = _record(string.concat("challenge", suffix));

        uint256 biggestMove;
        uint256 intrinsic;
        IChainGame.Dispute memory info = game.dispute(id);
        while (info.phase == IChainGame.DisputePhase.Reveal) {
            bytes32 midHash = _solverHash(info.mid, solverLies);
            skip(12);
            vm.prank(solver);
            game.reveal(id, midHash);
            uint256 gasUsed = vm.lastCallGas().gasTotalUsed;
            total += gasUsed;
            intrinsic += _intrinsic(abi.encodeCall(IChainGame.reveal, (id, midHash)));
            if (gasUsed > biggestMove) biggestMove = gasUsed;

            bool agree = midHash == _trueHash(info.mid);
            skip(12);
            vm.prank(alice);
            game.answer(id, agree);
            gasUsed = vm.lastCallGas().gasTotalUsed;
            total += gasUsed;
            intrinsic += _intrinsic(abi.encodeCall(IChainGame.answer, (id, agree)));
            if (gasUsed > biggestMove) biggestMove = gasUsed;
            info = game.dispute(id);
        }
        vm.prank(alice);
        game.judgeStep(id, _state(info.lo));
        uint256 step = vm.lastCallGas().gasTotalUsed;
        total += step;
        intrinsic += _intrinsic(abi.encodeCall(IChainGame.judgeStep, (id, _state(info.lo))));
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.ChallengerWon));

        vm.snapshotValue(GROUP, string.concat("dispute", suffix, "_biggestMove"), biggestMove);
        vm.snapshotValue(GROUP, string.concat("dispute", suffix, "_judgeStep"), step);
        vm.snapshotValue(GROUP, string.concat("dispute", suffix), total);
        // The same without the transactions' intrinsic gas (21,000 each, plus calldata): the contract's own cost.
        vm.snapshotValue(GROUP, string.concat("dispute", suffix, "_execution"), total - intrinsic);
        vm.snapshotValue(GROUP, string.concat("dispute", suffix, "_withChallenge"), total + opening);
        assertLe(biggestMove, MOVE_TARGET, "a bisection move");
    }

    function test_Gas_DisputeOver2Pow32Steps() public {
        // The lie starts at an odd step in the middle, so the bisection goes both ways.
        uint256 total = _dispute(uint64(1) << 32, (uint64(1) << 31) + 0x5a5a5a5, "_2pow32");
        assertLe(total, DISPUTE_2POW32_TARGET, "a whole dispute over 2^32 steps");
    }

    function test_Gas_DisputeOver2Pow64Minus1Steps() public {
        // The longest dispute: 64 rounds.
        _dispute(type(uint64).max, type(uint64).max - 1, "_2pow64");
    }

    /*//////////////////////////////////////////////////////////////
                             SINGLE MOVES
    //////////////////////////////////////////////////////////////*/

    function test_Gas_Moves() public {
        uint64 steps = uint64(1) << 32;
        uint256 taskId = _postCounter(steps);
        _claimAndCommit(taskId, _solverHash(steps, 1000));
        uint256 id = _challenge(taskId, alice);

        // The first reveal writes the dispute's third hash slot for the first time; later reveals overwrite it.
        vm.prank(solver);
        game.reveal(id, _trueHash(steps / 2));
        assertLe(_record("reveal_first"), MOVE_TARGET);
        vm.prank(alice);
        game.answer(id, false);
        assertLe(_record("answer_disagree"), MOVE_TARGET);
        vm.prank(solver);
        game.reveal(id, _trueHash(steps / 4));
        assertLe(_record("reveal"), MOVE_TARGET);
        vm.prank(alice);
        game.answer(id, false);
        vm.prank(solver);
        game.reveal(id, _trueHash(steps / 8));
        vm.prank(alice);
        game.answer(id, false);
        IChainGame.Dispute memory info = game.dispute(id);
        vm.prank(solver);
        game.reveal(id, _trueHash(info.mid));
        vm.prank(alice);
        game.answer(id, true);
        assertLe(_record("answer_agree"), MOVE_TARGET);
    }

    function test_Gas_JudgeStep_SolverWins_KeccakChain() public {
        bytes memory s0 = "seed";
        bytes memory s1 = abi.encodePacked(keccak256(s0));
        IChainGame.TaskSpec memory spec = _spec(1);
        spec.computation = keccakChain;
        spec.gasPerStep = 30_000;
        uint256 taskId = _post(spec, s0);
        _claimAndCommit(taskId, keccak256(s1));
        uint256 id = _challenge(taskId, alice);
        vm.prank(solver);
        game.judgeStep(id, s0);
        _record("judgeStep_keccakChain_solverWins");
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.SolverWon));
    }

    /// @notice docs/protocol.md, "Soundness", rule 1: the judgement of the largest unit a task may hold (a step given
    /// `MAX_GAS_PER_STEP`, which spends it, from a state of `MAX_STATE_BYTES` nonzero bytes, returning one as long) is
    /// one transaction that fits 90% of 2^24 gas, EIP-7825's cap. Isolation makes the call a transaction whose gas
    /// limit is the call's gas plus 21,000, charged its intrinsic and calldata cost, so it succeeds only if everything
    /// fits: the 64/63 the judge must be able to forward, the calldata, the copies of the state and the bookkeeping.
    function test_Gas_JudgeStep_LargestUnitFitsATransactionOf2Pow24WithTenPercentToSpare() public {
        IChainGame.Parameters memory p = parameters;
        p.maxGasPerStep = game.MAX_GAS_PER_STEP();
        p.maxStateBytes = game.MAX_STATE_BYTES();
        vm.prank(d.timelock);
        game.setParameters(p);
        LargestStep largest = LargestStep(_registered(address(new LargestStep())));

        bytes memory s0 = new bytes(game.MAX_STATE_BYTES());
        for (uint256 i; i < s0.length; i += 32) {
            bytes32 word = keccak256(abi.encode(i))
                | bytes32(uint256(0x0101010101010101010101010101010101010101010101010101010101010101));
            assembly ("memory-safe") {
                mstore(add(add(s0, 32), i), word)
            }
        }
        bytes memory s1 = bytes.concat(s0);
        unchecked {
            s1[0] = bytes1(uint8(s1[0]) + 1);
        }
        IChainGame.TaskSpec memory spec = _spec(1);
        spec.computation = largest;
        spec.gasPerStep = game.MAX_GAS_PER_STEP();
        uint256 taskId = _post(spec, s0);
        _claimAndCommit(taskId, keccak256(s1));
        uint256 id = _challenge(taskId, alice);

        uint256 txGasLimit = (uint256(1) << 24) * 9 / 10;
        vm.prank(solver);
        game.judgeStep{gas: txGasLimit - 21_000}(id, s0);
        uint256 used = _record("judgeStep_largestUnit");
        assertEq(uint8(game.dispute(id).phase), uint8(IChainGame.DisputePhase.SolverWon), "judged, and the step moved");
        assertGt(used, game.MAX_GAS_PER_STEP() - 300_000, "the step spent nearly all of its gas");
        assertLe(used, txGasLimit);
    }

    function test_Gas_Timeout_And_ReclaimDisputeBond() public {
        uint256 taskId = _postCounter(1000);
        _claimAndCommit(taskId, _solverHash(1000, 10));
        uint256 first = _challenge(taskId, alice);
        uint256 second = _challenge(taskId, bob);
        skip(parameters.minClock + 1);
        vm.prank(anyone);
        game.timeout(first);
        _record("timeout_solverSlashed");
        vm.prank(anyone);
        game.reclaimDisputeBond(second);
        _record("reclaimDisputeBond");
    }

    function test_Gas_Timeout_ChallengerLoses() public {
        uint256 taskId = _postCounter(1000);
        _claimAndCommit(taskId, _trueHash(1000));
        uint256 id = _challenge(taskId, alice);
        vm.prank(solver);
        game.reveal(id, _trueHash(500));
        skip(parameters.minClock + 1);
        vm.prank(anyone);
        game.timeout(id);
        _record("timeout_challengerLoses");
    }
}
