//! Chain tasks: run the chain, open a dispute on another final hash, and play every dispute the bot is in (as
//! challenger or as its own solver) to the end within its clock.

use std::sync::Arc;

use alloy::primitives::U256;
use sonm_bindings::enums::IChainGame::{DisputePhase, TaskStatus};
use sonm_executor::{ChainRun, ChainSpec};
use tracing::{Instrument as _, info, warn};

use crate::error::{Result, WatchError};
use crate::sender::Sent;
use crate::watcher::{At, Watcher};

impl Watcher {
    /// The task's chain, run once with checkpoints (`None` when it is too long to recompute).
    async fn chain_run(&mut self, id: u64) -> Result<Option<Arc<ChainRun>>> {
        if let Some(r) = self.chain_runs.get(&id) {
            return Ok(Some(r.clone()));
        }
        let Some(task) = self.index.chain_tasks.get(&id).cloned() else {
            return Ok(None);
        };
        if task.steps > self.cfg.max_chain_steps {
            warn!(
                steps = task.steps,
                max = self.cfg.max_chain_steps,
                "chain task too long to recompute: not judged"
            );
            return Ok(None);
        }
        let executor = self.executor(task.computation).await?;
        let max_state_bytes = self.chain_state_bound(id).await?;
        let spec = ChainSpec::new(task.steps, u64::from(task.gas_per_step), max_state_bytes)
            .with_checkpoint_interval(self.cfg.checkpoint_interval.max(1));
        let started = std::time::Instant::now();
        let run =
            tokio::task::spawn_blocking(move || executor.run_chain(&task.initial_state, spec))
                .await
                .map_err(|e| {
                    WatchError::Config(format!("the run of chain task {id} panicked: {e}"))
                })??;
        info!(steps = spec.steps, ms = started.elapsed().as_millis() as u64, final_hash = %run.final_hash(), "chain recomputed");
        let run = Arc::new(run);
        self.chain_runs.insert(id, run.clone());
        Ok(Some(run))
    }

    pub(crate) async fn act_chain_task(&mut self, id: u64, at: At) -> Result<()> {
        let Some(c) = self.index.chain_tasks.get(&id).and_then(|t| t.live.clone()) else {
            return Ok(());
        };
        if c.solver == self.me {
            return self.finalize_own_chain(id, at).await;
        }
        let Some(run) = self.chain_run(id).await? else {
            return Ok(());
        };
        let first_look = self.chain_checked.insert((id, c.final_hash));
        if first_look {
            self.metrics.checked();
        }
        let ours = run.final_hash();
        if ours == c.final_hash {
            return Ok(());
        }
        if first_look {
            self.metrics.cheat();
            info!(solver = %c.solver, committed = %c.final_hash, ours = %ours, "wrong final hash");
        }
        let t = self.rpc_result(
            "task",
            self.chain
                .task(U256::from(id))
                .block(at.safe.into())
                .call()
                .await,
        )?;
        let closes = t.committedAt.to::<u64>() + u64::from(t.challengeWindow);
        if t.status != TaskStatus::Committed || t.finalHash != c.final_hash || at.now >= closes {
            return Ok(());
        }
        let me = self.me;
        if self
            .index
            .disputes
            .values()
            .any(|d| d.task == id && d.round == t.round && d.challenger == me)
        {
            return Ok(());
        }
        let key = format!("chain:challenge:{id}:{}", t.round);
        if self.sender.sent(&key) {
            return Ok(());
        }
        let game = *self.chain.address();
        if !self
            .ensure_allowance(game, U256::from(t.challengerBond), at.head)
            .await?
        {
            return Ok(());
        }
        let data = self
            .chain
            .challenge(U256::from(id), ours)
            .calldata()
            .clone();
        if let Sent::New(tx) = self.send(&key, "challenge", game, data, at.head).await? {
            self.metrics.dispute_opened();
            info!(%tx, "dispute opened");
        }
        Ok(())
    }

    async fn finalize_own_chain(&mut self, id: u64, at: At) -> Result<()> {
        if !self.cfg.finalize_own {
            return Ok(());
        }
        let t = self.rpc_result(
            "task",
            self.chain
                .task(U256::from(id))
                .block(at.safe.into())
                .call()
                .await,
        )?;
        let closes = t.committedAt.to::<u64>() + u64::from(t.challengeWindow);
        if t.status != TaskStatus::Committed
            || t.solver != self.me
            || at.now < closes
            || t.openDisputes != 0
        {
            return Ok(());
        }
        let key = format!("chain:finalize:{id}:{}", t.round);
        let data = self.chain.finalize(U256::from(id)).calldata().clone();
        let game = *self.chain.address();
        self.send(&key, "finalize", game, data, at.head).await?;
        Ok(())
    }

    /// Plays every open dispute the bot is in; updates the disputes-live and least-clock gauges.
    pub(crate) async fn act_disputes(&mut self, at: At) {
        let me = self.me;
        let mine: Vec<(u64, bool)> = self
            .index
            .disputes
            .iter()
            .filter(|(_, d)| d.open)
            .filter_map(|(id, d)| {
                let solver = self
                    .index
                    .chain_tasks
                    .get(&d.task)
                    .and_then(|t| t.live.as_ref())
                    .is_some_and(|c| c.solver == me);
                (d.challenger == me || solver).then_some((*id, d.challenger == me))
            })
            .collect();
        let mut least: Option<i64> = None;
        let mut live = 0;
        for (id, challenger) in mine {
            let span = tracing::info_span!(
                "dispute",
                dispute = id,
                role = if challenger { "challenger" } else { "solver" }
            );
            match self
                .act_dispute(id, challenger, at)
                .instrument(span.clone())
                .await
            {
                Ok(Some(clock)) => {
                    live += 1;
                    least = Some(least.map_or(clock, |l| l.min(clock)));
                }
                Ok(None) => {}
                Err(e) => {
                    live += 1;
                    if matches!(e, WatchError::Rpc { .. }) {
                        self.metrics.rpc_error();
                    }
                    span.in_scope(|| warn!(error = %e, "dispute: will retry next pass"));
                }
            }
        }
        self.metrics.disputes_live.set(live);
        self.metrics.least_clock_remaining.set(least.unwrap_or(-1));
    }

