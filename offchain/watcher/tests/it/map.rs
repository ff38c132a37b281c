//! Map tasks: honest solvers are left alone, wrong leaves are proven, withheld data is queried, the bot's own
//! solver is defended.

use alloy::primitives::U256;

use crate::common::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_honest_solver_is_never_challenged() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(16);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[], false).await;
    let mut bot = chain.watcher().await;
    let sent = drive(&mut bot, 5).await;
    assert!(sent.is_empty(), "the bot sent {sent:?}");
    let m = bot.metrics();
    assert_eq!(m.tasks_seen.get(), 1);
    assert_eq!(m.commitments_checked.get(), 1);
    assert_eq!(m.cheats_found.get(), 0);
    // Through the whole window, and after it.
    chain.travel(601).await;
    assert!(drive(&mut bot, 3).await.is_empty());
    assert_eq!(
        chain.nonce(BOT).await,
        0,
        "not one transaction from the bot"
    );
    assert_eq!(
        chain.map_task(task).await.status,
        3,
        "still Committed, never slashed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_leaf_first_last_or_anywhere_is_proven_and_the_bot_paid() {
    init_tracing();
    let chain = Chain::new().await;
    let n = 16u64;
    let random = 1 + u64::from(std::process::id()) % (n - 2);
    let mut tasks = Vec::new();
    for (k, cheat) in [0, n - 1, random].into_iter().enumerate() {
        let inputs = Chain::mc_inputs(n)
            .into_iter()
            .map(|b| {
                // Distinct inputs per task.
                let mut v = b.to_vec();
                v[0] ^= k as u8;
                v.into()
            })
            .collect::<Vec<_>>();
        let task = chain.post_map(&inputs).await;
        chain.solve_map(task, &inputs, &[cheat], false).await;
        tasks.push((task, cheat));
    }
    let before = chain.balance(BOT).await;
    let mut bot = chain.watcher().await;
    let sent = drive(&mut bot, 10).await;
    for (task, cheat) in &tasks {
        let commits = sent
            .iter()
            .filter(|k| k.starts_with("map:commitProof:"))
            .count();
        assert_eq!(commits, 3, "{sent:?}");
        assert!(
            sent.contains(&format!("map:proveCheat:{task}:1:{cheat}")),
            "task {task} leaf {cheat}: {sent:?}"
        );
        assert_eq!(
            chain.map_task(*task).await.status,
            1,
            "task {task} reopened"
        );
    }
    let slashes = chain.map_slashes().await;
    assert_eq!(slashes.len(), 3);
    assert!(slashes.iter().all(|(_, c)| *c == chain.address(BOT)));
    // Half of each 10 SNM bond goes to the bot; it paid no bond of its own.
    assert_eq!(
        chain.balance(BOT).await - before,
        U256::from(15u64) * ether()
    );
    let m = bot.metrics();
    assert_eq!(m.cheats_found.get(), 3);
    assert_eq!(m.proofs_sent.get(), 3);
    // Exactly the six transactions: three commits, three reveals.
    assert_eq!(chain.nonce(BOT).await, 6);
    assert!(drive(&mut bot, 3).await.is_empty(), "nothing more to do");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sample_of_leaves_still_catches_a_solver_that_cheats_everywhere() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(32);
    let task = chain.post_map(&inputs).await;
    let all: Vec<u64> = (0..32).collect();
    chain.solve_map(task, &inputs, &all, false).await;
    let mut config = chain.config(BOT);
    config.sample = Some(4);
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();
    let sent = drive(&mut bot, 6).await;
    assert!(
        sent.iter()
            .any(|k| k.starts_with(&format!("map:proveCheat:{task}:1:"))),
        "{sent:?}"
    );
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Open);
}

#[tokio::test(flavor = "multi_thread")]
async fn withheld_data_is_queried_and_the_silent_solver_slashed() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[], true).await;
    let before = chain.balance(BOT).await;
    let mut bot = chain.watcher().await;
    let sent = drive(&mut bot, 5).await;
    assert_eq!(
        sent,
        vec![
            format!("approve:{}", chain.deployment.contracts.map_game),
            format!("map:openQuery:{task}:1")
        ]
    );
    assert_eq!(bot.metrics().data_withheld.get(), 1);
    // Not answered within the response window (10 minutes on the local profile).
    chain.travel(601).await;
    let sent = drive(&mut bot, 5).await;
    assert_eq!(sent, vec!["map:timeoutQuery:1".to_owned()]);
    assert_eq!(
        chain.map_task(task).await.status,
        TaskStatus::Open,
        "slashed and reopened"
    );
    // The bond back plus half the solver's.
    assert_eq!(
        chain.balance(BOT).await - before,
        U256::from(5u64) * ether()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bot_answers_queries_against_its_own_solver() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[], false).await;
    // A challenger (the bot's key) queries the solver; the solver runs its own bot, which answers.
    let mut challenger = chain.watcher().await;
    let game = chain.deployment.contracts.map_game;
    send(
        sonm_bindings::SonmToken::new(chain.deployment.contracts.sonm_token, chain.wallet(BOT))
            .approve(game, ether()),
    )
    .await;
    send(chain.map(BOT).openQuery(U256::from(task), U256::from(5u64))).await;
    let mut defender = sonm_watcher::Watcher::connect(chain.config(SOLVER))
        .await
        .unwrap();
    let sent = drive(&mut defender, 5).await;
    assert_eq!(sent, vec!["map:answerQuery:1".to_owned()]);
    let q = chain
        .map(BUYER)
        .query(U256::from(1u64))
        .call()
        .await
        .unwrap();
    assert_eq!(q.status, QueryStatus::Answered, "answered");
    // The challenger's bot sees an honest, answered commitment: nothing to do.
    assert!(drive(&mut challenger, 3).await.is_empty());
    // After the window the defender finalizes its solver's task.
    chain.travel(601).await;
    let sent = drive(&mut defender, 5).await;
    assert_eq!(sent, vec![format!("map:finalize:{task}:1")]);
    assert_eq!(
        chain.map_task(task).await.status,
        TaskStatus::Finalized,
        "finalized"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_answer_to_the_bots_query_is_proven() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    // Every leaf is wrong, and the dump is withheld (the solver keeps its tree to answer from).
    let all: Vec<u64> = (0..8).collect();
    let uri = chain.solve_map(task, &inputs, &all, true).await;
    let mut bot = chain.watcher().await;
    let sent = drive(&mut bot, 5).await;
    assert!(
        sent.contains(&format!("map:openQuery:{task}:1")),
        "{sent:?}"
    );
    // The solver answers from its (wrong) tree, which it had kept aside.
    let q = chain
        .map(BUYER)
        .query(U256::from(1u64))
        .call()
        .await
        .unwrap();
    let tree = solver_tree(&chain, &inputs, &all).await;
    assert_eq!(
        tree.root(),
        chain.map_task(task).await.resultRoot,
        "{}",
        uri.display()
    );
    let index = q.index as usize;
    let pos = tree
        .values()
        .iter()
        .position(|l| l.index == U256::from(index))
        .unwrap();
    send(chain.map(SOLVER).answerQuery(
        U256::from(1u64),
        tree.values()[pos].data.clone(),
        tree.proof(pos).unwrap(),
    ))
    .await;
    let sent = drive(&mut bot, 6).await;
    assert!(
        sent.contains(&format!("map:proveCheat:{task}:1:{index}")),
        "{sent:?}"
    );
    assert_eq!(
        chain.map_task(task).await.status,
        TaskStatus::Open,
        "slashed"
    );
}

