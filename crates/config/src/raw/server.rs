//! `server`, `logging` sections as written.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub host: Option<String>,
    pub port: Option<u32>,
    pub workers: Option<u32>,
    pub max_connections: Option<u64>,
    pub keepalive_timeout: Option<u64>,
    pub request_timeout: Option<u64>,
    pub max_request_size: Option<String>,
    /// Addition: largest request head (request line + headers), e.g. "16KB"; over → 431.
    pub max_header_size: Option<String>,
    /// Addition: longest request target in bytes; over → 414.
    pub max_uri_length: Option<u64>,
    /// Addition: peers allowed to set the client IP via X-Forwarded-For.
    pub trusted_proxies: Option<Vec<String>>,
    /// Addition: seconds in-flight requests get to finish on SIGTERM.
    pub shutdown_grace_period: Option<u64>,
    /// Addition: response security headers.
    pub security_headers: Option<RawSecurityHeaders>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecurityHeaders {
    pub enabled: Option<bool>,
    pub x_content_type_options: Option<String>,
    pub x_frame_options: Option<String>,
    pub referrer_policy: Option<String>,
    pub content_security_policy: Option<String>,
    pub strict_transport_security: Option<String>,
    /// Extra headers set on every response.
    pub custom: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogging {
    pub level: Option<String>,
    pub format: Option<String>,
    pub outputs: Option<Vec<String>>,
    pub security_log: Option<RawSecurityLog>,
    pub access_log: Option<RawAccessLog>,
    pub performance_log: Option<RawPerformanceLog>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecurityLog {
    pub enabled: Option<bool>,
    pub file: Option<String>,
    pub max_size: Option<String>,
    pub rotation: Option<String>,
    pub retention_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccessLog {
    pub enabled: Option<bool>,
    pub file: Option<String>,
    pub format: Option<String>,
    pub custom_format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerformanceLog {
    pub enabled: Option<bool>,
    pub file: Option<String>,
    pub slow_request_threshold: Option<u64>,
}
