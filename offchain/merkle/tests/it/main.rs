//! Integration tests, compiled into one binary.

mod interop;
mod props;
mod simd;
mod vectors;
