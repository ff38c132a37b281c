//! Integration tests of the `sonm` binary against real anvil nodes.
//!
//! One deployment is made per test run through `sonm deploy` (the deploy definition, via forge) on a template
//! anvil; its state is dumped once and loaded into a fresh anvil for every test, so the tests are independent and
//! run in parallel.

#![allow(clippy::unwrap_used, unreachable_pub)]

mod buy;
mod chain;
mod common;
mod computation;
mod dao;
mod dispute;
mod errors;
mod hub;
mod map;
mod market;
mod merkle;
mod miner;
mod proof;
mod receipt;
mod watch;
