//! Integration tests of the watcher against real anvil nodes: one deployment per run (the deploy script), a fresh
//! anvil per test loaded from it.

#![allow(clippy::unwrap_used, unreachable_pub, missing_debug_implementations)]

mod chain;
mod common;
mod logs;
mod map;
mod market;
mod p2p;
mod resilience;
mod sending;
