//! Integration tests: real nodes (each its own swarm and key) on 127.0.0.1, checking a Whitelist on anvil.

#![allow(clippy::unwrap_used, unreachable_pub, missing_debug_implementations)]

mod common;
mod gossip;
