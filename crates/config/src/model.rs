//! The checked configuration: every default applied, every value in range, every name
//! resolved, every pattern compiled. This is the only configuration type the product uses.

use ipnet::IpNet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub waf: WafConfig,
    pub proxy: ProxyConfig,
    pub logging: LoggingConfig,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Runtime worker threads; `None` = one per core.
    pub workers: Option<usize>,
    pub max_connections: usize,
    pub keepalive_timeout: Duration,
    pub request_timeout: Duration,
    pub max_request_size: u64,
    pub max_header_size: usize,
    pub max_uri_length: usize,
    pub trusted_proxies: Vec<IpNet>,
    pub shutdown_grace: Duration,
    /// Response headers set on every response (name lowercase, value).
    pub security_headers: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WafMode {
    Monitor,
    Block,
}

impl WafMode {
    pub fn name(self) -> &'static str {
        match self {
            WafMode::Monitor => "monitor",
            WafMode::Block => "block",
        }
    }
}

#[derive(Debug, Clone)]
pub struct WafConfig {
    pub enabled: bool,
    pub mode: WafMode,
    /// False when `owasp_protection.enabled: false`: no attack detection runs.
    pub detection_enabled: bool,
    /// Class name → blocking threshold, one entry per class of [`THRESHOLD_CLASSES`].
    pub thresholds: Vec<(&'static str, f32)>,
    pub inspection: Inspection,
    pub gates: GatesConfig,
}

/// Attack classes that have a `waf.owasp_protection.<name>_threshold` key.
pub const THRESHOLD_CLASSES: [&str; 17] = [
    "sql_injection",
    "xss",
    "rce",
    "path_traversal",
    "rfi",
    "ssrf",
    "xxe",
    "ssti",
    "java",
    "php",
    "nosql_injection",
    "ldap_injection",
    "crlf_injection",
    "ssi_injection",
    "mail_injection",
    "scanner",
    "protocol",
];

/// Default blocking threshold of every class.
pub const DEFAULT_THRESHOLD: f32 = 0.7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspection {
    pub max_body_size: usize,
    pub max_args: usize,
    pub max_depth: usize,
    pub block_on_limit: bool,
}

#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub upstreams: Vec<Upstream>,
    /// In match order: the first route that matches wins.
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    RoundRobin,
    LeastConnections,
    IpHash,
    WeightedRandom,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::LeastConnections => "least_connections",
            Algorithm::IpHash => "ip_hash",
            Algorithm::WeightedRandom => "weighted_random",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Upstream {
    pub name: String,
    pub algorithm: Algorithm,
    pub backend: Backend,
}

#[derive(Debug, Clone)]
pub enum Backend {
    Servers(Vec<UpstreamServer>),
    /// Serve files from this directory (absolute).
    Static(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamServer {
    pub host: String,
    pub port: u16,
    pub weight: u32,
    /// Concurrent requests this server may have; `None` = unlimited.
    pub max_connections: Option<u32>,
    /// Failures within `fail_timeout` that eject the server; 0 = never eject.
    pub max_fails: u32,
    pub fail_timeout: Duration,
}

impl UpstreamServer {
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Route {
    /// `name` from the file, else `routes[i]`.
    pub name: String,
    /// Empty = any host.
    pub hosts: Vec<HostPattern>,
    pub path: PathPattern,
    /// Index into [`ProxyConfig::upstreams`].
    pub upstream: usize,
    pub timeout: Duration,
    pub retry_attempts: u32,
    pub headers: HeaderEdits,
    pub conditions: Vec<RouteCondition>,
    pub waf: RouteWaf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// Lowercase host, no port.
    Exact(String),
    /// `*.example.com` stored as `.example.com`: matches any subdomain, not the apex.
    Suffix(String),
}

#[derive(Debug, Clone)]
pub enum PathPattern {
    /// Matches paths starting with this.
    Prefix(String),
    /// Matches this path only.
    Exact(String),
    Regex(regex::Regex),
}

#[derive(Debug, Clone, Default)]
pub struct HeaderEdits {
    pub add: Vec<(String, String)>,
    pub set: Vec<(String, String)>,
    pub remove: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RouteCondition {
    pub source: ConditionSource,
    pub operator: Operator,
    pub negate: bool,
    /// When false, the condition holds if the header/argument is absent.
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionSource {
    /// Header name, lowercase.
    Header(String),
    /// Query argument name.
    Query(String),
    Method,
}

#[derive(Debug, Clone)]
pub enum Operator {
    Equals(String),
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    Regex(regex::Regex),
    Exists,
}

impl Operator {
    /// Whether `value` satisfies the operator.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Operator::Equals(v) => value == v,
            Operator::Contains(v) => value.contains(v.as_str()),
            Operator::StartsWith(v) => value.starts_with(v.as_str()),
            Operator::EndsWith(v) => value.ends_with(v.as_str()),
            Operator::Regex(r) => r.is_match(value),
            Operator::Exists => true,
        }
    }
}

/// Per-route WAF overrides; `None` means "as in `waf`".
#[derive(Debug, Clone, Default)]
pub struct RouteWaf {
    pub enabled: Option<bool>,
    pub mode: Option<WafMode>,
    pub thresholds: Vec<(&'static str, f32)>,
    pub exclusions: Vec<Exclusion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    /// Key path of this exclusion, for errors found later (unknown detector).
    pub key: String,
    pub target: ExclusionTarget,
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExclusionTarget {
    Category(&'static str),
    Detector(String),
}

#[derive(Debug, Clone)]
pub struct LoggingConfig {
    /// A tracing filter directive (`info`, `warn,waf_dataplane=debug`).
    pub level: String,
    pub format: LogFormat,
    pub access_log: Option<AccessLog>,
    pub security_log: Option<LogTarget>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct AccessLog {
    pub target: LogTarget,
    pub format: AccessLogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessLogFormat {
    Combined,
    Common,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    Stdout,
    Stderr,
    File(PathBuf),
}

/// The cheap gates that run before detection: IP lists, threat feeds, geo, rate limits,
/// bots, custom rules.
#[derive(Debug, Clone, Default)]
pub struct GatesConfig {
    pub ip_allow: Vec<IpNet>,
    pub ip_deny: Vec<IpNet>,
    pub threat_feeds: Vec<ThreatFeed>,
    pub geo: Option<GeoConfig>,
    pub rate_limits: Option<RateLimitsConfig>,
    pub bot: Option<BotConfig>,
    /// In evaluation order (priority ascending, then as written).
    pub custom_rules: Vec<CustomRule>,
}

#[derive(Debug, Clone)]
pub struct ThreatFeed {
    pub name: String,
    pub source: FeedSource,
    pub api_key: Option<Secret>,
    pub refresh: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSource {
    File(PathBuf),
    /// `http://host:port/path` (https arrives with TLS).
    Http(String),
}

#[derive(Debug, Clone)]
pub struct GeoConfig {
    pub database: PathBuf,
    /// Uppercase ISO codes.
    pub blocked: Vec<String>,
    /// Non-empty: only these countries are allowed.
    pub allowed: Vec<String>,
    pub whitelist: Vec<IpNet>,
    pub refresh: Duration,
    pub block_unknown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateAlgorithm {
    TokenBucket,
    SlidingWindow,
    FixedWindow,
}

/// `limit` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSpec {
    pub limit: u64,
    pub window: Duration,
    pub burst: u64,
    pub algorithm: RateAlgorithm,
}

#[derive(Debug, Clone, Default)]
pub struct RateLimitsConfig {
    pub global: Vec<RateSpec>,
    pub per_ip: Vec<RateSpec>,
    pub endpoints: Vec<EndpointLimit>,
}

#[derive(Debug, Clone)]
pub struct EndpointLimit {
    pub name: String,
    pub path: PathPattern,
    pub per_ip: bool,
    pub limits: Vec<RateSpec>,
}

#[derive(Debug, Clone)]
pub struct BotConfig {
    pub detection_threshold: f32,
    pub challenge_threshold: f32,
    pub blocked_user_agents: Vec<UserAgentPattern>,
    pub allowed_user_agents: Vec<UserAgentPattern>,
    pub behavioral_analysis: bool,
    pub javascript_challenge: bool,
    pub challenge_secret: Option<Secret>,
    pub challenge_ttl: Duration,
    pub challenge_difficulty: u32,
}

/// A user-agent pattern: a case-insensitive substring, or a regex when written `/.../`.
#[derive(Debug, Clone)]
pub enum UserAgentPattern {
    Substring(String),
    Regex(regex::Regex),
}

impl UserAgentPattern {
    pub fn matches(&self, ua_lowercase: &str, ua: &str) -> bool {
        match self {
            UserAgentPattern::Substring(s) => ua_lowercase.contains(s.as_str()),
            UserAgentPattern::Regex(r) => r.is_match(ua),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CustomRule {
    pub name: String,
    pub priority: i64,
    pub conditions: Vec<RuleCondition>,
    pub action: RuleAction,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct RuleCondition {
    pub field: RuleField,
    pub operator: RuleOperator,
    pub negate: bool,
}

#[derive(Debug, Clone)]
pub enum RuleField {
    Path,
    /// Header name, lowercase.
    Header(String),
    /// A query argument by name, or the whole raw query when `None`.
    Query(Option<String>),
    Method,
    Ip,
    Country,
    UserAgent,
    /// True when the client exceeded this rate (counted per client IP and rule).
    RateLimit(RateSpec),
}

#[derive(Debug, Clone)]
pub enum RuleOperator {
    Match(Operator),
    InSubnet(Vec<IpNet>),
    /// For `rate_limit` conditions.
    Exceeded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    Allow,
    Block,
    Challenge,
    Log,
}

impl RuleAction {
    pub fn name(self) -> &'static str {
        match self {
            RuleAction::Allow => "allow",
            RuleAction::Block => "block",
            RuleAction::Challenge => "challenge",
            RuleAction::Log => "log",
        }
    }
}

/// A secret from the configuration: usable, never printed (`Debug` shows `"***"`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}
