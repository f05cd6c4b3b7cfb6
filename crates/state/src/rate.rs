//! Rate-limit algorithms and the store contract.
//!
//! A [`RateLimit`] allows `limit` requests per `window_ms`:
//! - **token bucket**: a bucket of `burst` tokens refilled at `limit / window` per ms; a
//!   request takes one token. Smooth, allows bursts up to `burst`.
//! - **fixed window**: at most `limit` requests in each aligned window (`now / window`).
//!   Cheap, but a client can send `2 × limit` across a window edge.
//! - **sliding window**: the count of the current window plus the previous window's count
//!   weighted by how much of it still overlaps the last `window` ms. No double burst at edges.
//!
//! [`RateStore::check_and_increment`] decides and records in one atomic step, which a shared
//! store (Redis, with a script) must also guarantee.

use std::future::Future;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    TokenBucket,
    SlidingWindow,
    FixedWindow,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::TokenBucket => "token_bucket",
            Algorithm::SlidingWindow => "sliding_window",
            Algorithm::FixedWindow => "fixed_window",
        }
    }

    pub fn from_name(name: &str) -> Option<Algorithm> {
        [
            Algorithm::TokenBucket,
            Algorithm::SlidingWindow,
            Algorithm::FixedWindow,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

/// `limit` requests per `window_ms`, with `burst` (token bucket capacity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    pub limit: u64,
    pub window_ms: u64,
    pub burst: u64,
    pub algorithm: Algorithm,
}

/// The answer for one request against one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Requests left in the current window (or tokens left) after this one.
    pub remaining: u64,
    /// Milliseconds until a request would be allowed again (0 when allowed).
    pub retry_after_ms: u64,
    /// Milliseconds until the window resets / the bucket is full again.
    pub reset_ms: u64,
}

/// Counter state for one key and one limit, as the algorithms need it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counter {
    /// Token bucket: tokens × 1000 (milli-tokens). Windows: count in the current window.
    pub value: u64,
    /// Windows: count in the previous window.
    pub previous: u64,
    /// Token bucket: last refill time. Windows: start of the current window.
    pub at_ms: u64,
    pub initialised: bool,
}

impl RateLimit {
    /// Applies one request to `c` at `now_ms`, updating it only when allowed.
    pub fn apply(&self, c: &mut Counter, now_ms: u64) -> Decision {
        let window = self.window_ms.max(1);
        match self.algorithm {
            Algorithm::TokenBucket => {
                let capacity = self.burst.max(1) * 1000;
                if !c.initialised {
                    *c = Counter {
                        value: capacity,
                        previous: 0,
                        at_ms: now_ms,
                        initialised: true,
                    };
                }
                // milli-tokens per ms = limit * 1000 / window
                // Time may arrive slightly out of order from concurrent callers: never
                // go back. Only the time that produced whole milli-tokens is consumed, so
                // slow rates (30/minute) still refill under a stream of close requests.
                let rate = self.limit.saturating_mul(1000).max(1);
                let elapsed = now_ms.saturating_sub(c.at_ms);
                let refill = elapsed.saturating_mul(rate) / window;
                if c.value + refill >= capacity {
                    c.value = capacity;
                    c.at_ms = c.at_ms.max(now_ms);
                } else {
                    c.value += refill;
                    c.at_ms += refill * window / rate;
                }
                let per_token_ms = (window / self.limit.max(1)).max(1);
                if c.value >= 1000 {
                    c.value -= 1000;
                    Decision {
                        allowed: true,
                        remaining: c.value / 1000,
                        retry_after_ms: 0,
                        reset_ms: (capacity - c.value) / 1000 * per_token_ms,
                    }
                } else {
                    let missing = 1000 - c.value;
                    let wait = (missing * window).div_ceil(self.limit.max(1) * 1000);
                    Decision {
                        allowed: false,
                        remaining: 0,
                        retry_after_ms: wait.max(1),
                        reset_ms: capacity / 1000 * per_token_ms,
                    }
                }
            }
            Algorithm::FixedWindow | Algorithm::SlidingWindow => {
                let start = now_ms - now_ms % window;
                if !c.initialised {
                    *c = Counter {
                        value: 0,
                        previous: 0,
                        at_ms: start,
                        initialised: true,
                    };
                }
                // A caller with an older clock than the last one counts in the current window.
                let start = start.max(c.at_ms);
                let now_ms = now_ms.max(start);
                if start != c.at_ms {
                    c.previous = if start - c.at_ms == window {
                        c.value
                    } else {
                        0
                    };
                    c.value = 0;
                    c.at_ms = start;
                }
                let into = now_ms - start;
                let reset_ms = window - into;
                let effective = match self.algorithm {
                    Algorithm::FixedWindow => c.value,
                    _ => c.value + (c.previous * (window - into)).div_ceil(window),
                };
                if effective < self.limit {
                    c.value += 1;
                    Decision {
                        allowed: true,
                        remaining: self.limit - effective - 1,
                        retry_after_ms: 0,
                        reset_ms,
                    }
                } else {
                    let retry = match self.algorithm {
                        Algorithm::FixedWindow => reset_ms,
                        // Until enough of the previous window has slid out.
                        _ if c.previous == 0 => reset_ms,
                        _ => {
                            let excess = effective + 1 - self.limit;
                            (excess * window).div_ceil(c.previous).min(reset_ms).max(1)
                        }
                    };
                    Decision {
                        allowed: false,
                        remaining: 0,
                        retry_after_ms: retry.max(1),
                        reset_ms,
                    }
                }
            }
        }
    }

