//! A local chain with sonm deployed: anvil from the repository's pinned toolchain (`node_modules/.bin`, what
//! `npm ci` installs and the Makefile puts first on `PATH`) and the deploy definition run on it with forge.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::providers::{DynProvider, Provider as _, ProviderBuilder};
use serde_json::Value;

/// How long anvil may take to answer after it starts: generous, a loaded machine can take more than alloy's
/// default 10 s.
const ANVIL_STARTUP_MS: u64 = 60_000;

/// Why the local chain could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevnetError {
    /// The repository (with `script/Deploy.s.sol`) was not found.
    #[error(
        "cannot find the sonm repository (a directory with script/Deploy.s.sol) from {0}: run from a clone"
    )]
    NoRepository(PathBuf),
    /// anvil did not start.
    #[error("cannot start anvil ({0}): is it installed? `make demo` puts the pinned one on PATH")]
    Anvil(String),
    /// The deploy script failed or hung.
    #[error("deploying through script/Deploy.s.sol failed: {0}")]
    Deploy(String),
    /// A request to the node failed.
    #[error("RPC error during {what}: {reason}")]
    Rpc {
        /// The request.
        what: String,
        /// What the node said.
        reason: String,
    },
}

/// Shorthand for this module's results.
pub type Result<T, E = DevnetError> = std::result::Result<T, E>;

/// The repository root: the first directory from `start` up holding `script/Deploy.s.sol`, else the repository
/// this crate was built in.
pub fn find_repo(start: &Path) -> Result<PathBuf> {
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    start
        .ancestors()
        .map(Path::to_path_buf)
        .chain(std::iter::once(built_in))
        .find(|d| d.join("script/Deploy.s.sol").is_file())
        .and_then(|d| d.canonicalize().ok())
        .ok_or_else(|| DevnetError::NoRepository(start.to_owned()))
}

/// `repo`'s pinned `name` (`node_modules/.bin/<name>`) when installed, else `name` from `PATH`.
pub fn tool(repo: &Path, name: &str) -> PathBuf {
    let pinned = repo.join("node_modules/.bin").join(name);
    if pinned.exists() {
        pinned
    } else {
        PathBuf::from(name)
    }
}

/// `PATH` with `repo`'s pinned tools first, as the Makefile sets it (forge finds its solc wrapper through it).
pub fn tool_path(repo: &Path) -> String {
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

/// An anvil of chain `chain_id` from `repo`'s toolchain, not yet started.
pub fn anvil(repo: &Path, chain_id: u64) -> Anvil {
    Anvil::at(tool(repo, "anvil"))
        .chain_id(chain_id)
        .timeout(ANVIL_STARTUP_MS)
}

/// Starts anvil (chain `chain_id`) on a free port.
pub fn spawn_anvil(repo: &Path, chain_id: u64) -> Result<AnvilInstance> {
    anvil(repo, chain_id)
        .try_spawn()
        .map_err(|e| DevnetError::Anvil(e.to_string()))
}

/// Runs the deploy definition on `anvil` as its first account, unlocked (no key is passed around), with the
/// `local` profile (short governance durations); returns forge's output. The script writes
/// `<repo>/deployments/<chainId>.json` (and forge its `broadcast/` and `cache/` records). A script that has not
/// finished within `timeout` (forge compiles first when a contract changed since the last `forge build`) is killed.
pub async fn deploy(repo: &Path, anvil: &AnvilInstance, timeout: Duration) -> Result<String> {
    let deployer = anvil
        .addresses()
        .first()
        .ok_or_else(|| DevnetError::Anvil("anvil has no accounts".into()))?
        .to_string();
    let child = tokio::process::Command::new(tool(repo, "forge"))
        .current_dir(repo)
        .args(["script", "script/Deploy.s.sol", "--rpc-url"])
        .arg(anvil.endpoint())
        .args([
            "--broadcast",
            // One transaction at a time, each after the previous one's receipt: sent concurrently, a submission lost
            // under load left a nonce gap (anvil held the rest as queued) and forge waited for receipts for ever.
            "--slow",
            "--unlocked",
            "--sender",
            &deployer,
            "--quiet",
        ])
        .env("PATH", tool_path(repo))
        .env("SONM_PROFILE", "local")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(timeout, child)
        .await
        .map_err(|_| {
            DevnetError::Deploy(format!(
                "forge script did not finish within {} s",
                timeout.as_secs()
            ))
        })?
        .map_err(|e| DevnetError::Deploy(format!("cannot run forge: {e}")))?;
    if !out.status.success() {
        let mut reason = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if reason.is_empty() {
            reason = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        return Err(DevnetError::Deploy(reason));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A fresh anvil from `spawn` (e.g. `|| spawn_anvil(repo, chain_id)`, or an anvil with more accounts) with sonm
/// deployed on it. A deploy script that hangs (seen while another forge compiles the same project) is killed and the
/// whole thing tried once more on a new anvil.
pub async fn deployed_chain(
    repo: &Path,
    spawn: impl Fn() -> Result<AnvilInstance>,
    timeout: Duration,
) -> Result<AnvilInstance> {
    let anvil = spawn()?;
    match deploy(repo, &anvil, timeout).await {
        Ok(_) => Ok(anvil),
        Err(DevnetError::Deploy(reason)) if reason.contains("did not finish") => {
            tracing::warn!(%reason, "deploying again on a fresh anvil");
            drop(anvil);
            let anvil = spawn()?;
            deploy(repo, &anvil, timeout).await?;
            Ok(anvil)
        }
        Err(e) => Err(e),
    }
}

/// A read-only provider of `anvil`.
pub fn provider(anvil: &AnvilInstance) -> DynProvider {
    ProviderBuilder::new()
        .connect_http(anvil.endpoint_url())
        .erased()
}

/// A raw JSON-RPC request (anvil's `evm_*` and `anvil_*` methods).
pub async fn rpc(provider: &DynProvider, method: &str, params: Value) -> Result<Value> {
    provider
        .raw_request::<_, Value>(method.to_owned().into(), params)
        .await
        .map_err(|e| DevnetError::Rpc {
            what: method.to_owned(),
            reason: e.to_string(),
        })
}

/// Moves the chain's clock `seconds` forward and mines a block.
pub async fn travel(provider: &DynProvider, seconds: u64) -> Result<()> {
    rpc(provider, "evm_increaseTime", serde_json::json!([seconds])).await?;
    rpc(provider, "evm_mine", serde_json::json!([])).await?;
    Ok(())
}
