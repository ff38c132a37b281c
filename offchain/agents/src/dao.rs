//! The DAO member: proposals for the privileged actions (built from the bindings), votes, queue and execute
//! through the timelock.

use std::fmt;

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider as _};
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolCall, SolEvent as _};
use serde::Serialize;
pub use sonm_bindings::enums::IGovernor::ProposalState;
use sonm_bindings::{
    ChainGame, Contract, HubFactory, HubWallet, IChainGame, IMapGame, MapGame, SonmGovernor,
    Whitelist,
};
use tracing::info;

use crate::token::Token;
use crate::units::{format_snm, ser_dec};
use crate::{AgentError, Client, Result};

/// A privileged action the DAO can take.
#[derive(Clone, Debug)]
pub enum Action {
    /// Mark a hub trusted (true) or untrusted (false).
    Trust {
        /// The hub.
        hub: Address,
        /// Trusted or not.
        trusted: bool,
    },
    /// Suspect a registered hub: every fund blocked.
    Suspect {
        /// The hub.
        hub: Address,
    },
    /// Rehabilitate a suspected hub.
    Rehab {
        /// The hub.
        hub: Address,
    },
    /// Ban a suspected hub after the suspicion period: its funds go to the expropriation vault.
    Ban {
        /// The hub.
        hub: Address,
    },
    /// New terms for new hub wallets.
    HubParameters(HubFactory::HubParameters),
    /// New rating terms.
    RatingParameters {
        /// Least stake of a rating.
        minimum_stake: U256,
        /// Seconds a rating's stake stays locked.
        lock_period: U256,
    },
    /// New map game parameters.
    MapParameters(IMapGame::Parameters),
    /// New chain game parameters (for new tasks).
    ChainParameters(IChainGame::Parameters),
}

impl Action {
    /// The call the timelock will make: (target, calldata).
    pub fn call(&self, client: &Client) -> Result<(Address, Bytes)> {
        Ok(match self {
            Self::Trust { hub, trusted } => (
                client.address(Contract::Whitelist)?,
                Whitelist::setTrustedCall {
                    hub: *hub,
                    trusted: *trusted,
                }
                .abi_encode()
                .into(),
            ),
            Self::Suspect { hub } => (*hub, HubWallet::suspectCall {}.abi_encode().into()),
            Self::Rehab { hub } => (*hub, HubWallet::rehabCall {}.abi_encode().into()),
            Self::Ban { hub } => (*hub, HubWallet::banCall {}.abi_encode().into()),
            Self::HubParameters(p) => (
                client.address(Contract::HubFactory)?,
                HubFactory::setParametersCall {
                    parameters_: p.clone(),
                }
                .abi_encode()
                .into(),
            ),
            Self::RatingParameters {
                minimum_stake,
                lock_period,
            } => (
                client.address(Contract::Whitelist)?,
                Whitelist::setRatingParametersCall {
                    minimumStake_: *minimum_stake,
                    lockPeriod: *lock_period,
                }
                .abi_encode()
                .into(),
            ),
            Self::MapParameters(p) => (
                client.address(Contract::MapGame)?,
                MapGame::setParametersCall {
                    parameters_: p.clone(),
                }
                .abi_encode()
                .into(),
            ),
            Self::ChainParameters(p) => (
                client.address(Contract::ChainGame)?,
                ChainGame::setParametersCall {
                    parameters_: p.clone(),
                }
                .abi_encode()
                .into(),
            ),
        })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Trust { hub, trusted: true } => write!(f, "trust hub {hub}"),
            Self::Trust {
                hub,
                trusted: false,
            } => write!(f, "untrust hub {hub}"),
            Self::Suspect { hub } => write!(f, "suspect hub {hub}"),
            Self::Rehab { hub } => write!(f, "rehabilitate hub {hub}"),
            Self::Ban { hub } => write!(f, "ban hub {hub}"),
            Self::HubParameters(_) => write!(f, "set the terms of new hub wallets"),
            Self::RatingParameters { .. } => write!(f, "set the rating terms"),
            Self::MapParameters(_) => write!(f, "set the map game's parameters"),
            Self::ChainParameters(_) => write!(f, "set the chain game's parameters"),
        }
    }
}