    /// How long a counter must be kept after its last use.
    pub fn ttl_ms(&self) -> u64 {
        self.window_ms.saturating_mul(2)
    }
}

/// Where counters live. One call decides and records atomically.
pub trait RateStore: Send + Sync {
    /// Applies one request for `key` against `limit` at `now_ms`.
    fn check_and_increment(
        &self,
        key: &str,
        limit: &RateLimit,
        now_ms: u64,
    ) -> impl Future<Output = Decision> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(limit: RateLimit, times: &[u64]) -> Vec<bool> {
        let mut c = Counter::default();
        times
            .iter()
            .map(|&t| limit.apply(&mut c, t).allowed)
            .collect()
    }

    fn lim(algorithm: Algorithm) -> RateLimit {
        RateLimit {
            limit: 10,
            window_ms: 1000,
            burst: 10,
            algorithm,
        }
    }

    #[test]
    fn fixed_window_allows_a_double_burst_across_the_edge() {
        // 10 at the end of window 0 and 10 at the start of window 1: all allowed.
        let times: Vec<u64> = (0..10)
            .map(|i| 990 + i / 2)
            .chain((0..10).map(|i| 1000 + i))
            .collect();
        assert!(run(lim(Algorithm::FixedWindow), &times).iter().all(|a| *a));
    }

    #[test]
    fn sliding_window_refuses_the_double_burst() {
        let times: Vec<u64> = (0..10)
            .map(|i| 990 + i / 2)
            .chain((0..10).map(|i| 1000 + i))
            .collect();
        let allowed = run(lim(Algorithm::SlidingWindow), &times)
            .iter()
            .filter(|a| **a)
            .count();
        assert!(
            allowed <= 11,
            "sliding window let {allowed} through in ~20 ms"
        );
        // Once the previous window has slid out, requests pass again.
        let mut c = Counter::default();
        let l = lim(Algorithm::SlidingWindow);
        for t in 0..10 {
            assert!(l.apply(&mut c, 990 + t / 2).allowed);
        }
        assert!(!l.apply(&mut c, 1010).allowed);
        assert!(l.apply(&mut c, 1995).allowed);
    }

    #[test]
    fn token_bucket_bursts_then_refills_at_the_rate() {
        let l = RateLimit {
            limit: 10,
            window_ms: 1000,
            burst: 5,
            algorithm: Algorithm::TokenBucket,
        };
        let mut c = Counter::default();
        for _ in 0..5 {
            assert!(l.apply(&mut c, 0).allowed);
        }
        let d = l.apply(&mut c, 0);
        assert!(!d.allowed);
        assert_eq!(d.retry_after_ms, 100);
        assert!(!l.apply(&mut c, 50).allowed);
        assert!(
            l.apply(&mut c, 100).allowed,
            "one token refilled after 100 ms"
        );
        assert!(!l.apply(&mut c, 101).allowed);
    }

    #[test]
    fn slow_token_bucket_refills_under_a_stream_of_close_requests() {
        // 30 per minute = one token every 2 s; requests every millisecond must still get
        // about one through every 2 s, not none.
        let l = RateLimit {
            limit: 30,
            window_ms: 60_000,
            burst: 1,
            algorithm: Algorithm::TokenBucket,
        };
        let mut c = Counter::default();
        let allowed = (0..10_000u64)
            .filter(|t| l.apply(&mut c, *t).allowed)
            .count();
        assert!((5..=6).contains(&allowed), "{allowed} allowed in 10 s");
    }

    #[test]
    fn clocks_out_of_order_do_not_panic_or_reset() {
        for algorithm in [
            Algorithm::TokenBucket,
            Algorithm::SlidingWindow,
            Algorithm::FixedWindow,
        ] {
            let l = RateLimit {
                limit: 2,
                window_ms: 1000,
                burst: 2,
                algorithm,
            };
            let mut c = Counter::default();
            assert!(l.apply(&mut c, 1500).allowed);
            assert!(l.apply(&mut c, 999).allowed, "{algorithm:?}");
            assert!(
                !l.apply(&mut c, 1400).allowed,
                "{algorithm:?}: the earlier clock must not reset the count"
            );
        }
    }

    #[test]
    fn fixed_window_counts_and_resets() {
        let l = lim(Algorithm::FixedWindow);
        let mut c = Counter::default();
        for i in 0..10 {
            let d = l.apply(&mut c, 100 + i);
            assert!(d.allowed);
            assert_eq!(d.remaining, 9 - i);
        }
        let d = l.apply(&mut c, 500);
        assert!(!d.allowed);
        assert_eq!(d.retry_after_ms, 500);
        assert!(l.apply(&mut c, 1000).allowed);
    }
}
