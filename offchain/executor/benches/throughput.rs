//! Executor throughput beside anvil's `eth_call` (what a user would otherwise do) and a native Rust loop (the
//! limit), for a chain workload (keccak-chain steps) and a map workload (Mandelbrot rows).
//!
//! `cargo bench -p sonm-executor` (release profile). Needs `forge build` first and anvil on PATH or in
//! `node_modules/.bin` (`make toolchain`). Each figure is the best of a few runs; no criterion.

use std::hint::black_box;
use std::time::{Duration, Instant};

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider as _, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use sonm_bindings::{JudgeHarness, KeccakChain, MandelbrotRow};
use sonm_executor::{ChainSpec, Executor, MAX_BATCH};

#[path = "../tests/it/native.rs"]
mod native;

use native::View;

const RUNS: usize = 3;
/// Gas per keccak step: far more than the ~1,100 it needs.
const KECCAK_GAS: u64 = 50_000;
/// The byte bound on a state or a leaf's output: the largest a task may have (`Judge.MAX_UNIT_BYTES`).
const MAX_BYTES: u32 = 32_768;

fn best(mut f: impl FnMut()) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn per_sec(n: u64, t: Duration) -> f64 {
    n as f64 / t.as_secs_f64()
}

struct Row {
    name: &'static str,
    unit: &'static str,
    executor: f64,
    executor_parallel: Option<f64>,
    eth_call: f64,
    /// The same work by `eth_call` in batches (`JudgeHarness.steps`), where the harness offers a batch.
    eth_call_batched: Option<f64>,
    native: Option<f64>,
}

impl Row {
    fn print(&self) {
        println!("\n{} ({}/s)", self.name, self.unit);
        println!("  executor (1 thread)   {:>14.0}", self.executor);
        if let Some(p) = self.executor_parallel {
            println!("  executor (all cores)  {:>14.0}", p);
        }
        println!("  anvil eth_call        {:>14.0}", self.eth_call);
        if let Some(b) = self.eth_call_batched {
            println!("  anvil eth_call, batch {:>14.0}", b);
        }
        if let Some(n) = self.native {
            println!("  native Rust           {:>14.0}", n);
        }
        let ratio = self.executor / self.eth_call;
        let verdict = if ratio >= 100.0 { "meets" } else { "misses" };
        println!("  executor / eth_call   {ratio:>13.1}x  ({verdict} the 100x target)");
        if let Some(b) = self.eth_call_batched {
            println!(
                "  executor / batched eth_call {:>7.1}x  (no target: a user who batches too)",
                self.executor / b
            );
        }
        if let Some(n) = self.native {
            println!("  native / executor     {:>13.1}x", n / self.executor);
        }
    }
}

fn keccak_chain(rt: &tokio::runtime::Runtime, provider: &DynProvider, judge: Address) -> Row {
    const STEPS: u64 = 200_000;
    const CALLS: u64 = 300;
    const NATIVE: u64 = 2_000_000;

    let exec = Executor::new(KeccakChain::DEPLOYED_BYTECODE.clone()).expect("artifact");
    let t = best(|| {
        let run = exec
            .run_chain(b"seed", ChainSpec::new(STEPS, KECCAK_GAS, MAX_BYTES))
            .expect("run");
        black_box(run.final_hash());
    });
    let executor = per_sec(STEPS, t);

    let computation = rt.block_on(async {
        *KeccakChain::deploy(provider.clone())
            .await
            .expect("deploy KeccakChain")
            .address()
    });
    let harness = JudgeHarness::new(judge, provider.clone());
    let t = best(|| {
        rt.block_on(async {
            let mut state = Bytes::from_static(b"seed");
            for _ in 0..CALLS {
                state = harness
                    .step(
                        computation,
                        state,
                        U256::from(KECCAK_GAS),
                        U256::from(MAX_BYTES),
                    )
                    .call()
                    .await
                    .expect("eth_call");
            }
            black_box(state);
        })
    });
    let eth_call = per_sec(CALLS, t);
    // The executor's own batching, by eth_call: MAX_BATCH steps a call (anvil's default gas cap allows it).
    let t = best(|| {
        rt.block_on(async {
            let mut state = Bytes::from_static(b"seed");
            for _ in 0..STEPS / MAX_BATCH {
                let out = harness
                    .steps(
                        computation,
                        state,
                        U256::from(KECCAK_GAS),
                        U256::from(MAX_BYTES),
                        U256::from(MAX_BATCH),
                    )
                    .call()
                    .await
                    .expect("eth_call");
                state = out.next;
            }
            black_box(state);
        })
    });
    let eth_call_batched = per_sec(STEPS / MAX_BATCH * MAX_BATCH, t);

    let t = best(|| {
        let mut state = keccak256(b"seed");
        for _ in 1..NATIVE {
            state = keccak256(state);
        }
        black_box(state);
    });
    let native = per_sec(NATIVE, t);
    Row {
        name: "keccak chain",
        unit: "steps",
        executor,
        executor_parallel: None,
        eth_call,
        eth_call_batched: Some(eth_call_batched),
        native: Some(native),
    }
}

