//! docs/protocol.md, "Soundness", rule 1 (bounded units), as real transactions: the judgement of the largest unit
//! a task may hold, sent to anvil with a transaction gas limit of 2^24 (EIP-7825's cap, which anvil enforces by
//! default), succeeds with at least 10% of that limit to spare.
//!
//! Both games are the deploy script's (`sonm-testkit`'s fixture); the DAO's bounds are raised to the contracts'
//! hard limits by impersonating the timelock. The computations burn all but 200,000 of their gas and return a unit
//! as long as the bound allows (`LargestLeaf`, `LargestStep`); every unit is made of nonzero bytes, which cost the
//! most calldata gas.

use alloy::contract::{CallBuilder, CallDecoder};
use alloy::primitives::aliases::{U40, U96};
use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionReceipt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sonm_bindings::enums::IChainGame::DisputePhase;
use sonm_bindings::enums::IMapGame::TaskStatus;
use sonm_bindings::{ChainGame, Contract, IChainGame, IMapGame, MapGame, SonmToken};
use sonm_executor::{ChainSpec, Executor};
use sonm_merkle::{BuildOptions, IndexedTree};
use sonm_testkit::Chain;
use sonm_testkit::mocks::{LargestLeaf, LargestStep, register};

/// EIP-7825's cap on a transaction's gas, the gas limit of every judging transaction here.
const TX_GAS_LIMIT: u64 = 1 << 24;
/// What the judgement may use at most: the cap less 10%.
const WITH_TEN_PERCENT_TO_SPARE: u64 = TX_GAS_LIMIT * 9 / 10;
/// The deepest proof a task can need: `leafCount` is a `uint64`, so a tree has at most 2^64 leaves.
const MAX_DEPTH: u64 = 64;
/// The depth of the trees built here: 2^16 leaves each, the largest that builds in a few seconds in a debug build
/// (both trees take ~7 s on the 2-core development machine; 2^20 would take two minutes). A deeper tree only
/// lengthens the two proofs, and each level more costs a bounded amount, [`GAS_PER_LEVEL`]: the 48 levels from 16
/// to 64 add at most 96,000 gas, and the test checks that the 64-deep worst case still leaves 10% to spare.
const DEPTH: u32 = 16;
/// An upper bound on what one more level of both Merkle proofs costs `proveCheat`: per proof, 32 bytes of calldata
/// (at most 16 gas a byte: 512), copying the word from calldata and one `hashPair` (a keccak of 64 bytes: 30 + 2 × 6,
/// with the memory and stack work around it, ~100), well under 1,000; two proofs, 2,000.
const GAS_PER_LEVEL: u64 = 2_000;

/// `len` nonzero bytes (calldata's costliest).
fn nonzero_bytes(rng: &mut StdRng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.random::<u8>() | 1).collect()
}

async fn mined<P: Provider, D: CallDecoder>(
    what: &str,
    call: CallBuilder<P, D>,
) -> TransactionReceipt {
    let receipt = call
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: {}", sonm_bindings::describe_error(&e)))
        .get_receipt()
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(receipt.status(), "{what} failed on chain");
    receipt
}

/// Sends `call` with the transaction gas limit of 2^24 (no estimate), and returns its receipt, which must show
/// success.
async fn judged<P: Provider, D: CallDecoder>(
    what: &str,
    call: CallBuilder<P, D>,
) -> TransactionReceipt {
    let receipt = mined(what, call.gas(TX_GAS_LIMIT)).await;
    println!(
        "{what}: {} gas used of a transaction gas limit of {TX_GAS_LIMIT} ({:.1}%)",
        receipt.gas_used,
        receipt.gas_used as f64 * 100.0 / TX_GAS_LIMIT as f64
    );
    receipt
}

