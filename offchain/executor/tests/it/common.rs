//! An anvil per test, the contracts deployed through the bindings, and the test computations' bindings.

use std::path::{Path, PathBuf};

use alloy::network::EthereumWallet;
use alloy::node_bindings::{Anvil, AnvilInstance};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;

/// The test computations in `test/mocks/ExecutorMocks.sol`, from the artifacts `forge build` writes.
pub(crate) mod mocks {
    #![allow(unreachable_pub, missing_debug_implementations)]
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockHashRepeat,
        "../../out/ExecutorMocks.sol/MockHashRepeat.json"
    );
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockMapGasBurner,
        "../../out/ExecutorMocks.sol/MockMapGasBurner.json"
    );
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockMapReverter,
        "../../out/ExecutorMocks.sol/MockMapReverter.json"
    );
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockMapMalformed,
        "../../out/ExecutorMocks.sol/MockMapMalformed.json"
    );
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockChainHaltsLater,
        "../../out/ExecutorMocks.sol/MockChainHaltsLater.json"
    );
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockJudgeRecorder,
        "../../out/ExecutorMocks.sol/MockJudgeRecorder.json"
    );
}

/// anvil's startup deadline: generous, a loaded CI machine can take more than alloy's default 10 s.
const STARTUP_MS: u64 = 60_000;

/// anvil from PATH, else the one the repository pins (`node_modules/.bin/anvil`, what `make` puts on PATH).
pub(crate) fn anvil() -> Anvil {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("anvil").is_file()));
    if on_path {
        return Anvil::new().timeout(STARTUP_MS);
    }
    let pinned = repo_root().join("node_modules/.bin/anvil");
    assert!(
        pinned.is_file(),
        "anvil not found on PATH nor at {}: run `make toolchain`",
        pinned.display()
    );
    Anvil::at(pinned).timeout(STARTUP_MS)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh anvil (kept alive by the returned handle) and a provider that signs with its first key.
pub(crate) fn spawn() -> (AnvilInstance, DynProvider) {
    let anvil = anvil().try_spawn().expect("anvil starts");
    let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(anvil.endpoint_url())
        .erased();
    (anvil, provider)
}

/// A provider for anvil's `index`th account.
pub(crate) fn provider_for(anvil: &AnvilInstance, index: usize) -> DynProvider {
    let signer: PrivateKeySigner = anvil.keys()[index].clone().into();
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(anvil.endpoint_url())
        .erased()
}
