//! Integration tests: a real anvil (sonm-testkit's template, a fresh chain per test), hubs made with sonm-agents, a
//! hub-like sonm-net node on 127.0.0.1 leasing to miners run in process.

#![allow(clippy::unwrap_used, unreachable_pub, missing_debug_implementations)]

mod common;
mod miner;