/// A proposal as the governor's event and views describe it.
#[derive(Clone, Debug, Serialize)]
pub struct Proposal {
    /// Its id (decimal).
    #[serde(serialize_with = "ser_dec")]
    pub id: U256,
    /// Its state.
    pub state: ProposalState,
    /// Who proposed.
    pub proposer: Address,
    /// What it does.
    pub description: String,
    /// The calls' targets.
    pub targets: Vec<Address>,
    /// The calls' data.
    pub calldatas: Vec<Bytes>,
    /// The calls' ETH values.
    pub values: Vec<U256>,
    /// When voting starts (the snapshot time).
    pub snapshot: u64,
    /// When voting ends.
    pub deadline: u64,
    /// When it may be executed once queued (0 if not queued).
    pub eta: u64,
    /// Votes for.
    #[serde(serialize_with = "ser_dec")]
    pub for_votes: U256,
    /// Votes against.
    #[serde(serialize_with = "ser_dec")]
    pub against_votes: U256,
    /// Abstentions.
    #[serde(serialize_with = "ser_dec")]
    pub abstain_votes: U256,
    /// Votes needed at the snapshot.
    #[serde(serialize_with = "ser_dec")]
    pub quorum: U256,
}

/// How to vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Against.
    Against = 0,
    /// For.
    For = 1,
    /// Abstain.
    Abstain = 2,
}

/// A DAO member: proposes, votes, queues and executes.
#[derive(Clone, Debug)]
pub struct DaoMember {
    client: Client,
    governor: SonmGovernor::SonmGovernorInstance<DynProvider>,
}

impl DaoMember {
    /// A member acting with the client's key.
    pub fn new(client: &Client) -> Result<Self> {
        let governor = SonmGovernor::new(
            client.address(Contract::SonmGovernor)?,
            client.provider_ref().clone(),
        );
        Ok(Self {
            client: client.clone(),
            governor,
        })
    }

