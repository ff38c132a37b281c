//! sonm-hub's integration tests: the daemon in-process against a real anvil (sonm-testkit's shared deployment),
//! miners and a buyer on real sonm-net nodes over 127.0.0.1.

#![allow(unreachable_pub, missing_debug_implementations)]

mod common;
mod deal;
mod journal;
mod restart;
mod settle;
