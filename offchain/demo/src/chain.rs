//! The embedded chain: anvil (chain 31337) with sonm deployed through `script/Deploy.s.sol`, from
//! `sonm-testkit`'s local chain.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::node_bindings::AnvilInstance;
use sonm_testkit::DevnetError;
use sonm_testkit::devnet;

use crate::DemoError;

/// The chain id: anvil's own, so the deploy script's `local` profile (short governance durations) applies and the
/// addresses are those of `deployments/31337.json`.
pub(crate) const CHAIN_ID: u64 = 31337;

/// How long the deploy script may take (it compiles first if `out/` is stale) before the demo gives up on it.
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(120);

/// The repository root: the first directory, from the current one up, holding `script/Deploy.s.sol`; else the
/// one the toolkit was built in.
pub(crate) fn repo_root() -> Result<PathBuf, DemoError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    Ok(devnet::find_repo(&cwd)?)
}

/// anvil's accounts: the deployer and the two hubs' owners use anvil's; every other party has a fresh key.
pub(crate) const ACCOUNTS: usize = 3;

/// A fresh anvil of [`ACCOUNTS`] accounts.
fn spawn(repo: &Path) -> Result<AnvilInstance, DevnetError> {
    devnet::anvil(repo, CHAIN_ID)
        .args(["--accounts", &ACCOUNTS.to_string()])
        .try_spawn()
        .map_err(|e| DevnetError::Anvil(e.to_string()))
}

/// A fresh anvil of [`ACCOUNTS`] accounts with sonm deployed on it (`deployments/31337.json` rewritten, with the same
/// addresses: a fresh anvil and the same deployer give the same ones); a deploy that hangs is tried once more.
pub(crate) async fn deployed_chain(repo: &Path) -> Result<AnvilInstance, DemoError> {
    Ok(devnet::deployed_chain(repo, || spawn(repo), DEPLOY_TIMEOUT).await?)
}
