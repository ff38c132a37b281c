//! `sonm watch`: the bot behind the CLI's node, deployments and key.

use crate::common::{Chain, s, tempdir};

#[tokio::test(flavor = "multi_thread")]
async fn watch_once_proves_a_cheat_exactly_once() {
    let chain = Chain::new().await;
    let dir = tempdir("watch");
    let (buyer, cheater, bot) = (Some(0), Some(2), Some(3));
    let inputs = dir.join("inputs.json");
    let results = dir.join("results.json");
    let state = dir.join("watch-state.json");
    let results_arg = results.to_str().unwrap();
    chain.mandelbrot_inputs(&inputs, 8, 6);
    chain.fund(buyer, &[2, 3], "20");
    let watch = [
        "watch",
        "--once",
        "--confirmations",
        "0",
        "--state",
        state.to_str().unwrap(),
    ];

    // Nothing committed yet: a pass sends nothing.
    let idle = chain.ok(bot, &watch);
    assert_eq!(idle["sent"].as_array().unwrap().len(), 0, "{idle}");

    // A cheating solver falsifies row 2 and commits.
    let posted = chain.post_mandelbrot(buyer, &inputs, "5", &[]);
    let task = posted["task"].as_u64().unwrap().to_string();
    chain.ok(cheater, &["map", "claim", &task]);
    chain.ok(
        cheater,
        &["map", "solve", &task, "-o", results_arg, "--cheat", "2"],
    );
    chain.ok(cheater, &["map", "commit", &task, "--results", results_arg]);

    // One pass of the bot recomputes the rows, commits its proof, reveals it a block later: the solver is slashed.
    let pass = chain.ok(bot, &watch);
    let sent: Vec<&str> = pass["sent"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(sent.iter().any(|k| k.contains("proveCheat")), "{pass}");
    let shown = chain.ok(None, &["map", "show", &task]);
    assert_eq!(s(&shown, "status"), "Open", "the slash reopens the task");
    // The bot: 20 + half of the 10 SNM solver bond.
    assert_eq!(
        s(
            &chain.ok(None, &["token", "balance", &chain.address(3).to_string()]),
            "balance"
        ),
        "25000000000000000000"
    );

    // A second pass finds nothing more to do: no transaction is sent twice.
    let again = chain.ok(bot, &watch);
    assert_eq!(again["sent"].as_array().unwrap().len(), 0, "{again}");
}
