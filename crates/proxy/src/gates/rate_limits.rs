//! `waf.rate_limiting`: the global limit, the per-client-IP limit and per-endpoint limits,
//! each one or more windows (second, minute, hour), checked against the state store. Over a
//! limit the client gets 429 with `Retry-After` and the IETF draft's `RateLimit-Policy` /
//! `RateLimit` fields naming the policy that refused it.

use std::net::IpAddr;
use std::sync::Arc;
use waf_config::{PathPattern, RateAlgorithm, RateLimitsConfig, RateSpec};
use waf_state::{Algorithm, Decision, MemoryRateStore, RateLimit};

pub fn to_limit(s: &RateSpec) -> RateLimit {
    RateLimit {
        limit: s.limit,
        window_ms: s.window.as_millis() as u64,
        burst: s.burst,
        algorithm: match s.algorithm {
            RateAlgorithm::TokenBucket => Algorithm::TokenBucket,
            RateAlgorithm::SlidingWindow => Algorithm::SlidingWindow,
            RateAlgorithm::FixedWindow => Algorithm::FixedWindow,
        },
    }
}

/// The key a client is counted under: its IPv4 address, or its IPv6 /64 (one subscriber
/// usually holds a whole /64 and could otherwise rotate through its addresses).
pub fn client_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

pub struct RateLimiter {
    store: Arc<MemoryRateStore>,
    global: Vec<RateLimit>,
    per_ip: Vec<RateLimit>,
    endpoints: Vec<(String, PathPattern, bool, Vec<RateLimit>)>,
}

/// A refusal: which policy, its limit, and the store's decision.
#[derive(Debug, Clone)]
pub struct Limited {
    pub policy: String,
    pub limit: RateLimit,
    pub decision: Decision,
}

impl Limited {
    /// Response fields for a 429.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        let retry = self.decision.retry_after_ms.div_ceil(1000).max(1);
        [
            ("retry-after", retry.to_string()),
            (
                "ratelimit-policy",
                format!(
                    "\"{}\";q={};w={}",
                    self.policy,
                    self.limit.limit,
                    self.limit.window_ms / 1000
                ),
            ),
            (
                "ratelimit",
                format!(
                    "\"{}\";r={};t={}",
                    self.policy, self.decision.remaining, retry
                ),
            ),
        ]
    }
}

impl RateLimiter {
    pub fn new(config: &RateLimitsConfig, store: Arc<MemoryRateStore>) -> RateLimiter {
        RateLimiter {
            store,
            global: config.global.iter().map(to_limit).collect(),
            per_ip: config.per_ip.iter().map(to_limit).collect(),
            endpoints: config
                .endpoints
                .iter()
                .map(|e| {
                    (
                        e.name.clone(),
                        e.path.clone(),
                        e.per_ip,
                        e.limits.iter().map(to_limit).collect(),
                    )
                })
                .collect(),
        }
    }

    /// Counts the request against every applicable limit; the first refusal wins.
    pub fn check(&self, client: IpAddr, path: &str, now_ms: u64) -> Result<(), Limited> {
        let ip = client_key(client);
        let apply = |policy: &str, key: &str, limits: &[RateLimit]| -> Result<(), Limited> {
            for l in limits {
                let d = self.store.apply(key, l, now_ms);
                if !d.allowed {
                    return Err(Limited {
                        policy: policy.to_string(),
                        limit: *l,
                        decision: d,
                    });
                }
            }
            Ok(())
        };
        apply("global", "g", &self.global)?;
        apply("per_ip", &format!("ip:{ip}"), &self.per_ip)?;
        for (name, pattern, per_ip, limits) in &self.endpoints {
            let matches = match pattern {
                PathPattern::Prefix(p) => path.starts_with(p.as_str()),
                PathPattern::Exact(p) => path == p,
                PathPattern::Regex(r) => r.is_match(path),
            };
            if matches {
                let key = if *per_ip {
                    format!("ep:{name}:{ip}")
                } else {
                    format!("ep:{name}")
                };
                apply(name, &key, limits)?;
            }
        }
        Ok(())
    }

    /// Counts one request for a custom rule's `rate_limit` condition; true when exceeded.
    pub fn exceeded(&self, key: &str, spec: &RateSpec, now_ms: u64) -> bool {
        !self.store.apply(key, &to_limit(spec), now_ms).allowed
    }
}
