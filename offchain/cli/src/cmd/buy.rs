//! `sonm buy`: the buyer client (crate `sonm-buyer`) under the CLI's node, deployments and key.

use eyre::Result;
use serde_json::json;
use sonm_agents::AgentError;
use sonm_buyer::{BuyArgs, Reporter};

use crate::{Global, ui};

pub(crate) async fn run(g: &Global, args: BuyArgs) -> Result<ui::Output> {
    // The buyer takes an offer and accepts: it needs a key.
    let client = super::connect(g).await?;
    client.sender().map_err(|_| AgentError::NoSigner)?;
    let reporter = Reporter::new(g.json);
    let bought = sonm_buyer::run(&client, args, reporter).await?;
    if g.json {
        // The events were JSON lines: the summary is one more.
        reporter.event("done", json!(bought), "");
        return Ok(ui::Output::silent());
    }
    let by: Vec<String> = bought
        .by_miner
        .iter()
        .map(|(m, n)| format!("  miner {m}: {n} rows"))
        .collect();
    let text = format!(
        "deal {} from hub {}: {} rows for {} SNM, {} (recomputed {} of them, all equal){}\n{}\nwrote {}",
        bought.deal,
        bought.hub,
        bought.rows,
        super::snm(bought.price),
        if bought.accepted {
            "accepted"
        } else {
            "settled after the window"
        },
        bought.sampled.len(),
        if bought.redone > 0 {
            format!("; {} rows redone by the hub", bought.redone)
        } else {
            String::new()
        },
        by.join("\n"),
        bought.out.display()
    );
    Ok(ui::Output::new(text, json!(bought)))
}
