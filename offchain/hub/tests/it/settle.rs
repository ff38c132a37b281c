//! The rest of a deal's life through the daemon: a deal whose inputs never come is declined before `declineBy`; a
//! query is answered and a deal the buyer does not accept is finalized after the window; a straggler's lease times
//! out and its units go to another miner; `--dishonest-rows` commits a falsified root; low funds are warned of.

use std::time::Duration;

use alloy::primitives::U256;
use sonm_agents::{Client, MapTasks, Market, SolveMode, TaskStatus, Token};
use sonm_bindings::enums::IMapGame::QueryStatus;

use crate::common::{
    DEPLOYER, HubEvents, Inputs, MINERS, TestChain, buy, buy_with, hub_addr, miner, quitting_miner,
    silent_miner, snm,
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

/// `GET /metrics` over a bare TCP connection.
async fn scrape(addr: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(
            format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("request");
    let mut body = String::new();
    stream.read_to_string(&mut body).await.expect("response");
    body
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
    let (deal, _buyer, buyer_client) = buy_with(&chain, at, 8, Inputs::Withheld).await;
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
    config.metrics = Some("127.0.0.1:0".parse().expect("addr"));
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let listening = events.wait("listening", 30).await;
    let at = hub_addr(&listening);
    let warning = events.wait("warning", 30).await;
    assert_eq!(warning["kind"], "low free balance");
    let metrics = scrape(listening["metrics"].as_str().expect("metrics address")).await;
    assert!(metrics.contains("sonm_hub_low_free_balance 1"), "{metrics}");
    assert!(metrics.contains("sonm_hub_low_eth 0"), "{metrics}");
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

#[tokio::test(flavor = "multi_thread")]
async fn offers_are_signed_again_before_they_expire_and_payday_is_held_when_due() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-payday"));
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let first = events.wait("offer signed", 30).await;
    let at = hub_addr(&events.wait("listening", 30).await);
    // Past the payout period (30 days): PayDay, then the hub registers again; the day-long offer was re-signed.
    chain.travel(30 * 86_400 + 1).await;
    let payday = events.wait("payday", 30).await;
    assert!(payday["tx"].is_string());
    events.wait("registered", 30).await;
    let hubs = sonm_agents::Hubs::new(&chain.client(DEPLOYER).await).expect("hubs");
    assert_eq!(
        hubs.state(hub).await.expect("state"),
        sonm_agents::HubState::Registered
    );
    let signed: Vec<&serde_json::Value> = events
        .seen
        .iter()
        .filter(|v| v["event"] == "offer signed")
        .collect();
    assert!(signed.len() >= 2, "{signed:?}");
    let fresh = (*signed.last().expect("fresh")).clone();
    assert_ne!(fresh["hash"], first["hash"]);
    assert!(fresh["expiry"].as_u64() > Some(chain.now().await));
    // The announcement carries the fresh offer.
    let (node, mut node_events) = sonm_net::Node::start(
        sonm_net::NodeConfig {
            peers: vec![at.1.clone()],
            ..sonm_net::NodeConfig::local()
        },
        chain.net(),
    )
    .await
    .expect("node");
    tokio::spawn(async move { while node_events.next().await.is_some() {} });
    let mut announced = Vec::new();
    for _ in 0..50 {
        if let Ok(a) = node.hub_info(at.0).await {
            announced =
                sonm_agents::market::offers_from_bytes(&a.announcement.offers).expect("offers");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hashes: Vec<String> = announced
        .iter()
        .map(|o| o.hash().expect("hash").to_string())
        .collect();
    assert_eq!(
        hashes,
        vec![fresh["hash"].as_str().expect("hash").to_owned()]
    );
    daemon.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_are_fetched_from_the_input_uri_and_no_receipts_withholds_the_miners_pay() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-uri"));
    config.no_receipts = true;
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    let m = miner(&chain, MINERS[0], at.clone(), 8, 0).await;
    let (deal, buyer, buyer_client) = buy_with(&chain, at.clone(), 8, Inputs::Served).await;
    let fetched = events.wait("inputs fetched", 30).await;
    assert_eq!(fetched["deal"], deal);
    assert_eq!(fetched["from"], buyer.peer_id().to_string());
    let committed = events.wait("committed", 60).await;
    assert_eq!(
        committed["root"],
        serde_json::json!(honest_root(&buyer_client, deal, 8).await)
    );
    // --no-receipts: the deal settles, the miner gets nothing.
    MapTasks::new(&buyer_client)
        .expect("tasks")
        .accept(deal)
        .await
        .expect("accept");
    events.wait("receipts withheld", 30).await;
    assert_eq!(events.count("receipts signed"), 0);
    let answer = m
        .node
        .market(
            at.0,
            sonm_net::MarketRequest::Receipts {
                miner: chain.address(MINERS[0]),
            },
        )
        .await
        .expect("receipts");
    assert_eq!(
        answer,
        sonm_net::MarketResponse::Receipts { receipts: vec![] }
    );
    daemon.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_miner_that_goes_away_mid_lease_loses_the_lease_not_the_task() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-quitter"));
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    let _gone = quitting_miner(&chain, STRAGGLER, at.clone(), 4).await;
    let (deal, _buyer, buyer_client) = buy(&chain, at.clone(), 12).await;
    let lease = events.wait("lease", 30).await;
    assert_eq!(lease["miner"], serde_json::json!(chain.address(STRAGGLER)));
    // The connection closes: the lease fails at once, well before its 20 s timeout.
    let started = std::time::Instant::now();
    let failed = events.wait("lease failed", 15).await;
    assert_ne!(failed["reason"], "timed out", "{failed}");
    assert!(started.elapsed() < Duration::from_secs(15));
    let _m = miner(&chain, MINERS[0], at, 8, 0).await;
    let computed = events.wait("computed", 60).await;
    assert_eq!(computed["redone"], 4);
    let committed = events.wait("committed", 30).await;
    assert_eq!(
        committed["root"],
        serde_json::json!(honest_root(&buyer_client, deal, 12).await)
    );
    daemon.abort();
}
