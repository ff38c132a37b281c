//! A connection to a sonm deployment: the provider, the signer (if any) and the deployment's addresses.

use std::error::Error as StdError;
use std::path::Path;
use std::time::Duration;

use alloy::contract::{CallBuilder, CallDecoder};
use alloy::network::{Ethereum, EthereumWallet};
use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionReceipt;
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::{RpcError, TransportError};
use sonm_bindings::{Contract, Deployment, decode_revert, one_line, revert_data};
use tracing::{debug, info};

use crate::proof::SaltSeed;
use crate::{AgentError, Result};

/// How long to wait for the node's first answer before calling it unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to one deployment of sonm on one chain, optionally with a key to send transactions with.
///
/// Every role client ([`crate::HubOwner`], [`crate::Miner`], ...) borrows one. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct Client {
    provider: DynProvider,
    url: String,
    chain_id: u64,
    sender: Option<Address>,
    /// The key itself, for what is signed off chain (a hub's offers, [`crate::market`]).
    signer: Option<PrivateKeySigner>,
    /// Derived from the key: seeds the salts of proof commitments ([`crate::proof`]).
    salt_seed: Option<SaltSeed>,
    deployment: Deployment,
}

impl Client {
    /// Connects to `rpc_url`, asks the node for its chain id and reads `deployments_dir/<chainId>.json`, checking
    /// with one `eth_getCode` that its contracts are on that chain (a file left from before anvil restarted is
    /// refused in one line that says how to deploy, [`sonm_bindings::DeploymentError::NotOnChain`]).
    pub async fn connect(
        rpc_url: &str,
        signer: Option<PrivateKeySigner>,
        deployments_dir: &Path,
    ) -> Result<Self> {
        let salt_seed = signer.as_ref().map(SaltSeed::new);
        let (provider, chain_id, sender) = Self::provider(rpc_url, signer.clone()).await?;
        let deployment = Deployment::load_checked(deployments_dir, chain_id, &provider).await?;
        Ok(Self {
            provider,
            url: rpc_url.to_owned(),
            chain_id,
            sender,
            signer,
            salt_seed,
            deployment,
        })
    }

