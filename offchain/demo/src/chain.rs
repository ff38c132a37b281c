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

/// anvil's accounts: one per role of the demo (anvil's default is 10, one short of the hub's operator key).
pub(crate) const ACCOUNTS: usize = 11;

/// A fresh anvil of [`ACCOUNTS`] accounts.
fn spawn(repo: &Path) -> Result<AnvilInstance, DemoError> {
    devnet::anvil(repo, CHAIN_ID)
        .args(["--accounts", &ACCOUNTS.to_string()])
        .try_spawn()
        .map_err(|e| DevnetError::Anvil(e.to_string()).into())
}

/// A fresh anvil with sonm deployed on it (`deployments/31337.json` rewritten, with the same addresses: a fresh
/// anvil and the same deployer give the same ones). As `sonm_testkit::devnet::deployed_chain` does, a deploy script
/// that hangs is killed and the whole thing tried once more on a new anvil; the demo's anvil has more accounts.
pub(crate) async fn deployed_chain(repo: &Path) -> Result<AnvilInstance, DemoError> {
    let anvil = spawn(repo)?;
    match devnet::deploy(repo, &anvil, DEPLOY_TIMEOUT).await {
        Ok(_) => Ok(anvil),
        Err(DevnetError::Deploy(reason)) if reason.contains("did not finish") => {
            tracing::warn!(%reason, "deploying again on a fresh anvil");
            drop(anvil);
            let anvil = spawn(repo)?;
            devnet::deploy(repo, &anvil, DEPLOY_TIMEOUT).await?;
            Ok(anvil)
        }
        Err(e) => Err(e.into()),
    }
}
