//! The claim state machine of [`MemoryDeduper`](super::MemoryDeduper): pure,
//! with time passed in, so every transition is tested without a clock.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::{ClaimOutcome, ClaimToken, CommitOutcome, DedupeKey, ReleaseOutcome};

/// What a live key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    /// Being handled by the claim with this token.
    Leased(ClaimToken),
    /// Handled successfully.
    Done,
}

#[derive(Debug)]
struct Entry {
    slot: Slot,
    /// Where the entry sits in its expiry index.
    expiry: ExpiryKey,
}

/// Expiry instant plus a sequence number that makes index keys unique.
type ExpiryKey = (Instant, u64);

/// The in-memory table refuses a claim: every slot holds a delivery in
/// progress, and none of those may be forgotten without risking a second
/// handling in parallel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("in-memory de-duplication table is full of deliveries in progress ({capacity} keys)")]
pub(super) struct TableFull {
    capacity: usize,
}

/// Keys with their state and expiry, bounded to `capacity` keys.
///
/// Leases and committed keys have their own expiry index: both are purged by
/// expiry, and when the table is full the committed key closest to expiry
/// (the oldest, as every commit uses the same TTL in practice) is forgotten
/// to make room. Leases are never evicted.
#[derive(Debug)]
pub(super) struct ClaimTable {
    capacity: usize,
    entries: HashMap<DedupeKey, Entry>,
    leased: BTreeMap<ExpiryKey, DedupeKey>,
    done: BTreeMap<ExpiryKey, DedupeKey>,
    next_seq: u64,
}

impl ClaimTable {
    /// An empty table for at most `capacity` keys (at least one).
    pub(super) fn new(capacity: usize) -> Self {
        ClaimTable {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            leased: BTreeMap::new(),
            done: BTreeMap::new(),
            next_seq: 0,
        }
    }

    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Live keys (expired ones linger until the next operation).
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Leases `key` to `token` until `now + lease` if it is free.
    pub(super) fn claim(
        &mut self,
        key: &DedupeKey,
        token: ClaimToken,
        now: Instant,
        lease: Duration,
    ) -> Result<ClaimOutcome, TableFull> {
        self.purge_expired(now);
        match self.entries.get(key).map(|entry| &entry.slot) {
            Some(Slot::Leased(_)) => return Ok(ClaimOutcome::InProgress),
            Some(Slot::Done) => return Ok(ClaimOutcome::Done),
            None => {}
        }
        self.evict_done_down_to(self.capacity - 1);
        if self.entries.len() >= self.capacity {
            return Err(TableFull {
                capacity: self.capacity,
            });
        }
        self.insert(key, Slot::Leased(token.clone()), now + lease);
        Ok(ClaimOutcome::Claimed(token))
    }

    /// Marks `key` done until `now + ttl` if `token` leases it or nobody does.
    pub(super) fn commit(
        &mut self,
        key: &DedupeKey,
        token: &ClaimToken,
        now: Instant,
        ttl: Duration,
    ) -> CommitOutcome {
        self.purge_expired(now);
        match self.entries.get(key).map(|entry| &entry.slot) {
            Some(Slot::Leased(holder)) if holder == token => {
                self.remove(key);
            }
            Some(Slot::Leased(_)) => return CommitOutcome::ClaimedByOther,
            Some(Slot::Done) => return CommitOutcome::AlreadyDone,
            // The lease ran out and nobody claimed since: recording the
            // success still spares a later redelivery a second handling.
            None => self.evict_done_down_to(self.capacity - 1),
        }
        // Only when every other slot is a lease can this exceed the capacity,
        // by one key that the next claim evicts first.
        self.insert(key, Slot::Done, now + ttl);
        CommitOutcome::Committed
    }

    /// Frees `key` if `token` leases it.
    pub(super) fn release(
        &mut self,
        key: &DedupeKey,
        token: &ClaimToken,
        now: Instant,
    ) -> ReleaseOutcome {
        self.purge_expired(now);
        match self.entries.get(key).map(|entry| &entry.slot) {
            Some(Slot::Leased(holder)) if holder == token => {
                self.remove(key);
                ReleaseOutcome::Released
            }
            _ => ReleaseOutcome::NotHeld,
        }
    }

    fn insert(&mut self, key: &DedupeKey, slot: Slot, expires: Instant) {
        let expiry = (expires, self.next_seq);
        self.next_seq += 1;
        let index = match slot {
            Slot::Leased(_) => &mut self.leased,
            Slot::Done => &mut self.done,
        };
        index.insert(expiry, key.clone());
        self.entries.insert(key.clone(), Entry { slot, expiry });
    }

