//! The demo's processes: every daemon and the buyer is a `sonm` process of its own, with its own directory (its
//! state, its key file, its copy of the deployments file), its key in its environment, its stderr in
//! `DIR/logs/<role>.log`; the demo follows the JSON lines each prints on stdout (`--json`). They share no file and
//! talk only over libp2p and the chain.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use alloy::signers::local::PrivateKeySigner;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::DemoError;

/// One JSON line a process printed.
#[derive(Clone, Debug)]
pub(crate) struct Line {
    /// The process's role (`hub-a`, `miner-3`, `buy-1`, ...).
    pub(crate) role: String,
    /// The object (with its `"event"`).
    pub(crate) value: Value,
}

impl Line {
    /// The event's name.
    pub(crate) fn event(&self) -> &str {
        self.value["event"].as_str().unwrap_or("")
    }

    /// Whether this is `event` from `role` (a prefix: `miner` matches every miner).
    pub(crate) fn is(&self, role: &str, event: &str) -> bool {
        self.role.starts_with(role) && self.event() == event
    }
}

struct Proc {
    child: Child,
    reader: Option<JoinHandle<()>>,
}

/// The running processes and everything they printed.
pub(crate) struct Procs {
    bin: PathBuf,
    rpc_url: String,
    deployments_file: PathBuf,
    out: PathBuf,
    tx: mpsc::UnboundedSender<Line>,
    rx: mpsc::UnboundedReceiver<Line>,
    /// Every line received so far, in order.
    pub(crate) seen: Vec<Line>,
    running: BTreeMap<String, Proc>,
    narrate: fn(&Line) -> Option<String>,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> DemoError + 'a {
    move |source| DemoError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

impl Procs {
    pub(crate) fn new(
        bin: PathBuf,
        rpc_url: String,
        deployments_file: PathBuf,
        out: PathBuf,
        narrate: fn(&Line) -> Option<String>,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            bin,
            rpc_url,
            deployments_file,
            out,
            tx,
            rx,
            seen: Vec::new(),
            running: BTreeMap::new(),
            narrate,
        }
    }

    /// The directory of `role`'s own files (state, key, deployments).
    pub(crate) fn dir(&self, role: &str) -> PathBuf {
        self.out.join("procs").join(role)
    }

