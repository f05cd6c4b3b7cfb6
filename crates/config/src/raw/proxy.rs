//! `proxy` section as written.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProxy {
    pub upstreams: Option<Vec<RawUpstream>>,
    pub routes: Option<Vec<RawRoute>>,
    pub caching: Option<RawCaching>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUpstream {
    pub name: Option<String>,
    pub algorithm: Option<String>,
    pub servers: Option<Vec<RawServerEntry>>,
    pub health_check: Option<RawHealthCheck>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServerEntry {
    pub host: Option<String>,
    pub port: Option<u32>,
    /// Addition: serve files from this directory instead of proxying.
    #[serde(rename = "static")]
    pub static_dir: Option<String>,
    pub weight: Option<u32>,
    pub max_connections: Option<u32>,
    pub max_fails: Option<u32>,
    pub fail_timeout: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    pub enabled: Option<bool>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub path: Option<String>,
    pub method: Option<String>,
    pub interval: Option<u64>,
    pub timeout: Option<u64>,
    pub healthy_threshold: Option<u32>,
    pub unhealthy_threshold: Option<u32>,
    pub expected_status: Option<Vec<u16>>,
    pub expected_body: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Addition: a name for logs and `check` output.
    pub name: Option<String>,
    pub hosts: Option<Vec<String>>,
    pub pattern: Option<String>,
    pub upstream: Option<String>,
    pub timeout: Option<u64>,
    pub retry_attempts: Option<u32>,
    pub cache_ttl: Option<u64>,
    pub headers: Option<RawHeaderEdits>,
    pub conditions: Option<Vec<RawRouteCondition>>,
    /// Addition: per-route WAF overrides.
    pub waf: Option<RawRouteWaf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeaderEdits {
    pub add: Option<BTreeMap<String, String>>,
    pub set: Option<BTreeMap<String, String>>,
    pub remove: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouteCondition {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub required: Option<bool>,
    pub negate: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouteWaf {
    pub enabled: Option<bool>,
    pub mode: Option<String>,
    /// Class name (as in `owasp_protection.<name>_threshold`) → threshold.
    pub thresholds: Option<BTreeMap<String, f64>>,
    pub exclusions: Option<Vec<RawExclusion>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusion {
    pub category: Option<String>,
    pub detector: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCaching {
    pub enabled: Option<bool>,
    pub memory_cache: Option<RawMemoryCache>,
    pub redis_cache: Option<RawRedisCache>,
    pub cache_rules: Option<Vec<RawCacheRule>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMemoryCache {
    pub enabled: Option<bool>,
    pub max_size: Option<String>,
    pub max_entries: Option<u64>,
    pub eviction_policy: Option<String>,
    pub compression: Option<bool>,
    pub compression_threshold: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedisCache {
    pub enabled: Option<bool>,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub db: Option<u32>,
    pub password: Option<String>,
    pub pool_size: Option<u32>,
    pub timeout: Option<u64>,
    pub cluster_mode: Option<bool>,
    pub cluster_nodes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCacheRule {
    pub path: Option<String>,
    pub ttl: Option<u64>,
    pub vary_headers: Option<Vec<String>>,
    pub cache_key_include: Option<Vec<String>>,
    pub conditions: Option<Vec<RawCacheCondition>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCacheCondition {
    pub header: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
}
