//! The market's speed with real processes: `sonm hub serve` and `sonm miner run` (this crate's `sonm`, built with
//! the bench) lease, compute and sample the rows of one deal that `sonm buy` takes, on an anvil holding
//! sonm-testkit's deployment, every process on 127.0.0.1. Not a timed test: it prints tables.
//!
//! 1. **Overhead**: the CPU time (utime + stime, `/proc/<pid>/stat`) of the hub and the miners, from the buyer's
//!    start to the hub's `computed` event, against one run of the same rows by `sonm_executor::Executor` on one
//!    thread of this process; the ratio and its target, 1.15 x (1 + s) with the hub's sample rate s (the hub
//!    recomputes about s of the rows itself, so 1 + s is the work; the 15% is the market's own cost).
//! 2. **Scaling**: the wall time of the same deal from the hub's `inputs fetched` to its `computed` with 1, 2, 4 ...
//!    N miners, each `--threads 1`, and the speed-up over one miner. The target, at least 10x with 16 miners,
//!    needs a machine with more than 16 cores: it is printed, not asserted.
//!
//! The job (default: 12,288 rows of 200 pixels, 255 iterations each, deep in the period-3 bulb) is about 75 s of
//! single-core executor work on the project's machine (the local run prints its own figure). Both parts check that
//! the hub's result root is the root of the rows computed here. The daemons run with their defaults (the hub's
//! leases of 8 units, a miner's `--capacity 16`: two leases in flight), each its own process.
//!
//! `cargo bench -p sonm-cli --bench market [-- overhead | scaling]`. Environment: `SONM_BENCH_ROWS` (rows, one unit
//! each), `SONM_BENCH_WIDTH` (pixels a row), `SONM_BENCH_MAX_ITER` (1-255), `SONM_BENCH_MINERS` (miners of the
//! overhead run, default 2), `SONM_BENCH_MAX_MINERS` (N, default 4), `SONM_BENCH_SAMPLE_RATE` (s, default 0.125).
//! Needs `forge build` (sonm-testkit deploys through `script/Deploy.s.sol`) and anvil (`make toolchain`).

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::{B256, Bytes, U256};
use alloy::signers::local::PrivateKeySigner;
use serde_json::{Value, json};
use sonm_agents::{Client, HubOwner, MapTasks, Token};
use sonm_bindings::Contract;
use sonm_executor::Executor;
use sonm_testkit::Chain;
use tokio::sync::mpsc;

/// Anvil's accounts, by role (the miners have fresh keys, given ETH with `anvil_setBalance`).
const DEPLOYER: usize = 0;
const OWNER: usize = 1;
const OPERATOR: usize = 2;
const BUYER: usize = 3;

/// The view: a deep zoom into the period-3 bulb, centred on it, where every pixel runs all its iterations (the
/// main cardioid and the period-2 bulb, which `MandelbrotRow` recognises without iterating, are far away). Every row
/// then costs the same, about 7.0 M gas at 200 pixels and 255 iterations (35,100 gas a pixel, under the offer's
/// default 8 M gas per leaf), and the picture stays inside the bulb up to about 38,000 rows.
const CENTER: (f64, f64) = (-0.1226, 0.7449);
/// The distance between two pixels on the complex plane.
const STEP: f64 = 5e-6;
/// The hub's price per row, SNM: low, so that a deal of many rows stays within the buyer's funds.
const PRICE: &str = "0.01";

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a valid value")),
        Err(_) => default,
    }
}

fn snm(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18u64))
}

/// The Mandelbrot picture the buyer buys: one row a unit.
#[derive(Clone, Copy, Debug)]
struct Job {
    width: u32,
    rows: u32,
    max_iter: u8,
    step: f64,
    sample_rate: f64,
}