/// The solver's result tree, as `solve_map` built it.
async fn solver_tree(
    chain: &Chain,
    inputs: &[alloy::primitives::Bytes],
    cheat: &[u64],
) -> sonm_merkle::IndexedTree {
    let exec = sonm_executor::Executor::from_chain(
        &chain.provider(),
        chain.deployment.contracts.judge_harness,
        chain.deployment.contracts.monte_carlo_pi,
    )
    .await
    .unwrap();
    let mut outputs = exec
        .leaves(inputs, 1_000_000, chain.max_leaf_bytes().await)
        .unwrap();
    for &i in cheat {
        let mut b = outputs[i as usize].to_vec();
        match b.first_mut() {
            Some(x) => *x ^= 0xff,
            None => b.push(1),
        }
        outputs[i as usize] = b.into();
    }
    sonm_merkle::IndexedTree::from_data(outputs, sonm_merkle::BuildOptions::default()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn once_is_a_single_pass_that_sees_its_proof_through() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[7], false).await;
    let report = sonm_watcher::run_once(chain.config(BOT), std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(report.sent.len(), 2, "{:?}", report.sent);
    assert_eq!(report.sent[1], format!("map:proveCheat:{task}:1:7"));
    assert_eq!(report.pending, 0);
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Open);
}

/// Serves `body` at every path over HTTP until dropped; the URL.
async fn serve(body: String) -> (String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                continue;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(body.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}/results.json"), handle)
}

#[tokio::test(flavor = "multi_thread")]
async fn result_data_behind_an_http_url_is_fetched_and_checked() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    let tree = solver_tree(&chain, &inputs, &[3]).await;
    let (url, server) = serve(tree.to_json()).await;
    let game = chain.deployment.contracts.map_game;
    send(
        sonm_bindings::SonmToken::new(chain.deployment.contracts.sonm_token, chain.wallet(SOLVER))
            .approve(game, U256::from(10u64) * ether()),
    )
    .await;
    send(chain.map(SOLVER).claim(U256::from(task))).await;
    send(chain.map(SOLVER).commit(U256::from(task), tree.root(), url)).await;
    let mut bot = chain.watcher().await;
    let sent = drive(&mut bot, 6).await;
    server.abort();
    assert!(
        sent.contains(&format!("map:proveCheat:{task}:1:3")),
        "{sent:?}"
    );
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Open);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_solver_that_answers_one_query_but_withholds_the_rest_is_still_slashed() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.solve_map(task, &inputs, &[], true).await;
    let mut config = chain.config(BOT);
    config.queries_per_commitment = 2;
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();
    let sent = drive(&mut bot, 5).await;
    assert!(
        sent.contains(&format!("map:openQuery:{task}:1")),
        "{sent:?}"
    );
    // The solver answers the first query rightly, from the tree it kept aside.
    let tree = solver_tree(&chain, &inputs, &[]).await;
    let q = chain
        .map(BUYER)
        .query(U256::from(1u64))
        .call()
        .await
        .unwrap();
    let pos = tree
        .values()
        .iter()
        .position(|l| l.index == U256::from(q.index))
        .unwrap();
    send(chain.map(SOLVER).answerQuery(
        U256::from(1u64),
        tree.values()[pos].data.clone(),
        tree.proof(pos).unwrap(),
    ))
    .await;
    let sent = drive(&mut bot, 5).await;
    assert_eq!(sent, vec![format!("map:openQuery:{task}:1:1")]);
    // The second goes unanswered.
    chain.travel(601).await;
    let sent = drive(&mut bot, 5).await;
    assert_eq!(sent, vec!["map:timeoutQuery:2".to_owned()]);
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Open);
    assert!(
        drive(&mut bot, 3).await.is_empty(),
        "no third query: the commitment is gone"
    );
}
