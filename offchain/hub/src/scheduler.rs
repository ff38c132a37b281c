//! The lease scheduler: which units of which deal go to which miner. Pure bookkeeping (no network, no clock of its
//! own), so it is tested on its own.
//!
//! A unit is one leaf. Each deal keeps the units still to do; the scheduler leases ranges of at most `lease_units`
//! contiguous units to joined miners, never more than a miner's capacity in flight. A lease that fails or passes
//! its deadline puts its units back (the miner loses the lease, not the task); a miner caught with a wrong unit
//! loses every unit it did in that deal and is never leased to again.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::time::{Duration, Instant};

use alloy::primitives::Address;
use sonm_net::PeerId;

/// A lease in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// Its number (never reused).
    pub id: u64,
    /// The deal.
    pub deal: u64,
    /// The miner's peer.
    pub peer: PeerId,
    /// The miner's paid address (its lease receipts must be signed by it).
    pub miner: Address,
    /// The units.
    pub units: Range<u64>,
    /// When it is given up.
    pub deadline: Instant,
}

#[derive(Clone, Debug)]
struct Slot {
    miner: Address,
    capacity: u32,
    in_flight: u64,
    paused_until: Option<Instant>,
}

#[derive(Clone, Debug, Default)]
struct DealQueue {
    units: u64,
    todo: BTreeSet<u64>,
    done: BTreeMap<u64, Address>,
    redone: u64,
}

/// Units accepted, accepted units per miner, and units redone, of a deal.
pub type Progress = (u64, Vec<(Address, u64)>, u64);

/// The scheduler.
#[derive(Debug)]
pub struct Scheduler {
    lease_units: u64,
    timeout: Duration,
    deals: BTreeMap<u64, DealQueue>,
    miners: HashMap<PeerId, Slot>,
    banned: HashSet<Address>,
    leases: HashMap<u64, Lease>,
    next_id: u64,
}

impl Scheduler {
    /// Leases of at most `lease_units` units, given up after `timeout`.
    pub fn new(lease_units: u64, timeout: Duration) -> Self {
        Self {
            lease_units: lease_units.max(1),
            timeout,
            deals: BTreeMap::new(),
            miners: HashMap::new(),
            banned: HashSet::new(),
            leases: HashMap::new(),
            next_id: 1,
        }
    }

    /// Adds a deal of `units` units, of which `done` are accepted already (by the miner named).
    pub fn add_deal(
        &mut self,
        deal: u64,
        units: u64,
        done: impl IntoIterator<Item = (u64, Address)>,
    ) {
        let done: BTreeMap<u64, Address> = done.into_iter().filter(|(i, _)| *i < units).collect();
        let todo = (0..units).filter(|i| !done.contains_key(i)).collect();
        self.deals.insert(
            deal,
            DealQueue {
                units,
                todo,
                done,
                redone: 0,
            },
        );
    }

    /// Forgets a deal (and its leases: their answers will be ignored).
    pub fn remove_deal(&mut self, deal: u64) {
        self.deals.remove(&deal);
        let gone: Vec<u64> = self
            .leases
            .values()
            .filter(|l| l.deal == deal)
            .map(|l| l.id)
            .collect();
        for id in gone {
            if let Some(l) = self.leases.remove(&id)
                && let Some(s) = self.miners.get_mut(&l.peer)
            {
                s.in_flight = s.in_flight.saturating_sub(l.units.end - l.units.start);
            }
        }
    }

    /// Whether the deal is known.
    pub fn has_deal(&self, deal: u64) -> bool {
        self.deals.contains_key(&deal)
    }

    /// A miner joins (or changes its capacity; 0 leaves). Refused (false) for a banned miner.
    pub fn join(&mut self, peer: PeerId, miner: Address, capacity: u32) -> bool {
        if self.banned.contains(&miner) {
            return false;
        }
        let slot = self.miners.entry(peer).or_insert(Slot {
            miner,
            capacity,
            in_flight: 0,
            paused_until: None,
        });
        slot.miner = miner;
        slot.capacity = capacity;
        slot.paused_until = None;
        true
    }

