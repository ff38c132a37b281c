//! Event following through a node that limits `eth_getLogs` ranges (as hosted RPCs do): the bot splits its ranges
//! and still sees everything.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use alloy::transports::http::reqwest;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::*;

/// The most blocks the proxy lets one `eth_getLogs` span.
const LIMIT: u64 = 4;

/// An HTTP JSON-RPC proxy in front of `upstream` that refuses `eth_getLogs` over more than [`LIMIT`] blocks, the way
/// hosted nodes do. Counts the refusals.
async fn limiting_proxy(upstream: String, refused: Arc<AtomicU64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let http = reqwest::Client::new();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let (http, upstream, refused) = (http.clone(), upstream.clone(), refused.clone());
            tokio::spawn(async move {
                loop {
                    let Some(body) = read_request(&mut stream).await else {
                        return;
                    };
                    let req: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    let reply = match too_wide(&req) {
                        Some(span) => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            serde_json::json!({"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32005, "message": format!("query exceeds max block range {LIMIT} (asked {span})")}}).to_string()
                        }
                        None => http
                            .post(&upstream)
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .unwrap()
                            .text()
                            .await
                            .unwrap(),
                    };
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        reply.len()
                    );
                    if stream.write_all(head.as_bytes()).await.is_err()
                        || stream.write_all(reply.as_bytes()).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

fn too_wide(req: &serde_json::Value) -> Option<u64> {
    if req["method"] != "eth_getLogs" {
        return None;
    }
    let f = &req["params"][0];
    let n = |v: &serde_json::Value| {
        v.as_str()
            .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
    };
    let (from, to) = (n(&f["fromBlock"])?, n(&f["toBlock"])?);
    let span = to.saturating_sub(from) + 1;
    (span > LIMIT).then_some(span)
}

/// One HTTP request's body (keep-alive: several per connection).
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())?;
    while buf.len() < header_end + len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf[header_end..header_end + len].to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_that_refuses_wide_log_ranges_gets_split_ranges() {
    init_tracing();
    let chain = Chain::new().await;
    let inputs = Chain::mc_inputs(8);
    let task = chain.post_map(&inputs).await;
    chain.mine(30).await;
    chain.solve_map(task, &inputs, &[4], false).await;
    let refused = Arc::new(AtomicU64::new(0));
    let mut config = chain.config(BOT);
    config.rpc_url = limiting_proxy(chain.anvil.endpoint(), refused.clone()).await;
    let mut bot = sonm_watcher::Watcher::connect(config).await.unwrap();
    let sent = drive(&mut bot, 8).await;
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "the proxy refused nothing: the test tests nothing"
    );
    assert!(
        sent.contains(&format!("map:proveCheat:{task}:1:4")),
        "{sent:?}"
    );
    assert_eq!(bot.metrics().tasks_seen.get(), 1);
    assert_eq!(chain.map_task(task).await.status, TaskStatus::Open);
}
