//! A chain task with a wrong final hash: the challenger opens a dispute and both sides play the bisection through
//! the CLI until the judged step decides it for the challenger; and the bond of a second dispute, on a commitment
//! slashed by the first, is reclaimed.

use crate::common::{Chain, s, snm};

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_chain_result_loses_its_dispute() {
    let chain = Chain::new().await;
    let (buyer, solver, challenger) = (Some(0), Some(1), Some(2));
    chain.fund(buyer, &[1, 2], "10");
    let posted = chain.post_chain(buyer, "100", "3", &[]);
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

#[tokio::test(flavor = "multi_thread")]
async fn the_bond_of_a_dispute_on_a_slashed_commitment_is_reclaimed() {
    let chain = Chain::new().await;
    let (buyer, solver, first, second, anyone) = (Some(0), Some(1), Some(2), Some(3), Some(4));
    chain.fund(buyer, &[1, 2, 3], "10");
    let posted = chain.post_chain(buyer, "4", "3", &[]);
    let task = posted["task"].as_u64().unwrap().to_string();
    chain.ok(solver, &["chain", "claim", &task]);
    chain.ok(solver, &["chain", "commit", &task, "--wrong"]);
    let d1 = chain.ok(first, &["dispute", "open", &task])["dispute"]
        .as_u64()
        .unwrap()
        .to_string();
    let d2 = chain.ok(second, &["dispute", "open", &task])["dispute"]
        .as_u64()
        .unwrap()
        .to_string();
    let line = chain.fails(anyone, &["dispute", "reclaim-dispute-bond", &d2]);
    assert!(
        line.contains(&format!(
            "dispute {d2} is about chain task {task}'s live commitment"
        )),
        "{line}"
    );

    // The solver never reveals: its clock (an hour) runs out and the first dispute slashes it.
    chain.travel(60 * 60 + 1).await;
    chain.ok(anyone, &["dispute", "timeout", &d1]);
    assert_eq!(
        s(&chain.ok(None, &["dispute", "show", &d1]), "phase"),
        "ChallengerWon"
    );
    let line = chain.fails(anyone, &["dispute", "reclaim-dispute-bond", &d1]);
    assert!(
        line.contains(&format!(
            "dispute {d1} is ChallengerWon: reclaiming its bond needs a running dispute"
        )),
        "{line}"
    );

    assert_eq!(chain.balance(3), snm(9));
    let reclaimed = chain.ok(anyone, &["dispute", "reclaim-dispute-bond", &d2]);
    assert!(reclaimed["tx"].is_string(), "{reclaimed}");
    assert_eq!(
        s(&chain.ok(None, &["dispute", "show", &d2]), "phase"),
        "Reclaimed"
    );
    assert_eq!(
        chain.balance(3),
        snm(10),
        "the 1 SNM challenger bond goes back, whoever sends the call"
    );
    let line = chain.fails(second, &["dispute", "reclaim-dispute-bond", &d2]);
    assert!(line.contains("is Reclaimed"), "{line}");
    let line = chain.fails(second, &["dispute", "reclaim-dispute-bond", "999"]);
    assert!(line.contains("dispute 999 does not exist"), "{line}");
}