    /// A miner's peer went away: no new lease for it (its leases in flight fail on their own).
    pub fn disconnected(&mut self, peer: &PeerId) {
        if let Some(s) = self.miners.get_mut(peer) {
            s.capacity = 0;
        }
    }

    /// No new lease for `peer` before `until` (its last lease failed: a straggler, or a connection in trouble).
    pub fn pause(&mut self, peer: &PeerId, until: Instant) {
        if let Some(s) = self.miners.get_mut(peer) {
            s.paused_until = Some(until);
        }
    }

    /// Whether `miner` is banned.
    pub fn is_banned(&self, miner: &Address) -> bool {
        self.banned.contains(miner)
    }

    /// Marks `miner` banned (e.g. from the state at start).
    pub fn ban(&mut self, miner: Address) {
        self.banned.insert(miner);
        for s in self.miners.values_mut() {
            if s.miner == miner {
                s.capacity = 0;
            }
        }
    }

    /// New leases for every miner with room, units of the oldest deals first.
    pub fn assign(&mut self, now: Instant) -> Vec<Lease> {
        let mut out = Vec::new();
        let mut peers: Vec<PeerId> = self.miners.keys().copied().collect();
        peers.sort();
        loop {
            let mut any = false;
            for peer in &peers {
                let Some((miner, capacity, in_flight, paused)) = self
                    .miners
                    .get(peer)
                    .map(|s| (s.miner, s.capacity, s.in_flight, s.paused_until))
                else {
                    continue;
                };
                if self.banned.contains(&miner) || paused.is_some_and(|t| now < t) {
                    continue;
                }
                let room = u64::from(capacity).saturating_sub(in_flight);
                let want = room.min(self.lease_units);
                if want == 0 {
                    continue;
                }
                let Some((deal, units)) = self.take(want) else {
                    return out;
                };
                if let Some(s) = self.miners.get_mut(peer) {
                    s.in_flight += units.end - units.start;
                }
                let lease = Lease {
                    id: self.next_id,
                    deal,
                    peer: *peer,
                    miner,
                    units,
                    deadline: now + self.timeout,
                };
                self.next_id += 1;
                self.leases.insert(lease.id, lease.clone());
                out.push(lease);
                any = true;
            }
            if !any {
                return out;
            }
        }
    }

    /// Takes up to `want` contiguous units to do, of the first deal that has any.
    fn take(&mut self, want: u64) -> Option<(u64, Range<u64>)> {
        for (id, q) in self.deals.iter_mut() {
            let Some(&first) = q.todo.iter().next() else {
                continue;
            };
            let mut end = first;
            while end - first < want && q.todo.remove(&end) {
                end += 1;
            }
            return Some((*id, first..end));
        }
        None
    }

    /// The lease `id`, if still in flight.
    pub fn lease(&self, id: u64) -> Option<&Lease> {
        self.leases.get(&id)
    }

    fn finish(&mut self, id: u64) -> Option<Lease> {
        let lease = self.leases.remove(&id)?;
        if let Some(s) = self.miners.get_mut(&lease.peer) {
            s.in_flight = s
                .in_flight
                .saturating_sub(lease.units.end - lease.units.start);
        }
        Some(lease)
    }

    /// The lease's units are accepted (after its sample passed). None if the lease was given up already (its units
    /// went to another miner) or its miner was banned meanwhile.
    pub fn complete(&mut self, id: u64) -> Option<Lease> {
        let lease = self.finish(id)?;
        if self.banned.contains(&lease.miner) {
            self.requeue(&lease);
            return None;
        }
        let q = self.deals.get_mut(&lease.deal)?;
        for i in lease.units.clone() {
            q.done.insert(i, lease.miner);
        }
        Some(lease)
    }

    fn requeue(&mut self, lease: &Lease) {
        if let Some(q) = self.deals.get_mut(&lease.deal) {
            for i in lease.units.clone() {
                if !q.done.contains_key(&i) {
                    q.todo.insert(i);
                }
            }
            q.redone += lease.units.end - lease.units.start;
        }
    }

