//! Rate-limit counters in process memory: sharded maps behind short mutexes (never held
//! across an await), bounded in entries, expired lazily and swept when a shard is full.

use crate::rate::{Counter, Decision, RateLimit, RateStore};
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;

const SHARDS: usize = 64;

struct Entry {
    counter: Counter,
    expires_ms: u64,
}

/// A bounded in-memory [`RateStore`].
pub struct MemoryRateStore {
    shards: Vec<Mutex<HashMap<(String, RateLimit), Entry>>>,
    per_shard: usize,
    hasher: RandomState,
}

impl MemoryRateStore {
    /// Keeps at most about `max_entries` counters; past that, expired ones are swept and
    /// then the ones closest to expiry are evicted.
    pub fn new(max_entries: usize) -> MemoryRateStore {
        MemoryRateStore {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: (max_entries / SHARDS).max(16),
            hasher: RandomState::new(),
        }
    }

    /// Synchronous form of [`RateStore::check_and_increment`].
    pub fn apply(&self, key: &str, limit: &RateLimit, now_ms: u64) -> Decision {
        let shard = &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS];
        let mut map = shard.lock().unwrap_or_else(|p| p.into_inner());
        let id = (key.to_string(), *limit);
        if !map.contains_key(&id) && map.len() >= self.per_shard {
            map.retain(|_, e| e.expires_ms > now_ms);
            if map.len() >= self.per_shard {
                // Still full of live counters: drop the oldest eighth.
                let mut exp: Vec<u64> = map.values().map(|e| e.expires_ms).collect();
                exp.sort_unstable();
                let cut = exp[exp.len() / 8];
                map.retain(|_, e| e.expires_ms > cut);
            }
        }
        let entry = map.entry(id).or_insert(Entry {
            counter: Counter::default(),
            expires_ms: 0,
        });
        if entry.expires_ms != 0 && entry.expires_ms <= now_ms {
            entry.counter = Counter::default();
        }
        entry.expires_ms = now_ms + limit.ttl_ms();
        limit.apply(&mut entry.counter, now_ms)
    }

    /// Counters currently held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|m| m.len()).unwrap_or(0))
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RateStore for MemoryRateStore {
    fn check_and_increment(
        &self,
        key: &str,
        limit: &RateLimit,
        now_ms: u64,
    ) -> impl std::future::Future<Output = Decision> + Send {
        std::future::ready(self.apply(key, limit, now_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate::Algorithm;

    #[test]
    fn keys_are_independent_and_entries_bounded() {
        let s = MemoryRateStore::new(1024);
        let l = RateLimit {
            limit: 1,
            window_ms: 1000,
            burst: 1,
            algorithm: Algorithm::FixedWindow,
        };
        assert!(s.apply("a", &l, 0).allowed);
        assert!(!s.apply("a", &l, 1).allowed);
        assert!(s.apply("b", &l, 1).allowed);
        for i in 0..100_000 {
            s.apply(&format!("k{i}"), &l, 10);
        }
        assert!(s.len() <= 1024 + SHARDS, "{}", s.len());
    }

    #[test]
    fn expired_counters_start_over() {
        let s = MemoryRateStore::new(1024);
        let l = RateLimit {
            limit: 1,
            window_ms: 1000,
            burst: 1,
            algorithm: Algorithm::TokenBucket,
        };
        assert!(s.apply("a", &l, 0).allowed);
        assert!(!s.apply("a", &l, 10).allowed);
        assert!(s.apply("a", &l, 5000).allowed);
    }
}
