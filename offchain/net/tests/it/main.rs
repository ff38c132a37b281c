//! Integration tests: real nodes (each its own swarm and key) on 127.0.0.1; trust checks read a Whitelist
//! deployed on anvil (one deployment per run through the deploy script, a fresh anvil per test loaded from it).

#![allow(clippy::unwrap_used, unreachable_pub, missing_debug_implementations)]

mod common;
mod data;
mod gossip;
mod market;
mod node;
mod operator;
mod reports;
mod work;
