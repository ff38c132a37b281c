//! `cargo run --release -p sonm-demo --example demo -- [--rows N] [--out DIR] [--keep-chain]`: the demo without the CLI.

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    demo: sonm_demo::DemoArgs,
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SONM_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let cli = Cli::parse();
    sonm_demo::run(cli.demo).await?;
    Ok(())
}
