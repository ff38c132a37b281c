//! The real on-chain judges.
//!
//! - A chain task on `ChainGame`: the solver's hashes from the executor's checkpoints, a challenger with a wrong
//!   final hash answering at random, and `judgeStep` deciding whichever step the bisection narrows down to. The
//!   solver wins every time only if the game's judge agrees with the executor on that step.
//! - A map task on `MapGame`: results committed from the executor; a proof of cheat against every leaf is refused
//!   (`MapGameNoCheat`: the judge computed the same output) and one against a forged leaf slashes the solver.

use alloy::contract::{CallBuilder, CallDecoder};
use alloy::primitives::aliases::{U40, U96};
use alloy::primitives::{B256, Bytes, U256};
use alloy::providers::Provider;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sonm_bindings::enums::IChainGame::DisputePhase;
use sonm_bindings::enums::IMapGame::TaskStatus;
use sonm_bindings::{
    ChainGame, ComputationRegistry, IChainGame, IMapGame, JudgeHarness, KeccakChain, MandelbrotRow,
    MapGame, SonmToken, decode_revert, revert_data,
};
use sonm_executor::{ChainSpec, Executor};
use sonm_merkle::{BuildOptions, IndexedTree};

use crate::common::{MAX_BYTES, provider_for, spawn};
use crate::native::View;
use sonm_testkit::mocks::{MockChainHaltsLater, MockHashRepeat, register};

/// Sends a transaction and waits for it to succeed; a revert fails the test with the decoded custom error.
async fn send<P: Provider, D: CallDecoder>(call: CallBuilder<P, D>) {
    let receipt = call
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", sonm_bindings::describe_error(&e)))
        .get_receipt()
        .await
        .expect("mined");
    assert!(receipt.status());
}

