//! A hub stopped in the middle of a deal and started again on its state: the units accepted before are kept (and
//! paid to the miner that did them), the rest are leased to the miners that join the new process, the deal is
//! committed once.

use std::time::Duration;

use sonm_agents::{MapTasks, SolveMode};
use tokio::sync::oneshot;

use crate::common::{HubEvents, MINERS, TestChain, buy, hub_addr, miner, miner_with};

#[tokio::test(flavor = "multi_thread")]
async fn a_hub_restarted_mid_deal_keeps_the_units_done_and_finishes_the_rest() {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let state = sonm_testkit::tempdir("hub-restart");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let listen: sonm_net::Multiaddr = format!("/ip4/127.0.0.1/tcp/{port}").parse().expect("addr");
    let mut config = chain.config(hub, state.clone());
    config.listen = vec![listen.clone()];
    let mut events = HubEvents::attach(&mut config);
    let (stop, stopped) = oneshot::channel::<()>();
    let first = tokio::spawn(sonm_hub::run(config, async {
        let _ = stopped.await;
    }));
    let at = hub_addr(&events.wait("listening", 30).await);
    // A slow miner: a lease of 4 rows every 300 ms.
    let slow = miner_with(
        &chain,
        MINERS[0],
        at.clone(),
        4,
        0,
        Duration::from_millis(300),
    )
    .await;
    let rows = 24u32;
    let (deal, _buyer, buyer_client) = buy(&chain, at.clone(), rows).await;
    events.wait("inputs fetched", 30).await;
    // Stop it after a few leases (before every unit is in).
    for _ in 0..3 {
        let n = events.count("lease");
        events.wait_new("lease", n, 30).await;
    }
    stop.send(()).expect("stop");
    first.await.expect("joined").expect("stopped cleanly");
    assert_eq!(events.count("computed"), 0, "stopped mid-deal");
    drop(slow);

    let mut config = chain.config(hub, state);
    config.listen = vec![listen];
    let mut again = HubEvents::attach(&mut config);
    let second = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at2 = hub_addr(&again.wait("listening", 30).await);
    assert_eq!(at2.0, at.0, "the same peer id");
    let _fast = miner(&chain, MINERS[1], at2, 8, 0).await;
    let computed = again.wait("computed", 60).await;
    assert_eq!(again.count("deal seen"), 0, "the deal was in the state");
    let by: Vec<(String, u64)> = computed["by_miner"]
        .as_array()
        .expect("by miner")
        .iter()
        .map(|m| {
            (
                m["miner"].as_str().expect("miner").to_lowercase(),
                m["units"].as_u64().expect("units"),
            )
        })
        .collect();
    let of = |i: usize| {
        let a = chain.address(i).to_string().to_lowercase();
        by.iter().find(|(m, _)| *m == a).map_or(0, |(_, n)| *n)
    };
    assert!(
        of(MINERS[0]) >= 4,
        "the slow miner's units before the stop are kept: {by:?}"
    );
    assert!(of(MINERS[1]) > 0, "{by:?}");
    assert_eq!(of(MINERS[0]) + of(MINERS[1]), u64::from(rows));
    let committed = again.wait("committed", 30).await;
    let inputs = sonm_agents::task::mandelbrot_inputs(16, rows, (-0.75, 0.0), 3.0 / 16.0, 16);
    let own = MapTasks::new(&buyer_client)
        .expect("tasks")
        .solve(deal, &inputs, &SolveMode::Honest, &|_| {})
        .await
        .expect("recompute");
    assert_eq!(committed["root"], serde_json::json!(own.root()));
    second.abort();
}
