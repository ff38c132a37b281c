//! Integration tests against a real anvil, one binary (as foundry does).

mod common;
mod computations;
mod game;
mod judge;
mod native;