    /// The lease failed (refused, disconnected, bad answer): its units go back to the queue.
    pub fn fail(&mut self, id: u64) -> Option<Lease> {
        let lease = self.finish(id)?;
        self.requeue(&lease);
        Some(lease)
    }

    /// Gives up every lease past its deadline: their units go back to the queue. Returns them.
    pub fn expire(&mut self, now: Instant) -> Vec<Lease> {
        let late: Vec<u64> = self
            .leases
            .values()
            .filter(|l| l.deadline <= now)
            .map(|l| l.id)
            .collect();
        late.into_iter().filter_map(|id| self.fail(id)).collect()
    }

    /// `miner` was caught with a wrong unit of `deal`: banned, every unit it did in the deal back in the queue, its
    /// leases in flight given up. Returns the units discarded (accepted before, now to redo).
    pub fn caught(&mut self, deal: u64, miner: Address) -> Vec<u64> {
        self.ban(miner);
        let leases: Vec<u64> = self
            .leases
            .values()
            .filter(|l| l.miner == miner)
            .map(|l| l.id)
            .collect();
        for id in leases {
            self.fail(id);
        }
        let Some(q) = self.deals.get_mut(&deal) else {
            return Vec::new();
        };
        let discarded: Vec<u64> = q
            .done
            .iter()
            .filter(|(_, m)| **m == miner)
            .map(|(i, _)| *i)
            .collect();
        for i in &discarded {
            q.done.remove(i);
            q.todo.insert(*i);
        }
        q.redone += discarded.len() as u64;
        discarded
    }

    /// Whether every unit of `deal` is accepted.
    pub fn is_done(&self, deal: u64) -> bool {
        self.deals
            .get(&deal)
            .is_some_and(|q| q.done.len() as u64 == q.units)
    }

    /// Units accepted, per miner, and units redone, of `deal`.
    pub fn progress(&self, deal: u64) -> Option<Progress> {
        let q = self.deals.get(&deal)?;
        let mut by: BTreeMap<Address, u64> = BTreeMap::new();
        for m in q.done.values() {
            *by.entry(*m).or_default() += 1;
        }
        Some((q.done.len() as u64, by.into_iter().collect(), q.redone))
    }