impl Job {
    fn from_env() -> Self {
        let width: u32 = env("SONM_BENCH_WIDTH", 200);
        let rows = env("SONM_BENCH_ROWS", 12_288);
        let max_iter = env("SONM_BENCH_MAX_ITER", 255);
        let sample_rate = env("SONM_BENCH_SAMPLE_RATE", 0.125);
        assert!(width > 0 && rows > 0 && max_iter > 0, "an empty picture");
        Self {
            width,
            rows,
            max_iter,
            step: STEP,
            sample_rate,
        }
    }

    /// The rows' inputs, exactly as `sonm buy` makes them from the same flags.
    fn inputs(&self) -> Vec<Bytes> {
        sonm_agents::task::mandelbrot_inputs(
            self.width,
            self.rows,
            CENTER,
            self.step,
            self.max_iter,
        )
    }

    fn describe(&self) -> String {
        format!(
            "{} rows of {} pixels, {} iterations, around {},{} ({} between pixels)",
            self.rows, self.width, self.max_iter, CENTER.0, CENTER.1, self.step
        )
    }
}

/// utime + stime of a process (or of a thread: `/proc/thread-self/stat`), in seconds. The kernel reports them in
/// USER_HZ ticks, 100 a second on Linux.
fn cpu_seconds(stat: &Path) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap_or_else(|e| panic!("{}: {e}", stat.display()));
    // The command name, in parentheses, may hold spaces: count the fields after it (state is the first, field 3).
    let rest = &text[text.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> u64 { fields[i].parse().expect("a tick count") };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running `sonm` process.
struct Proc {
    role: String,
    child: Child,
    log: PathBuf,
}

/// The processes of one run and the JSON events they printed (`--json`), each tagged with its process's role.
struct Procs {
    chain_url: String,
    deployments: PathBuf,
    dir: PathBuf,
    running: Vec<Proc>,
    tx: mpsc::UnboundedSender<(String, Value)>,
    rx: mpsc::UnboundedReceiver<(String, Value)>,
    seen: Vec<(String, Value)>,
}

impl Procs {
    fn new(chain: &Chain) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            chain_url: chain.anvil.endpoint(),
            deployments: chain.deployments.clone(),
            dir: chain.dir.clone(),
            running: Vec::new(),
            tx,
            rx,
            seen: Vec::new(),
        }
    }

    /// Starts `sonm --json <args>` as `role`, signing with `key`; its log in `<chain dir>/<role>.log`.
    fn spawn(&mut self, role: &str, key: &str, args: &[String]) {
        let log = self.dir.join(format!("{role}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_sonm"))
            .args(["--json", "--rpc-url", &self.chain_url, "--deployments"])
            .arg(&self.deployments)
            .args(args)
            .env("SONM_PRIVATE_KEY", key)
            .env("SONM_LOG", "warn")
            .env_remove("SONM_KEYSTORE")
            .env_remove("ETH_RPC_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", env!("CARGO_BIN_EXE_sonm")));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, name) = (self.tx.clone(), role.to_owned());
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send((name.clone(), v));
                }
            }
        });
        self.running.push(Proc {
            role: role.to_owned(),
            child,
            log,
        });
    }

    fn check_alive(&mut self) {
        for p in &mut self.running {
            if let Ok(Some(status)) = p.child.try_wait() {
                let log = std::fs::read_to_string(&p.log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                panic!(
                    "{} exited ({status}); the end of {}:\n{}",
                    p.role,
                    p.log.display(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
        }
    }

    /// How many events `event` the processes whose role starts with `role` printed so far.
    fn count(&mut self, role: &str, event: &str) -> usize {
        while let Ok(line) = self.rx.try_recv() {
            self.seen.push(line);
        }
        self.seen
            .iter()
            .filter(|(r, v)| r.starts_with(role) && v["event"] == event)
            .count()
    }

    /// The first event `event` of a process whose role starts with `role` (seen already or within `secs`).
    async fn wait(&mut self, role: &str, event: &str, secs: u64) -> Value {
        self.wait_n(role, event, 1, secs).await
    }

    /// The `n`-th such event.
    async fn wait_n(&mut self, role: &str, event: &str, n: usize, secs: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let hits: Vec<&Value> = self
                .seen
                .iter()
                .filter(|(r, v)| r.starts_with(role) && v["event"] == event)
                .map(|(_, v)| v)
                .collect();
            if hits.len() >= n {
                return hits[n - 1].clone();
            }
            self.check_alive();
            assert!(
                Instant::now() < deadline,
                "no {n} {event:?} from {role} within {secs} s (logs in {})",
                self.dir.display()
            );
            if let Ok(Some(line)) =
                tokio::time::timeout(Duration::from_millis(200), self.rx.recv()).await
            {
                self.seen.push(line);
            }
        }
    }

    /// The CPU seconds so far of the processes whose role starts with `role`.
    fn cpu(&self, role: &str) -> f64 {
        self.running
            .iter()
            .filter(|p| p.role.starts_with(role))
            .map(|p| cpu_seconds(&PathBuf::from(format!("/proc/{}/stat", p.child.id()))))
            .sum()
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        for p in &mut self.running {
            let _ = p.child.kill();
        }
        for p in &mut self.running {
            let _ = p.child.wait();
        }
    }
}

/// What one deal on the market took.
struct Run {
    /// From the hub's `inputs fetched` to its `computed` (every unit in).
    wall: f64,
    /// CPU seconds from the buyer's start to `computed`.
    hub_cpu: f64,
    miners_cpu: f64,
    /// anvil's, for the record (not the market's).
    anvil_cpu: f64,
    leases: usize,
    redone: u64,
    /// Units each miner did.
    by_miner: Vec<u64>,
    /// The hub's result root.
    root: B256,
    /// The task's bounds, for the local run.
    gas_per_leaf: u64,
    max_leaf_bytes: u32,
    executor: Executor,
}

/// One deal of `job` on a fresh chain: a hub, `miners` miners at `--threads 1`, a buyer.
async fn market(job: Job, miners: usize) -> Run {
    let chain = Chain::new().await;
    let url = chain.anvil.endpoint();
    let client = async |i: usize| {
        Client::connect(&url, Some(chain.signer(i)), &chain.deployments)
            .await
            .expect("client")
    };
    let token = Token::new(&client(DEPLOYER).await).expect("token");
    for who in [OWNER, BUYER] {
        token
            .transfer(chain.address(who), snm(1_000))
            .await
            .expect("fund");
    }
    // The hub's node key made now, so that its Whitelist endpoint names its peer: the miners find it there.
    let hub_state = chain.dir.join("hub");
    std::fs::create_dir_all(&hub_state).expect("hub state dir");
    let peer = sonm_net::identity::load_or_create(&hub_state.join("node.key"))
        .expect("the hub's node key")
        .public()
        .to_peer_id();
    let listen = format!("/ip4/127.0.0.1/tcp/{}", free_port());
    let owner = HubOwner::new(&client(OWNER).await).expect("owner");
    let (hub, _) = owner
        .create(&format!("{listen}/p2p/{peer}"), "bench hub")
        .await
        .expect("create the hub");
    owner.deposit(hub, snm(500)).await.expect("deposit");
    owner.register(hub).await.expect("register");
    owner
        .set_operator(hub, chain.address(OPERATOR))
        .await
        .expect("set the operator");

    let s = |x: &dyn ToString| x.to_string();
    let mut procs = Procs::new(&chain);
    procs.spawn(
        "hub",
        &chain.key(OPERATOR),
        &[
            s(&"hub"),
            s(&"serve"),
            s(&"--hub"),
            s(&hub),
            s(&"--state"),
            s(&hub_state.display()),
            s(&"--listen"),
            s(&listen),
            s(&"--price"),
            s(&PRICE),
            s(&"--sample-rate"),
            s(&job.sample_rate),
            s(&"--sample-seed"),
            s(&1),
        ],
    );
    procs.wait("hub", "listening", 60).await;
    for k in 0..miners {
        let key = PrivateKeySigner::random();
        chain
            .rpc(
                "anvil_setBalance",
                json!([key.address(), "0x8ac7230489e80000"]),
            )
            .await;
        let state = chain.dir.join(format!("miner-{k}"));
        procs.spawn(
            &format!("miner-{k}"),
            &alloy::hex::encode_prefixed(key.to_bytes()),
            &[
                s(&"miner"),
                s(&"run"),
                s(&"--state"),
                s(&state.display()),
                s(&"--listen"),
                s(&"/ip4/127.0.0.1/tcp/0"),
                s(&"--threads"),
                s(&1),
                s(&"--capacity"),
                s(&16),
            ],
        );
    }
    procs.wait_n("hub", "joined", miners, 120).await;

    let cpu_at = |p: &Procs| {
        (
            p.cpu("hub"),
            p.cpu("miner"),
            cpu_seconds(&PathBuf::from(format!(
                "/proc/{}/stat",
                chain.anvil.child().id()
            ))),
        )
    };
    let before = cpu_at(&procs);
    let buyer_state = chain.dir.join("buyer");
    procs.spawn(
        "buy",
        &chain.key(BUYER),
        &[
            s(&"buy"),
            s(&"--hub"),
            s(&hub),
            s(&"--state"),
            s(&buyer_state.display()),
            s(&"--listen"),
            s(&"/ip4/127.0.0.1/tcp/0"),
            s(&"--discover"),
            s(&30),
            s(&"--width"),
            s(&job.width),
            s(&"--height"),
            s(&job.rows),
            s(&format!("--center={},{}", CENTER.0, CENTER.1)),
            s(&"--step"),
            s(&job.step),
            s(&"--max-iter"),
            s(&job.max_iter),
            s(&"--out"),
            s(&buyer_state.join("picture.png").display()),
        ],
    );
    let seen = procs.wait("hub", "deal seen", 120).await;
    procs.wait("hub", "inputs fetched", 120).await;
    let start = Instant::now();
    let computed = procs.wait("hub", "computed", 3_600).await;
    let wall = start.elapsed().as_secs_f64();
    let after = cpu_at(&procs);
    let leases = procs.count("hub", "lease");

    let deal = seen["deal"].as_u64().expect("the deal's id");
    let reader = Client::connect(&chain.anvil.endpoint(), None, &chain.deployments)
        .await
        .expect("client");
    let task = MapTasks::new(&reader)
        .expect("tasks")
        .task(deal)
        .await
        .expect("the deal's task");
    let executor = Executor::from_deployment(
        reader.provider_ref(),
        reader.deployment(),
        reader
            .address(Contract::MandelbrotRow)
            .expect("MandelbrotRow"),
    )
    .await
    .expect("executor");
    let by_miner = computed["by_miner"]
        .as_array()
        .expect("by_miner")
        .iter()
        .map(|m| m["units"].as_u64().expect("units"))
        .collect();
    drop(procs);
    Run {
        wall,
        hub_cpu: after.0 - before.0,
        miners_cpu: after.1 - before.1,
        anvil_cpu: after.2 - before.2,
        leases,
        redone: computed["redone"].as_u64().unwrap_or(0),
        by_miner,
        root: computed["root"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("the result root"),
        gas_per_leaf: u64::from(task.gas_per_leaf),
        max_leaf_bytes: task.max_leaf_bytes,
        executor,
    }
}

/// The job's rows by the executor on one thread (this one): their outputs and the thread's CPU seconds.
fn local(job: Job, run: &Run) -> (Vec<Bytes>, f64) {
    let inputs = job.inputs();
    let stat = Path::new("/proc/thread-self/stat");
    let before = cpu_seconds(stat);
    let outputs: Vec<Bytes> = inputs
        .iter()
        .map(|input| {
            run.executor
                .leaf(input, run.gas_per_leaf, run.max_leaf_bytes)
                .expect("a row")
        })
        .collect();
    (outputs, cpu_seconds(stat) - before)
}

/// Panics unless the hub's result root is the root of `outputs`.
fn check_root(run: &Run, outputs: &[Bytes]) {
    let root = sonm_net::outputs_tree(0, outputs)
        .expect("results tree")
        .root();
    assert_eq!(
        run.root, root,
        "the hub's result root differs from the rows computed here"
    );
}

fn overhead(runtime: &tokio::runtime::Runtime, job: Job) {
    let miners: usize = env("SONM_BENCH_MINERS", 2);
    println!(
        "\nmarket overhead: {}; {miners} miners at --threads 1, sample rate s = {}",
        job.describe(),
        job.sample_rate
    );
    let run = runtime.block_on(market(job, miners));
    let (outputs, local_cpu) = std::thread::scope(|scope| {
        scope
            .spawn(|| local(job, &run))
            .join()
            .expect("the local run")
    });
    check_root(&run, &outputs);
    let market_cpu = run.hub_cpu + run.miners_cpu;
    let target = 1.15 * (1.0 + job.sample_rate);
    let ratio = market_cpu / local_cpu;
    println!("| CPU time | seconds | / local |");
    println!("|---|---|---|");
    println!("| executor, one thread, this process (local) | {local_cpu:.1} | 1.00 |");
    println!(
        "| miners ({miners} processes) | {:.1} | {:.2} |",
        run.miners_cpu,
        run.miners_cpu / local_cpu
    );
    println!(
        "| hub (incl. its sample, s = {}) | {:.1} | {:.2} |",
        job.sample_rate,
        run.hub_cpu,
        run.hub_cpu / local_cpu
    );
    println!("| **hub + miners** | **{market_cpu:.1}** | **{ratio:.2}** |");
    println!(
        "| anvil (not counted) | {:.1} | {:.2} |",
        run.anvil_cpu,
        run.anvil_cpu / local_cpu
    );
    println!(
        "hub + miners / local = {ratio:.3}; target <= 1.15 x (1 + s) = {target:.3}: {}. {} leases, {} units redone, \
         units per miner {:?}, wall {:.1} s; the hub's result root equals the local run's",
        if ratio <= target { "met" } else { "missed" },
        run.leases,
        run.redone,
        run.by_miner,
        run.wall
    );
}

fn scaling(runtime: &tokio::runtime::Runtime, job: Job) {
    let most: usize = env("SONM_BENCH_MAX_MINERS", 4);
    let mut counts: Vec<usize> = std::iter::successors(Some(1usize), |n| Some(n * 2))
        .take_while(|n| *n <= most)
        .collect();
    if counts.last() != Some(&most) {
        counts.push(most);
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "\nscaling: {}; miners at --threads 1; {cores} cores shared with the hub and anvil",
        job.describe()
    );
    let mut rows = Vec::new();
    let mut first: Option<f64> = None;
    for &n in &counts {
        let run = runtime.block_on(market(job, n));
        if first.is_none() {
            // The root is checked once: every run computes the same rows.
            let (outputs, _) = std::thread::scope(|scope| {
                scope
                    .spawn(|| local(job, &run))
                    .join()
                    .expect("the local run")
            });
            check_root(&run, &outputs);
        }
        let base = *first.get_or_insert(run.wall);
        let line = format!(
            "| {n} | {:.1} | {:.0} | {:.2}x | {:.1} | {:.1} | {:?} |",
            run.wall,
            f64::from(job.rows) / run.wall,
            base / run.wall,
            run.hub_cpu,
            run.miners_cpu,
            run.by_miner
        );
        println!("  {line}");
        rows.push(line);
    }
    println!(
        "| miners | wall (s) | rows/s | speed-up | hub CPU (s) | miners CPU (s) | units per miner |"
    );
    println!("|---|---|---|---|---|---|---|");
    for line in rows {
        println!("{line}");
    }
    println!(
        "target (a machine with more than 16 cores): at least 10x with 16 miners; on {cores} cores the speed-up \
         cannot pass {cores}x"
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a word chooses one part.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |part: &str| args.is_empty() || args.iter().any(|a| a == part);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let job = Job::from_env();
    if wants("overhead") {
        overhead(&runtime, job);
    }
    if wants("scaling") {
        scaling(&runtime, job);
    }
}
