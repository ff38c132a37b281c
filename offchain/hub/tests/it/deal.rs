//! A whole deal through the daemon: taken on chain, inputs from the buyer, units leased to miners (one caught
//! cheating), committed, accepted by the buyer, work receipts signed and served.

use std::path::Path;

use alloy::primitives::U256;
use sonm_agents::{MapTasks, Receipts, SignedReceipt, TaskStatus};
use sonm_net::{MarketRequest, MarketResponse};

use crate::common::{
    BUYER, HubEvents, MINERS, OPERATOR, TestChain, buy, hub_addr, long_output_miner, miner,
};

#[tokio::test(flavor = "multi_thread")]
async fn the_hub_completes_a_deal_and_pays_its_miners_with_receipts() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-deal"));
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let listening = events.wait("listening", 30).await;
    let pay_per_unit: U256 = listening["pay_per_unit"]
        .as_str()
        .expect("pay")
        .parse()
        .expect("u256");
    let at = hub_addr(&listening);
    let m0 = miner(&chain, MINERS[0], at.clone(), 8, 0).await;
    let m1 = miner(&chain, MINERS[1], at.clone(), 8, 0).await;
    let rows = 24u32;
    let (deal, buyer, buyer_client) = buy(&chain, at.clone(), rows).await;
    let seen = events.wait("deal seen", 30).await;
    assert_eq!(seen["deal"], deal);
    events.wait("inputs fetched", 30).await;
    let committed = events.wait("committed", 60).await;
    let tasks = MapTasks::new(&buyer_client).expect("tasks");
    let info = tasks.task(deal).await.expect("task");
    assert_eq!(info.status, TaskStatus::Committed);
    assert_eq!(committed["root"], serde_json::json!(info.result_root));
    // The buyer's own check: every row recomputed gives the committed root.
    let inputs = sonm_agents::task::mandelbrot_inputs(16, rows, (-0.75, 0.0), 3.0 / 16.0, 16);
    let own = tasks
        .solve(deal, &inputs, &sonm_agents::SolveMode::Honest, &|_| {})
        .await
        .expect("recompute");
    assert_eq!(
        own.root(),
        info.result_root,
        "the hub committed the honest root"
    );
    // The results are served by the hub: fetched and checked against the committed root.
    let fetched = buyer
        .fetch_tree(at.0, info.result_root, u64::from(rows))
        .await
        .expect("results from the hub");
    assert_eq!(fetched.len(), rows as usize);
    let progress = buyer
        .market(
            at.0,
            MarketRequest::Progress {
                task_id: U256::from(deal),
            },
        )
        .await
        .expect("progress");
    let MarketResponse::Progress(p) = progress else {
        panic!("{progress:?}");
    };
    assert_eq!(
        (p.units, p.done, p.committed),
        (u64::from(rows), u64::from(rows), Some(info.result_root))
    );
    assert_eq!(
        p.by_miner.iter().map(|(_, n)| n).sum::<u64>(),
        u64::from(rows)
    );
    tasks.accept(deal).await.expect("accept");
    events.wait("accepted", 30).await;
    let signed = events.wait("receipts signed", 30).await;
    let listed = signed["receipts"].as_array().expect("receipts").clone();
    assert!(!listed.is_empty());
    // Each miner fetches its receipts: one for the deal, for its units, signed by the operator, payable.
    let receipts = Receipts::new(&chain.client(BUYER).await).expect("receipts");
    let mut units = 0u64;
    for (node, i) in [(&m0.node, MINERS[0]), (&m1.node, MINERS[1])] {
        let answer = node
            .market(
                at.0,
                MarketRequest::Receipts {
                    miner: chain.address(i),
                },
            )
            .await
            .expect("receipts");
        let MarketResponse::Receipts { receipts: files } = answer else {
            panic!("{answer:?}");
        };
        let done = p
            .by_miner
            .iter()
            .find(|(m, _)| *m == chain.address(i))
            .map_or(0, |(_, n)| *n);
        assert_eq!(files.len(), usize::from(done > 0));
        for f in files {
            let r =
                SignedReceipt::from_json(std::str::from_utf8(&f).expect("utf-8"), Path::new("net"))
                    .expect("a receipt file");
            assert_eq!(r.signer().expect("signer"), chain.address(OPERATOR));
            assert_eq!(r.receipt.deal, U256::from(deal));
            assert_eq!(r.receipt.amount, pay_per_unit * U256::from(done));
            let status = receipts.status(&r).await.expect("status");
            assert!(status.payable(), "{:?}", status.problems);
            units += done;
        }
    }
    assert_eq!(units, u64::from(rows));
    assert_eq!(events.count("committed"), 1);
    daemon.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_miner_caught_by_the_sample_loses_its_units_which_another_redoes() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-caught"));
    config.sample_rate = 0.9;
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    // The cheat joins first and falsifies one output of its second lease: its first lease is accepted, then lost.
    let cheat = chain.address(MINERS[1]);
    let bad = miner(&chain, MINERS[1], at.clone(), 4, 2).await;
    let good = miner(&chain, MINERS[0], at.clone(), 4, 0).await;
    let rows = 32u32;
    let (deal, buyer, buyer_client) = buy(&chain, at.clone(), rows).await;
    let caught = events.wait("caught", 60).await;
    assert_eq!(caught["miner"], serde_json::json!(cheat));
    assert_eq!(caught["deal"], deal);
    assert_ne!(caught["output"], caught["expected"]);
    assert_eq!(caught["reported"], true);
    events.wait("committed", 60).await;
    let info = MapTasks::new(&buyer_client)
        .expect("tasks")
        .task(deal)
        .await
        .expect("task");
    let inputs = sonm_agents::task::mandelbrot_inputs(16, rows, (-0.75, 0.0), 3.0 / 16.0, 16);
    let own = MapTasks::new(&buyer_client)
        .expect("tasks")
        .solve(deal, &inputs, &sonm_agents::SolveMode::Honest, &|_| {})
        .await
        .expect("recompute");
    assert_eq!(
        own.root(),
        info.result_root,
        "nothing of the cheat's is in the result"
    );
    let MarketResponse::Progress(p) = buyer
        .market(
            at.0,
            MarketRequest::Progress {
                task_id: U256::from(deal),
            },
        )
        .await
        .expect("progress")
    else {
        panic!("progress");
    };
    assert!(
        p.by_miner.iter().all(|(m, _)| *m != cheat),
        "{:?}",
        p.by_miner
    );
    assert!(p.redone >= 4, "{p:?}");
    // The cheat cannot join again.
    let again = bad
        .node
        .market(
            at.0,
            MarketRequest::Join {
                miner: cheat,
                capacity: 4,
            },
        )
        .await;
    assert!(
        !matches!(again, Ok(MarketResponse::Joined { .. })),
        "{again:?}"
    );
    // The report with its evidence reached the honest miner, which believed it.
    for _ in 0..100 {
        if good.reports.load(std::sync::atomic::Ordering::Relaxed) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        good.reports.load(std::sync::atomic::Ordering::Relaxed) > 0,
        "the hub report was not believed"
    );
    daemon.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_output_longer_than_the_task_allows_is_caught_whatever_the_sample() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-long"));
    // A sample that practically never draws.
    config.sample_rate = 1e-9;
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 30).await);
    let _bad = long_output_miner(&chain, MINERS[1], at.clone(), 4).await;
    let (deal, _buyer, _client) = buy(&chain, at.clone(), 8).await;
    let caught = events.wait("caught", 30).await;
    assert_eq!(caught["deal"], deal);
    assert_eq!(caught["miner"], serde_json::json!(chain.address(MINERS[1])));
    let _good = miner(&chain, MINERS[0], at, 8, 0).await;
    events.wait("committed", 60).await;
    daemon.abort();
}
