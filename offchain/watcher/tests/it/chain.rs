//! Chain tasks: a wrong final hash is disputed and the bisection won; a solver that stalls loses by its clock.

use alloy::primitives::{B256, U256};

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_chain_result_loses_the_bisection_to_the_bot() {
    init_tracing();
    let chain = Chain::new().await;
    let steps = 100;
    let task = chain.post_chain(steps, b"seed").await;
    // The solver commits a wrong final hash, then defends it with its own bot (which reveals honest midpoints).
    chain.commit_chain(task, B256::repeat_byte(0xab)).await;
    let before = chain.balance(BOT).await;
    let mut bot = chain.watcher().await;
    let mut solver = sonm_watcher::Watcher::connect(chain.config(SOLVER))
        .await
        .unwrap();
    let mut moves = Vec::new();
    for _ in 0..100 {
        moves.extend(bot.pass().await.unwrap().sent);
        moves.extend(solver.pass().await.unwrap().sent);
        if chain.disputes_decided().await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The bot notices the decision on its next pass.
    bot.pass().await.unwrap();
    let d = chain.dispute(1).await;
    assert_eq!(d.phase, DisputePhase::ChallengerWon, "after {moves:?}");
    assert!(
        moves.contains(&format!("chain:challenge:{task}:0")),
        "{moves:?}"
    );
    assert!(
        moves.iter().any(|m| m.starts_with("chain:judgeStep:1:")),
        "{moves:?}"
    );
    // ceil(log2(100)) = 7 rounds of reveal + answer.
    assert_eq!(
        moves
            .iter()
            .filter(|m| m.starts_with("chain:reveal:1:"))
            .count(),
        7,
        "{moves:?}"
    );
    assert_eq!(
        moves
            .iter()
            .filter(|m| m.starts_with("chain:answer:1:"))
            .count(),
        7,
        "{moves:?}"
    );
    assert_eq!(
        chain.chain_task(task).await.status,
        1,
        "slashed and reopened"
    );
    // Bond back plus half of the solver's 10 SNM.
    assert_eq!(
        chain.balance(BOT).await - before,
        U256::from(5u64) * ether()
    );
    assert_eq!(bot.metrics().disputes_live.get(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_honest_chain_result_is_left_alone() {
    init_tracing();
    let chain = Chain::new().await;
    let task = chain.post_chain(50, b"honest").await;
    chain
        .commit_chain(task, keccak_chain_hash(b"honest", 50))
        .await;
    let mut bot = chain.watcher().await;
    assert!(drive(&mut bot, 3).await.is_empty());
    assert_eq!(bot.metrics().commitments_checked.get(), 1);
    assert_eq!(chain.nonce(BOT).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalling_solver_loses_by_its_clock() {
    init_tracing();
    let chain = Chain::new().await;
    let task = chain.post_chain(64, b"stall").await;
    chain.commit_chain(task, B256::repeat_byte(1)).await;
    let mut bot = chain.watcher().await;
    let sent = drive(&mut bot, 5).await;
    assert!(
        sent.contains(&format!("chain:challenge:{task}:0")),
        "{sent:?}"
    );
    let m = bot.metrics();
    assert_eq!(m.disputes_live.get(), 1);
    assert_eq!(
        m.least_clock_remaining.get(),
        3_600,
        "the solver's turn: the bot's clock is whole"
    );
    // The solver never reveals; its hour runs out.
    chain.travel(3_601).await;
    let sent = drive(&mut bot, 5).await;
    assert_eq!(sent, vec!["chain:timeout:1".to_owned()]);
    let d = chain.dispute(1).await;
    assert_eq!(d.phase, DisputePhase::ChallengerWon);
    assert_eq!(chain.chain_task(task).await.status, ChainTaskStatus::Open);
    bot.pass().await.unwrap();
    assert_eq!(m.disputes_live.get(), 0);
    assert_eq!(m.least_clock_remaining.get(), -1);
}
