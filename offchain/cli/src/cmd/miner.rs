//! `sonm miner run|hubs`: the miner daemon (crate `sonm-miner`) under the CLI's node, deployments and key.

use clap::Subcommand;
use eyre::Result;
use serde_json::json;
use sonm_agents::AgentError;
use sonm_miner::{HubsArgs, RunArgs};

use crate::{Global, ui};

/// The miner.
#[derive(Debug, Subcommand)]
pub(crate) enum MinerCmd {
    /// Run the miner: find hubs on the network, mark each (not confirmed, checked, safe), spread the capacity over
    /// the accepted ones (the briefcase), compute their leases with the executor, redeem and claim the work
    /// receipts, report on the hubs that paid, stop working for a hub whose unpaid debt passes --max-debt.
    ///
    /// With --json, one JSON object a line on stdout per event (listening, hub_marked, joined, left, lease_done,
    /// lease_refused, receipt_redeemed, receipt_dishonoured, claimed, hub_dropped, hub_restored, reported, warning,
    /// stopped). Ctrl-C or SIGTERM stops it; its state stays in --state.
    Run(RunArgs),
    /// The miner's view of every hub (the Whitelist's and those in its state): the mark and why, and its books.
    Hubs(HubsArgs),
}

impl MinerCmd {
    pub(crate) async fn run(self, g: &Global) -> Result<ui::Output> {
        match self {
            Self::Run(args) => run(g, args).await,
            Self::Hubs(args) => hubs(g, args).await,
        }
    }
}

async fn run(g: &Global, args: RunArgs) -> Result<ui::Output> {
    // The miner signs lease receipts and reports and sends redeems and claims: it needs a key.
    let signer = super::signer(g)?.ok_or(AgentError::NoSigner)?;
    let config = args.into_config(g.rpc_url.clone(), g.deployments.clone(), signer, g.json)?;
    sonm_miner::run(config, stop()?).await?;
    Ok(ui::Output::silent())
}

/// Ctrl-C or SIGTERM. The handlers are installed now, before the daemon says it listens: a signal that comes
/// right after that line must stop it cleanly, not kill it.
fn stop() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())
            .map_err(|e| eyre::eyre!("cannot handle SIGTERM: {e}"))?;
        let mut int = signal(SignalKind::interrupt())
            .map_err(|e| eyre::eyre!("cannot handle Ctrl-C: {e}"))?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

async fn hubs(g: &Global, args: HubsArgs) -> Result<ui::Output> {
    let (state, max_debt) = args.resolve()?;
    let client = super::connect(g).await?;
    let (views, note) = sonm_miner::hubs(&client, &state, max_debt).await?;
    let mut text = String::new();
    if views.is_empty() {
        text.push_str("no hubs in the Whitelist or the miner's state\n");
    }
    for v in &views {
        text.push_str(&format!(
            "{} {:?}: {}\n",
            v.hub,
            v.name,
            v.mark.as_str().to_uppercase()
        ));
        for r in &v.reasons {
            text.push_str(&format!("    - {r}\n"));
        }
        let l = &v.ledger;
        if l.units_done > 0 || l.capacity > 0 || !l.pay_per_unit.is_zero() {
            text.push_str(&format!(
                "    books: {} units done, {} SNM earned, {} SNM redeemed, {} SNM claimed, owes {} SNM; \
                 pays {} SNM a unit; capacity offered {}{}\n",
                l.units_done,
                super::snm(l.earned),
                super::snm(l.redeemed),
                super::snm(l.claimed),
                super::snm(v.debt),
                super::snm(l.pay_per_unit),
                l.capacity,
                if l.dropped { "; dropped" } else { "" }
            ));
        }
        if v.reports > 0 {
            text.push_str(&format!("    {} miner report(s) kept\n", v.reports));
        }
    }
    let mut out = ui::Output::new(text, json!({ "hubs": views, "note": note }));
    if let Some(n) = note {
        out = out.warn(n, 0);
    }
    Ok(out)
}
