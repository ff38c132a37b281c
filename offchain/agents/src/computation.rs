//! The computation registry: the games judge only computations whose code the `ComputationRegistry` checked pure
//! (an allow-list of opcodes) and whose code hash it pinned (docs/protocol.md, "Pure computations"). Anyone may
//! register a computation; registering one already registered changes nothing.

use alloy::primitives::{Address, B256, keccak256};
use alloy::providers::{DynProvider, Provider as _};
use serde::Serialize;
use sonm_bindings::ComputationRegistry::{self, ComputationRegistryErrors};
use sonm_bindings::{Contract, opcode_name};
use tracing::info;

use crate::{AgentError, Client, Result};

/// A computation as the registry and the chain see it.
#[derive(Clone, Debug, Serialize)]
pub struct ComputationInfo {
    /// Its address.
    pub computation: Address,
    /// Whether the registry accepted it: tasks may name it.
    pub registered: bool,
    /// The code hash pinned at registration (zero if not registered).
    pub code_hash: B256,
    /// The hash of its code now (zero if it has none).
    pub current_code_hash: B256,
    /// Registered and its code unchanged since: the games judge it.
    pub intact: bool,
    /// Its code's size in bytes.
    pub code_size: usize,
}

/// What registering did.
#[derive(Clone, Debug, Serialize)]
pub struct Registered {
    /// The computation.
    pub computation: Address,
    /// Its pinned code hash.
    pub code_hash: B256,
    /// The `register` transaction; `None` when it was registered already.
    pub tx: Option<B256>,
}

/// The deployment's computation registry.
#[derive(Clone, Debug)]
pub struct Computations {
    client: Client,
    registry: ComputationRegistry::ComputationRegistryInstance<DynProvider>,
}

impl Computations {
    /// The deployment's registry.
    pub fn new(client: &Client) -> Result<Self> {
        let registry = ComputationRegistry::new(
            client.address(Contract::ComputationRegistry)?,
            client.provider_ref().clone(),
        );
        Ok(Self {
            client: client.clone(),
            registry,
        })
    }

    /// The registry's address.
    pub fn address(&self) -> Address {
        *self.registry.address()
    }

    /// Whether `computation` is registered.
    pub async fn is_registered(&self, computation: Address) -> Result<bool> {
        self.registry
            .isRegistered(computation)
            .call()
            .await
            .map_err(|e| self.client.classify("isRegistered", &e))
    }

    /// Everything about `computation`: registered or not, its pinned and current code hashes.
    pub async fn show(&self, computation: Address) -> Result<ComputationInfo> {
        let c = &self.client;
        let code = c
            .provider_ref()
            .get_code_at(computation)
            .await
            .map_err(c.rpc_err("eth_getCode"))?;
        let code_hash = self
            .registry
            .codeHashOf(computation)
            .call()
            .await
            .map_err(|e| c.classify("codeHashOf", &e))?;
        let intact = self
            .registry
            .isIntact(computation)
            .call()
            .await
            .map_err(|e| c.classify("isIntact", &e))?;
        Ok(ComputationInfo {
            computation,
            registered: !code_hash.is_zero(),
            code_hash,
            current_code_hash: if code.is_empty() {
                B256::ZERO
            } else {
                keccak256(&code)
            },
            intact,
            code_size: code.len(),
        })
    }

    /// Registers `computation`: the registry checks its code against the allow-list and pins its hash. A
    /// computation registered already is not sent again (`tx` is `None`). A refusal is one line naming the reason:
    /// the forbidden opcode and its byte offset, no code, or an EIP-7702 delegation.
    pub async fn register(&self, computation: Address) -> Result<Registered> {
        if self.is_registered(computation).await? {
            let code_hash = self.show(computation).await?.code_hash;
            return Ok(Registered {
                computation,
                code_hash,
                tx: None,
            });
        }
        let call = self.registry.register(computation);
        let code_hash = match call.call().await {
            Ok(hash) => hash,
            Err(e) => {
                return Err(
                    match e.as_decoded_interface_error::<ComputationRegistryErrors>() {
                        Some(refusal) => self.refusal(refusal),
                        None => self.client.classify("register", &e),
                    },
                );
            }
        };
        let receipt = self.client.send("register", call).await?;
        info!(%computation, %code_hash, "computation registered");
        Ok(Registered {
            computation,
            code_hash,
            tx: Some(receipt.transaction_hash),
        })
    }

    /// Fails, in one line that says how to register it, unless `computation` is registered.
    pub async fn require_registered(&self, computation: Address, what: &str) -> Result<()> {
        if self.is_registered(computation).await? {
            return Ok(());
        }
        Err(AgentError::WrongState(format!(
            "computation {computation} is not registered in the computation registry {}, so the games refuse \
             {what}: register it first with `sonm computation register {computation}` (anyone may; the registry \
             checks that its code is pure)",
            self.address()
        )))
    }

    fn refusal(&self, refusal: ComputationRegistryErrors) -> AgentError {
        let chain = self.client.chain_id();
        AgentError::Invalid(match refusal {
            ComputationRegistryErrors::ComputationRegistryForbiddenOpcode(e) => format!(
                "{} cannot be registered: its code has {} ({:#04x}) at byte offset {}, which is not on the \
                 registry's allow-list (a computation may read nothing but its input; see docs/protocol.md, \
                 \"Pure computations\")",
                e.computation,
                opcode_name(e.opcode).unwrap_or("an undefined opcode"),
                e.opcode,
                e.offset
            ),
            ComputationRegistryErrors::ComputationRegistryNoCode(e) => format!(
                "{} cannot be registered: it has no code on chain {chain} (deploy the computation first)",
                e.computation
            ),
            ComputationRegistryErrors::ComputationRegistryDelegatedAccount(e) => format!(
                "{} cannot be registered: it is an EIP-7702 delegated account (to {}), whose code its owner can \
                 change at will; deploy the computation as a contract",
                e.computation, e.delegate
            ),
        })
    }
}
