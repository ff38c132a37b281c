//! `sonm miner`: the view of the hubs (a new registered hub is checked, with the reason; a suspended one would not
//! be), the daemon as a real process (its `listening` line, its key file readable by its owner only, a clean stop on
//! SIGTERM with a `stopped` line), and bad input in one line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Chain, s, tempdir, tool_path};
use crate::market::{MINERS, hub_with_operator};

/// A process killed when dropped.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn miner_hubs_marks_every_hub_with_its_reasons() {
    let chain = Chain::new().await;
    let hub = hub_with_operator(&chain);
    let state = tempdir("miner-view");
    let v = chain.ok(None, &["miner", "hubs", "--state", state.to_str().unwrap()]);
    let hubs = v["hubs"].as_array().expect("hubs");
    let h = hubs
        .iter()
        .find(|h| s(h, "hub").eq_ignore_ascii_case(&hub))
        .expect("the hub is listed");
    assert_eq!(s(h, "mark"), "checked");
    let reasons: Vec<&str> = h["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("no record yet")),
        "{reasons:?}"
    );
    // No daemon ran there: the view says its books and peers' reports are left out.
    assert!(s(&v, "note").contains("no state here"), "{v}");
    let text = chain.sonm(None, &["miner", "hubs", "--state", state.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.contains("CHECKED") && out.contains("    - "), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_miner_daemon_listens_keeps_its_key_private_and_stops_on_sigterm() {
    let chain = Chain::new().await;
    let state = tempdir("miner-run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sonm"))
        .args([
            "--json",
            "miner",
            "run",
            "--state",
            state.to_str().unwrap(),
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--threads",
            "1",
            "--interval",
            "1",
        ])
        .env("ETH_RPC_URL", chain.anvil.endpoint())
        .env("SONM_DEPLOYMENTS", &chain.deployments)
        .env("SONM_PRIVATE_KEY", chain.key(MINERS[0]))
        .env_remove("SONM_KEYSTORE")
        .env("PATH", tool_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sonm miner run");
    let stdout = child.stdout.take().expect("stdout");
    let daemon = Daemon(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {what} line within 60 s"));
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            if v["event"] == what {
                return v;
            }
        }
    };
    let listening = next("listening");
    assert!(s(&listening, "peer").starts_with("12D3KooW"), "{listening}");
    assert!(
        s(&listening, "miner").eq_ignore_ascii_case(&chain.address(MINERS[0]).to_string()),
        "{listening}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(state.join("node.key"))
            .expect("node.key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "node.key mode {mode:o}");
    }
    assert!(state.join("state.redb").exists());
    let pid = daemon.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    next("stopped");
    drop(daemon);

    // Bad input: one line each.
    assert!(
        chain
            .fails(None, &["miner", "run", "--state", state.to_str().unwrap()])
            .contains("key"),
    );
    assert!(
        chain
            .fails(
                Some(MINERS[0]),
                &[
                    "miner",
                    "run",
                    "--state",
                    state.to_str().unwrap(),
                    "--threads",
                    "0"
                ]
            )
            .contains("--threads must be at least 1"),
    );
    assert!(
        chain
            .fails(
                Some(MINERS[0]),
                &[
                    "miner",
                    "run",
                    "--state",
                    state.to_str().unwrap(),
                    "--max-debt",
                    "lots"
                ]
            )
            .starts_with("error: --max-debt"),
    );
}

/// A `sonm --json ...` process as account `key`, its stdout JSON lines collected; killed when dropped.
struct Proc {
    name: &'static str,
    child: Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
}

impl Proc {
    fn spawn(chain: &Chain, name: &'static str, key: usize, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sonm"))
            .arg("--json")
            .args(args)
            .env("ETH_RPC_URL", chain.anvil.endpoint())
            .env("SONM_DEPLOYMENTS", &chain.deployments)
            .env("SONM_PRIVATE_KEY", chain.key(key))
            .env_remove("SONM_KEYSTORE")
            .env("PATH", tool_path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sonm");
        let stdout = child.stdout.take().expect("stdout");
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        Self { name, child, lines }
    }

    fn find(&self, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        self.lines.lock().unwrap().iter().find(|v| pred(v)).cloned()
    }

    /// The first line `pred` holds for, waiting up to `secs` seconds.
    fn wait(&self, secs: u64, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(v) = self.find(&pred) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "{}: no {what} within {secs} s; it printed:\n{}",
                self.name,
                self.lines
                    .lock()
                    .unwrap()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The exit status, waiting up to `secs` seconds.
    fn finish(&mut self, secs: u64) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not finish within {secs} s",
                self.name
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn event(v: &Value, name: &str) -> bool {
    v["event"] == name
}

/// Real processes: `sonm hub serve` pays a first deal's receipts, then, restarted with `--no-receipts`, stops
/// paying; the miner it owes stops working for it at its `--max-debt` and reports (paid 4, owed 5 or more); another miner,
/// which joined the hub too, marks it not confirmed on that report and leaves it.
#[tokio::test(flavor = "multi_thread")]
async fn a_hub_that_stops_paying_loses_its_miners_and_its_mark() {
    let chain = Chain::new().await;
    let hub = hub_with_operator(&chain);
    chain.fund(Some(0), &[crate::market::BUYER], "200");
    let dir = tempdir("miner-e2e");
    let hub_state = dir.join("hub");
    // One port for both runs of the hub, so the miners find it again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port();
    let listen = format!("/ip4/127.0.0.1/tcp/{port}");
    let serve = |extra: &[&str]| {
        let mut args = vec![
            "hub",
            "serve",
            "--hub",
            &hub,
            "--state",
            hub_state.to_str().unwrap(),
            "--listen",
            &listen,
            "--price",
            "1.5",
            "--miner-pay",
            "1",
            "--turnaround",
            "600",
        ];
        args.extend_from_slice(extra);
        Proc::spawn(&chain, "hub", crate::market::OPERATOR, &args)
    };
    let mut hub_proc = serve(&[]);
    let listening = hub_proc.wait(60, "listening", |v| event(v, "listening"));
    let hub_addr = listening["addrs"][0].as_str().expect("addr").to_owned();
    let miner = |name: &'static str, key: usize, max_debt: &str| {
        let state = dir.join(name);
        Proc::spawn(
            &chain,
            name,
            key,
            &[
                "miner",
                "run",
                "--state",
                state.to_str().unwrap(),
                "--listen",
                "/ip4/127.0.0.1/tcp/0",
                "--peer",
                &hub_addr,
                "--threads",
                "1",
                "--capacity",
                "4",
                "--interval",
                "1",
                "--max-debt",
                max_debt,
            ],
        )
    };
    let m1 = miner("miner-1", MINERS[0], "5");
    m1.wait(60, "joined", |v| event(v, "joined"));
    let buy = |rows: &str, name: &'static str, out: &str| {
        Proc::spawn(
            &chain,
            name,
            crate::market::BUYER,
            &[
                "buy",
                "--peer",
                &hub_addr,
                "--width",
                "16",
                "--height",
                rows,
                "--out",
                dir.join(out).to_str().unwrap(),
                "--state",
                dir.join(name).to_str().unwrap(),
                "--listen",
                "/ip4/127.0.0.1/tcp/0",
            ],
        )
    };
    // Deal 1: 4 rows, all the first miner's; the hub signs its receipt, the miner redeems and claims 4 SNM.
    let mut first = buy("4", "buyer-1", "one.png");
    assert!(first.finish(120).success(), "the first deal");
    m1.wait(60, "the receipt redeemed", |v| {
        event(v, "receipt_redeemed") && v["amount"] == "4000000000000000000"
    });
    m1.wait(30, "the claim", |v| event(v, "claimed"));

    // The hub restarts and stops paying; a second miner joins; a second deal is bought.
    drop(hub_proc);
    hub_proc = serve(&["--no-receipts"]);
    hub_proc.wait(60, "listening again", |v| event(v, "listening"));
    let m2 = miner("miner-2", MINERS[1], "1000");
    m2.wait(60, "joined", |v| event(v, "joined"));
    // The first miner finds the restarted hub again (it redials it) and joins it again.
    let m1_address = chain.address(MINERS[0]).to_string().to_lowercase();
    hub_proc.wait(60, "the first miner joined again", |v| {
        event(v, "joined") && v["miner"] == m1_address.as_str()
    });
    let _second = buy("32", "buyer-2", "two.png");

    // The first miner works up to its limit (owed 5 SNM more, paid 4) and leaves, and says so.
    m1.wait(120, "left at its debt limit", |v| event(v, "left"));
    // Its report: paid 4 SNM (the chain's figure), owed at least its limit of 5 (how far past it depends on the leases
    // in flight when it crossed it).
    let owed = |v: &Value| {
        v["owed"]
            .as_str()
            .and_then(|o| o.parse::<u128>().ok())
            .unwrap_or(0)
    };
    let report = m1.wait(60, "its report", |v| {
        event(v, "reported") && owed(v) >= 5_000_000_000_000_000_000
    });
    assert_eq!(report["paid"], "4000000000000000000");
    let owed_snm = owed(&report) / 1_000_000_000_000_000_000;
    // The second miner hears it and marks the hub down, and leaves it too.
    let marked = m2.wait(60, "the hub marked not confirmed", |v| {
        event(v, "hub_marked") && v["mark"] == "not_confirmed"
    });
    let reasons = marked["reasons"].to_string();
    assert!(
        reasons.contains(&format!(
            "miner {} says it is owed {owed_snm} SNM, more than the 4 SNM it was paid",
            chain.address(MINERS[0])
        )),
        "{reasons}"
    );
    m2.wait(30, "left", |v| event(v, "left"));
    drop(hub_proc);
}