    /// One move in a dispute, if it is the bot's turn. Returns the bot's clock left while the dispute is live.
    async fn act_dispute(&mut self, id: u64, challenger: bool, at: At) -> Result<Option<i64>> {
        let d = self.rpc_result(
            "dispute",
            self.chain
                .dispute(U256::from(id))
                .block(at.safe.into())
                .call()
                .await,
        )?;
        let Ok(phase) = DisputePhase::try_from(d.phase) else {
            warn!(
                phase = d.phase,
                "a dispute phase this build does not know: not played"
            );
            return Ok(None);
        };
        if !matches!(
            phase,
            DisputePhase::Reveal | DisputePhase::Answer | DisputePhase::Step
        ) {
            return Ok(None);
        }
        let task = d.taskId;
        let t = self.rpc_result(
            "task",
            self.chain
                .task(U256::from(task))
                .block(at.safe.into())
                .call()
                .await,
        )?;
        let game = *self.chain.address();
        if t.round != d.round {
            // The commitment was slashed in another dispute: take the bond back.
            if challenger {
                let data = self
                    .chain
                    .reclaimDisputeBond(U256::from(id))
                    .calldata()
                    .clone();
                self.send(
                    &format!("chain:reclaimDisputeBond:{id}"),
                    "reclaimDisputeBond",
                    game,
                    data,
                    at.head,
                )
                .await?;
            }
            return Ok(None);
        }
        let elapsed = at.now.saturating_sub(d.lastMoveAt.to::<u64>());
        let challenger_to_move = phase == DisputePhase::Answer;
        let mover_clock = u64::from(if challenger_to_move {
            d.challengerClock
        } else {
            d.solverClock
        });
        let mover_out = elapsed > mover_clock;
        let my_turn = challenger == challenger_to_move;
        let my_clock = i64::from(if challenger {
            d.challengerClock
        } else {
            d.solverClock
        });
        let my_left = if my_turn {
            my_clock - elapsed as i64
        } else {
            my_clock
        };

        if mover_out && !my_turn {
            let data = self.chain.timeout(U256::from(id)).calldata().clone();
            if let Sent::New(tx) = self
                .send(
                    &format!("chain:timeout:{id}"),
                    "timeout",
                    game,
                    data,
                    at.head,
                )
                .await?
            {
                info!(%tx, "the other side's clock ran out: timeout claimed");
            }
            return Ok(Some(my_left));
        }
        let Some(run) = self.chain_run(task).await? else {
            return Ok(Some(my_left));
        };
        let (lo, hi, mid) = (d.lo, d.hi, d.mid);
        match phase {
            DisputePhase::Reveal if !challenger => {
                let hash = run.hash_at(&executor_of(self, task).await?, mid)?;
                let data = self.chain.reveal(U256::from(id), hash).calldata().clone();
                if let Sent::New(tx) = self
                    .send(
                        &format!("chain:reveal:{id}:{lo}:{hi}"),
                        "reveal",
                        game,
                        data,
                        at.head,
                    )
                    .await?
                {
                    info!(lo, hi, mid, %hash, %tx, "midpoint revealed");
                }
            }
            DisputePhase::Answer if challenger => {
                let ours = run.hash_at(&executor_of(self, task).await?, mid)?;
                let agree = ours == d.midHash;
                let data = self.chain.answer(U256::from(id), agree).calldata().clone();
                if let Sent::New(tx) = self
                    .send(
                        &format!("chain:answer:{id}:{lo}:{hi}"),
                        "answer",
                        game,
                        data,
                        at.head,
                    )
                    .await?
                {
                    info!(lo, hi, mid, agree, %tx, "midpoint answered");
                }
            }
            DisputePhase::Step if !mover_out => {
                let exec = executor_of(self, task).await?;
                // The judged step decides for whoever holds the right hash at `hi`; only ask for it when that is us.
                let ours_hi = run.hash_at(&exec, hi)?;
                let we_win = if challenger {
                    ours_hi != d.hiHash
                } else {
                    ours_hi == d.hiHash
                };
                if we_win {
                    let preimage = run.state_at(&exec, lo)?;
                    let data = self
                        .chain
                        .judgeStep(U256::from(id), preimage)
                        .calldata()
                        .clone();
                    if let Sent::New(tx) = self
                        .send(
                            &format!("chain:judgeStep:{id}:{lo}"),
                            "judgeStep",
                            game,
                            data,
                            at.head,
                        )
                        .await?
                    {
                        info!(lo, %tx, "last step sent to the judge");
                    }
                }
            }
            _ => {}
        }
        Ok(Some(my_left))
    }
}

/// The executor of a chain task's computation.
async fn executor_of(w: &mut Watcher, task: u64) -> Result<sonm_executor::Executor> {
    let computation = w
        .index
        .chain_tasks
        .get(&task)
        .map(|t| t.computation)
        .ok_or_else(|| WatchError::Config(format!("chain task {task} was not seen posted")))?;
    w.executor(computation).await
}
