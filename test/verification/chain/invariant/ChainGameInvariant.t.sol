// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChainGame} from "../../../../contracts/verification/interfaces/IChainGame.sol";
import {ChainGameBase} from "../utils/ChainGameBase.sol";
import {ChainGameHandler} from "./handlers/ChainGameHandler.sol";
import {ChainGameStore} from "./stores/ChainGameStore.sol";

/// @notice Solvency and conservation of value across any sequence of calls, and the dispute bookkeeping. Sequences are
/// longer than the profile's default: a task with a dispute takes dozens of calls to play out.
/// forge-config: default.invariant.depth = 256
/// forge-config: default.invariant.runs = 32
/// forge-config: ci.invariant.depth = 256
/// forge-config: ci.invariant.runs = 64
contract ChainGameInvariantTest is ChainGameBase {
    ChainGameHandler internal handler;
    ChainGameStore internal store;
    address[] internal actors;
    uint256 internal totalValue;
    uint256 internal daoBefore;

    function setUp() public override {
        super.setUp();
        store = new ChainGameStore();
        for (uint256 i; i < 4; ++i) {
            address actor = makeAddr(string.concat("actor", vm.toString(i)));
            _fund(actor);
            actors.push(actor);
        }
        handler = new ChainGameHandler(game, counter, store, d.timelock, actors);
        totalValue = _heldByPlayers() + token.balanceOf(address(game));
        daoBefore = token.balanceOf(d.timelock);

        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = ChainGameHandler.post.selector;
        selectors[1] = ChainGameHandler.claim.selector;
        selectors[2] = ChainGameHandler.commit.selector;
        selectors[3] = ChainGameHandler.forfeitClaim.selector;
        selectors[4] = ChainGameHandler.finalize.selector;
        selectors[5] = ChainGameHandler.refund.selector;
        selectors[6] = ChainGameHandler.challenge.selector;
        selectors[7] = ChainGameHandler.move.selector;
        selectors[8] = ChainGameHandler.timeout.selector;
        selectors[9] = ChainGameHandler.reclaimDisputeBond.selector;
        selectors[10] = ChainGameHandler.warp.selector;
        // Moves come four times as often: a dispute needs many.
        selectors[11] = ChainGameHandler.move.selector;
        selectors[12] = ChainGameHandler.move.selector;
        selectors[13] = ChainGameHandler.move.selector;
        selectors[14] = ChainGameHandler.challenge.selector;
        selectors[15] = ChainGameHandler.setParameters.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function _heldByPlayers() internal view returns (uint256 total) {
        for (uint256 i; i < actors.length; ++i) {
            total += token.balanceOf(actors[i]);
        }
        total += token.balanceOf(d.timelock);
    }

    /// @notice The game holds exactly the rewards of live tasks and the bonds of live claims and running disputes.
    function invariant_Solvency() public view {
        assertEq(token.balanceOf(address(game)), _liabilities());
    }

    /// @notice Tokens only move between the players, the DAO and the game: none is created or lost.
    function invariant_NoValueCreatedOrLost() public view {
        assertEq(_heldByPlayers() + token.balanceOf(address(game)), totalValue);
    }

    /// @notice A task counts exactly the undecided disputes on its live commitment.
    function invariant_OpenDisputesCountsTheLiveCommitmentsDisputes() public view {
        uint256[] memory running = new uint256[](game.taskCount() + 1);
        for (uint256 id = 1; id <= game.disputeCount(); ++id) {
            IChainGame.Dispute memory info = game.dispute(id);
            bool live = info.phase == IChainGame.DisputePhase.Reveal || info.phase == IChainGame.DisputePhase.Answer
                || info.phase == IChainGame.DisputePhase.Step;
            if (live && info.round == game.task(info.taskId).round) ++running[info.taskId];
        }
        for (uint256 id = 1; id <= game.taskCount(); ++id) {
            IChainGame.Task memory t = game.task(id);
            assertEq(t.openDisputes, running[id]);
            if (t.status != IChainGame.TaskStatus.Committed) assertEq(t.openDisputes, 0);
        }
    }

    /// @notice Every task keeps terms the chain can judge and the DAO's bounds allowed: a step's gas and a state's bytes
    /// within the judge's bounds on a unit, clocks and windows within the hard ceilings, the split at most half.
    function invariant_TasksKeepTermsWithinTheHardBounds() public view {
        for (uint256 id = 1; id <= game.taskCount(); ++id) {
            IChainGame.Task memory t = game.task(id);
            assertLe(t.gasPerStep, game.MAX_GAS_PER_STEP());
            assertGe(t.maxStateBytes, 1);
            assertLe(t.maxStateBytes, game.MAX_STATE_BYTES());
            assertLe(t.clock, game.MAX_CLOCK());
            assertLe(t.claimWindow, game.MAX_WINDOW());
            assertLe(t.challengeWindow, game.MAX_WINDOW());
            assertGe(t.challengerShareBps, game.MIN_CHALLENGER_SHARE_BPS());
            assertLe(t.challengerShareBps, game.MAX_CHALLENGER_SHARE_BPS());
        }
    }

    /// @notice The DAO, the only other party to a slash, got at least half of every slashed bond: a solver that won the
    /// dispute against itself through another address still lost that half.
    function invariant_ASlashCostsTheSolverAtLeastHalfItsBond() public view {
        assertGe(2 * (token.balanceOf(d.timelock) - daoBefore), store.slashedBonds());
    }

    /// @notice A running dispute's interval is non-empty and inside the task; no clock exceeds the task's.
    function invariant_DisputesStayInBounds() public view {
        for (uint256 id = 1; id <= game.disputeCount(); ++id) {
            IChainGame.Dispute memory info = game.dispute(id);
            IChainGame.Task memory t = game.task(info.taskId);
            assertLt(info.lo, info.hi);
            assertLe(info.hi, t.steps);
            assertLe(info.solverClock, t.clock);
            assertLe(info.challengerClock, t.clock);
            if (info.phase == IChainGame.DisputePhase.Step) assertEq(info.hi - info.lo, 1);
        }
    }

    /// @dev Logs how often each action ran (with -vv), as the hub economy's invariant does, to see that the runs
    /// reach every phase.
    function afterInvariant() external {
        string[14] memory names = [
            "post",
            "claim",
            "commit",
            "forfeitClaim",
            "finalize",
            "refund",
            "challenge",
            "reveal",
            "answer",
            "judgeStep",
            "timeout",
            "reclaimDisputeBond",
            "setParameters",
            "warp"
        ];
        for (uint256 i; i < names.length; ++i) {
            emit log_named_uint(names[i], store.calls(names[i]));
        }
    }
}
