//! The DAO through the CLI: delegate, propose to suspect a hub, vote, queue, execute; the hub's funds are blocked.

use alloy::sol_types::SolCall as _;
use sonm_bindings::{ChainGame, HubFactory, MapGame};

use crate::common::{Chain, s};

#[tokio::test(flavor = "multi_thread")]
async fn dao_suspects_a_hub_through_a_full_proposal() {
    let chain = Chain::new().await;
    let (holder, miner) = (Some(0), Some(1));
    let miner_addr = chain.address(1).to_string();
    let hub = s(
        &chain.ok(
            holder,
            &["hub", "create", "--endpoint", "h:1", "--name", "h"],
        ),
        "hub",
    )
    .to_owned();
    chain.ok(holder, &["hub", "deposit", &hub, "50"]);
    chain.ok(holder, &["hub", "register", &hub]);
    chain.ok(holder, &["hub", "pay", &hub, &miner_addr, "10"]);

    // Votes count only once delegated, and only from before the proposal.
    chain.ok(holder, &["token", "delegate"]);
    chain.travel(1).await;
    let proposed = chain.ok(
        holder,
        &[
            "dao",
            "propose",
            "--description",
            "fraud reported by miners",
            "suspect",
            &hub,
        ],
    );
    let id = s(&proposed, "proposal").to_owned();
    let shown = chain.ok(None, &["dao", "show", &id]);
    assert_eq!(s(&shown, "state"), "Pending");
    assert_eq!(
        shown["targets"][0].as_str().unwrap().to_lowercase(),
        hub.to_lowercase()
    );
    let line = chain.fails(holder, &["dao", "vote", &id, "for"]);
    assert!(line.contains("is Pending: voting needs Active"), "{line}");

    chain.travel(2).await;
    let line = chain.fails(miner, &["dao", "vote", &id, "for"]);
    assert!(
        line.contains("had no votes at the proposal's snapshot"),
        "{line}"
    );
    let voted = chain.ok(holder, &["dao", "vote", &id, "for", "--reason", "seen it"]);
    assert_eq!(
        s(&voted, "weight"),
        "443999950000000000000000000",
        "all the holder's SNM but the 50 deposited"
    );
    let line = chain.fails(holder, &["dao", "queue", &id]);
    assert!(
        line.contains("is Active: queueing needs Succeeded"),
        "{line}"
    );

    chain.travel(5 * 60 + 1).await;
    let queued = chain.ok(holder, &["dao", "queue", &id]);
    assert!(queued["eta"].as_u64().unwrap() > 0);
    let line = chain.fails(holder, &["dao", "execute", &id]);
    assert!(line.contains("is in the timelock until"), "{line}");
    chain.travel(60 + 1).await;
    chain.ok(Some(3), &["dao", "execute", &id]);
    assert_eq!(
        s(&chain.ok(None, &["dao", "show", &id]), "state"),
        "Executed"
    );

    assert_eq!(
        s(&chain.ok(None, &["hub", "show", &hub]), "state"),
        "Suspected"
    );
    let line = chain.fails(miner, &["hub", "claim", &hub]);
    assert!(
        line.contains("is Suspected: its funds are blocked"),
        "{line}"
    );
    // A second suspicion of a Suspected hub would revert in the timelock: the proposal can still be made, but a
    // direct call by anyone but the DAO is refused by the wallet itself.
    // Parameter proposals target the right contract, with the current values as the base.
    let proposed = chain.ok(
        holder,
        &["dao", "propose", "chain-parameters", "--min-clock", "7200"],
    );
    let shown = chain.ok(None, &["dao", "show", s(&proposed, "proposal")]);
    let deployment: serde_json::Value =
        serde_json::from_str(&crate::common::template().deployment).unwrap();
    assert_eq!(
        shown["targets"][0].as_str().unwrap().to_lowercase(),
        deployment["contracts"]["ChainGame"]
            .as_str()
            .unwrap()
            .to_lowercase()
    );
    assert!(s(&shown, "description").starts_with("set the chain game's parameters"));
    let calldata = |shown: &serde_json::Value| {
        alloy::hex::decode(shown["calldatas"][0].as_str().unwrap()).unwrap()
    };
    let p = ChainGame::setParametersCall::abi_decode(&calldata(&shown))
        .unwrap()
        .parameters_;
    assert_eq!(p.minClock, 7200);

    // The soundness bounds (docs/protocol.md, "Soundness"): every new field can be proposed.
    let proposed = chain.ok(
        holder,
        &[
            "dao",
            "propose",
            "chain-parameters",
            "--max-clock",
            "86400",
            "--max-claim-window",
            "3600",
            "--max-challenge-window",
            "172800",
            "--max-state-bytes",
            "1024",
        ],
    );
    let shown = chain.ok(None, &["dao", "show", s(&proposed, "proposal")]);
    let p = ChainGame::setParametersCall::abi_decode(&calldata(&shown))
        .unwrap()
        .parameters_;
    assert_eq!(
        (
            p.maxClock,
            p.maxClaimWindow,
            p.maxChallengeWindow,
            p.maxStateBytes
        ),
        (86_400, 3_600, 172_800, 1_024)
    );
    let proposed = chain.ok(
        holder,
        &[
            "dao",
            "propose",
            "map-parameters",
            "--max-leaf-bytes",
            "2048",
        ],
    );
    let shown = chain.ok(None, &["dao", "show", s(&proposed, "proposal")]);
    let p = MapGame::setParametersCall::abi_decode(&calldata(&shown))
        .unwrap()
        .parameters_;
    assert_eq!(p.maxLeafBytes, 2_048);
    let proposed = chain.ok(
        holder,
        &[
            "dao",
            "propose",
            "hub-parameters",
            "--pay-day-cool-down",
            "1296000",
        ],
    );
    let shown = chain.ok(None, &["dao", "show", s(&proposed, "proposal")]);
    let p = HubFactory::setParametersCall::abi_decode(&calldata(&shown))
        .unwrap()
        .parameters_;
    assert_eq!(p.payDayCoolDown, 1_296_000);
    let line = chain.fails(Some(2), &["dao", "show", "12345"]);
    assert!(line.contains("proposal 12345 does not exist"), "{line}");
}