    /// Leases in flight.
    pub fn in_flight(&self) -> usize {
        self.leases.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> PeerId {
        PeerId::random()
    }

    #[test]
    fn leases_respect_the_lease_size_and_each_miners_capacity() {
        let mut s = Scheduler::new(8, Duration::from_secs(30));
        s.add_deal(1, 40, []);
        let (a, b) = (peer(), peer());
        s.join(a, Address::repeat_byte(1), 12);
        s.join(b, Address::repeat_byte(2), 4);
        let now = Instant::now();
        let leases = s.assign(now);
        let per = |p: PeerId| -> u64 {
            leases
                .iter()
                .filter(|l| l.peer == p)
                .map(|l| l.units.end - l.units.start)
                .sum()
        };
        assert_eq!(per(a), 12, "a: a lease of 8 then one of 4");
        assert_eq!(per(b), 4);
        assert!(leases.iter().all(|l| l.units.end - l.units.start <= 8));
        // Nothing more while they are in flight.
        assert!(s.assign(now).is_empty());
        // The leases cover distinct units, from 0 on.
        let mut units: Vec<u64> = leases.iter().flat_map(|l| l.units.clone()).collect();
        units.sort_unstable();
        assert_eq!(units, (0..16).collect::<Vec<_>>());
        // One completes: its miner gets more.
        let first = leases.iter().find(|l| l.peer == b).expect("b's lease").id;
        assert!(s.complete(first).is_some());
        let more = s.assign(now);
        assert_eq!(more.len(), 1);
        assert_eq!(more[0].peer, b);
        assert_eq!(more[0].units, 16..20);
    }

    #[test]
    fn a_lease_past_its_deadline_goes_back_to_the_queue_and_a_late_answer_is_ignored() {
        let mut s = Scheduler::new(4, Duration::from_secs(30));
        s.add_deal(7, 8, []);
        let (slow, fast) = (peer(), peer());
        s.join(slow, Address::repeat_byte(1), 4);
        let t0 = Instant::now();
        let first = s.assign(t0);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].units, 0..4);
        assert!(s.expire(t0 + Duration::from_secs(29)).is_empty());
        let expired = s.expire(t0 + Duration::from_secs(30));
        assert_eq!(expired.len(), 1);
        // The straggler leaves; another miner gets its units back first.
        s.disconnected(&slow);
        s.join(fast, Address::repeat_byte(2), 8);
        let again = s.assign(t0 + Duration::from_secs(31));
        assert_eq!(again[0].units, 0..4);
        assert_eq!(again[0].peer, fast);
        // A paused miner gets nothing until the pause ends.
        s.add_deal(8, 8, []);
        let late = peer();
        s.join(late, Address::repeat_byte(3), 8);
        s.pause(&late, t0 + Duration::from_secs(60));
        assert!(
            s.assign(t0 + Duration::from_secs(59))
                .iter()
                .all(|l| l.peer != late)
        );
        assert!(
            s.assign(t0 + Duration::from_secs(60))
                .iter()
                .any(|l| l.peer == late)
        );
        // The straggler's answer, arriving now, is not taken.
        assert!(s.complete(first[0].id).is_none());
        let (done, _, redone) = s.progress(7).expect("deal");
        assert_eq!((done, redone), (0, 4));
    }

    #[test]
    fn a_failed_lease_is_requeued_and_the_deal_completes_with_another_miner() {
        let mut s = Scheduler::new(8, Duration::from_secs(30));
        s.add_deal(1, 8, [(0, Address::repeat_byte(9))]);
        let m = peer();
        s.join(m, Address::repeat_byte(3), 16);
        let l = s.assign(Instant::now());
        assert_eq!(l.len(), 1);
        assert_eq!(
            l[0].units,
            1..8,
            "a unit accepted before a restart is not leased again"
        );
        s.fail(l[0].id);
        let l = s.assign(Instant::now());
        assert_eq!(l[0].units, 1..8);
        s.complete(l[0].id);
        assert!(s.is_done(1));
        let (done, by, redone) = s.progress(1).expect("deal");
        assert_eq!(done, 8);
        assert_eq!(redone, 7);
        assert_eq!(
            by,
            vec![(Address::repeat_byte(3), 7), (Address::repeat_byte(9), 1)]
        );
    }

    #[test]
    fn a_caught_miner_loses_all_its_units_of_the_deal_and_gets_no_more_leases() {
        let mut s = Scheduler::new(2, Duration::from_secs(30));
        s.add_deal(1, 8, []);
        s.add_deal(2, 2, []);
        let (honest, cheat) = (peer(), peer());
        let (h, c) = (Address::repeat_byte(1), Address::repeat_byte(2));
        s.join(honest, h, 2);
        s.join(cheat, c, 4);
        let now = Instant::now();
        let leases = s.assign(now);
        // Complete every lease but one of the cheat's.
        let cheats: Vec<&Lease> = leases.iter().filter(|l| l.miner == c).collect();
        assert_eq!(cheats.len(), 2);
        let open = cheats[1].id;
        for l in &leases {
            if l.id != open {
                assert!(s.complete(l.id).is_some());
            }
        }
        let discarded = s.caught(1, c);
        assert_eq!(discarded.len(), 2, "the cheat's completed lease of deal 1");
        assert!(s.lease(open).is_none(), "its lease in flight is given up");
        assert!(s.is_banned(&c));
        assert!(!s.join(cheat, c, 4), "a banned miner cannot join again");
        // Only the honest miner gets work now, and it finishes deal 1.
        for _ in 0..16 {
            let next = s.assign(now);
            assert!(next.iter().all(|l| l.miner == h));
            for l in next {
                s.complete(l.id);
            }
        }
        assert!(s.is_done(1));
        let (_, by, redone) = s.progress(1).expect("deal");
        assert_eq!(by, vec![(h, 8)]);
        assert!(redone >= 2);
        assert!(s.is_done(2));
    }
}
