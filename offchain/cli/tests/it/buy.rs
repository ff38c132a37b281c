//! `sonm market offers --network` and `sonm buy`'s choice against a real `sonm hub serve` process: the offer heard on
//! the network with its hub's history and mark, and purchases the buyer refuses in one line (too dear, a hub that
//! offers nothing). A whole purchase with miners is in `miner.rs` and in `sonm demo`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Chain, s, tempdir, tool_path};
use crate::market::{BUYER, OPERATOR, hub_with_operator};

/// `sonm hub serve`, killed when dropped; its first `listening` line.
struct Hub(Child);

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(chain: &Chain, hub: &str, state: &std::path::Path) -> (Hub, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args([
            "--json",
            "hub",
            "serve",
            "--hub",
            hub,
            "--state",
            state.to_str().expect("utf-8"),
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--price",
            "1.5",
        ])
        .env("ETH_RPC_URL", chain.anvil.endpoint())
        .env("SONM_DEPLOYMENTS", &chain.deployments)
        .env("SONM_PRIVATE_KEY", chain.key(OPERATOR))
        .env_remove("SONM_KEYSTORE")
        .env("PATH", tool_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sonm hub serve");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && tx.send(v).is_err()
            {
                break;
            }
        }
    });
    let hub = Hub(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(v) if v["event"] == "listening" => return (hub, v),
            Ok(_) => {}
            Err(e) => panic!("sonm hub serve printed no listening line: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn offers_heard_on_the_network_are_listed_judged_and_refused_when_too_dear() {
    let chain = Chain::new().await;
    let hub = hub_with_operator(&chain);
    let dir = tempdir("buy-e2e");
    let (_hub_proc, listening) = serve(&chain, &hub, &dir.join("hub"));
    // The hub's endpoint in the Whitelist is not its node's address here: the peer is given by hand.
    let addr = listening["addrs"][0]
        .as_str()
        .expect("an address")
        .to_owned();

    // The hub announces as soon as a peer subscribes; a node that connects also asks it directly.
    let heard = chain.ok(
        None,
        &["market", "offers", "--network", "10", "--peer", &addr],
    );
    let offers = heard["offers"].as_array().expect("offers");
    assert_eq!(offers.len(), 1, "{heard}");
    let o = &offers[0];
    assert_eq!(s(o, "hub").to_lowercase(), hub.to_lowercase(), "{o}");
    assert_eq!(s(o, "pricePerLeaf"), "1.5", "{o}");
    assert_eq!(o["history"]["taken"], 0, "{o}");
    assert_eq!(o["mark"]["label"], "checked", "{o}");
    assert!(o["problems"].as_array().is_some_and(Vec::is_empty), "{o}");

    let buyer_state = dir.join("buyer");
    let buy = |extra: &[&str]| {
        // With --json the buyer's events go to stdout: stderr holds the one line of the refusal.
        let mut args = vec![
            "--json",
            "buy",
            "--peer",
            &addr,
            "--discover",
            "5",
            "--width",
            "8",
            "--height",
            "4",
            "--state",
            buyer_state.to_str().expect("utf-8"),
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--out",
            "never.png",
        ];
        args.extend_from_slice(extra);
        chain.fails(Some(BUYER), &args)
    };
    let e = buy(&["--max-price", "1"]);
    assert!(
        e.contains("no acceptable offer") && e.contains("more than --max-price 1 SNM"),
        "{e}"
    );
    // A hub that offers nothing is waited for the whole --discover window, then refused.
    let e = buy(&["--hub", "0x00000000000000000000000000000000000000aa"]);
    assert!(e.contains("no offer of hub"), "{e}");
    let e = buy(&["--sample", "0"]);
    assert!(e.contains("--sample 0: give a fraction"), "{e}");
    // Nothing was taken: the hub's history is untouched.
    let history = chain.ok(None, &["hub", "history", &hub]);
    assert_eq!(history["taken"], 0, "{history}");
}
