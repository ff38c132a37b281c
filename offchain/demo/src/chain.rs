//! The embedded chain: anvil, the deployment through `script/Deploy.s.sol`, time travel.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use serde_json::json;

use crate::DemoError;

/// The chain id: anvil's own, so the deploy script's `local` profile (short governance durations) applies.
pub(crate) const CHAIN_ID: u64 = 31337;

/// The repository root: the first directory, from the current one up, holding `script/Deploy.s.sol`; else the
/// one this crate was built in.
pub(crate) fn repo_root() -> Result<PathBuf, DemoError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    cwd.ancestors()
        .map(Path::to_path_buf)
        .chain(std::iter::once(built_in))
        .find(|d| d.join("script/Deploy.s.sol").is_file())
        .and_then(|d| d.canonicalize().ok())
        .ok_or(DemoError::NoRepository(cwd))
}

/// `PATH` with the repository's pinned tools (node_modules/.bin) first, as the Makefile sets it.
fn tool_path(repo: &Path) -> String {
    let mut dirs = vec![repo.join("node_modules/.bin")];
    dirs.extend(
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    std::env::join_paths(dirs)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn tool(repo: &Path, name: &str) -> PathBuf {
    let local = repo.join("node_modules/.bin").join(name);
    if local.exists() {
        local
    } else {
        PathBuf::from(name)
    }
}

/// Starts anvil on a free port with chain id 31337.
pub(crate) fn spawn_anvil(repo: &Path) -> Result<AnvilInstance, DemoError> {
    Anvil::at(tool(repo, "anvil"))
        .chain_id(CHAIN_ID)
        .try_spawn()
        .map_err(|e| DemoError::Anvil(e.to_string()))
}

/// How long the deploy script may take (it compiles first if `out/` is stale) before the demo gives up on it.
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(120);

/// Deploys everything through the deploy definition, exactly as `tools/local-deploy.sh` does: anvil's first
/// account, unlocked. The script writes `deployments/31337.json` (overwriting a previous run's, with the same
/// addresses: a fresh anvil and the same deployer give the same ones).
pub(crate) async fn deploy(repo: &Path, anvil: &AnvilInstance) -> Result<(), DemoError> {
    let deployer = anvil
        .addresses()
        .first()
        .ok_or_else(|| DemoError::Anvil("anvil has no accounts".into()))?
        .to_string();
    let child = tokio::process::Command::new(tool(repo, "forge"))
        .current_dir(repo)
        .args(["script", "script/Deploy.s.sol", "--rpc-url"])
        .arg(anvil.endpoint())
        .args([
            "--broadcast",
            "--unlocked",
            "--sender",
            &deployer,
            "--quiet",
        ])
        .env("PATH", tool_path(repo))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(DEPLOY_TIMEOUT, child)
        .await
        .map_err(|_| {
            DemoError::Deploy(format!(
                "forge script did not finish within {} s",
                DEPLOY_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| DemoError::Deploy(format!("cannot run forge: {e}")))?;
    if !out.status.success() {
        let mut reason = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if reason.is_empty() {
            reason = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        return Err(DemoError::Deploy(reason));
    }
    Ok(())
}

/// A fresh anvil with sonm deployed on it. A deploy script that hangs (seen while another forge compiles the same
/// project) is killed and the whole thing tried once more on a new anvil.
pub(crate) async fn deployed_chain(repo: &Path) -> Result<AnvilInstance, DemoError> {
    let anvil = spawn_anvil(repo)?;
    match deploy(repo, &anvil).await {
        Ok(()) => Ok(anvil),
        Err(DemoError::Deploy(reason)) if reason.contains("did not finish") => {
            tracing::warn!(%reason, "deploying again on a fresh anvil");
            drop(anvil);
            let anvil = spawn_anvil(repo)?;
            deploy(repo, &anvil).await?;
            Ok(anvil)
        }
        Err(e) => Err(e),
    }
}

/// Moves the chain's clock `seconds` forward and mines a block.
pub(crate) async fn travel(provider: &DynProvider, seconds: u64) -> Result<(), DemoError> {
    rpc(provider, "evm_increaseTime", json!([seconds])).await?;
    rpc(provider, "evm_mine", json!([])).await
}

async fn rpc(
    provider: &DynProvider,
    method: &'static str,
    params: serde_json::Value,
) -> Result<(), DemoError> {
    provider
        .raw_request::<_, serde_json::Value>(method.into(), params)
        .await
        .map(|_| ())
        .map_err(|e| DemoError::Rpc {
            what: method.into(),
            reason: e.to_string(),
        })
}

/// A read-only provider.
pub(crate) fn provider(anvil: &AnvilInstance) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(anvil.endpoint_url())
        .erased()
}
