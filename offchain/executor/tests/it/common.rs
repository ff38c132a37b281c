//! An anvil per test, the contracts deployed through the bindings (the test computations' bindings are
//! `sonm_testkit::mocks`).

use alloy::network::EthereumWallet;
use alloy::node_bindings::AnvilInstance;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;

/// The byte bound the tests judge with unless they test the bound: the largest a task may have
/// (`Judge.MAX_UNIT_BYTES`, `MapGame.MAX_LEAF_BYTES`, `ChainGame.MAX_STATE_BYTES`).
pub(crate) const MAX_BYTES: u32 = 32_768;

/// A fresh anvil (kept alive by the returned handle) and a provider that signs with its first key.
pub(crate) fn spawn() -> (AnvilInstance, DynProvider) {
    // anvil's own chain id: these tests deploy through the bindings, not the deploy definition.
    let anvil = sonm_testkit::devnet::spawn_anvil(&sonm_testkit::repo(), 31337)
        .unwrap_or_else(|e| panic!("{e}"));
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