/// Mandelbrot rows: the whole set, 256 x 256 pixels, up to 255 iterations a pixel.
fn mandelbrot_rows(rt: &tokio::runtime::Runtime, provider: &DynProvider, judge: Address) -> Row {
    const GAS: u64 = 20_000_000;
    let view = View::whole(256, 256, 255);
    let inputs: Vec<Vec<u8>> = (0..view.height).map(|row| view.input(row)).collect();
    let rows = u64::from(view.height);

    let exec = Executor::new(MandelbrotRow::DEPLOYED_BYTECODE.clone()).expect("artifact");
    for (row, input) in inputs.iter().enumerate() {
        let row = u32::try_from(row).expect("small");
        assert_eq!(
            exec.leaf(input, GAS, MAX_BYTES).expect("leaf"),
            view.row(row),
            "the executor renders row {row} right"
        );
    }
    let t = best(|| {
        for input in &inputs {
            black_box(exec.leaf(input, GAS, MAX_BYTES).expect("leaf"));
        }
    });
    let executor = per_sec(rows, t);
    let t = best(|| {
        black_box(exec.leaves(&inputs, GAS, MAX_BYTES).expect("leaves"));
    });
    let parallel = per_sec(rows, t);

    let computation = rt.block_on(async {
        *MandelbrotRow::deploy(provider.clone())
            .await
            .expect("deploy")
            .address()
    });
    let harness = JudgeHarness::new(judge, provider.clone());
    let t = best(|| {
        rt.block_on(async {
            for input in &inputs {
                let out = harness
                    .leaf(
                        computation,
                        input.clone().into(),
                        U256::from(GAS),
                        U256::from(MAX_BYTES),
                    )
                    .call()
                    .await;
                black_box(out.expect("eth_call"));
            }
        })
    });
    let eth_call = per_sec(rows, t);

    let t = best(|| {
        for row in 0..view.height {
            black_box(view.row(row));
        }
    });
    let native = per_sec(rows, t);
    Row {
        name: "Mandelbrot rows (256 px, max 255 iterations, the whole set)",
        unit: "rows",
        executor,
        executor_parallel: Some(parallel),
        eth_call,
        eth_call_batched: None,
        native: Some(native),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let anvil = sonm_testkit::devnet::spawn_anvil(&sonm_testkit::repo(), 31337)
        .unwrap_or_else(|e| panic!("{e}"));
    let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(anvil.endpoint_url())
        .erased();
    let judge = rt.block_on(async {
        *JudgeHarness::deploy(provider.clone())
            .await
            .expect("deploy")
            .address()
    });
    println!(
        "sonm-executor throughput (best of {RUNS}; anvil {} over HTTP)",
        anvil.endpoint()
    );

    keccak_chain(&rt, &provider, judge).print();
    mandelbrot_rows(&rt, &provider, judge).print();
}
