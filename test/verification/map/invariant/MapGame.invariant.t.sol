// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMapGame} from "../../../../contracts/verification/interfaces/IMapGame.sol";
import {MapGameBase} from "../MapGameBase.sol";
import {MapGameHandler} from "./handlers/MapGameHandler.sol";
import {MapGameStore} from "./stores/MapGameStore.sol";

/// @notice Solvency of the map game across any sequence of actions: the game holds exactly the escrowed rewards,
/// the live solver bonds and the open query bonds, and no token is created or lost among the players, the game and
/// the DAO.
/// @dev A task's life takes several calls (post, claim, commit, challenge, finalize), so runs go deeper than the
/// default profile's 32 calls.
/// forge-config: default.invariant.depth = 96
contract MapGameInvariantTest is MapGameBase {
    MapGameHandler internal handler;
    MapGameStore internal store;
    address[] internal players;
    uint256 internal initialTotal;

    function setUp() public override {
        super.setUp();
        players = [alice, bob, carol, dave, eve];
        store = new MapGameStore();
        handler = new MapGameHandler(game, token, square, store, players);
        targetContract(address(handler));
        excludeSender(address(game));
        initialTotal = total();
    }

    function total() internal view returns (uint256 sum) {
        for (uint256 i; i < players.length; ++i) {
            sum += token.balanceOf(players[i]);
        }
        sum += token.balanceOf(address(game)) + token.balanceOf(d.timelock);
    }

    /// @dev What the game owes, from its own records.
    function owed() internal view returns (uint256 sum) {
        uint256[] memory tasks = store.allTasks();
        for (uint256 i; i < tasks.length; ++i) {
            IMapGame.Task memory t = game.task(tasks[i]);
            if (
                t.status == IMapGame.TaskStatus.Open || t.status == IMapGame.TaskStatus.Claimed
                    || t.status == IMapGame.TaskStatus.Committed
            ) sum += t.reward;
            if (t.status == IMapGame.TaskStatus.Claimed || t.status == IMapGame.TaskStatus.Committed) {
                sum += t.solverBond;
            }
        }
        uint256[] memory queries = store.allQueries();
        for (uint256 i; i < queries.length; ++i) {
            IMapGame.Query memory q = game.query(queries[i]);
            if (q.status == IMapGame.QueryStatus.Open) sum += game.task(q.taskId).challengerBond;
        }
    }

    function invariant_Solvency() public view {
        assertEq(token.balanceOf(address(game)), owed());
    }

    function invariant_NoValueCreatedOrLost() public view {
        assertEq(total(), initialTotal);
    }

    /// @dev A committed task counts exactly its open queries of the live round.
    function invariant_OpenQueriesCounted() public view {
        uint256[] memory tasks = store.allTasks();
        uint256[] memory queries = store.allQueries();
        for (uint256 i; i < tasks.length; ++i) {
            IMapGame.Task memory t = game.task(tasks[i]);
            if (t.status != IMapGame.TaskStatus.Committed) continue;
            uint256 open;
            for (uint256 j; j < queries.length; ++j) {
                IMapGame.Query memory q = game.query(queries[j]);
                if (q.taskId == tasks[i] && q.round == t.round && q.status == IMapGame.QueryStatus.Open) ++open;
            }
            assertEq(t.openQueries, open);
        }
    }

    /// @dev The handler's records agree with the game's counters.
    function invariant_RecordsAgree() public view {
        assertEq(store.taskCount(), game.taskCount());
        assertEq(store.queryCount(), game.queryCount());
    }

    /// @dev How often each action took effect (the counts are made after the game call succeeded).
    /// @dev Logs how often each action ran (with -vv), as the hub economy's invariant does, to see that the runs
    /// reach every phase.
    function afterInvariant() public {
        bytes32[14] memory actions = [
            bytes32("post"),
            "claim",
            "forfeitClaim",
            "commit",
            "proveCheat",
            "openQuery",
            "answerQuery",
            "withhold",
            "timeoutQuery",
            "reclaimQueryBond",
            "finalize",
            "refund",
            "setParameters",
            "warp"
        ];
        for (uint256 i; i < actions.length; ++i) {
            emit log_named_uint(string(abi.encodePacked(actions[i])), store.calls(actions[i]));
        }
    }
}
