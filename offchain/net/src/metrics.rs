//! The node's Prometheus metrics (`prometheus-client`, the registry libp2p's own metrics build on), and the small
//! HTTP server that serves a registry ([`MetricsServer`]), for the node and any other daemon of the toolkit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::{NetError, Result};

/// A topic label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TopicLabel {
    /// The topic's name.
    pub topic: &'static str,
}

/// A rejected message's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectLabels {
    /// The topic's name.
    pub topic: &'static str,
    /// [`crate::RejectReason::label`].
    pub reason: &'static str,
}

/// A protocol label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProtocolLabel {
    /// The protocol, e.g. `/sonm/data/1`.
    pub protocol: &'static str,
}

/// A failed request's labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// The protocol.
    pub protocol: &'static str,
    /// `timeout`, `connection_closed`, `dial_failure`, `unsupported`, `io`, `refused` or `tampered`.
    pub reason: &'static str,
}

type Latency = Family<ProtocolLabel, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 100 µs to ~13 s.
    Histogram::new(exponential_buckets(1e-4, 2.0, 18))
}

/// The node's metrics. Cloning shares them.
#[derive(Clone, Debug)]
pub struct Metrics {
    pub(crate) peers: Gauge,
    pub(crate) messages_received: Family<TopicLabel, Counter>,
    pub(crate) messages_accepted: Family<TopicLabel, Counter>,
    pub(crate) messages_rejected: Family<RejectLabels, Counter>,
    pub(crate) messages_ignored: Family<TopicLabel, Counter>,
    pub(crate) messages_published: Family<TopicLabel, Counter>,
    pub(crate) request_duration: Latency,
    pub(crate) requests_failed: Family<FailureLabels, Counter>,
    pub(crate) requests_served: Family<ProtocolLabel, Counter>,
    pub(crate) peers_banned: Counter,
    pub(crate) leaves_verified: Counter,
}

impl Default for Metrics {
    /// Metrics registered nowhere (a node whose metrics nobody scrapes).
    fn default() -> Self {
        Self {
            peers: Gauge::default(),
            messages_received: Family::default(),
            messages_accepted: Family::default(),
            messages_rejected: Family::default(),
            messages_ignored: Family::default(),
            messages_published: Family::default(),
            request_duration: Family::new_with_constructor(latency_histogram),
            requests_failed: Family::default(),
            requests_served: Family::default(),
            peers_banned: Counter::default(),
            leaves_verified: Counter::default(),
        }
    }
}

impl Metrics {
    /// The node's metrics, registered in `registry` under the prefix `sonm_net`.
    pub fn new(registry: &mut Registry) -> Self {
        let m = Self::default();
        let r = registry.sub_registry_with_prefix("sonm_net");
        r.register("peers", "Peers connected", m.peers.clone());
        r.register(
            "messages_received",
            "Gossip messages received, by topic",
            m.messages_received.clone(),
        );
        r.register(
            "messages_accepted",
            "Gossip messages believed and forwarded, by topic",
            m.messages_accepted.clone(),
        );
        r.register(
            "messages_rejected",
            "Gossip messages rejected (not forwarded, the sender's score lowered), by topic and reason",
            m.messages_rejected.clone(),
        );
        r.register(
            "messages_ignored",
            "Gossip messages dropped because the chain could not be read, by topic",
            m.messages_ignored.clone(),
        );
        r.register(
            "messages_published",
            "Gossip messages this node published, by topic",
            m.messages_published.clone(),
        );
        r.register(
            "request_duration_seconds",
            "Time from sending a request to its answer, by protocol",
            m.request_duration.clone(),
        );
        r.register(
            "requests_failed",
            "Outbound requests that failed, by protocol and reason",
            m.requests_failed.clone(),
        );
        r.register(
            "requests_served",
            "Inbound requests answered, by protocol",
            m.requests_served.clone(),
        );
        r.register(
            "peers_banned",
            "Peers banned for serving data or leases that do not verify",
            m.peers_banned.clone(),
        );
        r.register(
            "leaves_verified",
            "Data leaves received and checked against their root",
            m.leaves_verified.clone(),
        );
        m
    }

