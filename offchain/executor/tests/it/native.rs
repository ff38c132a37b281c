//! The example computations in plain Rust, from their specifications in the contracts' NatSpec: the limit a
//! benchmark compares the executor with, and an independent check that the executor runs them right.
//! Shared by the integration tests and the benchmark (`#[path]`).

#![allow(dead_code)]

use alloy::primitives::{B256, U256, keccak256};
use alloy::sol_types::SolValue as _;

/// A Mandelbrot view as `MandelbrotRow` takes it: fixed point with 60 fractional bits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) center_x: i64,
    pub(crate) center_y: i64,
    pub(crate) step: u64,
    pub(crate) max_iter: u8,
}

pub(crate) const ONE: i64 = 1 << 60;

impl View {
    /// The whole set: (-2.5, -1.5) to (1.5, 1.5), `width` pixels across.
    pub(crate) fn whole(width: u32, height: u32, max_iter: u8) -> Self {
        let step = (4 * (ONE as u64)) / u64::from(width);
        Self {
            width,
            height,
            center_x: -ONE / 2,
            center_y: 0,
            step,
            max_iter,
        }
    }

    /// `abi.encode(uint32 row, uint32 width, uint32 height, int64 centerX, int64 centerY, uint64 step, uint8 maxIter)`.
    pub(crate) fn input(&self, row: u32) -> Vec<u8> {
        use alloy::sol_types::SolType as _;
        use alloy::sol_types::sol_data::{Int, Uint};
        type Input = (
            Uint<32>,
            Uint<32>,
            Uint<32>,
            Int<64>,
            Int<64>,
            Uint<64>,
            Uint<8>,
        );
        Input::abi_encode_params(&(
            row,
            self.width,
            self.height,
            self.center_x,
            self.center_y,
            self.step,
            self.max_iter,
        ))
    }

    /// Row `row`, as `MandelbrotRow.compute` renders it. Only for views within |c| <= 2 on the row's axis and a
    /// width that keeps every point within |c| < 4, where every intermediate fits an i128 (the contract uses 256
    /// bits).
    pub(crate) fn row(&self, row: u32) -> Vec<u8> {
        let step = i128::from(self.step);
        let cy = i128::from(self.center_y) + (i128::from(row) - i128::from(self.height / 2)) * step;
        let mut cx = i128::from(self.center_x) - i128::from(self.width / 2) * step;
        let cy2 = cy * cy;
        let max_iter = u32::from(self.max_iter);
        let mut out = vec![0u8; self.width as usize];
        let two = 1i128 << 61;
        for px in out.iter_mut() {
            let mut n = 0u32;
            if (-two..=two).contains(&cy) && (-two..=two).contains(&cx) {
                let a = cx + (1 << 60);
                let mut inside = a * a + cy2 <= 1 << 116;
                let a = cx - (1 << 58);
                let q = (a * a + cy2) >> 60;
                inside |= q * (q + a) <= cy2 >> 2;
                n = if inside { max_iter } else { 0 };
            }
            if n == 0 {
                let (mut x, mut y, mut xx, mut yy) = (0i128, 0i128, 0i128, 0i128);
                while n < max_iter && xx + yy <= 1 << 122 {
                    y = ((x * y) >> 59) + cy;
                    x = ((xx - yy) >> 60) + cx;
                    xx = x * x;
                    yy = y * y;
                    n += 1;
                }
            }
            *px = n as u8;
            cx += step;
        }
        out
    }
}

/// `abi.encode(bytes32 seed, uint64 samples)` for `MonteCarloPi`.
pub(crate) fn monte_carlo_input(seed: B256, samples: u64) -> Vec<u8> {
    (seed, samples).abi_encode_params()
}

/// `MonteCarloPi.compute`'s output, `abi.encode(uint256 hits)`.
pub(crate) fn monte_carlo(seed: B256, samples: u64) -> Vec<u8> {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(seed.as_slice());
    let radius2 = U256::from(1) << 240;
    let mask = (U256::from(1) << 120) - U256::from(1);
    let mut hits = 0u64;
    for i in 0..samples {
        preimage[56..].copy_from_slice(&i.to_be_bytes());
        let r = U256::from_be_bytes(keccak256(preimage).0);
        let (x, y) = (r >> 136, r & mask);
        hits += u64::from(x * x + y * y < radius2);
    }
    U256::from(hits).abi_encode()
}
