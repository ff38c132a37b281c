//! Reading a block range's logs when the node limits `eth_getLogs`: a refused range is split in half until the
//! node accepts it, and the size that worked is remembered for the next ranges.

use std::future::Future;

use alloy::rpc::types::Log;
use alloy::transports::{RpcError, TransportErrorKind};

use crate::error::WatchError;
use sonm_bindings::one_line;

/// Why one `eth_getLogs` call failed.
#[derive(Debug)]
pub(crate) enum LogsFailure {
    /// The node answered with an error: the range may be too large or hold too many results; worth splitting.
    Refused(String),
    /// The node did not answer (transport down): splitting will not help.
    Unreachable(String),
}

impl LogsFailure {
    /// Classifies an alloy RPC error.
    pub(crate) fn from_rpc(err: &RpcError<TransportErrorKind>) -> Self {
        match err {
            RpcError::ErrorResp(resp) => Self::Refused(resp.message.to_string()),
            RpcError::Transport(kind) if is_http_refusal(kind) => Self::Refused(one_line(err)),
            _ => Self::Unreachable(one_line(err)),
        }
    }
}

/// Some providers refuse a large range with an HTTP status (413, or a 400 whose body says why) rather than a JSON-RPC
/// error.
fn is_http_refusal(kind: &TransportErrorKind) -> bool {
    matches!(kind, TransportErrorKind::HttpError(e) if e.status == 413 || e.status == 400)
}

/// Reads the logs of blocks `[from, to]` with `fetch(lo, hi)` for sub-ranges of at most `*chunk` blocks, halving a
/// sub-range the node refuses (down to a single block, which must then succeed). `*chunk` keeps the size that last
/// worked, so a node with a small limit is not asked for large ranges again. Logs come back in chain order.
pub(crate) async fn fetch_split<F, Fut>(
    from: u64,
    to: u64,
    chunk: &mut u64,
    mut fetch: F,
) -> Result<Vec<Log>, WatchError>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<Vec<Log>, LogsFailure>>,
{
    let mut logs = Vec::new();
    let mut lo = from;
    *chunk = (*chunk).max(1);
    while lo <= to {
        let hi = to.min(lo.saturating_add(*chunk - 1));
        match fetch(lo, hi).await {
            Ok(mut found) => {
                logs.append(&mut found);
                if hi == to {
                    break;
                }
                lo = hi + 1;
            }
            Err(LogsFailure::Refused(reason)) if hi > lo => {
                let half = (hi - lo).div_ceil(2).max(1);
                tracing::debug!(lo, hi, half, %reason, "eth_getLogs refused the range: splitting it");
                *chunk = half;
            }
            Err(LogsFailure::Refused(reason)) | Err(LogsFailure::Unreachable(reason)) => {
                return Err(WatchError::Rpc {
                    what: format!("eth_getLogs [{lo}, {hi}]"),
                    reason,
                });
            }
        }
    }
    logs.sort_by_key(|l| (l.block_number, l.log_index));
    Ok(logs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn log_at(block: u64) -> Log {
        Log {
            block_number: Some(block),
            log_index: Some(0),
            ..Default::default()
        }
    }

    /// A node that refuses ranges of more than `limit` blocks and has one log per block.
    async fn run(from: u64, to: u64, limit: u64, chunk: &mut u64) -> (Vec<u64>, Vec<(u64, u64)>) {
        let calls = RefCell::new(Vec::new());
        let logs = fetch_split(from, to, chunk, |lo, hi| {
            calls.borrow_mut().push((lo, hi));
            async move {
                if hi - lo + 1 > limit {
                    Err(LogsFailure::Refused("query exceeds max block range".into()))
                } else {
                    Ok((lo..=hi).map(log_at).collect())
                }
            }
        })
        .await
        .expect("logs");
        (
            logs.iter().filter_map(|l| l.block_number).collect(),
            calls.into_inner(),
        )
    }

    #[tokio::test]
    async fn a_refused_range_is_split_until_the_node_accepts_it() {
        let mut chunk = 1_000;
        let (blocks, calls) = run(10, 109, 7, &mut chunk).await;
        assert_eq!(
            blocks,
            (10..=109).collect::<Vec<_>>(),
            "every block once, in order"
        );
        assert!(chunk <= 7, "the size that works is kept: {chunk}");
        // Halving from 100 to 7 takes a few refusals; after that every call is accepted.
        let refused = calls.iter().filter(|(lo, hi)| hi - lo + 1 > 7).count();
        assert!(refused <= 8, "{calls:?}");
    }

    #[tokio::test]
    async fn a_single_block_range_that_fails_is_an_error() {
        let mut chunk = 10;
        let err = fetch_split(5, 5, &mut chunk, |_, _| async {
            Err::<Vec<Log>, _>(LogsFailure::Refused("too many results".into()))
        })
        .await
        .expect_err("cannot split one block");
        assert!(err.to_string().contains("too many results"), "{err}");
        let err = fetch_split(5, 50, &mut chunk, |_, _| async {
            Err::<Vec<Log>, _>(LogsFailure::Unreachable("connection refused".into()))
        })
        .await
        .expect_err("transport down");
        assert!(err.to_string().contains("connection refused"), "{err}");
    }

    #[tokio::test]
    async fn an_accepting_node_is_asked_once_per_chunk() {
        let mut chunk = 50;
        let (blocks, calls) = run(0, 99, 1_000, &mut chunk).await;
        assert_eq!(blocks.len(), 100);
        assert_eq!(calls, vec![(0, 49), (50, 99)]);
    }
}