    /// How many messages of `topic` were rejected for `reason` ([`crate::RejectReason::label`]).
    pub fn rejected(&self, topic: &'static str, reason: &'static str) -> u64 {
        self.messages_rejected
            .get_or_create(&RejectLabels { topic, reason })
            .get()
    }

    /// How many messages of `topic` were believed.
    pub fn accepted(&self, topic: &'static str) -> u64 {
        self.messages_accepted
            .get_or_create(&TopicLabel { topic })
            .get()
    }

    /// How many inbound requests of `protocol` (e.g. [`crate::MARKET_PROTOCOL`]) were answered.
    pub fn served(&self, protocol: &'static str) -> u64 {
        self.requests_served
            .get_or_create(&ProtocolLabel { protocol })
            .get()
    }

    /// How many outbound requests of `protocol` failed for `reason` (`timeout`, `connection_closed`, ...).
    pub fn failed(&self, protocol: &'static str, reason: &'static str) -> u64 {
        self.requests_failed
            .get_or_create(&FailureLabels { protocol, reason })
            .get()
    }

    /// How many data leaves were received and checked.
    pub fn leaves_verified_total(&self) -> u64 {
        self.leaves_verified.get()
    }

    /// How many peers were banned.
    pub fn peers_banned_total(&self) -> u64 {
        self.peers_banned.get()
    }

    /// How many peers are connected.
    pub fn peers(&self) -> i64 {
        self.peers.get()
    }
}

/// The content type of the OpenMetrics text format.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// An HTTP server answering `GET /metrics` with a registry in the OpenMetrics text format.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// Serves `registry` on `addr` (port 0: any free port, see [`local_addr`](Self::local_addr)).
    pub async fn bind(addr: SocketAddr, registry: Arc<Registry>) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| NetError::Io {
                what: format!("cannot listen for metrics on {addr}"),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| NetError::Io {
            what: "metrics listener".into(),
            source,
        })?;
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let registry = Arc::clone(&registry);
                async move {
                    let mut body = String::new();
                    match prometheus_client::encoding::text::encode(&mut body, &registry) {
                        Ok(()) => (
                            axum::http::StatusCode::OK,
                            [(axum::http::header::CONTENT_TYPE, CONTENT_TYPE)],
                            body,
                        ),
                        Err(e) => (
                            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                            [(axum::http::header::CONTENT_TYPE, "text/plain")],
                            e.to_string(),
                        ),
                    }
                }
            }),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                warn!(error = %e, "metrics server stopped");
            }
        });
        info!(%addr, "serving metrics at /metrics");
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving (open requests get up to a second to finish).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), &mut self.task).await;
        self.task.abort();
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    async fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).await.expect("read");
        out
    }

    #[tokio::test]
    async fn the_server_serves_the_registry_and_nothing_else() {
        let mut registry = Registry::default();
        let m = Metrics::new(&mut registry);
        m.peers.set(3);
        m.messages_rejected
            .get_or_create(&RejectLabels {
                topic: "sonm/hubs/1",
                reason: "expired",
            })
            .inc();
        m.request_duration
            .get_or_create(&ProtocolLabel {
                protocol: "/sonm/data/1",
            })
            .observe(0.01);
        let server = MetricsServer::bind("127.0.0.1:0".parse().expect("addr"), Arc::new(registry))
            .await
            .expect("bind");
        let page = get(server.local_addr(), "/metrics").await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("application/openmetrics-text"), "{page}");
        assert!(page.contains("sonm_net_peers 3"), "{page}");
        assert!(
            page.contains(
                r#"sonm_net_messages_rejected_total{topic="sonm/hubs/1",reason="expired"} 1"#
            ),
            "{page}"
        );
        assert!(
            page.contains("sonm_net_request_duration_seconds_count{protocol=\"/sonm/data/1\"} 1"),
            "{page}"
        );
        assert!(page.trim_end().ends_with("# EOF"), "{page}");
        assert!(
            get(server.local_addr(), "/")
                .await
                .starts_with("HTTP/1.1 404")
        );
        let addr = server.local_addr();
        server.shutdown().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
