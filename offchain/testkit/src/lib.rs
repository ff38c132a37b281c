//! A throwaway local chain with sonm on it, in two layers:
//!
//! - [`devnet`]: anvil from the repository's pinned toolchain and the one deploy definition
//!   (`script/Deploy.s.sol`) run on it with forge, as `tools/local-deploy.sh` does. Every failure is a
//!   [`DevnetError`]; `sonm demo` plays on this.
//! - the test fixture: one deployment per test binary (a [`Template`], made once and dumped) and a fresh anvil
//!   loaded from it for every test ([`Chain`]), so tests are independent and run in parallel. Its functions panic
//!   with a message on failure, as test code does.
//!
//! With the `mocks` feature, `mocks` binds the Solidity test computations (the misbehaving ones of
//! `test/mocks/TestComputations.sol`: a gas burner, a reverter, a computation returning malformed data; and the
//! executor's of `test/mocks/ExecutorMocks.sol`), once for every Rust test.
//!
//! The crate sits under the crates that use it: it imports only `sonm-bindings`, never a role client, the
//! watcher or the CLI.

pub mod devnet;
mod fixture;
#[cfg(feature = "mocks")]
pub mod mocks;

pub use devnet::DevnetError;
pub use fixture::{Chain, Template, chain_id, once, repo, spawn_anvil, tempdir, template};
