//! `sonm dao`: proposals for the privileged actions, votes, queue, execute.

use alloy::primitives::{Address, U256};
use clap::{Args, Subcommand, ValueEnum};
use eyre::Result;
use serde_json::json;
use sonm_agents::{Action, DaoMember, Support};

use super::{connect, parse_address, parse_amount, snm};
use crate::Global;
use crate::ui::{Output, spin};

#[derive(Debug, Subcommand)]
pub(crate) enum DaoCmd {
    /// Propose a privileged action (executed by the timelock once passed and queued).
    Propose(ProposeArgs),
    /// Vote on an active proposal with the signer's votes at its snapshot.
    Vote(VoteArgs),
    /// Queue a passed proposal in the timelock.
    Queue(QueueArgs),
    /// Execute a queued proposal once the timelock's delay passed.
    Execute(ExecuteArgs),
    /// A proposal's state, votes and calls.
    Show(ShowArgs),
}

impl DaoCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<Output> {
        match self {
            Self::Propose(a) => a.run(g).await,
            Self::Vote(a) => a.run(g).await,
            Self::Queue(a) => a.run(g).await,
            Self::Execute(a) => a.run(g).await,
            Self::Show(a) => a.run(g).await,
        }
    }
}

/// A DAO member's client (the signer's votes).
async fn member(g: &Global) -> Result<DaoMember> {
    Ok(DaoMember::new(&connect(g).await?)?)
}

#[derive(Debug, Args)]
pub(crate) struct ProposeArgs {
    /// Why: recorded in the proposal.
    #[arg(long, global = true, default_value = "")]
    description: String,
    #[command(subcommand)]
    action: ProposeAction,
}

