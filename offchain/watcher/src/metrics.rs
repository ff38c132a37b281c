//! Prometheus metrics, served as text on `GET /metrics` by a small HTTP responder (no framework: one route).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::error::{Result, WatchError};

/// The watcher's counters and gauges. Every field is readable for tests and the CLI.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Tasks posted (map and chain) seen in the events.
    pub tasks_seen: AtomicU64,
    /// Commitments recomputed (map results and chain final hashes).
    pub commitments_checked: AtomicU64,
    /// Commitments found wrong (a mismatching leaf or final hash).
    pub cheats_found: AtomicU64,
    /// Map commitments whose result data was missing, unreadable or not the committed root.
    pub data_withheld: AtomicU64,
    /// Proofs of cheat revealed (`proveCheat` sent).
    pub proofs_sent: AtomicU64,
    /// Queries opened against withheld data.
    pub queries_opened: AtomicU64,
    /// Queries answered for the bot's own solver.
    pub queries_answered: AtomicU64,
    /// Chain disputes opened by the bot.
    pub disputes_opened: AtomicU64,
    /// Disputes the bot plays (as challenger or solver) that are not decided.
    pub disputes_live: AtomicI64,
    /// The least time left on the bot's clock over its live disputes, in seconds (-1: none).
    pub least_clock_remaining: AtomicI64,
    /// Transactions sent (first submissions).
    pub txs_sent: AtomicU64,
    /// Resubmissions with higher fees.
    pub txs_bumped: AtomicU64,
    /// Calls skipped because they would revert.
    pub txs_skipped: AtomicU64,
    /// RPC requests made.
    pub rpc_calls: AtomicU64,
    /// RPC requests that failed.
    pub rpc_errors: AtomicU64,
    /// The last block acted on (the head minus the confirmation depth).
    pub safe_block: AtomicU64,
    /// Passes over the chain.
    pub passes: AtomicU64,
}

macro_rules! inc {
    ($($name:ident => $field:ident,)*) => {
        impl Metrics {
            $(pub(crate) fn $name(&self) {
                self.$field.fetch_add(1, Ordering::Relaxed);
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
    /// A counter's or gauge's current value.
    pub fn get(v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let u = |v: &AtomicU64| v.load(Ordering::Relaxed).to_string();
        let i = |v: &AtomicI64| v.load(Ordering::Relaxed).to_string();
        let rows: [(&str, &str, &str, String); 17] = [
            (
                "sonm_watcher_tasks_seen_total",
                "counter",
                "Tasks posted (map and chain) seen in the events.",
                u(&self.tasks_seen),
            ),
            (
                "sonm_watcher_commitments_checked_total",
                "counter",
                "Commitments recomputed.",
                u(&self.commitments_checked),
            ),
            (
                "sonm_watcher_cheats_found_total",
                "counter",
                "Commitments found wrong.",
                u(&self.cheats_found),
            ),
            (
                "sonm_watcher_data_withheld_total",
                "counter",
                "Map commitments whose result data was missing or did not match.",
                u(&self.data_withheld),
            ),
            (
                "sonm_watcher_proofs_sent_total",
                "counter",
                "Proofs of cheat revealed.",
                u(&self.proofs_sent),
            ),
            (
                "sonm_watcher_queries_opened_total",
                "counter",
                "Queries opened against withheld data.",
                u(&self.queries_opened),
            ),
            (
                "sonm_watcher_queries_answered_total",
                "counter",
                "Queries answered for the bot's own solver.",
                u(&self.queries_answered),
            ),
            (
                "sonm_watcher_disputes_opened_total",
                "counter",
                "Chain disputes opened.",
                u(&self.disputes_opened),
            ),
            (
                "sonm_watcher_disputes_live",
                "gauge",
                "Undecided disputes the bot plays.",
                i(&self.disputes_live),
            ),
            (
                "sonm_watcher_least_clock_remaining_seconds",
                "gauge",
                "Least time left on the bot's clock over its live disputes (-1: none).",
                i(&self.least_clock_remaining),
            ),
            (
                "sonm_watcher_txs_sent_total",
                "counter",
                "Transactions sent.",
                u(&self.txs_sent),
            ),
            (
                "sonm_watcher_txs_bumped_total",
                "counter",
                "Resubmissions with higher fees.",
                u(&self.txs_bumped),
            ),
            (
                "sonm_watcher_txs_skipped_total",
                "counter",
                "Calls skipped because they would revert.",
                u(&self.txs_skipped),
            ),
            (
                "sonm_watcher_rpc_calls_total",
                "counter",
                "RPC requests made.",
                u(&self.rpc_calls),
            ),
            (
                "sonm_watcher_rpc_errors_total",
                "counter",
                "RPC requests that failed.",
                u(&self.rpc_errors),
            ),
            (
                "sonm_watcher_safe_block",
                "gauge",
                "The last block acted on.",
                u(&self.safe_block),
            ),
            (
                "sonm_watcher_passes_total",
                "counter",
                "Passes over the chain.",
                u(&self.passes),
            ),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in rows {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
            ));
        }
        out
    }
}

/// Binds `addr` (before the watcher starts, so a taken port fails at once) and returns the listener.
pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| WatchError::Metrics {
            addr: addr.to_string(),
            reason: e.to_string(),
        })
}

/// Answers `GET /metrics` with [`Metrics::render`] and anything else with 404, until the task is dropped.
pub(crate) async fn serve(listener: TcpListener, metrics: std::sync::Arc<Metrics>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            let n = match tokio::time::timeout(
                std::time::Duration::from_secs(5),
                stream.read(&mut buf),
            )
            .await
            {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let (status, body) = if request.starts_with("GET ")
                && (path == "/metrics" || path.starts_with("/metrics?"))
            {
                ("200 OK", metrics.render())
            } else {
                ("404 Not Found", "not found: try /metrics\n".to_owned())
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric_with_help_and_type() {
        let m = Metrics::default();
        m.cheat();
        m.least_clock_remaining.store(-1, Ordering::Relaxed);
        let text = m.render();
        assert!(text.contains(
            "# TYPE sonm_watcher_cheats_found_total counter\nsonm_watcher_cheats_found_total 1\n"
        ));
        assert!(text.contains("sonm_watcher_least_clock_remaining_seconds -1\n"));
        assert_eq!(text.lines().filter(|l| l.starts_with("# HELP")).count(), 17);
    }

    #[tokio::test]
    async fn serves_metrics_over_http() {
        let listener = bind("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let m = std::sync::Arc::new(Metrics::default());
        m.rpc();
        let server = tokio::spawn(serve(listener, m));
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
        assert!(out.contains("sonm_watcher_rpc_calls_total 1"), "{out}");
        server.abort();
    }
}
