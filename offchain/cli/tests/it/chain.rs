//! A chain task nobody solves: the lapsed claim is forfeited to the buyer, and after the commit deadline the reward
//! goes back to the buyer too. Each call sent early says what it waits for. `sonm chain list` shows the tasks.

use crate::common::{Chain, s, snm};

#[tokio::test(flavor = "multi_thread")]
async fn an_unsolved_chain_task_is_forfeited_then_refunded() {
    let chain = Chain::new().await;
    let (buyer, solver, anyone) = (Some(0), Some(1), Some(3));
    chain.ok(
        buyer,
        &["token", "transfer", &chain.address(1).to_string(), "10"],
    );
    let empty = chain.ok(None, &["chain", "list"]);
    assert_eq!(empty["tasks"].as_array().unwrap().len(), 0, "{empty}");
    let posted = chain.post_chain(buyer, "4", "3", &["--commit-within", "3600"]);
    let task = posted["task"].as_u64().unwrap().to_string();
    let other = chain.post_chain(buyer, "9", "1", &[]);
    let listed = chain.ok(None, &["chain", "list"]);
    let ids: Vec<u64> = listed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            posted["task"].as_u64().unwrap(),
            other["task"].as_u64().unwrap()
        ],
        "{listed}"
    );
    assert_eq!(listed["tasks"][1]["steps"], 9);
    assert_eq!(s(&listed["tasks"][0], "status"), "Open");
    let buyer_before = chain.balance(0);
    let line = chain.fails(anyone, &["chain", "refund", &task]);
    assert!(
        line.contains(&format!("chain task {task}'s commit deadline is"))
            && line.ends_with("it may still be solved"),
        "{line}"
    );
    let line = chain.fails(anyone, &["chain", "forfeit-claim", &task]);
    assert!(
        line.contains(&format!(
            "chain task {task} is Open: forfeiting a claim needs Claimed"
        )),
        "{line}"
    );

    chain.ok(solver, &["chain", "claim", &task]);
    let shown = chain.ok(None, &["chain", "show", &task]);
    assert_eq!(s(&shown, "status"), "Claimed");
    assert_eq!(shown["claim_window"], 300, "the local profile's minimum");
    let line = chain.fails(anyone, &["chain", "forfeit-claim", &task]);
    assert!(
        line.contains("claim runs until") && line.ends_with("its solver may still commit"),
        "{line}"
    );
    let line = chain.fails(anyone, &["chain", "refund", &task]);
    assert!(
        line.contains(&format!("chain task {task} is Claimed: refund needs Open"))
            && line.contains(&format!("sonm chain forfeit-claim {task}")),
        "{line}"
    );

    // The claim window (5 minutes) is over: anyone forfeits the claim, the bond is the buyer's.
    chain.travel(5 * 60 + 1).await;
    let forfeited = chain.ok(anyone, &["chain", "forfeit-claim", &task]);
    assert!(forfeited["tx"].is_string(), "{forfeited}");
    let shown = chain.ok(None, &["chain", "show", &task]);
    assert_eq!(s(&shown, "status"), "Open", "the task reopens");
    assert_eq!(chain.balance(0), buyer_before + snm(1), "the 1 SNM bond");
    assert_eq!(chain.balance(1), snm(9));
    let line = chain.fails(anyone, &["chain", "refund", &task]);
    assert!(line.contains("it may still be solved"), "{line}");

    // The commit deadline passes with the task open: anyone refunds, the reward is the buyer's.
    chain.travel(3600).await;
    let refunded = chain.ok(anyone, &["chain", "refund", &task]);
    assert!(refunded["tx"].is_string(), "{refunded}");
    assert_eq!(
        s(&chain.ok(None, &["chain", "show", &task]), "status"),
        "Refunded"
    );
    assert_eq!(chain.balance(0), buyer_before + snm(1) + snm(3));

    let line = chain.fails(anyone, &["chain", "refund", &task]);
    assert!(
        line.contains(&format!("chain task {task} is Refunded: refund needs Open")),
        "{line}"
    );
    let line = chain.fails(anyone, &["chain", "forfeit-claim", &task]);
    assert!(line.contains("is Refunded"), "{line}");
}