    fn err<E: std::error::Error + 'static>(
        &self,
        what: &'static str,
    ) -> impl FnOnce(E) -> AgentError + '_ {
        move |e| self.client.classify(what, &e)
    }

    /// Proposes `action`; returns the proposal id.
    pub async fn propose(&self, action: &Action, description: &str) -> Result<(U256, B256)> {
        let me = self.client.sender()?;
        let (target, calldata) = action.call(&self.client)?;
        let threshold = self
            .governor
            .proposalThreshold()
            .call()
            .await
            .map_err(self.err("proposalThreshold"))?;
        if !threshold.is_zero() {
            let votes = Token::new(&self.client)?.votes(me).await?;
            if votes < threshold {
                return Err(AgentError::InsufficientFunds(format!(
                    "{me} has {} votes, proposing needs {}: delegate SNM to it (`sonm token delegate`)",
                    format_snm(votes),
                    format_snm(threshold)
                )));
            }
        }
        let description = format!("{action}: {description}");
        let receipt = self
            .client
            .send(
                "propose",
                self.governor.propose(
                    vec![target],
                    vec![U256::ZERO],
                    vec![calldata],
                    description.clone(),
                ),
            )
            .await?;
        let id = receipt
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<SonmGovernor::ProposalCreated>().ok())
            .map(|l| l.inner.data.proposalId)
            .ok_or_else(|| AgentError::Rpc {
                what: "propose".into(),
                reason: "no ProposalCreated event".into(),
            })?;
        info!(%id, %action, "proposed");
        Ok((id, receipt.transaction_hash))
    }

    /// A proposal, from its creation event and the governor's views.
    pub async fn show(&self, id: U256) -> Result<Proposal> {
        let filter = Filter::new()
            .address(*self.governor.address())
            .event_signature(SonmGovernor::ProposalCreated::SIGNATURE_HASH)
            .from_block(self.client.deployment().start_block);
        let logs = self
            .client
            .provider_ref()
            .get_logs(&filter)
            .await
            .map_err(self.client.rpc_err("eth_getLogs"))?;
        let created = logs
            .iter()
            .filter_map(|l| l.log_decode::<SonmGovernor::ProposalCreated>().ok())
            .map(|l| l.inner.data)
            .find(|e| e.proposalId == id)
            .ok_or_else(|| {
                AgentError::Invalid(format!("proposal {id} does not exist on this deployment"))
            })?;
        let g = &self.governor;
        let state = g.state(id).call().await.map_err(self.err("state"))?;
        let snapshot = g
            .proposalSnapshot(id)
            .call()
            .await
            .map_err(self.err("proposalSnapshot"))?;
        let votes = g
            .proposalVotes(id)
            .call()
            .await
            .map_err(self.err("proposalVotes"))?;
        let now = U256::from(self.client.now().await?);
        // The quorum is defined at the snapshot, which must be in the past to be read.
        let quorum = if snapshot < now {
            g.quorum(snapshot)
                .call()
                .await
                .map_err(self.err("quorum"))?
        } else {
            U256::ZERO
        };
        Ok(Proposal {
            id,
            state: ProposalState::try_from(state)?,
            proposer: created.proposer,
            description: created.description,
            targets: created.targets,
            calldatas: created.calldatas,
            values: created.values,
            snapshot: snapshot.saturating_to(),
            deadline: g
                .proposalDeadline(id)
                .call()
                .await
                .map_err(self.err("proposalDeadline"))?
                .saturating_to(),
            eta: g
                .proposalEta(id)
                .call()
                .await
                .map_err(self.err("proposalEta"))?
                .saturating_to(),
            for_votes: votes.forVotes,
            against_votes: votes.againstVotes,
            abstain_votes: votes.abstainVotes,
            quorum,
        })
    }

    fn require_state(p: &Proposal, allowed: ProposalState, what: &str, hint: String) -> Result<()> {
        if p.state != allowed {
            return Err(AgentError::WrongState(format!(
                "proposal {} is {}: {what} needs {allowed}{hint}",
                p.id, p.state
            )));
        }
        Ok(())
    }

    /// Votes on an active proposal with the sender's votes at its snapshot.
    pub async fn vote(&self, id: U256, support: Support, reason: &str) -> Result<(U256, B256)> {
        let me = self.client.sender()?;
        let p = self.show(id).await?;
        let now = self.client.now().await?;
        let hint = if p.state == ProposalState::Pending {
            format!(
                " (voting opens at {}, {} s from now)",
                p.snapshot,
                p.snapshot.saturating_sub(now)
            )
        } else {
            String::new()
        };
        Self::require_state(&p, ProposalState::Active, "voting", hint)?;
        let weight = self
            .governor
            .getVotes(me, U256::from(p.snapshot))
            .call()
            .await
            .map_err(self.err("getVotes"))?;
        if weight.is_zero() {
            return Err(AgentError::WrongState(format!(
                "{me} had no votes at the proposal's snapshot: delegate SNM (`sonm token delegate`) before proposals are made"
            )));
        }
        let has_voted = self
            .governor
            .hasVoted(id, me)
            .call()
            .await
            .map_err(self.err("hasVoted"))?;
        if has_voted {
            return Err(AgentError::WrongState(format!(
                "{me} has already voted on proposal {id}"
            )));
        }
        let receipt = self
            .client
            .send(
                "castVote",
                self.governor
                    .castVoteWithReason(id, support as u8, reason.to_owned()),
            )
            .await?;
        Ok((weight, receipt.transaction_hash))
    }

    /// Queues a passed proposal in the timelock.
    pub async fn queue(&self, id: U256) -> Result<(u64, B256)> {
        let p = self.show(id).await?;
        let hint = if p.state == ProposalState::Active {
            format!(" (voting ends at {})", p.deadline)
        } else {
            String::new()
        };
        Self::require_state(&p, ProposalState::Succeeded, "queueing", hint)?;
        let hash = keccak256(p.description.as_bytes());
        let receipt = self
            .client
            .send(
                "queue",
                self.governor.queue(
                    p.targets.clone(),
                    p.values.clone(),
                    p.calldatas.clone(),
                    hash,
                ),
            )
            .await?;
        let eta = self
            .governor
            .proposalEta(id)
            .call()
            .await
            .map_err(self.err("proposalEta"))?
            .saturating_to();
        Ok((eta, receipt.transaction_hash))
    }

    /// Executes a queued proposal once the timelock's delay passed.
    pub async fn execute(&self, id: U256) -> Result<B256> {
        let p = self.show(id).await?;
        Self::require_state(&p, ProposalState::Queued, "execution", String::new())?;
        self.client
            .not_before(
                p.eta,
                &format!("proposal {id} is in the timelock until"),
                "",
            )
            .await?;
        let hash = keccak256(p.description.as_bytes());
        let receipt = self
            .client
            .send(
                "execute",
                self.governor.execute(
                    p.targets.clone(),
                    p.values.clone(),
                    p.calldatas.clone(),
                    hash,
                ),
            )
            .await?;
        Ok(receipt.transaction_hash)
    }

    /// The map game's parameters in force (a base for [`Action::MapParameters`]).
    pub async fn map_parameters(&self) -> Result<IMapGame::Parameters> {
        let game = MapGame::new(
            self.client.address(Contract::MapGame)?,
            self.client.provider_ref().clone(),
        );
        game.parameters()
            .call()
            .await
            .map_err(self.err("parameters"))
    }

    /// The chain game's parameters in force (a base for [`Action::ChainParameters`]).
    pub async fn chain_parameters(&self) -> Result<IChainGame::Parameters> {
        let game = ChainGame::new(
            self.client.address(Contract::ChainGame)?,
            self.client.provider_ref().clone(),
        );
        game.parameters()
            .call()
            .await
            .map_err(self.err("parameters"))
    }

    /// The terms of new hub wallets in force (a base for [`Action::HubParameters`]).
    pub async fn hub_parameters(&self) -> Result<HubFactory::HubParameters> {
        let f = HubFactory::new(
            self.client.address(Contract::HubFactory)?,
            self.client.provider_ref().clone(),
        );
        f.parameters().call().await.map_err(self.err("parameters"))
    }
}
