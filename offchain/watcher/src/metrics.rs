//! Prometheus metrics in a `prometheus-client` registry, the one registry of the whole toolkit: the watcher's
//! figures (`sonm_watcher_*`) and, once the watcher starts a P2P node, the network's (`sonm_net_*`), served on
//! `GET /metrics` by sonm-net's `MetricsServer`.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// The watcher's counters and gauges. Every field is readable (`.get()`) for tests and the CLI.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Tasks posted (map and chain) seen in the events.
    pub tasks_seen: Counter,
    /// Commitments recomputed (map results and chain final hashes).
    pub commitments_checked: Counter,
    /// Commitments found wrong (a mismatching leaf or final hash).
    pub cheats_found: Counter,
    /// Map commitments whose result data was missing, unreadable or not the committed root.
    pub data_withheld: Counter,
    /// Proofs of cheat revealed (`proveCheat` sent).
    pub proofs_sent: Counter,
    /// Queries opened against withheld data.
    pub queries_opened: Counter,
    /// Queries answered for the bot's own solver.
    pub queries_answered: Counter,
    /// Chain disputes opened by the bot.
    pub disputes_opened: Counter,
    /// Disputes the bot plays (as challenger or solver) that are not decided.
    pub disputes_live: Gauge,
    /// The least time left on the bot's clock over its live disputes, in seconds (-1: none).
    pub least_clock_remaining: Gauge,
    /// Transactions sent (first submissions).
    pub txs_sent: Counter,
    /// Resubmissions with higher fees.
    pub txs_bumped: Counter,
    /// Calls skipped because they would revert.
    pub txs_skipped: Counter,
    /// RPC requests made.
    pub rpc_calls: Counter,
    /// RPC requests that failed.
    pub rpc_errors: Counter,
    /// The last block acted on (the head minus the confirmation depth).
    pub safe_block: Gauge,
    /// Passes over the chain.
    pub passes: Counter,
}

macro_rules! inc {
    ($($name:ident => $field:ident,)*) => {
        impl Metrics {
            $(pub(crate) fn $name(&self) {
                self.$field.inc();
            })*
        }
    };
}

inc! {
    rpc => rpc_calls,
    rpc_error => rpc_errors,
    tx_sent => txs_sent,
    tx_bumped => txs_bumped,
    tx_skipped => txs_skipped,
    task_seen => tasks_seen,
    checked => commitments_checked,
    cheat => cheats_found,
    withheld => data_withheld,
    proof_sent => proofs_sent,
    query_opened => queries_opened,
    query_answered => queries_answered,
    dispute_opened => disputes_opened,
    pass => passes,
}

impl Metrics {
    /// The watcher's metrics, registered in `registry` under `sonm_watcher_` (counters get their `_total`).
    pub fn new(registry: &mut Registry) -> Self {
        let m = Self::default();
        m.least_clock_remaining.set(-1);
        let r = registry.sub_registry_with_prefix("sonm_watcher");
        let counters: [(&str, &str, &Counter); 14] = [
            (
                "tasks_seen",
                "Tasks posted (map and chain) seen in the events.",
                &m.tasks_seen,
            ),
            (
                "commitments_checked",
                "Commitments recomputed.",
                &m.commitments_checked,
            ),
            ("cheats_found", "Commitments found wrong.", &m.cheats_found),
            (
                "data_withheld",
                "Map commitments whose result data was missing or did not match.",
                &m.data_withheld,
            ),
            ("proofs_sent", "Proofs of cheat revealed.", &m.proofs_sent),
            (
                "queries_opened",
                "Queries opened against withheld data.",
                &m.queries_opened,
            ),
            (
                "queries_answered",
                "Queries answered for the bot's own solver.",
                &m.queries_answered,
            ),
            (
                "disputes_opened",
                "Chain disputes opened.",
                &m.disputes_opened,
            ),
            ("txs_sent", "Transactions sent.", &m.txs_sent),
            (
                "txs_bumped",
                "Resubmissions with higher fees.",
                &m.txs_bumped,
            ),
            (
                "txs_skipped",
                "Calls skipped because they would revert.",
                &m.txs_skipped,
            ),
            ("rpc_calls", "RPC requests made.", &m.rpc_calls),
            ("rpc_errors", "RPC requests that failed.", &m.rpc_errors),
            ("passes", "Passes over the chain.", &m.passes),
        ];
        for (name, help, c) in counters {
            r.register(name, help, c.clone());
        }
        let gauges: [(&str, &str, &Gauge); 3] = [
            (
                "disputes_live",
                "Undecided disputes the bot plays.",
                &m.disputes_live,
            ),
            (
                "least_clock_remaining_seconds",
                "Least time left on the bot's clock over its live disputes (-1: none).",
                &m.least_clock_remaining,
            ),
            ("safe_block", "The last block acted on.", &m.safe_block),
        ];
        for (name, help, g) in gauges {
            r.register(name, help, g.clone());
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn registers_every_metric_with_help_and_type() {
        let mut registry = Registry::default();
        let m = Metrics::new(&mut registry);
        m.cheat();
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encode");
        assert!(
            text.contains(
                "# TYPE sonm_watcher_cheats_found counter\nsonm_watcher_cheats_found_total 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("sonm_watcher_least_clock_remaining_seconds -1\n"),
            "{text}"
        );
        assert_eq!(text.lines().filter(|l| l.starts_with("# HELP")).count(), 17);
    }

    #[tokio::test]
    async fn serves_metrics_over_http() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

        let mut registry = Registry::default();
        let m = Metrics::new(&mut registry);
        m.rpc();
        let server =
            sonm_net::MetricsServer::bind("127.0.0.1:0".parse().expect("addr"), Arc::new(registry))
                .await
                .expect("bind");
        let mut s = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .expect("connect");
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
        assert!(out.contains("sonm_watcher_rpc_calls_total 1"), "{out}");
        server.shutdown().await;
    }
}