/// Impersonates the timelock (the DAO) and funds it with ether for gas; returns a provider that sends as it through
/// `eth_sendTransaction`.
async fn as_dao(chain: &Chain) -> (Address, DynProvider) {
    let timelock = chain
        .deployment
        .address(Contract::TimelockController)
        .expect("timelock");
    chain
        .rpc("anvil_impersonateAccount", serde_json::json!([timelock]))
        .await;
    chain
        .rpc(
            "anvil_setBalance",
            serde_json::json!([timelock, "0x56bc75e2d63100000"]),
        )
        .await;
    (timelock, chain.provider())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_largest_map_judgement_is_a_transaction_within_2_pow_24_gas() {
    let chain = Chain::new().await;
    let d = &chain.deployment;
    let game_address = d.address(Contract::MapGame).expect("MapGame");
    let registry = d
        .address(Contract::ComputationRegistry)
        .expect("ComputationRegistry");
    let (buyer, solver, challenger) = (chain.wallet(0), chain.wallet(1), chain.wallet(2));
    let token = SonmToken::new(
        d.address(Contract::SonmToken).expect("token"),
        buyer.clone(),
    );

    // The DAO raises its bounds to the contract's hard limits: 12M gas and 32 KiB a leaf.
    let (timelock, dao) = as_dao(&chain).await;
    let game = MapGame::new(game_address, dao);
    let max_gas = game
        .MAX_GAS_PER_LEAF()
        .call()
        .await
        .expect("MAX_GAS_PER_LEAF");
    let max_bytes = game.MAX_LEAF_BYTES().call().await.expect("MAX_LEAF_BYTES");
    assert_eq!((max_gas, max_bytes), (12_000_000, 32_768));
    let mut parameters = game.parameters().call().await.expect("parameters");
    parameters.maxGasPerLeaf = max_gas;
    parameters.maxLeafBytes = max_bytes;
    mined(
        "setParameters",
        game.setParameters(parameters.clone()).from(timelock),
    )
    .await;

    let largest = *LargestLeaf::deploy(buyer.clone())
        .await
        .expect("deploy LargestLeaf")
        .address();
    register(&buyer, registry, largest).await;

    // 2^DEPTH leaves; the one judged is a 32 KiB input at the last index, the others a few bytes each.
    let mut rng = StdRng::seed_from_u64(24);
    let leaves = 1usize << DEPTH;
    let index = leaves - 1;
    let input = Bytes::from(nonzero_bytes(&mut rng, max_bytes as usize));
    let mut inputs: Vec<Bytes> = (0..leaves)
        .map(|i| Bytes::from((i as u32 | 1).to_be_bytes().to_vec()))
        .collect();
    inputs[index] = input.clone();
    // The honest output (the executor's, run on the deployment's judge and the chain's code), and the solver's
    // wrong one of the same length: the input unchanged.
    let exec = Executor::from_deployment(&chain.provider(), d, largest)
        .await
        .expect("code");
    let honest = exec
        .leaf(&input, u64::from(max_gas), max_bytes)
        .expect("leaf");
    assert_eq!(
        honest.len(),
        input.len(),
        "the leaf finished within its gas"
    );
    let wrong = input.clone();
    assert_ne!(honest, wrong);
    let mut outputs = inputs.clone();
    outputs[index] = wrong.clone();
    let started = std::time::Instant::now();
    let input_tree = IndexedTree::from_data(inputs, BuildOptions::default()).expect("tree");
    let result_tree = IndexedTree::from_data(outputs, BuildOptions::default()).expect("tree");
    let input_proof = input_tree.proof(index).expect("proof");
    let result_proof = result_tree.proof(index).expect("proof");
    eprintln!(
        "two trees of 2^{DEPTH} leaves in {:.2} s; proofs {} and {} deep",
        started.elapsed().as_secs_f64(),
        input_proof.len(),
        result_proof.len()
    );
    assert_eq!(input_proof.len(), DEPTH as usize);
    assert_eq!(result_proof.len(), DEPTH as usize);

    // The buyer posts the largest task; the solver claims it and commits its wrong result.
    let task = IMapGame::TaskSpec {
        computation: largest,
        inputRoot: input_tree.root(),
        leafCount: leaves as u64,
        gasPerLeaf: max_gas,
        reward: U96::from(10u128.pow(18)),
        solverBond: parameters.minSolverBond,
        challengerBond: parameters.minChallengerBond,
        commitDeadline: U40::from(chain.now().await + 86_400),
    };
    mined(
        "transfer",
        token.transfer(chain.address(1), U256::from(100u128 * 10u128.pow(18))),
    )
    .await;
    mined("approve", token.approve(game_address, U256::MAX)).await;
    mined(
        "approve",
        SonmToken::new(*token.address(), solver.clone()).approve(game_address, U256::MAX),
    )
    .await;
    let buyer_game = MapGame::new(game_address, buyer);
    mined("post", buyer_game.post(task, "ipfs://inputs".into())).await;
    let task_id = buyer_game.taskCount().call().await.expect("taskCount");
    assert_eq!(
        u32::from(
            buyer_game
                .task(task_id)
                .call()
                .await
                .expect("task")
                .maxLeafBytes
        ),
        max_bytes,
        "the task holds the DAO's bound"
    );
    let solver_game = MapGame::new(game_address, solver);
    mined("claim", solver_game.claim(task_id)).await;
    mined(
        "commit",
        solver_game.commit(task_id, result_tree.root(), "ipfs://results".into()),
    )
    .await;

    // The challenger commits its proof, then reveals it in a later block, in one transaction of 2^24 gas.
    let challenger_game = MapGame::new(game_address, challenger);
    let salt = B256::repeat_byte(0x5a);
    let commitment = challenger_game
        .proofCommitment(
            chain.address(2),
            task_id,
            U256::from(index),
            input.clone(),
            wrong.clone(),
            salt,
        )
        .call()
        .await
        .expect("proofCommitment");
    mined("commitProof", challenger_game.commitProof(commitment)).await;
    let proof = IMapGame::CheatProof {
        index: U256::from(index),
        input,
        inputProof: input_proof,
        output: wrong,
        resultProof: result_proof,
    };
    let receipt = judged(
        "MapGame.proveCheat of the largest leaf",
        challenger_game.proveCheat(task_id, proof, salt),
    )
    .await;
    assert!(
        receipt.decoded_log::<MapGame::CheatProven>().is_some(),
        "the judge found the cheat"
    );
    assert_eq!(
        challenger_game
            .task(task_id)
            .call()
            .await
            .expect("task")
            .status,
        TaskStatus::Open,
        "the solver was slashed and the task reopened"
    );
    assert!(
        receipt.gas_used >= u64::from(max_gas),
        "the leaf was given its whole gas"
    );
    let worst = receipt.gas_used + (MAX_DEPTH - u64::from(DEPTH)) * GAS_PER_LEVEL;
    eprintln!("with two 64-deep proofs: at most {worst} gas");
    assert!(
        worst <= WITH_TEN_PERCENT_TO_SPARE,
        "{worst} gas leaves less than 10% of {TX_GAS_LIMIT} to spare"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_largest_chain_judgement_is_a_transaction_within_2_pow_24_gas() {
    let chain = Chain::new().await;
    let d = &chain.deployment;
    let game_address = d.address(Contract::ChainGame).expect("ChainGame");
    let registry = d
        .address(Contract::ComputationRegistry)
        .expect("ComputationRegistry");
    let (buyer, solver, challenger) = (chain.wallet(0), chain.wallet(1), chain.wallet(2));
    let token = SonmToken::new(
        d.address(Contract::SonmToken).expect("token"),
        buyer.clone(),
    );

    let (timelock, dao) = as_dao(&chain).await;
    let game = ChainGame::new(game_address, dao);
    let max_gas = game
        .MAX_GAS_PER_STEP()
        .call()
        .await
        .expect("MAX_GAS_PER_STEP");
    let max_bytes = game
        .MAX_STATE_BYTES()
        .call()
        .await
        .expect("MAX_STATE_BYTES");
    assert_eq!((max_gas, max_bytes), (12_000_000, 32_768));
    let mut parameters = game.parameters().call().await.expect("parameters");
    parameters.maxGasPerStep = max_gas;
    parameters.maxStateBytes = max_bytes;
    mined(
        "setParameters",
        game.setParameters(parameters.clone()).from(timelock),
    )
    .await;

    let largest = *LargestStep::deploy(buyer.clone())
        .await
        .expect("deploy LargestStep")
        .address();
    register(&buyer, registry, largest).await;

    // One step from a 32 KiB state of nonzero bytes: the dispute is at its last step as soon as it opens.
    let mut rng = StdRng::seed_from_u64(25);
    let initial = Bytes::from(nonzero_bytes(&mut rng, max_bytes as usize));
    let exec = Executor::from_deployment(&chain.provider(), d, largest)
        .await
        .expect("code");
    let run = exec
        .run_chain(&initial, ChainSpec::new(1, u64::from(max_gas), max_bytes))
        .expect("run");
    assert_eq!(run.fixed_from(), None, "the step moved");
    assert_eq!(run.final_state().len(), initial.len());

    let task = IChainGame::TaskSpec {
        computation: largest,
        steps: 1,
        gasPerStep: max_gas,
        reward: U96::from(10u128.pow(18)),
        solverBond: parameters.minSolverBond,
        challengerBond: parameters.minChallengerBond,
        clock: parameters.minClock,
        claimWindow: parameters.minClaimWindow,
        challengeWindow: parameters.minChallengeWindow,
        commitDeadline: U40::from(chain.now().await + 86_400),
    };
    for (who, wallet) in [(1, &solver), (2, &challenger)] {
        mined(
            "transfer",
            token.transfer(chain.address(who), U256::from(100u128 * 10u128.pow(18))),
        )
        .await;
        mined(
            "approve",
            SonmToken::new(*token.address(), wallet.clone()).approve(game_address, U256::MAX),
        )
        .await;
    }
    mined("approve", token.approve(game_address, U256::MAX)).await;
    let buyer_game = ChainGame::new(game_address, buyer);
    mined("post", buyer_game.post(task, initial.clone())).await;
    let task_id = buyer_game.taskCount().call().await.expect("taskCount");
    let solver_game = ChainGame::new(game_address, solver);
    mined("claim", solver_game.claim(task_id)).await;
    mined("commit", solver_game.commit(task_id, run.final_hash())).await;
    let challenger_game = ChainGame::new(game_address, challenger);
    mined(
        "challenge",
        challenger_game.challenge(task_id, keccak256(&initial)),
    )
    .await;
    let dispute = buyer_game
        .disputeCount()
        .call()
        .await
        .expect("disputeCount");
    assert_eq!(
        buyer_game
            .dispute(dispute)
            .call()
            .await
            .expect("dispute")
            .phase,
        DisputePhase::Step
    );

    // The honest solver has the step judged from the agreed state's preimage, in one transaction of 2^24 gas.
    let preimage = run.state_at(&exec, 0).expect("preimage");
    let receipt = judged(
        "ChainGame.judgeStep of the largest step",
        solver_game.judgeStep(dispute, preimage),
    )
    .await;
    assert_eq!(
        buyer_game
            .dispute(dispute)
            .call()
            .await
            .expect("dispute")
            .phase,
        DisputePhase::SolverWon,
        "the judged step is the solver's"
    );
    assert!(
        receipt.gas_used >= u64::from(max_gas),
        "the step was given its whole gas"
    );
    assert!(
        receipt.gas_used <= WITH_TEN_PERCENT_TO_SPARE,
        "{} gas leaves less than 10% of {TX_GAS_LIMIT} to spare",
        receipt.gas_used
    );
}