fn phase_name(phase: u8) -> &'static str {
    DisputePhase::try_from(phase).map_or("?", DisputePhase::name)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chain_games_judge_decides_every_step_as_the_executor_does() {
    let (anvil, solver) = spawn();
    let challenger = provider_for(&anvil, 1);
    let me = anvil.addresses()[0];
    let them = anvil.addresses()[1];
    let supply = U256::from(10).pow(U256::from(27));
    let token = SonmToken::deploy(solver.clone(), me, supply)
        .await
        .expect("deploy SonmToken");
    let parameters = IChainGame::Parameters {
        minSolverBond: U96::from(1),
        minChallengerBond: U96::from(1),
        minClock: 3_600,
        maxClock: 7 * 86_400,
        minClaimWindow: 300,
        maxClaimWindow: 7 * 86_400,
        minChallengeWindow: 600,
        maxChallengeWindow: 30 * 86_400,
        maxGasPerStep: 12_000_000,
        maxStateBytes: MAX_BYTES,
        challengerShareBps: 5_000,
    };
    let registry = *ComputationRegistry::deploy(solver.clone())
        .await
        .expect("deploy ComputationRegistry")
        .address();
    let game = ChainGame::deploy(solver.clone(), *token.address(), me, registry, parameters)
        .await
        .expect("deploy ChainGame");
    let harness = JudgeHarness::deploy(solver.clone()).await.expect("deploy");
    let keccak = *KeccakChain::deploy(solver.clone())
        .await
        .expect("deploy")
        .address();
    let halts = *MockChainHaltsLater::deploy(solver.clone())
        .await
        .expect("deploy")
        .address();
    // The game judges only registered computations.
    for computation in [keccak, halts] {
        register(&solver, registry, computation).await;
    }

    send(token.transfer(them, supply / U256::from(2))).await;
    send(token.approve(*game.address(), U256::MAX)).await;
    let token_as_challenger = SonmToken::new(*token.address(), challenger.clone());
    send(token_as_challenger.approve(*game.address(), U256::MAX)).await;
    let game_as_challenger = ChainGame::new(*game.address(), challenger.clone());

    // The least gas a keccak step of a one-word state needs: one unit less and every step halts.
    let exec = Executor::from_chain(&solver, *harness.address(), keccak)
        .await
        .expect("code");
    let (mut lo, mut hi) = (0u64, 100_000u64);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if exec
            .step(&[7u8; 32], mid, MAX_BYTES)
            .expect("step")
            .as_ref()
            == [7u8; 32]
        {
            lo = mid
        } else {
            hi = mid
        }
    }
    let cases = [
        (keccak, 16u64, 50_000u32),
        (keccak, 9, hi as u32),
        (keccak, 9, (hi - 1) as u32),
        (halts, 40, 1_000_000),
    ];

    let mut rng = StdRng::seed_from_u64(11);
    for (computation, steps, gas) in cases {
        for _ in 0..2 {
            let exec = Executor::from_chain(&solver, *harness.address(), computation)
                .await
                .expect("code");
            let seed = Bytes::from(rng.random::<[u8; 32]>().to_vec());
            let spec = ChainSpec::new(steps, u64::from(gas), MAX_BYTES).with_checkpoint_interval(3);
            let run = exec.run_chain(&seed, spec).expect("run");

            let now = solver
                .get_block_by_number(Default::default())
                .await
                .expect("block")
                .expect("latest")
                .header
                .timestamp;
            let task_spec = IChainGame::TaskSpec {
                computation,
                steps,
                gasPerStep: gas,
                reward: U96::from(10),
                solverBond: U96::from(5),
                challengerBond: U96::from(5),
                clock: 3_600,
                claimWindow: 300,
                challengeWindow: 600,
                commitDeadline: U40::from(now + 100_000),
            };
            send(game.post(task_spec, seed.clone())).await;
            let task = game.taskCount().call().await.expect("taskCount");
            send(game.claim(task)).await;
            send(game.commit(task, run.final_hash())).await;
            send(game_as_challenger.challenge(task, run.final_hash() ^ B256::with_last_byte(1)))
                .await;
            let dispute = game.disputeCount().call().await.expect("disputeCount");

            let judged = loop {
                let info = game.dispute(dispute).call().await.expect("dispute");
                match phase_name(info.phase) {
                    "Reveal" => {
                        send(game.reveal(dispute, run.hash_at(&exec, info.mid).expect("hash")))
                            .await
                    }
                    "Answer" => {
                        send(game_as_challenger.answer(dispute, rng.random_bool(0.5))).await
                    }
                    "Step" => {
                        let preimage = run.state_at(&exec, info.lo).expect("preimage");
                        send(game.judgeStep(dispute, preimage)).await;
                        break info.lo;
                    }
                    other => panic!("unexpected phase {other}"),
                }
            };
            let info = game.dispute(dispute).call().await.expect("dispute");
            assert_eq!(
                phase_name(info.phase),
                "SolverWon",
                "{computation}, {steps} steps at {gas} gas: the judge disagreed on step {judged}"
            );
            eprintln!(
                "{computation}, {steps} steps at {gas} gas: step {judged} judged as predicted"
            );
        }
    }

    // A solver one unit of gas off: its chain runs where the task's halts. An honest challenger, answering from
    // its own run, drives the bisection to the first step where they differ, and the judge takes its side.
    let honest = Executor::from_chain(&solver, *harness.address(), keccak)
        .await
        .expect("code");
    let seed = Bytes::from(vec![0x42; 32]);
    let task_gas = hi - 1;
    let truth = honest
        .run_chain(&seed, ChainSpec::new(9, task_gas, MAX_BYTES))
        .expect("run");
    let cheat = honest
        .run_chain(&seed, ChainSpec::new(9, hi, MAX_BYTES))
        .expect("run");
    assert_ne!(truth.final_hash(), cheat.final_hash());
    let now = solver
        .get_block_by_number(Default::default())
        .await
        .expect("block")
        .expect("latest")
        .header
        .timestamp;
    let task_spec = IChainGame::TaskSpec {
        computation: keccak,
        steps: 9,
        gasPerStep: task_gas as u32,
        reward: U96::from(10),
        solverBond: U96::from(5),
        challengerBond: U96::from(5),
        clock: 3_600,
        claimWindow: 300,
        challengeWindow: 600,
        commitDeadline: U40::from(now + 100_000),
    };
    send(game.post(task_spec, seed.clone())).await;
    let task = game.taskCount().call().await.expect("taskCount");
    send(game.claim(task)).await;
    send(game.commit(task, cheat.final_hash())).await;
    send(game_as_challenger.challenge(task, truth.final_hash())).await;
    let dispute = game.disputeCount().call().await.expect("disputeCount");
    loop {
        let info = game.dispute(dispute).call().await.expect("dispute");
        match phase_name(info.phase) {
            "Reveal" => {
                send(game.reveal(dispute, cheat.hash_at(&honest, info.mid).expect("hash"))).await
            }
            "Answer" => {
                let agree = info.midHash == truth.hash_at(&honest, info.mid).expect("hash");
                send(game_as_challenger.answer(dispute, agree)).await;
            }
            "Step" => {
                let preimage = truth.state_at(&honest, info.lo).expect("preimage");
                send(game_as_challenger.judgeStep(dispute, preimage)).await;
                break;
            }
            other => panic!("unexpected phase {other}"),
        }
    }
    let info = game.dispute(dispute).call().await.expect("dispute");
    assert_eq!(
        phase_name(info.phase),
        "ChallengerWon",
        "step {} at {task_gas} gas",
        info.lo
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_map_games_judge_finds_no_cheat_in_the_executors_results() {
    let (anvil, solver) = spawn();
    let challenger = provider_for(&anvil, 1);
    let me = anvil.addresses()[0];
    let them = anvil.addresses()[1];
    let supply = U256::from(10).pow(U256::from(27));
    let token = SonmToken::deploy(solver.clone(), me, supply)
        .await
        .expect("deploy SonmToken");
    let params = IMapGame::Parameters {
        minSolverBond: U96::from(1),
        minChallengerBond: U96::from(1),
        claimWindow: 600,
        challengeWindow: 3_600,
        responseWindow: 600,
        challengerShareBps: 5_000,
        maxGasPerLeaf: 12_000_000,
        maxLeafBytes: MAX_BYTES,
    };
    let registry = *ComputationRegistry::deploy(solver.clone())
        .await
        .expect("deploy ComputationRegistry")
        .address();
    // No market: this game plays open tasks only.
    let game = MapGame::deploy(
        solver.clone(),
        *token.address(),
        me,
        registry,
        alloy::primitives::Address::ZERO,
        params,
    )
    .await
    .expect("deploy MapGame");
    let harness = JudgeHarness::deploy(solver.clone()).await.expect("deploy");
    send(token.transfer(them, supply / U256::from(2))).await;
    send(token.approve(*game.address(), U256::MAX)).await;
    send(SonmToken::new(*token.address(), challenger.clone()).approve(*game.address(), U256::MAX))
        .await;
    let game_as_challenger = MapGame::new(*game.address(), challenger.clone());

    let mandelbrot = *MandelbrotRow::deploy(solver.clone())
        .await
        .expect("deploy")
        .address();
    let repeat = *MockHashRepeat::deploy(solver.clone())
        .await
        .expect("deploy")
        .address();
    for computation in [mandelbrot, repeat] {
        register(&solver, registry, computation).await;
    }
    let view = View::whole(48, 12, 60);
    let mut rng = StdRng::seed_from_u64(5);
    let random: Vec<Vec<u8>> = (0..12)
        .map(|_| {
            (0..rng.random_range(1..40))
                .map(|_| rng.random::<u8>())
                .collect()
        })
        .collect();
    let rows: Vec<Vec<u8>> = (0..view.height).map(|row| view.input(row)).collect();
    // (computation, inputs, gas per leaf, the leaf a cheating solver forges)
    let cases = [
        (mandelbrot, rows.clone(), 2_000_000u32, None::<usize>),
        // Tight: the costly rows run out of gas and output nothing, on both sides.
        (mandelbrot, rows.clone(), 40_000, None),
        (repeat, random.clone(), 150_000, None),
        (repeat, random, 150_000, Some(3)),
    ];

    for (computation, inputs, gas, forged) in cases {
        let exec = Executor::from_chain(&solver, *harness.address(), computation)
            .await
            .expect("code");
        let mut outputs = exec
            .leaves(&inputs, u64::from(gas), MAX_BYTES)
            .expect("leaves");
        if let Some(i) = forged {
            outputs[i] = Bytes::from_static(b"forged");
        }
        let empty = outputs.iter().filter(|o| o.is_empty()).count();
        let input_tree =
            IndexedTree::from_data(inputs.clone(), BuildOptions::default()).expect("tree");
        let result_tree =
            IndexedTree::from_data(outputs.clone(), BuildOptions::default()).expect("tree");

        let now = solver
            .get_block_by_number(Default::default())
            .await
            .expect("block")
            .expect("latest")
            .header
            .timestamp;
        let spec = IMapGame::TaskSpec {
            computation,
            inputRoot: input_tree.root(),
            leafCount: inputs.len() as u64,
            gasPerLeaf: gas,
            reward: U96::from(10),
            solverBond: U96::from(5),
            challengerBond: U96::from(5),
            commitDeadline: U40::from(now + 100_000),
        };
        send(game.post(spec, "ipfs://inputs".into())).await;
        let task = game.taskCount().call().await.expect("taskCount");
        send(game.claim(task)).await;
        send(game.commit(task, result_tree.root(), "ipfs://results".into())).await;

        let proof = |index: usize, output: Bytes| IMapGame::CheatProof {
            index: U256::from(index),
            input: inputs[index].clone().into(),
            inputProof: input_tree.proof(index).expect("proof"),
            output,
            resultProof: result_tree.proof(index).expect("proof"),
        };
        for (index, output) in outputs.iter().enumerate() {
            let salt = B256::with_last_byte(index as u8);
            let commitment = game
                .proofCommitment(
                    them,
                    task,
                    U256::from(index),
                    inputs[index].clone().into(),
                    output.clone(),
                    salt,
                )
                .call()
                .await
                .expect("proofCommitment");
            send(game_as_challenger.commitProof(commitment)).await;
            send(token.transfer(me, U256::from(1))).await; // one more block: a reveal must come later
            let reveal = game_as_challenger.proveCheat(task, proof(index, output.clone()), salt);
            if forged == Some(index) {
                // The judge disagrees with the forged output: the solver is slashed, the task reopens, and the
                // leaves after it cannot be challenged any more (the same inputs passed in the case before).
                send(reveal).await;
                break;
            }
            let refused = reveal
                .call()
                .await
                .expect_err("the judge agrees with the executor");
            let line = decode_revert(&revert_data(&refused).expect("a revert"));
            assert!(
                line.starts_with("MapGameNoCheat("),
                "{computation} leaf {index} at {gas} gas: {line}"
            );
        }
        if forged.is_some() {
            // Proven: the solver was slashed and the task reopened.
            let status = game.task(task).call().await.expect("task").status;
            assert_eq!(status, TaskStatus::Open);
        }
        match forged {
            Some(i) => {
                eprintln!("{computation} at {gas} gas: the forged leaf {i} was proven a cheat")
            }
            None => eprintln!(
                "{computation} at {gas} gas: {} leaves ({empty} empty), no cheat",
                outputs.len()
            ),
        }
    }
}
