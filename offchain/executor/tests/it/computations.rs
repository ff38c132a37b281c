//! The example computations in the executor match their specifications (a plain Rust implementation) and anvil.

use alloy::primitives::{Address, B256, Bytes, U256};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sonm_bindings::{Contracts, Deployment, JudgeHarness, MandelbrotRow, MonteCarloPi};
use sonm_executor::{Executor, ExecutorError};

use crate::common::{MAX_BYTES, spawn};
use crate::native::{self, View};

const GAS: u64 = 20_000_000;

#[test]
fn mandelbrot_rows_match_the_fixed_point_specification() {
    let exec = Executor::new(MandelbrotRow::DEPLOYED_BYTECODE.clone()).expect("artifact");
    let view = View::whole(96, 64, 200);
    for row in 0..view.height {
        let out = exec.leaf(&view.input(row), GAS, MAX_BYTES).expect("leaf");
        assert_eq!(out, native::View::row(&view, row), "row {row}");
    }
    // A zoomed view near the boundary, where many points iterate long.
    let zoom = View {
        width: 64,
        height: 16,
        center_x: -(3 * native::ONE) / 4,
        center_y: native::ONE / 8,
        step: 1 << 52,
        max_iter: 255,
    };
    for row in 0..zoom.height {
        assert_eq!(
            exec.leaf(&zoom.input(row), GAS, MAX_BYTES).expect("leaf"),
            zoom.row(row),
            "zoom row {row}"
        );
    }
}

#[test]
fn a_row_outside_the_view_or_malformed_input_outputs_nothing() {
    let exec = Executor::new(MandelbrotRow::DEPLOYED_BYTECODE.clone()).expect("artifact");
    let view = View::whole(16, 16, 10);
    assert_eq!(
        exec.leaf(&view.input(16), GAS, MAX_BYTES).expect("leaf"),
        Bytes::new()
    );
    assert_eq!(
        exec.leaf(b"not an abi encoding", GAS, MAX_BYTES)
            .expect("leaf"),
        Bytes::new()
    );
    // Too little gas for a whole row.
    assert_eq!(
        exec.leaf(&view.input(8), 5_000, MAX_BYTES).expect("leaf"),
        Bytes::new()
    );
}

#[test]
fn monte_carlo_batches_match_the_specification() {
    let exec = Executor::new(MonteCarloPi::DEPLOYED_BYTECODE.clone()).expect("artifact");
    let mut rng = StdRng::seed_from_u64(7);
    let (mut hits, mut samples) = (U256::ZERO, 0u64);
    for _ in 0..20 {
        let seed = B256::from(rng.random::<[u8; 32]>());
        let n = rng.random_range(0..2_000);
        let out = exec
            .leaf(&native::monte_carlo_input(seed, n), GAS, MAX_BYTES)
            .expect("leaf");
        assert_eq!(
            out,
            native::monte_carlo(seed, n),
            "seed {seed}, {n} samples"
        );
        hits += U256::from_be_slice(&out);
        samples += n;
    }
    let pi = 4.0 * f64::from(hits.saturating_to::<u32>()) / samples as f64;
    assert!((3.0..3.3).contains(&pi), "pi ~ {pi}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_examples_agree_with_eth_call_on_anvil() {
    let (_anvil, provider) = spawn();
    let judge = JudgeHarness::deploy(provider.clone())
        .await
        .expect("deploy");
    let mandelbrot = *MandelbrotRow::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();
    let monte_carlo = *MonteCarloPi::deploy(provider.clone())
        .await
        .expect("deploy")
        .address();

    // The way a CLI finds the judge: through the deployments file.
    let mut deployment = Deployment {
        format_version: sonm_bindings::DEPLOYMENT_FORMAT_VERSION,
        chain_id: 31337,
        start_block: 0,
        deployer: Address::ZERO,
        contracts: Contracts::default(),
    };
    let err = Executor::from_deployment(&provider, &deployment, mandelbrot)
        .await
        .expect_err("no judge");
    assert!(matches!(err, ExecutorError::Deployment(_)), "{err}");
    deployment.contracts.judge_harness = *judge.address();
    let exec = Executor::from_deployment(&provider, &deployment, mandelbrot)
        .await
        .expect("code");
    let view = View::whole(64, 32, 100);
    for row in [0, 5, 15, 16, 17, 31, 32] {
        let input = Bytes::from(view.input(row));
        // Rows too expensive for a tight gas limit are empty on both sides.
        for gas in [50_000, 400_000, GAS] {
            let called = judge
                .leaf(
                    mandelbrot,
                    input.clone(),
                    U256::from(gas),
                    U256::from(MAX_BYTES),
                )
                .call()
                .await
                .expect("eth_call");
            assert_eq!(
                exec.leaf(&input, gas, MAX_BYTES).expect("leaf"),
                called,
                "row {row}, gas {gas}"
            );
        }
    }

    let exec = Executor::from_chain(&provider, *judge.address(), monte_carlo)
        .await
        .expect("code");
    for samples in [0, 1, 100, 1_000] {
        let input = Bytes::from(native::monte_carlo_input(B256::repeat_byte(0x5a), samples));
        let called = judge
            .leaf(
                monte_carlo,
                input.clone(),
                U256::from(GAS),
                U256::from(MAX_BYTES),
            )
            .call()
            .await
            .expect("eth_call");
        assert_eq!(
            exec.leaf(&input, GAS, MAX_BYTES).expect("leaf"),
            called,
            "{samples} samples"
        );
    }
}