impl ProposeArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let member = member(g).await?;
        let a = action(&member, self.action).await?;
        let (id, tx) = spin("proposing", member.propose(&a, &self.description)).await?;
        Ok(Output::new(
            format!("proposal {id} made: {a} (tx {tx})"),
            json!({"proposal": id.to_string(), "action": a.to_string(), "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct VoteArgs {
    /// The proposal id.
    proposal: U256,
    /// For, against or abstain.
    support: SupportArg,
    /// Why.
    #[arg(long, default_value = "")]
    reason: String,
}

impl VoteArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let proposal = self.proposal;
        let support = match self.support {
            SupportArg::For => Support::For,
            SupportArg::Against => Support::Against,
            SupportArg::Abstain => Support::Abstain,
        };
        let (weight, tx) = spin(
            "voting",
            member(g).await?.vote(proposal, support, &self.reason),
        )
        .await?;
        Ok(Output::new(
            format!(
                "voted {support:?} on proposal {proposal} with {} votes (tx {tx})",
                snm(weight)
            ),
            json!({"proposal": proposal.to_string(), "support": format!("{support:?}"), "weight": weight.to_string(), "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct QueueArgs {
    /// The proposal id.
    proposal: U256,
}

impl QueueArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let proposal = self.proposal;
        let (eta, tx) = spin("queueing", member(g).await?.queue(proposal)).await?;
        Ok(Output::new(
            format!("proposal {proposal} queued; executable from {eta} (unix time) (tx {tx})"),
            json!({"proposal": proposal.to_string(), "eta": eta, "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ExecuteArgs {
    /// The proposal id.
    proposal: U256,
}

impl ExecuteArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let proposal = self.proposal;
        let tx = spin("executing", member(g).await?.execute(proposal)).await?;
        Ok(Output::new(
            format!("proposal {proposal} executed (tx {tx})"),
            json!({"proposal": proposal.to_string(), "tx": tx}),
        ))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The proposal id.
    proposal: U256,
}

impl ShowArgs {
    async fn run(self, g: &Global) -> Result<Output> {
        let p = spin("reading the proposal", member(g).await?.show(self.proposal)).await?;
        let text = format!(
            "proposal  {}\nstate     {}\nproposer  {}\nwhat      {}\nvoting    {} to {}\nvotes     for {}, against {}, abstain {} (quorum {})\neta       {}\ncalls     {}",
            p.id,
            p.state,
            p.proposer,
            p.description,
            p.snapshot,
            p.deadline,
            snm(p.for_votes),
            snm(p.against_votes),
            snm(p.abstain_votes),
            snm(p.quorum),
            p.eta,
            p.targets
                .iter()
                .zip(&p.calldatas)
                .map(|(t, d)| format!("{t} {d}"))
                .collect::<Vec<_>>()
                .join("; ")
        );
        Ok(Output::new(text, serde_json::to_value(&p)?))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum SupportArg {
    For,
    Against,
    Abstain,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ProposeAction {
    /// Mark a hub trusted (or untrusted with --untrust).
    Trust {
        #[arg(value_parser = parse_address)]
        hub: Address,
        #[arg(long)]
        untrust: bool,
    },
    /// Suspect a registered hub: blocks every fund.
    Suspect {
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// Rehabilitate a suspected hub.
    Rehab {
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// Ban a suspected hub after the suspicion period.
    Ban {
        #[arg(value_parser = parse_address)]
        hub: Address,
    },
    /// New terms for new hub wallets (unset ones keep their current value).
    HubParameters {
        /// Registration freeze, SNM.
        #[arg(long, value_parser = parse_amount)]
        freeze: Option<U256>,
        #[arg(long)]
        lock_bps: Option<u16>,
        #[arg(long)]
        dao_fee_bps: Option<u16>,
        /// Seconds.
        #[arg(long)]
        payout_period: Option<u32>,
        /// Seconds.
        #[arg(long)]
        suspicion_period: Option<u32>,
        /// Seconds.
        #[arg(long)]
        expropriation_freeze: Option<u32>,
        /// Seconds what PayDay unlocks cools in the wallet (keep it above the DAO's own latency).
        #[arg(long)]
        pay_day_cool_down: Option<u32>,
    },
    /// New rating terms.
    RatingParameters {
        /// SNM.
        #[arg(long, value_parser = parse_amount)]
        minimum_stake: U256,
        /// Seconds.
        #[arg(long)]
        lock_period: u64,
    },
    /// New map game parameters (unset ones keep their current value).
    MapParameters {
        /// SNM.
        #[arg(long, value_parser = parse_amount)]
        min_solver_bond: Option<U256>,
        /// SNM.
        #[arg(long, value_parser = parse_amount)]
        min_challenger_bond: Option<U256>,
        #[arg(long)]
        claim_window: Option<u32>,
        #[arg(long)]
        challenge_window: Option<u32>,
        #[arg(long)]
        response_window: Option<u32>,
        #[arg(long)]
        challenger_share_bps: Option<u16>,
        #[arg(long)]
        max_gas_per_leaf: Option<u32>,
        /// The most bytes a leaf's input or output may have in tasks posted from then on.
        #[arg(long)]
        max_leaf_bytes: Option<u32>,
    },
    /// New chain game parameters for new tasks (unset ones keep their current value).
    ChainParameters {
        /// SNM.
        #[arg(long, value_parser = parse_amount)]
        min_solver_bond: Option<U256>,
        /// SNM.
        #[arg(long, value_parser = parse_amount)]
        min_challenger_bond: Option<U256>,
        #[arg(long)]
        min_clock: Option<u32>,
        /// The most clock a task may give each side, seconds.
        #[arg(long)]
        max_clock: Option<u32>,
        #[arg(long)]
        min_claim_window: Option<u32>,
        /// Seconds.
        #[arg(long)]
        max_claim_window: Option<u32>,
        #[arg(long)]
        min_challenge_window: Option<u32>,
        /// Seconds.
        #[arg(long)]
        max_challenge_window: Option<u32>,
        #[arg(long)]
        max_gas_per_step: Option<u32>,
        /// The most bytes a state may have in tasks posted from then on.
        #[arg(long)]
        max_state_bytes: Option<u32>,
        #[arg(long)]
        challenger_share_bps: Option<u16>,
    },
}

fn u96(v: U256) -> Result<alloy::primitives::aliases::U96> {
    u128::try_from(v)
        .ok()
        .and_then(|v| alloy::primitives::aliases::U96::try_from(v).ok())
        .ok_or_else(|| eyre::eyre!("{} SNM is too large (at most 2^96 wei)", snm(v)))
}

async fn action(member: &DaoMember, a: ProposeAction) -> Result<Action> {
    Ok(match a {
        ProposeAction::Trust { hub, untrust } => Action::Trust {
            hub,
            trusted: !untrust,
        },
        ProposeAction::Suspect { hub } => Action::Suspect { hub },
        ProposeAction::Rehab { hub } => Action::Rehab { hub },
        ProposeAction::Ban { hub } => Action::Ban { hub },
        ProposeAction::HubParameters {
            freeze,
            lock_bps,
            dao_fee_bps,
            payout_period,
            suspicion_period,
            expropriation_freeze,
            pay_day_cool_down,
        } => {
            let mut p = member.hub_parameters().await?;
            if let Some(v) = freeze {
                p.registrationFreeze = u96(v)?;
            }
            p.lockBps = lock_bps.unwrap_or(p.lockBps);
            p.daoFeeBps = dao_fee_bps.unwrap_or(p.daoFeeBps);
            p.payoutPeriod = payout_period.unwrap_or(p.payoutPeriod);
            p.suspicionPeriod = suspicion_period.unwrap_or(p.suspicionPeriod);
            p.expropriationFreeze = expropriation_freeze.unwrap_or(p.expropriationFreeze);
            p.payDayCoolDown = pay_day_cool_down.unwrap_or(p.payDayCoolDown);
            Action::HubParameters(p)
        }
        ProposeAction::RatingParameters {
            minimum_stake,
            lock_period,
        } => Action::RatingParameters {
            minimum_stake,
            lock_period: U256::from(lock_period),
        },
        ProposeAction::MapParameters {
            min_solver_bond,
            min_challenger_bond,
            claim_window,
            challenge_window,
            response_window,
            challenger_share_bps,
            max_gas_per_leaf,
            max_leaf_bytes,
        } => {
            let mut p = member.map_parameters().await?;
            if let Some(v) = min_solver_bond {
                p.minSolverBond = u96(v)?;
            }
            if let Some(v) = min_challenger_bond {
                p.minChallengerBond = u96(v)?;
            }
            p.claimWindow = claim_window.unwrap_or(p.claimWindow);
            p.challengeWindow = challenge_window.unwrap_or(p.challengeWindow);
            p.responseWindow = response_window.unwrap_or(p.responseWindow);
            p.challengerShareBps = challenger_share_bps.unwrap_or(p.challengerShareBps);
            p.maxGasPerLeaf = max_gas_per_leaf.unwrap_or(p.maxGasPerLeaf);
            p.maxLeafBytes = max_leaf_bytes.unwrap_or(p.maxLeafBytes);
            Action::MapParameters(p)
        }
        ProposeAction::ChainParameters {
            min_solver_bond,
            min_challenger_bond,
            min_clock,
            max_clock,
            min_claim_window,
            max_claim_window,
            min_challenge_window,
            max_challenge_window,
            max_gas_per_step,
            max_state_bytes,
            challenger_share_bps,
        } => {
            let mut p = member.chain_parameters().await?;
            if let Some(v) = min_solver_bond {
                p.minSolverBond = u96(v)?;
            }
            if let Some(v) = min_challenger_bond {
                p.minChallengerBond = u96(v)?;
            }
            p.minClock = min_clock.unwrap_or(p.minClock);
            p.maxClock = max_clock.unwrap_or(p.maxClock);
            p.minClaimWindow = min_claim_window.unwrap_or(p.minClaimWindow);
            p.maxClaimWindow = max_claim_window.unwrap_or(p.maxClaimWindow);
            p.minChallengeWindow = min_challenge_window.unwrap_or(p.minChallengeWindow);
            p.maxChallengeWindow = max_challenge_window.unwrap_or(p.maxChallengeWindow);
            p.maxGasPerStep = max_gas_per_step.unwrap_or(p.maxGasPerStep);
            p.maxStateBytes = max_state_bytes.unwrap_or(p.maxStateBytes);
            p.challengerShareBps = challenger_share_bps.unwrap_or(p.challengerShareBps);
            Action::ChainParameters(p)
        }
    })
}
