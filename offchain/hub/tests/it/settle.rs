//! The rest of a deal's life through the daemon: a deal whose inputs never come is declined before `declineBy`; a
//! query is answered and a deal the buyer does not accept is finalized after the window; a straggler's lease times
//! out and its units go to another miner; `--dishonest-rows` commits a falsified root; low funds are warned of.

use std::time::Duration;

use alloy::primitives::U256;
use sonm_agents::{Client, MapTasks, Market, SolveMode, TaskStatus, Token};
use sonm_bindings::enums::IMapGame::QueryStatus;

use crate::common::{
    DEPLOYER, HubEvents, MINERS, TestChain, buy, buy_with, hub_addr, miner, silent_miner, snm,
};

/// A challenger with SNM: anvil's account 6.
const CHALLENGER: usize = 6;
/// A miner that never answers: anvil's account 7.
const STRAGGLER: usize = 7;

async fn honest(client: &Client, deal: u64, rows: u32) -> sonm_merkle::IndexedTree {
    let inputs = sonm_agents::task::mandelbrot_inputs(16, rows, (-0.75, 0.0), 3.0 / 16.0, 16);
    MapTasks::new(client)
        .expect("tasks")
        .solve(deal, &inputs, &SolveMode::Honest, &|_| {})
        .await
        .expect("recompute")
}

async fn honest_root(client: &Client, deal: u64, rows: u32) -> alloy::primitives::B256 {
    honest(client, deal, rows).await.root()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deal_whose_inputs_never_come_is_declined_before_its_decline_deadline() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-decline"));
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    let (deal, _buyer, buyer_client) = buy_with(&chain, at, 8, false).await;
    let seen = events.wait("deal seen", 30).await;
    let decline_by = seen["decline_by"].as_u64().expect("decline_by");
    // Nothing happens while declineBy is far.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(events.count("declined"), 0);
    // Chain time moves to within the margin (60 s) of declineBy: the hub declines.
    let now = chain.now().await;
    chain.travel(decline_by - now - 30).await;
    let declined = events.wait("declined", 30).await;
    assert_eq!(declined["deal"], deal);
    let info = MapTasks::new(&buyer_client)
        .expect("tasks")
        .task(deal)
        .await
        .expect("task");
    assert_eq!(info.status, TaskStatus::Refunded);
    let history = Market::new(&buyer_client)
        .expect("market")
        .history(hub)
        .await
        .expect("history");
    assert_eq!((history.declined, history.no_commits), (1, 0));
    daemon.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_query_is_answered_and_a_deal_not_accepted_is_finalized_after_the_window() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-finalize"));
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    let _m = miner(&chain, MINERS[0], at.clone(), 8, 0).await;
    let (deal, _buyer, buyer_client) = buy(&chain, at, 8).await;
    events.wait("committed", 60).await;
    // A challenger asks for leaf 5; the hub answers from its results tree.
    Token::new(&chain.client(DEPLOYER).await)
        .expect("token")
        .transfer(chain.address(CHALLENGER), snm(100))
        .await
        .expect("fund");
    let challenger = MapTasks::new(&chain.client(CHALLENGER).await).expect("tasks");
    let (query, _, _) = challenger.open_query(deal, 5).await.expect("open query");
    let answered = events.wait("query answered", 30).await;
    assert_eq!(answered["query"], query);
    assert_eq!(answered["index"], 5);
    let q = sonm_bindings::MapGame::new(chain.deployment.contracts.map_game, chain.provider())
        .query(U256::from(query))
        .call()
        .await
        .expect("query");
    assert_eq!(q.status, QueryStatus::Answered);
    // The buyer never accepts: past the window the hub finalizes, then signs the miner's receipt.
    let tasks = MapTasks::new(&buyer_client).expect("tasks");
    let info = tasks.task(deal).await.expect("task");
    let now = chain.now().await;
    chain.travel(info.deadline - now + 1).await;
    let finalized = events.wait("finalized", 30).await;
    assert!(finalized["tx"].is_string(), "{finalized}");
    events.wait("receipts signed", 30).await;
    assert_eq!(
        tasks.task(deal).await.expect("task").status,
        TaskStatus::Finalized
    );
    let history = Market::new(&buyer_client)
        .expect("market")
        .history(hub)
        .await
        .expect("history");
    assert_eq!((history.settled, history.accepted), (1, 0));
    assert_eq!(events.count("accepted"), 0);
    daemon.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stragglers_lease_times_out_and_another_miner_does_its_units() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-straggler"));
    config.lease_timeout = Duration::from_secs(2);
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    let _slow = silent_miner(&chain, STRAGGLER, at.clone(), 4).await;
    let (deal, _buyer, buyer_client) = buy(&chain, at.clone(), 12).await;
    // The straggler got the first lease; only then does an honest miner come.
    let lease = events.wait("lease", 30).await;
    assert_eq!(lease["miner"], serde_json::json!(chain.address(STRAGGLER)));
    let _m = miner(&chain, MINERS[0], at, 8, 0).await;
    let failed = events.wait("lease failed", 30).await;
    assert_eq!(failed["reason"], "timed out");
    assert_eq!(failed["miner"], serde_json::json!(chain.address(STRAGGLER)));
    let committed = events.wait("committed", 60).await;
    assert_eq!(
        committed["root"],
        serde_json::json!(honest_root(&buyer_client, deal, 12).await)
    );
    daemon.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn dishonest_rows_commit_a_falsified_root_and_low_funds_are_warned_of() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-dishonest"));
    config.dishonest_rows = 2;
    // 150 SNM deposited, bonds of 10: fewer than 1000 bonds free.
    config.min_free_bonds = 1000;
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    let warning = events.wait("warning", 30).await;
    assert_eq!(warning["kind"], "low free balance");
    let _m = miner(&chain, MINERS[0], at.clone(), 8, 0).await;
    let (deal, buyer, buyer_client) = buy(&chain, at.clone(), 8).await;
    let committed = events.wait("committed", 60).await;
    let honest = honest(&buyer_client, deal, 8).await;
    assert_ne!(
        committed["root"],
        serde_json::json!(honest.root()),
        "the committed root is falsified"
    );
    // What a watcher fetches from the hub: exactly two rows differ from the honest computation.
    let info = MapTasks::new(&buyer_client)
        .expect("tasks")
        .task(deal)
        .await
        .expect("task");
    assert_eq!(info.status, TaskStatus::Committed);
    let served = buyer
        .fetch_tree(at.0, info.result_root, 8)
        .await
        .expect("results");
    let wrong = served
        .iter()
        .zip(honest.values())
        .filter(|(got, leaf)| **got != leaf.data)
        .count();
    assert_eq!(wrong, 2);
    daemon.abort();
}
