//! The demo end to end, against a real anvil and real `sonm` processes: every outcome it checks must happen.
//!
//! The processes run the `sonm` binary built in this target directory (`cargo build -p sonm-cli` first), or the one
//! named by `SONM_BIN`.

use std::path::PathBuf;

fn sonm_bin() -> PathBuf {
    if let Ok(p) = std::env::var("SONM_BIN") {
        return PathBuf::from(p);
    }
    // This test binary is target/<profile>/deps/it-<hash>; sonm is target/<profile>/sonm.
    let exe = std::env::current_exe().expect("the test's path");
    let bin = exe
        .ancestors()
        .skip(1)
        .take(3)
        .map(|d| d.join("sonm"))
        .find(|c| c.is_file());
    bin.unwrap_or_else(|| {
        panic!(
            "no sonm binary beside {}: run `cargo build -p sonm-cli` first (or set SONM_BIN)",
            exe.display()
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_plays_the_market_with_separate_processes() {
    let out = std::env::temp_dir().join(format!("sonm-demo-it-{}", std::process::id()));
    let args = sonm_demo::DemoArgs {
        out: out.clone(),
        rows: 256,
        width: 128,
        keep_chain: false,
        sonm_bin: Some(sonm_bin()),
    };
    let summary = match sonm_demo::run(args).await {
        Ok(s) => s,
        Err(e) => panic!("demo failed: {e} (logs in {})", out.join("logs").display()),
    };
    for picture in [&summary.image, &summary.row_map] {
        let png = std::fs::read(picture).expect("picture written");
        assert_eq!(&png[1..4], b"PNG");
    }
    // The deals were played by the daemons themselves: the buyer took and accepted, the hub committed, the miners
    // redeemed their work receipts and claimed, the watcher proved the hub's cheat.
    for step in [
        "take an offer",
        "commit the result root",
        "accept",
        "redeem a work receipt",
        "claim",
        "proveCheat",
        "finalize",
    ] {
        assert!(
            summary.steps.iter().any(|s| s.action == step),
            "no step {step}: {:?}",
            summary.steps.iter().map(|s| &s.action).collect::<Vec<_>>()
        );
    }
    for check in [
        "hub-a's sample caught miner-4",
        "the watcher proved hub-b's cheat on chain",
        "every miner's mark of hub-b dropped",
        "settled after its window",
    ] {
        assert!(
            summary.checks.iter().any(|c| c.contains(check)),
            "no check {check}: {:?}",
            summary.checks
        );
    }
    assert!(summary.parties.iter().filter(|p| p.slashed).count() == 1);
    let _ = std::fs::remove_dir_all(out);
}
