//! Hub dispatch: units leased, answered, sampled and collected per second, with tiny units (Mandelbrot rows 16
//! pixels wide, 16 iterations) and 8 miners on sonm-net nodes over 127.0.0.1, against anvil.
//!
//! `cargo bench -p sonm-hub` (`SONM_BENCH_ROWS`, default 2048; `SONM_BENCH_MINERS`, default 8). Prints, for leases of
//! 1, 8 and 32 units: the wall time from the inputs fetched to every unit in, and units per second.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_debug_implementations,
    dead_code
)]

#[path = "../tests/it/common.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{HubEvents, TestChain, buy, hub_addr, miner};

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rows = env("SONM_BENCH_ROWS", 2048);
    let miners = env("SONM_BENCH_MINERS", 8) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("hub dispatch: {rows} units, {miners} miners, sample rate 0.125");
    println!("| units per lease | units in (s) | units/s | leases/s |");
    println!("|---|---|---|---|");
    for lease_units in [1u64, 8, 32] {
        let (secs, leases) = runtime.block_on(run(rows, miners, lease_units));
        println!(
            "| {lease_units} | {secs:.2} | {:.0} | {:.0} |",
            f64::from(rows) / secs,
            leases as f64 / secs
        );
    }
}

async fn run(rows: u32, miners: usize, lease_units: u64) -> (f64, usize) {
    let chain = TestChain::new().await;
    let hub = chain.hub().await;
    let mut config = chain.config(hub, sonm_testkit::tempdir("hub-bench"));
    config.lease_units = lease_units;
    config.lease_timeout = Duration::from_secs(60);
    config.offers[0].price = Some("0.01".into());
    let mut events = HubEvents::attach(&mut config);
    let daemon = tokio::spawn(sonm_hub::run(config, std::future::pending()));
    let at = hub_addr(&events.wait("listening", 60).await);
    let mut nodes = Vec::new();
    // Anvil's accounts 4..10 and then 4.. again: a miner's paid address may be shared, its peer is its own.
    for k in 0..miners {
        nodes.push(miner(&chain, 4 + k % 6, at.clone(), (lease_units * 4) as u32, 0).await);
    }
    let (_deal, _buyer, _client) = buy(&chain, at, rows).await;
    events.wait("inputs fetched", 120).await;
    let start = Instant::now();
    events.wait("computed", 600).await;
    let secs = start.elapsed().as_secs_f64();
    let leases = events.count("lease");
    daemon.abort();
    drop(nodes);
    (secs, leases)
}
