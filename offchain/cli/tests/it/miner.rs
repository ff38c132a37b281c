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
