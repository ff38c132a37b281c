//! The buyer's own sample, recomputed with the executor (the `MandelbrotRow` bytecode the judge runs): honest
//! results pass, a falsified row in the sample is caught and named.

use alloy::primitives::Bytes;
use sonm_agents::task::mandelbrot_inputs;
use sonm_buyer::sample::{mismatches, pick};
use sonm_executor::Executor;

const GAS: u64 = 8_000_000;
const MAX_BYTES: u32 = 32_768;

fn render() -> (Executor, Vec<Bytes>, Vec<Bytes>) {
    let executor =
        Executor::new(sonm_bindings::MandelbrotRow::DEPLOYED_BYTECODE.clone()).expect("executor");
    let inputs = mandelbrot_inputs(64, 40, (-0.75, 0.0), 3.0 / 64.0, 32);
    let outputs = executor.leaves(&inputs, GAS, MAX_BYTES).expect("rows");
    assert!(outputs.iter().all(|o| o.len() == 64), "every row renders");
    (executor, inputs, outputs)
}

#[test]
fn honest_results_pass_the_sample() {
    let (executor, inputs, results) = render();
    let rows = pick(40, 0.25, 3);
    assert_eq!(rows.len(), 10);
    let wrong = mismatches(&inputs, &results, &rows, |ins| {
        Ok(executor.leaves(ins, GAS, MAX_BYTES)?)
    })
    .expect("recomputed");
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn a_wrong_row_in_the_sample_is_caught_and_named() {
    let (executor, inputs, mut results) = render();
    // The hub commits row 17 with one pixel changed, and row 30 empty (as if it ran out of gas).
    let mut row = results[17].to_vec();
    row[20] ^= 1;
    results[17] = Bytes::from(row);
    results[30] = Bytes::new();
    let rows: Vec<u64> = (0..40).collect();
    let wrong = mismatches(&inputs, &results, &rows, |ins| {
        Ok(executor.leaves(ins, GAS, MAX_BYTES)?)
    })
    .expect("recomputed");
    assert_eq!(wrong, vec![17, 30]);
    // A sample of one row finds it when it draws it, and passes it by when it does not: a wrong row is caught with
    // the probability the sample fraction says.
    let caught = (0..200u64)
        .filter(|seed| {
            let rows = pick(40, 0.05, *seed);
            assert_eq!(rows.len(), 2, "5% of 40 rows is 2");
            !mismatches(&inputs, &results, &rows, |ins| {
                Ok(executor.leaves(ins, GAS, MAX_BYTES)?)
            })
            .expect("recomputed")
            .is_empty()
        })
        .count();
    // Two rows of 40 drawn, two of 40 wrong: P(caught) = 1 - (38/40 * 37/39) ~ 0.099; 200 draws.
    assert!((5..=45).contains(&caught), "caught in {caught} of 200");
}

#[test]
fn a_sampled_row_that_is_not_an_input_is_an_error() {
    let (executor, inputs, results) = render();
    assert!(
        mismatches(&inputs, &results, &[40], |ins| Ok(
            executor.leaves(ins, GAS, MAX_BYTES)?
        ))
        .is_err()
    );
}
