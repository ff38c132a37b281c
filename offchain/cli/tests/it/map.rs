//! A map task from post to finalize through the CLI, with the executor computing the Mandelbrot rows; a refund; a
//! lapsed claim forfeited; a query bond reclaimed after its commitment was slashed.

use crate::common::{Chain, s, snm, tempdir};

#[tokio::test(flavor = "multi_thread")]
async fn map_task_from_post_to_finalize() {
    let chain = Chain::new().await;
    let dir = tempdir("task");
    let (buyer, solver) = (Some(0), Some(2));
    let solver_addr = chain.address(2).to_string();
    let inputs = dir.join("inputs.json");
    let results = dir.join("results.json");

    chain.mandelbrot_inputs(&inputs, 16, 8);
    let posted = chain.post_mandelbrot(buyer, &inputs, "5", &["--commit-within", "3600"]);
    assert_eq!(posted["leaf_count"], 8);
    assert_eq!(
        s(&posted["approval"], "amount"),
        "5000000000000000000",
        "exactly the reward is approved"
    );
    let task = posted["task"].as_u64().unwrap().to_string();
    let list = chain.ok(None, &["map", "list"]);
    assert_eq!(list["tasks"].as_array().unwrap().len(), 1);

    // The solver needs SNM for its bond (the game's minimum, 10 SNM).
    chain.ok(buyer, &["token", "transfer", &solver_addr, "20"]);
    let line = chain.fails(
        solver,
        &[
            "map",
            "commit",
            &task,
            "--results",
            inputs.to_str().unwrap(),
        ],
    );
    assert!(
        line.contains("malformed result dump") || line.contains("is Open: commit needs Claimed"),
        "{line}"
    );
    chain.ok(solver, &["map", "claim", &task]);
    let shown = chain.ok(None, &["map", "show", &task]);
    assert_eq!(s(&shown, "status"), "Claimed");

    // Solve reads the inputs from the task's input URI (the posted file) and writes the result dump.
    let solved = chain.ok(
        solver,
        &["map", "solve", &task, "-o", results.to_str().unwrap()],
    );
    assert_eq!(solved["leaves"], 8);
    let tree =
        sonm_merkle::IndexedTree::from_json(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert!(
        tree.values().iter().all(|leaf| leaf.data.len() == 16),
        "each row has 16 pixels"
    );
    assert!(
        tree.values().iter().any(|leaf| leaf.data.contains(&64)),
        "some pixels never escape"
    );

    chain.ok(
        solver,
        &[
            "map",
            "commit",
            &task,
            "--results",
            results.to_str().unwrap(),
        ],
    );
    let shown = chain.ok(None, &["map", "show", &task]);
    assert_eq!(s(&shown, "status"), "Committed");
    assert_eq!(s(&shown, "result_root"), s(&solved, "root"));

    let line = chain.fails(None, &["map", "finalize", &task]);
    assert!(line.contains("challenge window is open"), "{line}");
    chain.travel(10 * 60 + 1).await;
    chain.ok(Some(3), &["map", "finalize", &task]);
    assert_eq!(
        s(&chain.ok(None, &["map", "show", &task]), "status"),
        "Finalized"
    );
    // 20 − 10 (bond) + 10 (bond back) + 5 (reward).
    assert_eq!(
        s(
            &chain.ok(None, &["token", "balance", &solver_addr]),
            "balance"
        ),
        "25000000000000000000"
    );

    let line = chain.fails(solver, &["map", "claim", &task]);
    assert!(line.contains("is Finalized: claim needs Open"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn buyer_refunds_an_open_task_and_bad_inputs_are_refused() {
    let chain = Chain::new().await;
    let dir = tempdir("refund");
    let inputs = dir.join("inputs.json");
    std::fs::write(&inputs, r#"["0x01", "0x02"]"#).unwrap();
    let posted = chain.ok(
        Some(0),
        &[
            "map",
            "post",
            "--inputs",
            inputs.to_str().unwrap(),
            "--computation",
            "montecarlo",
            "--reward",
            "1",
        ],
    );
    let task = posted["task"].as_u64().unwrap().to_string();
    let line = chain.fails(Some(3), &["map", "refund", &task]);
    assert!(
        line.contains("refund would revert: MapGameNotBuyer"),
        "{line}"
    );
    chain.ok(Some(0), &["map", "refund", &task]);
    assert_eq!(
        s(&chain.ok(None, &["map", "show", &task]), "status"),
        "Refunded"
    );

    let line = chain.fails(None, &["map", "show", "999"]);
    assert!(line.contains("task 999 does not exist"), "{line}");
    std::fs::write(&inputs, r#"["0x01", 7]"#).unwrap();
    let line = chain.fails(
        Some(0),
        &[
            "map",
            "post",
            "--inputs",
            inputs.to_str().unwrap(),
            "--computation",
            "mandelbrot",
            "--reward",
            "1",
        ],
    );
    assert!(
        line.contains("malformed") && line.contains("input 1 is not a hex string"),
        "{line}"
    );
    let eoa = chain.address(4).to_string();
    let line = chain.fails(
        Some(0),
        &[
            "map",
            "post",
            "--inputs",
            inputs.to_str().unwrap(),
            "--computation",
            &eoa,
            "--reward",
            "1",
        ],
    );
    assert!(line.contains("is not a contract"), "{line}");
    // Posting more than one holds is refused before any transaction.
    std::fs::write(&inputs, r#"["0x01"]"#).unwrap();
    let line = chain.fails(
        Some(4),
        &[
            "map",
            "post",
            "--inputs",
            inputs.to_str().unwrap(),
            "--computation",
            "mandelbrot",
            "--reward",
            "1",
        ],
    );
    assert!(
        line.contains("insufficient funds") && line.contains("posting the task needs 1 SNM"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cheating_solver_is_caught_and_slashed() {
    let chain = Chain::new().await;
    let dir = tempdir("cheat");
    let (buyer, cheater, watcher) = (Some(0), Some(2), Some(3));
    let inputs = dir.join("inputs.json");
    let results = dir.join("results.json");
    chain.mandelbrot_inputs(&inputs, 8, 6);
    let posted = chain.post_mandelbrot(buyer, &inputs, "5", &[]);
    let task = posted["task"].as_u64().unwrap().to_string();
    chain.fund(buyer, &[2, 3], "20");

    // An honest result survives a query: the solver answers it and takes the query bond.
    chain.ok(cheater, &["map", "claim", &task]);
    chain.ok(
        cheater,
        &[
            "map",
            "solve",
            &task,
            "-o",
            results.to_str().unwrap(),
            "--cheat",
            "4",
        ],
    );
    chain.ok(
        cheater,
        &[
            "map",
            "commit",
            &task,
            "--results",
            results.to_str().unwrap(),
        ],
    );
    let query = chain.ok(watcher, &["map", "open-query", &task, "--index", "1"]);
    assert_eq!(
        s(&query["approval"], "amount"),
        "1000000000000000000",
        "exactly the query bond"
    );
    let query = query["query"].as_u64().unwrap().to_string();
    chain.ok(
        cheater,
        &[
            "map",
            "answer-query",
            &query,
            "--results",
            results.to_str().unwrap(),
        ],
    );

    // The watcher recomputes from the committed URIs and proves leaf 4 wrong.
    let proven = chain.ok(watcher, &["map", "prove-cheat", &task]);
    assert_eq!(proven["cheat"], 4);
    let shown = chain.ok(None, &["map", "show", &task]);
    assert_eq!(s(&shown, "status"), "Open", "the slash reopens the task");
    // Watcher: 20 − 1 (query bond, lost to the solver's answer) + 5 (half the 10 SNM solver bond).
    assert_eq!(
        s(
            &chain.ok(None, &["token", "balance", &chain.address(3).to_string()]),
            "balance"
        ),
        "24000000000000000000"
    );

    // An honest solver's result: nothing to challenge.
    chain.ok(watcher, &["map", "claim", &task]);
    chain.ok(
        watcher,
        &["map", "solve", &task, "-o", results.to_str().unwrap()],
    );
    chain.ok(
        watcher,
        &[
            "map",
            "commit",
            &task,
            "--results",
            results.to_str().unwrap(),
        ],
    );
    let proven = chain.ok(cheater, &["map", "prove-cheat", &task]);
    assert!(proven["cheat"].is_null(), "{proven}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forfeited_claim_reopens_the_task_and_its_bond_goes_to_the_buyer() {
    let chain = Chain::new().await;
    let dir = tempdir("forfeit");
    let inputs = dir.join("inputs.json");
    std::fs::write(&inputs, r#"["0x01", "0x02"]"#).unwrap();
    let (buyer, solver, anyone) = (Some(0), Some(2), Some(3));
    chain.ok(
        buyer,
        &["token", "transfer", &chain.address(2).to_string(), "10"],
    );
    let posted = chain.ok(
        buyer,
        &[
            "map",
            "post",
            "--inputs",
            inputs.to_str().unwrap(),
            "--computation",
            "montecarlo",
            "--reward",
            "1",
        ],
    );
    let task = posted["task"].as_u64().unwrap().to_string();
    let line = chain.fails(anyone, &["map", "forfeit-claim", &task]);
    assert!(
        line.contains(&format!(
            "task {task} is Open: forfeiting a claim needs Claimed"
        )),
        "{line}"
    );

    chain.ok(solver, &["map", "claim", &task]);
    let line = chain.fails(anyone, &["map", "forfeit-claim", &task]);
    assert!(
        line.contains("claim runs until") && line.ends_with("its solver may still commit"),
        "{line}"
    );

    // The claim window is 10 minutes; once it is over anyone may forfeit the claim, and the bond is the buyer's.
    let buyer_before = chain.balance(0);
    chain.travel(10 * 60 + 1).await;
    let forfeited = chain.ok(anyone, &["map", "forfeit-claim", &task]);
    assert_eq!(forfeited["task"].as_u64().unwrap().to_string(), task);
    assert!(forfeited["tx"].is_string(), "{forfeited}");
    let shown = chain.ok(None, &["map", "show", &task]);
    assert_eq!(s(&shown, "status"), "Open", "the task reopens");
    assert_eq!(
        s(&shown, "solver"),
        "0x0000000000000000000000000000000000000000"
    );
    assert_eq!(chain.balance(0), buyer_before + snm(10), "the 10 SNM bond");
    assert_eq!(chain.balance(2), snm(0));

    let line = chain.fails(anyone, &["map", "forfeit-claim", &task]);
    assert!(
        line.contains("is Open: forfeiting a claim needs Claimed"),
        "{line}"
    );
    let line = chain.fails(anyone, &["map", "forfeit-claim", "999"]);
    assert!(line.contains("task 999 does not exist"), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_on_a_slashed_commitment_gets_its_bond_back() {
    let chain = Chain::new().await;
    let dir = tempdir("reclaim");
    let (buyer, solver, first, second) = (Some(0), Some(2), Some(3), Some(4));
    let inputs = dir.join("inputs.json");
    let results = dir.join("results.json");
    chain.mandelbrot_inputs(&inputs, 4, 2);
    let posted = chain.post_mandelbrot(buyer, &inputs, "1", &[]);
    let task = posted["task"].as_u64().unwrap().to_string();
    chain.fund(buyer, &[2, 3, 4], "10");
    chain.ok(solver, &["map", "claim", &task]);
    chain.ok(
        solver,
        &["map", "solve", &task, "-o", results.to_str().unwrap()],
    );
    chain.ok(
        solver,
        &[
            "map",
            "commit",
            &task,
            "--results",
            results.to_str().unwrap(),
        ],
    );

    // Two challengers query the commitment; the solver answers neither.
    let q1 = chain.ok(first, &["map", "open-query", &task, "--index", "0"])["query"]
        .as_u64()
        .unwrap()
        .to_string();
    let q2 = chain.ok(second, &["map", "open-query", &task, "--index", "1"])["query"]
        .as_u64()
        .unwrap()
        .to_string();
    let line = chain.fails(Some(5), &["map", "reclaim-query-bond", &q2]);
    assert!(
        line.contains(&format!(
            "query {q2} asks about task {task}'s live commitment, so its bond cannot be reclaimed"
        )) && line.contains("its solver may answer until"),
        "{line}"
    );

    // Past the response window a live query is timed out, not reclaimed.
    chain.travel(10 * 60 + 1).await;
    let line = chain.fails(first, &["map", "reclaim-query-bond", &q1]);
    assert!(
        line.contains(&format!(
            "`sonm map timeout-query {q1}` slashes the solver and returns the bond"
        )),
        "{line}"
    );

    // The first query times out and slashes the solver: the second now asks about a commitment that is gone.
    chain.ok(first, &["map", "timeout-query", &q1]);
    assert_eq!(
        s(&chain.ok(None, &["map", "show", &task]), "status"),
        "Open"
    );
    assert_eq!(chain.balance(4), snm(9));
    let reclaimed = chain.ok(Some(5), &["map", "reclaim-query-bond", &q2]);
    assert_eq!(reclaimed["query"].as_u64().unwrap().to_string(), q2);
    assert_eq!(
        chain.balance(4),
        snm(10),
        "the 1 SNM query bond goes back to its challenger, whoever sends the call"
    );

    let line = chain.fails(second, &["map", "reclaim-query-bond", &q2]);
    assert!(
        line.contains(&format!(
            "query {q2} is Reclaimed: reclaiming its bond needs Open"
        )),
        "{line}"
    );
    let line = chain.fails(first, &["map", "reclaim-query-bond", &q1]);
    assert!(line.contains("is TimedOut"), "{line}");
    let line = chain.fails(first, &["map", "reclaim-query-bond", "999"]);
    assert!(line.contains("query 999 does not exist"), "{line}");
}