    /// Connects without reading a deployment (for commands that only need the node).
    pub async fn provider(
        rpc_url: &str,
        signer: Option<PrivateKeySigner>,
    ) -> Result<(DynProvider, u64, Option<Address>)> {
        let url = rpc_url
            .parse::<alloy::transports::http::reqwest::Url>()
            .map_err(|e| AgentError::BadRpcUrl {
                url: rpc_url.to_owned(),
                reason: e.to_string(),
            })?;
        let sender = signer.as_ref().map(|s| s.address());
        let provider = match signer {
            Some(signer) => ProviderBuilder::new()
                .wallet(EthereumWallet::from(signer))
                .connect_http(url)
                .erased(),
            None => ProviderBuilder::new().connect_http(url).erased(),
        };
        let chain_id = match tokio::time::timeout(CONNECT_TIMEOUT, provider.get_chain_id()).await {
            Ok(Ok(id)) => id,
            Ok(Err(e)) => {
                return Err(AgentError::Unreachable {
                    url: rpc_url.to_owned(),
                    reason: one_line(&e),
                });
            }
            Err(_) => {
                return Err(AgentError::Unreachable {
                    url: rpc_url.to_owned(),
                    reason: format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()),
                });
            }
        };
        debug!(rpc_url, chain_id, ?sender, "connected");
        Ok((provider, chain_id, sender))
    }

    /// The provider (with the signer's wallet, if any).
    pub fn provider_ref(&self) -> &DynProvider {
        &self.provider
    }

    /// The chain id the node reported.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The deployment read for this chain.
    pub fn deployment(&self) -> &Deployment {
        &self.deployment
    }

    /// The address of a deployed contract, or a clear error if the deployment lacks it.
    pub fn address(&self, contract: Contract) -> Result<Address> {
        Ok(self.deployment.address(contract)?)
    }

    /// The account transactions are sent from, or [`AgentError::NoSigner`].
    pub fn sender(&self) -> Result<Address> {
        self.sender.ok_or(AgentError::NoSigner)
    }

    /// The key, for messages signed off chain (EIP-712 offers), or [`AgentError::NoSigner`].
    pub fn signer(&self) -> Result<&PrivateKeySigner> {
        self.signer.as_ref().ok_or(AgentError::NoSigner)
    }

    /// The key's seed of proof salts ([`SaltSeed`]), or [`AgentError::NoSigner`].
    pub fn salt_seed(&self) -> Result<SaltSeed> {
        self.salt_seed.ok_or(AgentError::NoSigner)
    }

    /// The account transactions are sent from, if a key was given.
    pub fn sender_opt(&self) -> Option<Address> {
        self.sender
    }

    /// Turns any error of a call into one actionable line: a decoded custom error for a revert, "cannot reach" for a
    /// dead transport, the node's message otherwise.
    pub fn classify(&self, what: &str, err: &(dyn StdError + 'static)) -> AgentError {
        if let Some(data) = revert_data(err) {
            return AgentError::Reverted {
                what: what.to_owned(),
                reason: decode_revert(&data),
            };
        }
        let mut current = Some(err);
        while let Some(e) = current {
            if let Some(RpcError::Transport(kind)) = e.downcast_ref::<TransportError>() {
                return AgentError::Unreachable {
                    url: self.url.clone(),
                    reason: kind.to_string(),
                };
            }
            current = e.source();
        }
        let reason = one_line(err);
        if reason.contains("insufficient funds") {
            return AgentError::InsufficientFunds(format!(
                "{} cannot pay the gas for {what}: send it some ETH",
                self.sender
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "the sender".into())
            ));
        }
        AgentError::Rpc {
            what: what.to_owned(),
            reason,
        }
    }

    /// Maps an RPC error of a read to one line.
    pub fn rpc_err<E: StdError + 'static>(&self, what: &str) -> impl FnOnce(E) -> AgentError + '_ {
        let what = what.to_owned();
        move |e| self.classify(&what, &e)
    }

    /// Simulates `call` (so a revert is reported with its decoded custom error and nothing is spent), then sends it
    /// and waits for its receipt.
    pub async fn send<P, D>(
        &self,
        what: &str,
        call: CallBuilder<P, D, Ethereum>,
    ) -> Result<TransactionReceipt>
    where
        P: Provider<Ethereum>,
        D: CallDecoder,
    {
        let from = self.sender()?;
        let call = call.from(from);
        call.call_raw().await.map_err(|e| self.classify(what, &e))?;
        let pending = call.send().await.map_err(|e| self.classify(what, &e))?;
        let tx = *pending.tx_hash();
        debug!(%tx, what, "sent");
        let receipt = pending
            .get_receipt()
            .await
            .map_err(|e| self.classify(what, &e))?;
        if !receipt.status() {
            return Err(AgentError::TxFailed {
                what: what.to_owned(),
                tx: tx.to_string(),
            });
        }
        info!(%tx, what, gas = receipt.gas_used, "confirmed");
        Ok(receipt)
    }

    /// Fails with [`AgentError::WrongAddress`] unless `address` holds code.
    pub async fn require_contract(&self, address: Address, what: &str) -> Result<()> {
        let code = self
            .provider
            .get_code_at(address)
            .await
            .map_err(self.rpc_err("eth_getCode"))?;
        if code.is_empty() {
            return Err(AgentError::WrongAddress {
                address,
                problem: format!(
                    "is not a contract on chain {}: check the {what} address",
                    self.chain_id
                ),
            });
        }
        Ok(())
    }

    /// The latest block's timestamp.
    pub async fn now(&self) -> Result<u64> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(self.rpc_err("eth_getBlockByNumber"))?
            .ok_or_else(|| AgentError::Rpc {
                what: "eth_getBlockByNumber".into(),
                reason: "no latest block".into(),
            })?;
        Ok(block.header.timestamp)
    }

    /// Refuses, before anything is sent, a move the game only accepts from time `at` on: a `WrongState` error
    /// "`{until}` `at` (unix time), N s from now`{because}`".
    pub async fn not_before(&self, at: u64, until: &str, because: &str) -> Result<()> {
        let now = self.now().await?;
        if now < at {
            return Err(AgentError::WrongState(format!(
                "{until} {at} (unix time), {} s from now{because}",
                at - now
            )));
        }
        Ok(())
    }
}
