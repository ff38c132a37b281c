//! Integration tests against a real anvil, one binary (as foundry does).

mod bounds;
mod common;
mod computations;
mod game;
mod judge;
mod native;