    /// Starts `sonm --json <args>` as `role` with `key` (in `SONM_PRIVATE_KEY`), in directory `dir` (a role's own;
    /// the buyer's runs share the buyer's).
    pub(crate) async fn spawn(
        &mut self,
        role: &str,
        dir_role: &str,
        key: &PrivateKeySigner,
        args: &[String],
    ) -> Result<(), DemoError> {
        let dir = self.dir(dir_role);
        let deployments = dir.join("deployments");
        std::fs::create_dir_all(&deployments).map_err(io("create", &deployments))?;
        let file = deployments.join(
            self.deployments_file
                .file_name()
                .unwrap_or_else(|| std::ffi::OsStr::new("31337.json")),
        );
        std::fs::copy(&self.deployments_file, &file).map_err(io("copy", &file))?;
        let logs = self.out.join("logs");
        std::fs::create_dir_all(&logs).map_err(io("create", &logs))?;
        let log_path = logs.join(format!("{role}.log"));
        let log = std::fs::File::create(&log_path).map_err(io("create", &log_path))?;
        let events_path = logs.join(format!("{role}.jsonl"));
        let mut events = tokio::fs::File::create(&events_path)
            .await
            .map_err(io("create", &events_path))?;
        let mut child = Command::new(&self.bin)
            .arg("--rpc-url")
            .arg(&self.rpc_url)
            .arg("--deployments")
            .arg(&deployments)
            .arg("--json")
            .args(args)
            .current_dir(&dir)
            .env("SONM_PRIVATE_KEY", format!("0x{}", hex_key(key)))
            .env("SONM_LOG", "info")
            .env_remove("ETH_RPC_URL")
            .env_remove("SONM_KEYSTORE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .map_err(io("start", &self.bin))?;
        let stdout = child.stdout.take().ok_or_else(|| DemoError::Io {
            action: "read the output of",
            path: self.bin.clone(),
            source: std::io::Error::other("no stdout"),
        })?;
        let tx = self.tx.clone();
        let role_name = role.to_owned();
        let reader = tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = events.write_all(line.as_bytes()).await;
                let _ = events.write_all(b"\n").await;
                if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(&line)
                    && value.get("event").is_some()
                {
                    let _ = tx.send(Line {
                        role: role_name.clone(),
                        value,
                    });
                }
            }
            let _ = events.flush().await;
        });
        self.running.insert(
            role.to_owned(),
            Proc {
                child,
                reader: Some(reader),
            },
        );
        Ok(())
    }

    fn take(&mut self, line: Line) {
        if let Some(text) = (self.narrate)(&line) {
            println!("  {:<8} {text}", line.role);
        }
        self.seen.push(line);
    }

    /// Fails if a daemon (not a buyer run) exited.
    fn check_alive(&mut self) -> Result<(), DemoError> {
        for (role, p) in &mut self.running {
            if role.starts_with("buy") {
                continue;
            }
            if let Ok(Some(status)) = p.child.try_wait() {
                return Err(DemoError::Outcome(format!(
                    "{role} exited ({status}): see {}",
                    self.out.join("logs").join(format!("{role}.log")).display()
                )));
            }
        }
        Ok(())
    }

    /// The first line (already seen, or arriving within `limit`) that `pred` accepts; `what` names it in the error.
    pub(crate) async fn wait_for(
        &mut self,
        what: &str,
        limit: Duration,
        pred: impl Fn(&Line) -> bool,
    ) -> Result<Line, DemoError> {
        if let Some(l) = self.seen.iter().find(|l| pred(l)) {
            return Ok(l.clone());
        }
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            self.check_alive()?;
            let tick = tokio::time::Instant::now() + Duration::from_millis(500);
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(DemoError::Outcome(format!("{what} within {} s", limit.as_secs())));
                }
                line = self.rx.recv() => {
                    let Some(line) = line else {
                        return Err(DemoError::Outcome(format!("{what}: every process stopped")));
                    };
                    let hit = pred(&line);
                    self.take(line.clone());
                    if hit {
                        return Ok(line);
                    }
                }
                _ = tokio::time::sleep_until(tick) => {}
            }
        }
    }

    /// Reads what has arrived without waiting.
    pub(crate) fn drain(&mut self) {
        while let Ok(line) = self.rx.try_recv() {
            self.take(line);
        }
    }

    /// Waits (at most `limit`) for `role` to exit, following every process's lines meanwhile; returns its exit
    /// status once all it printed has been read.
    pub(crate) async fn wait_exit(
        &mut self,
        role: &str,
        limit: Duration,
    ) -> Result<ExitStatus, DemoError> {
        let deadline = tokio::time::Instant::now() + limit;
        let status = loop {
            self.check_alive()?;
            let Some(p) = self.running.get_mut(role) else {
                return Err(DemoError::Outcome(format!("{role} is not running")));
            };
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    let _ = p.child.start_kill();
                    return Err(DemoError::Outcome(format!(
                        "{role} did not finish within {} s (see {})",
                        limit.as_secs(),
                        self.out.join("logs").join(format!("{role}.log")).display()
                    )));
                }
                status = p.child.wait() => {
                    break status.map_err(io("wait for", &self.bin))?;
                }
                line = self.rx.recv() => {
                    if let Some(line) = line {
                        self.take(line);
                    }
                }
            }
        };
        if let Some(reader) = self.running.get_mut(role).and_then(|p| p.reader.take()) {
            let _ = reader.await;
        }
        self.drain();
        self.running.remove(role);
        Ok(status)
    }

    /// Lines of `role` seen so far.
    pub(crate) fn of<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Line> + 'a {
        self.seen.iter().filter(move |l| l.role == role)
    }

    /// Stops every process (SIGKILL through `kill_on_drop`'s `start_kill`) and waits for them.
    pub(crate) async fn stop_all(&mut self) {
        for p in self.running.values_mut() {
            let _ = p.child.start_kill();
        }
        for p in self.running.values_mut() {
            let _ = p.child.wait().await;
        }
        self.running.clear();
    }
}

fn hex_key(key: &PrivateKeySigner) -> String {
    alloy::primitives::hex::encode(key.to_bytes())
}
