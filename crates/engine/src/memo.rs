//! A memory of header values that were inspected and found clean.
//!
//! Browsers send the same long `User-Agent` (and `Referer`, `Origin`) on every request, and
//! reading one costs the engine as much as a dozen query arguments. Detection is a pure
//! function of the value, its header name and the inspection limits, so a value that gave
//! no finding once gives none again: [`Memo`] remembers the keyed hash of such values and
//! the pipeline skips them. Only clean values are remembered (a value with any finding, or
//! one whose inspection hit a limit or followed a nested encoding, is read every time), so
//! the memory can make the engine skip work, never skip a finding.
//!
//! Direct-mapped and lossy: a fixed table of 64-bit keys, one per slot, shared by every
//! thread with relaxed atomics (a lost write only costs a later re-inspection). Keys are
//! SipHash under a per-engine random key, so a client cannot aim a collision at a clean value.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Limits;

/// Headers whose values repeat from request to request and carry no secret: the only ones
/// remembered. (A remembered value is answered faster; for a token header that would tell a
/// client that somebody sent that value recently. Per-request identifiers would only churn
/// the table.)
const REMEMBERED: &[&str] = &["user-agent", "referer", "origin"];

/// Slots in the table (a power of two).
const SLOTS: usize = 4096;
/// Longer values are not remembered (hashing them costs more than it saves nothing).
const MAX_VALUE: usize = 2048;

#[derive(Debug)]
pub(crate) struct Memo {
    keys: Box<[AtomicU64]>,
    hasher: RandomState,
}

impl Memo {
    pub(crate) fn new() -> Memo {
        Memo {
            keys: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            hasher: RandomState::new(),
        }
    }

    /// The key of a header value under these limits; `None` when not worth remembering.
    pub(crate) fn key(&self, name: &str, value: &[u8], limits: &Limits) -> Option<u64> {
        if value.len() > MAX_VALUE || !REMEMBERED.contains(&name) {
            return None;
        }
        // Zero marks an empty slot.
        Some(
            self.hasher
                .hash_one((name, value, limits.max_depth, limits.max_args))
                .max(1),
        )
    }

    /// True when the value of `key` was found clean before.
    pub(crate) fn is_clean(&self, key: u64) -> bool {
        self.keys[Self::slot(key)].load(Ordering::Relaxed) == key
    }

    /// Remembers that the value of `key` is clean.
    pub(crate) fn remember(&self, key: u64) {
        self.keys[Self::slot(key)].store(key, Ordering::Relaxed);
    }

    fn slot(key: u64) -> usize {
        (key >> 52) as usize & (SLOTS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_only_what_it_was_told_under_the_same_limits() {
        let memo = Memo::new();
        let limits = Limits::default();
        let ua = b"Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0";
        let key = memo.key("user-agent", ua, &limits).unwrap();
        assert!(!memo.is_clean(key));
        memo.remember(key);
        assert!(memo.is_clean(key));
        assert!(memo.is_clean(memo.key("user-agent", ua, &limits).unwrap()));
        // Another header, another value, other limits: other keys.
        assert_ne!(memo.key("referer", ua, &limits), Some(key));
        assert_ne!(memo.key("user-agent", b"curl/8.0", &limits), Some(key));
        let deeper = Limits {
            max_depth: limits.max_depth + 1,
            ..limits
        };
        assert_ne!(memo.key("user-agent", ua, &deeper), Some(key));
        let long = vec![b'a'; MAX_VALUE + 1];
        assert!(memo.key("user-agent", &long, &limits).is_none());
        assert!(memo.key("x-api-key", b"secret", &limits).is_none());
        assert!(memo.key("x-request-id", b"4f1c2a9e", &limits).is_none());
    }
}
