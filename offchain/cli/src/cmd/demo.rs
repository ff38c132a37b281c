//! `sonm demo`: the market played on an embedded anvil by separate `sonm` processes (crate `sonm-demo`). It needs
//! no node, key or deployment of the user's: it starts its own chain and deploys through the deploy definition.

use eyre::Result;
use serde_json::json;
use sonm_demo::DemoArgs;

use crate::ui;

pub(crate) async fn run(args: DemoArgs) -> Result<ui::Output> {
    // The demo prints its story and its summary table as it goes; what is left is the machine-readable summary.
    let summary = sonm_demo::run(args).await?;
    Ok(ui::Output::new(
        "",
        json!({
            "image": summary.image,
            "rowMap": summary.row_map,
            "checks": summary.checks,
            "transactions": summary.steps.len(),
            "gas": summary.steps.iter().map(|s| s.gas).sum::<u64>(),
            "elapsedSeconds": summary.elapsed.as_secs_f64(),
        }),
    ))
}
