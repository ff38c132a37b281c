//! The demo end to end, against a real anvil: every outcome it checks must happen.

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_plays_the_whitepaper_end_to_end() {
    let out = std::env::temp_dir().join(format!("sonm-demo-it-{}", std::process::id()));
    let args = sonm_demo::DemoArgs {
        out: out.clone(),
        rows: 256,
        keep_chain: false,
    };
    let summary = match sonm_demo::run(args).await {
        Ok(s) => s,
        Err(e) => panic!("demo failed: {e}"),
    };
    let png = std::fs::read(&summary.image).expect("image written");
    assert_eq!(&png[1..4], b"PNG");
    assert!(summary.parties.iter().filter(|p| p.slashed).count() == 2);
    // The hub's part is a market deal: taken, committed by the operator, accepted, the miners paid naming it.
    for step in [
        "setOperator",
        "take the offer",
        "commit the result root",
        "accept deal",
        "payMany",
    ] {
        assert!(
            summary.steps.iter().any(|s| s.action.starts_with(step)),
            "no step {step}"
        );
    }
    assert!(
        summary
            .checks
            .iter()
            .any(|c| c.starts_with("the market's history of the hub: 1 taken, 1 accepted"))
    );
    assert!(
        summary
            .steps
            .iter()
            .any(|s| s.action.starts_with("proveCheat"))
    );
    assert!(
        summary
            .steps
            .iter()
            .any(|s| s.action.starts_with("judgeStep"))
    );
    let _ = std::fs::remove_dir_all(out);
}
