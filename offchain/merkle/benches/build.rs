//! Tree building throughput for the project's `(uint256 index, bytes data)`
//! leaves, against the raw speed of keccak256 on 64-byte inputs: scalar
//! (alloy's `keccak256`, one message at a time) and the multi-way SIMD
//! backends (`hash_pairs`, 4 or 8 messages at a time).
//!
//! `cargo bench -p sonm-merkle` (release profile). Each figure is the best of
//! a few runs; no warm-up tricks, no criterion.

use std::hint::black_box;
use std::time::{Duration, Instant};

use alloy_primitives::keccak256;
use sonm_merkle::{
    B256, BuildOptions, IndexedLeaf, IndexedTree, KeccakBackend, hash_pairs, with_keccak_backend,
};

const RUNS: usize = 5;

/// On-CPU time of each thread of this process (Linux `schedstat`), by
/// thread id; empty elsewhere.
fn threads_cpu() -> Vec<(String, Duration)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let e = e.ok()?;
        let s = std::fs::read_to_string(e.path().join("schedstat")).ok()?;
        let ns = s.split_whitespace().next()?.parse().ok()?;
        Some((
            e.file_name().to_string_lossy().into_owned(),
            Duration::from_nanos(ns),
        ))
    })
    .collect()
}

fn this_thread_id() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(link.file_name()?.to_string_lossy().into_owned())
}

/// What a run would take on an otherwise idle machine, from on-CPU times:
/// this thread's time plus the busiest other (rayon) thread's. The machine
/// these figures come from is shared, so wall clock alone undersells it.
fn cpu_makespan(before: &[(String, Duration)], after: &[(String, Duration)], me: &str) -> Duration {
    let delta = |tid: &str, t: Duration| {
        let t0 = before
            .iter()
            .find(|(b, _)| b == tid)
            .map_or(Duration::ZERO, |(_, d)| *d);
        t.saturating_sub(t0)
    };
    let mine = after
        .iter()
        .find(|(t, _)| t == me)
        .map_or(Duration::ZERO, |(t, d)| delta(t, *d));
    let busiest = after
        .iter()
        .filter(|(t, _)| t != me)
        .map(|(t, d)| delta(t, *d))
        .max()
        .unwrap_or_default();
    mine + busiest
}

/// Best wall-clock time and best on-CPU makespan over `RUNS`.
struct Timing {
    wall: Duration,
    cpu: Option<Duration>,
}

fn best<T>(mut f: impl FnMut() -> T) -> (Timing, T) {
    let me = this_thread_id();
    let mut wall = Duration::MAX;
    let mut cpu: Option<Duration> = None;
    let mut last = None;
    for _ in 0..RUNS {
        let before = threads_cpu();
        let start = Instant::now();
        let out = black_box(f());
        wall = wall.min(start.elapsed());
        if let Some(me) = &me {
            let c = cpu_makespan(&before, &threads_cpu(), me);
            cpu = Some(cpu.map_or(c, |b| b.min(c)));
        }
        last = Some(out);
    }
    (Timing { wall, cpu }, last.expect("RUNS > 0"))
}

/// keccak256 of distinct 64-byte inputs, one thread: the cost of one node
/// hash. Returns (by wall clock, by on-CPU time).
fn keccak64_per_sec() -> (f64, Option<f64>) {
    const N: usize = 1 << 20;
    let (t, _) = best(|| {
        let mut buf = [0u8; 64];
        let mut acc = [0u8; 32];
        for i in 0..N {
            buf[..8].copy_from_slice(&(i as u64).to_le_bytes());
            buf[32..].copy_from_slice(&acc);
            acc = keccak256(buf).0;
        }
        acc
    });
    (
        N as f64 / t.wall.as_secs_f64(),
        t.cpu.map(|c| N as f64 / c.as_secs_f64()),
    )
}

/// `hash_pairs` on one thread with `backend`: node hashes (64-byte inputs, one
/// permutation each) per second, by wall clock and by on-CPU time.
fn pairs_per_sec(backend: KeccakBackend) -> (f64, Option<f64>) {
    const NODES: usize = 1 << 12;
    const ROUNDS: usize = 1 << 8;
    let mut children: Vec<B256> = (0..2 * NODES as u64)
        .map(|i| keccak256(i.to_le_bytes()))
        .collect();
    let mut out = vec![B256::ZERO; NODES];
    let (t, _) = with_keccak_backend(backend, || {
        best(|| {
            for _ in 0..ROUNDS {
                hash_pairs(&children, &mut out);
                // Feed the outputs back so every round hashes new inputs.
                children[..NODES].copy_from_slice(&out);
            }
            out[0]
        })
    });
    let n = (NODES * ROUNDS) as f64;
    (n / t.wall.as_secs_f64(), t.cpu.map(|c| n / c.as_secs_f64()))
}

/// Deterministic leaves with `min_len..=max_len` bytes of data.
fn leaves(n: usize, min_len: usize, max_len: usize) -> Vec<IndexedLeaf> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = min_len + (x % (max_len - min_len + 1) as u64) as usize;
            let data: Vec<u8> = (0..len)
                .map(|j| (x >> (j % 8 * 8)) as u8 ^ j as u8)
                .collect();
            IndexedLeaf::new(i as u64, data)
        })
        .collect()
}

