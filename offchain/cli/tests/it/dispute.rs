//! A chain task with a wrong final hash: the challenger opens a dispute and both sides play the bisection through
//! the CLI until the judged step decides it for the challenger.

use crate::common::{Chain, s};

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_chain_result_loses_its_dispute() {
    let chain = Chain::new().await;
    let (buyer, solver, challenger) = (Some(0), Some(1), Some(2));
    for who in [1, 2] {
        chain.ok(
            buyer,
            &["token", "transfer", &chain.address(who).to_string(), "10"],
        );
    }
    let posted = chain.ok(
        buyer,
        &[
            "chain",
            "post",
            "--initial-state",
            "0x736f6e6d",
            "--steps",
            "100",
            "--reward",
            "3",
        ],
    );
    let task = posted["task"].as_u64().unwrap().to_string();
    chain.ok(solver, &["chain", "claim", &task]);
    chain.ok(solver, &["chain", "commit", &task, "--wrong"]);
    assert_eq!(
        s(&chain.ok(None, &["chain", "show", &task]), "status"),
        "Committed"
    );

    let opened = chain.ok(challenger, &["dispute", "open", &task]);
    let dispute = opened["dispute"].as_u64().unwrap().to_string();
    assert_eq!(
        s(&chain.ok(None, &["dispute", "show", &dispute]), "phase"),
        "Reveal"
    );
    let line = chain.fails(Some(3), &["dispute", "play", &dispute]);
    assert!(line.contains("is neither the solver"), "{line}");

    // Alternate until decided: 100 steps take 7 rounds.
    let mut phase = String::new();
    for _ in 0..20 {
        let played = chain.ok(solver, &["dispute", "play", &dispute]);
        phase = s(&played, "phase").to_owned();
        if phase.ends_with("Won") {
            break;
        }
        let played = chain.ok(challenger, &["dispute", "play", &dispute]);
        phase = s(&played, "phase").to_owned();
        if phase.ends_with("Won") {
            break;
        }
    }
    assert_eq!(phase, "ChallengerWon");
    assert_eq!(
        s(&chain.ok(None, &["chain", "show", &task]), "status"),
        "Open",
        "the slash reopens the task"
    );

    // An honest commitment cannot be disputed.
    chain.ok(challenger, &["chain", "claim", &task]);
    chain.ok(challenger, &["chain", "commit", &task]);
    let line = chain.fails(solver, &["dispute", "open", &task]);
    assert!(
        line.contains("is right: there is nothing to dispute"),
        "{line}"
    );
}
