//! `sonm watch`: the watcher/challenger bot (crate `sonm-watcher`) under the CLI's node, deployments and key.

use std::time::Duration;

use eyre::Result;
use serde_json::json;
use sonm_agents::AgentError;
use sonm_watcher::cli::WatchArgs;

use crate::{Global, ui};

/// How long `--once` waits for the transactions of its pass (a proof's commit, then its reveal) to be mined.
const ONCE_WAIT: Duration = Duration::from_secs(120);

pub(crate) async fn run(g: &Global, args: WatchArgs) -> Result<ui::Output> {
    // The bot signs its proofs and moves: it needs a key.
    let signer = super::signer(g)?.ok_or(AgentError::NoSigner)?;
    let once = args.once;
    let config = args.into_config(g.rpc_url.clone(), g.deployments.clone(), signer);
    if once {
        let report = sonm_watcher::run_once(config, ONCE_WAIT).await?;
        let mut text = format!(
            "one pass: head {}, acted up to block {}, {} sent, {} skipped, {} pending",
            report.head,
            report.safe,
            report.sent.len(),
            report.skipped.len(),
            report.pending
        );
        for s in &report.sent {
            text.push_str(&format!("\n  sent    {s}"));
        }
        for s in &report.skipped {
            text.push_str(&format!("\n  skipped {s}"));
        }
        return Ok(ui::Output::new(
            text,
            json!({
                "head": report.head,
                "safe": report.safe,
                "sent": report.sent,
                "skipped": report.skipped,
                "pending": report.pending,
            }),
        ));
    }
    sonm_watcher::run(config, async {
        // Ctrl-C ends the bot between passes; anything it signed is in its state file for the next start.
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(ui::Output::new("stopped", json!({ "stopped": true })))
}