    fn remove(&mut self, key: &DedupeKey) {
        if let Some(entry) = self.entries.remove(key) {
            match entry.slot {
                Slot::Leased(_) => self.leased.remove(&entry.expiry),
                Slot::Done => self.done.remove(&entry.expiry),
            };
        }
    }

    fn purge_expired(&mut self, now: Instant) {
        for index in [&mut self.leased, &mut self.done] {
            while let Some(entry) = index.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                let key = entry.remove();
                self.entries.remove(&key);
            }
        }
    }

    /// Forgets the committed keys closest to expiry until at most `len` keys
    /// remain or no committed key is left.
    fn evict_done_down_to(&mut self, len: usize) {
        while self.entries.len() > len {
            let Some((_, key)) = self.done.pop_first() else {
                return;
            };
            self.entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(60);
    const TTL: Duration = Duration::from_secs(3600);

    fn key(n: u32) -> DedupeKey {
        DedupeKey::new("call.completed", Some(&format!("call_{n}")), b"{}")
    }

    fn token(n: u128) -> ClaimToken {
        ClaimToken(format!("{n:032x}"))
    }

    /// The state a key is left in, as seen by a fresh claim at `now`.
    fn observed(table: &mut ClaimTable, key: &DedupeKey, now: Instant) -> &'static str {
        let outcome = table.claim(key, token(u128::MAX), now, LEASE).unwrap();
        let observed = match outcome {
            ClaimOutcome::Claimed(_) => "free",
            ClaimOutcome::InProgress => "leased",
            ClaimOutcome::Done => "done",
        };
        if observed == "free" {
            table.release(key, &token(u128::MAX), now);
        }
        observed
    }

    /// Every operation from every state: (setup, operation, answer, state after).
    #[test]
    fn transitions() {
        #[derive(Clone, Copy, Debug)]
        enum Setup {
            Free,
            LeasedByA,
            LeasedByB,
            DoneByB,
            LeaseOfAExpired,
            DoneExpired,
        }
        #[derive(Clone, Copy, Debug)]
        enum Op {
            ClaimA,
            CommitA,
            ReleaseA,
        }
        use Op::*;
        use Setup::*;
        let cases: &[(Setup, Op, &str, &str)] = &[
            (Free, ClaimA, "claimed", "leased"),
            (Free, CommitA, "committed", "done"),
            (Free, ReleaseA, "not-held", "free"),
            (LeasedByA, ClaimA, "in-progress", "leased"),
            (LeasedByA, CommitA, "committed", "done"),
            (LeasedByA, ReleaseA, "released", "free"),
            (LeasedByB, ClaimA, "in-progress", "leased"),
            (LeasedByB, CommitA, "claimed-by-other", "leased"),
            (LeasedByB, ReleaseA, "not-held", "leased"),
            (DoneByB, ClaimA, "done", "done"),
            (DoneByB, CommitA, "already-done", "done"),
            (DoneByB, ReleaseA, "not-held", "done"),
            (LeaseOfAExpired, ClaimA, "claimed", "leased"),
            (LeaseOfAExpired, CommitA, "committed", "done"),
            (LeaseOfAExpired, ReleaseA, "not-held", "free"),
            (DoneExpired, ClaimA, "claimed", "leased"),
            (DoneExpired, CommitA, "committed", "done"),
            (DoneExpired, ReleaseA, "not-held", "free"),
        ];
        for &(setup, op, answer, after) in cases {
            let mut table = ClaimTable::new(10);
            let start = Instant::now();
            let k = key(1);
            let (a, b) = (token(1), token(2));
            let now = match setup {
                Free => start,
                LeasedByA => {
                    table.claim(&k, a.clone(), start, LEASE).unwrap();
                    start + LEASE - Duration::from_millis(1)
                }
                LeasedByB => {
                    table.claim(&k, b.clone(), start, LEASE).unwrap();
                    start
                }
                DoneByB => {
                    table.claim(&k, b.clone(), start, LEASE).unwrap();
                    table.commit(&k, &b, start, TTL);
                    start + TTL - Duration::from_millis(1)
                }
                LeaseOfAExpired => {
                    table.claim(&k, a.clone(), start, LEASE).unwrap();
                    start + LEASE
                }
                DoneExpired => {
                    table.claim(&k, b.clone(), start, LEASE).unwrap();
                    table.commit(&k, &b, start, TTL);
                    start + TTL
                }
            };
            let got = match op {
                ClaimA => match table.claim(&k, a.clone(), now, LEASE).unwrap() {
                    ClaimOutcome::Claimed(t) => {
                        assert_eq!(t, a);
                        "claimed"
                    }
                    ClaimOutcome::InProgress => "in-progress",
                    ClaimOutcome::Done => "done",
                },
                CommitA => match table.commit(&k, &a, now, TTL) {
                    CommitOutcome::Committed => "committed",
                    CommitOutcome::ClaimedByOther => "claimed-by-other",
                    CommitOutcome::AlreadyDone => "already-done",
                },
                ReleaseA => match table.release(&k, &a, now) {
                    ReleaseOutcome::Released => "released",
                    ReleaseOutcome::NotHeld => "not-held",
                },
            };
            assert_eq!(got, answer, "{setup:?} then {op:?}");
            assert_eq!(
                observed(&mut table, &k, now),
                after,
                "state after {setup:?} then {op:?}"
            );
        }
    }

    #[test]
    fn a_committed_key_lives_a_full_ttl_from_its_commit() {
        let mut table = ClaimTable::new(10);
        let start = Instant::now();
        table.claim(&key(1), token(1), start, LEASE).unwrap();
        let committed_at = start + LEASE / 2;
        table.commit(&key(1), &token(1), committed_at, TTL);
        // The lease's own expiry no longer applies.
        assert_eq!(observed(&mut table, &key(1), start + LEASE * 2), "done");
        assert_eq!(
            observed(
                &mut table,
                &key(1),
                committed_at + TTL - Duration::from_millis(1)
            ),
            "done"
        );
        assert_eq!(observed(&mut table, &key(1), committed_at + TTL), "free");
    }

    #[test]
    fn a_full_table_forgets_the_oldest_done_key_but_never_a_lease() {
        let mut table = ClaimTable::new(3);
        let now = Instant::now();
        let second = Duration::from_secs(1);
        table.claim(&key(0), token(0), now, LEASE).unwrap();
        table.commit(&key(0), &token(0), now, TTL);
        table.claim(&key(1), token(1), now, LEASE).unwrap();
        table.commit(&key(1), &token(1), now + second, TTL);
        table.claim(&key(2), token(2), now, LEASE).unwrap();
        // Full: the oldest committed key (0) makes room.
        assert_eq!(
            table.claim(&key(3), token(3), now, LEASE),
            Ok(ClaimOutcome::Claimed(token(3)))
        );
        assert_eq!(table.len(), 3);
        assert_eq!(observed(&mut table, &key(1), now), "done");
        assert_eq!(observed(&mut table, &key(2), now), "leased");
        assert_eq!(observed(&mut table, &key(3), now), "leased");
        // Key 1 goes next; then only leases are left and a claim is refused.
        assert!(matches!(
            table.claim(&key(4), token(4), now, LEASE),
            Ok(ClaimOutcome::Claimed(_))
        ));
        assert_eq!(
            table.claim(&key(5), token(5), now, LEASE),
            Err(TableFull { capacity: 3 })
        );
        assert_eq!(table.len(), 3);
        // A lease that expires frees its slot.
        assert!(matches!(
            table.claim(&key(5), token(5), now + LEASE, LEASE),
            Ok(ClaimOutcome::Claimed(_))
        ));
    }

    #[test]
    fn commit_without_room_is_kept_and_evicted_first() {
        let mut table = ClaimTable::new(2);
        let now = Instant::now();
        table.claim(&key(1), token(1), now, LEASE).unwrap();
        table.claim(&key(2), token(2), now, LEASE).unwrap();
        // A claimant whose lease lapsed commits while every slot is leased.
        assert_eq!(
            table.commit(&key(9), &token(9), now, TTL),
            CommitOutcome::Committed
        );
        assert_eq!(table.len(), 3);
        table.release(&key(1), &token(1), now);
        assert!(matches!(
            table.claim(&key(3), token(3), now, LEASE),
            Ok(ClaimOutcome::Claimed(_))
        ));
        assert_eq!(table.len(), 2, "the overflow key was evicted first");
    }

    #[test]
    fn release_and_reclaim_cycles_keep_one_entry_per_key() {
        let mut table = ClaimTable::new(10);
        let now = Instant::now();
        for n in 0..1000 {
            table.claim(&key(1), token(n), now, LEASE).unwrap();
            table.release(&key(1), &token(n), now);
        }
        table.claim(&key(1), token(5000), now, LEASE).unwrap();
        assert_eq!(table.len(), 1);
        assert_eq!(table.leased.len(), 1);
        assert!(table.done.is_empty());
    }
}
