//! Shared runtime state of waf-proxy, behind traits so that one instance can keep it in
//! memory and several instances can share it (a Redis implementation follows the same
//! contract).
//!
//! - [`rate`]: rate-limit counters with an atomic check-and-increment, for the token bucket,
//!   sliding window and fixed window algorithms.
//! - [`memory`]: the bounded, sharded in-memory implementation.
//!
//! Time is passed in by the caller (milliseconds on a monotonic clock), so the algorithms are
//! deterministic under test.

pub mod memory;
pub mod rate;

pub use memory::MemoryRateStore;
pub use rate::{Algorithm, Decision, RateLimit, RateStore};
