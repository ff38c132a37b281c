//! Integration tests against a real anvil, one binary (as foundry does).

mod common;
mod judge;
