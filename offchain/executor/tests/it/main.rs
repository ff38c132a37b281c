//! Integration tests against a real anvil, one binary (as foundry does).

mod common;
mod computations;
mod judge;
mod native;