fn main() {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let (keccak, keccak_cpu) = keccak64_per_sec();
    println!("keccak256 of 64 bytes, 1 thread: {keccak:.0} hashes/s by wall clock");
    if let Some(k) = keccak_cpu {
        println!("                                  {k:.0} hashes/s by on-CPU time");
    }
    println!("hash_pairs (64-byte node hashes, 1 permutation each), 1 thread, by backend:");
    for backend in KeccakBackend::ALL {
        if !backend.is_supported() {
            println!("  {:<12} not supported on this CPU", backend.name());
            continue;
        }
        let (wall, cpu) = pairs_per_sec(backend);
        let cpu = cpu.map_or("-".to_owned(), |c| format!("{c:.0}"));
        println!(
            "  {:<12} {wall:>10.0} permutations/s by wall clock, {cpu:>10} by on-CPU time",
            backend.name()
        );
    }
    let backend = KeccakBackend::detected();
    println!(
        "The tree uses keccak backend: {backend} ({} messages per permutation pass).",
        backend.lanes()
    );
    println!("A leaf here costs ~4 keccak permutations: abi.encode(index, data) is 160 bytes");
    println!("(2 blocks; 128 bytes and 1 block only for 32-byte data), the outer keccak 1, and");
    println!("its share of the n-1 inner nodes 1. The ratio column is leaves/s over scalar");
    println!("keccak256/s: about 0.25 when scalar keccak is all the time; the SIMD backend");
    println!("hashes several leaves per permutation pass, so its ceiling is 0.25 x its speedup.");
    println!();
    println!(
        "{:>6} {:>6} {:>6} {:>7} {:>10} {:>11} {:>8} {:>11} {:>8} {:>10}",
        "leaves",
        "data",
        "sorted",
        "threads",
        "wall",
        "leaves/s",
        "ratio",
        "cpu leaves/s",
        "ratio",
        "bytes/leaf"
    );
    // 32-byte data (a hash, an `abi.encode(uint256)` result such as Monte-Carlo's) makes a 128-byte leaf encoding:
    // one keccak block. 33 to 64 bytes make two.
    for (log_n, min_len, max_len) in [(16u32, 33, 64), (20, 33, 64), (16, 32, 32), (20, 32, 32)] {
        let n = 1usize << log_n;
        let values = leaves(n, min_len, max_len);
        // Cloning the values is inside the timed loop; measure it to remove it.
        let (clone_time, _) = best(|| values.clone());
        for sort in [true, false] {
            for (parallel, t) in [(false, 1), (true, threads)] {
                let opts = BuildOptions::default().sort_leaves(sort).parallel(parallel);
                let (time, tree) = best(|| {
                    IndexedTree::of(values.clone(), &IndexedLeaf::ENCODING, opts)
                        .expect("valid leaves")
                });
                let wall = time.wall.saturating_sub(clone_time.wall).as_secs_f64();
                let rate = n as f64 / wall;
                let cpu = match (time.cpu, clone_time.cpu, keccak_cpu) {
                    (Some(c), Some(cc), Some(k)) => {
                        let r = n as f64 / c.saturating_sub(cc).as_secs_f64();
                        format!("{:>12.0} {:>8.3}", r, r / k)
                    }
                    _ => format!("{:>12} {:>8}", "-", "-"),
                };
                println!(
                    "{:>6} {:>6} {:>6} {:>7} {:>8.1}ms {:>11.0} {:>8.3} {} {:>10.1}",
                    format!("2^{log_n}"),
                    format!("{min_len}-{max_len}"),
                    sort,
                    t,
                    wall * 1e3,
                    rate,
                    rate / keccak,
                    cpu,
                    tree.structure_bytes() as f64 / n as f64,
                );
            }
        }
    }
    println!();
    println!("2^20 leaves, 33-64 bytes of data, sorted, 1 thread, by keccak backend:");
    let values = leaves(1 << 20, 33, 64);
    let (clone_time, _) = best(|| values.clone());
    for backend in KeccakBackend::supported() {
        let (time, _) = with_keccak_backend(backend, || {
            best(|| {
                IndexedTree::of(
                    values.clone(),
                    &IndexedLeaf::ENCODING,
                    BuildOptions::single_thread(),
                )
                .expect("valid leaves")
            })
        });
        let wall = values.len() as f64 / time.wall.saturating_sub(clone_time.wall).as_secs_f64();
        let cpu = match (time.cpu, clone_time.cpu) {
            (Some(c), Some(cc)) => format!(
                "{:.0}",
                values.len() as f64 / c.saturating_sub(cc).as_secs_f64()
            ),
            _ => "-".to_owned(),
        };
        println!(
            "  {:<12} {wall:>10.0} leaves/s by wall clock, {cpu:>10} by on-CPU time",
            backend.name()
        );
    }
    println!();
    println!("ratio: leaves/s over scalar keccak256(64 bytes)/s measured above, same clock.");
    println!("cpu leaves/s: from on-CPU time, this thread's plus the busiest rayon thread's:");
    println!("what the run takes on an idle machine (wall clock depends on the machine's load).");
    println!("bytes/leaf: the node array (2n-1 x 32 bytes) and the value-to-node index (4 bytes");
    println!("a value), values not counted; sorting adds 16 bytes a leaf of keys while it builds.");
    println!(
        "load average while running: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}
