//! `waf` section as written.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaf {
    pub enabled: Option<bool>,
    pub mode: Option<String>,
    pub owasp_protection: Option<RawOwasp>,
    /// Addition: bounds on what the engine inspects.
    pub inspection: Option<RawInspection>,
    pub bot_protection: Option<RawBotProtection>,
    pub rate_limiting: Option<RawRateLimiting>,
    pub geo_blocking: Option<RawGeoBlocking>,
    pub custom_rules: Option<Vec<RawCustomRule>>,
    /// Addition: static allow and deny lists of addresses and CIDRs.
    pub ip_lists: Option<RawIpLists>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIpLists {
    pub allow: Option<Vec<String>>,
    pub deny: Option<Vec<String>>,
}

/// One `*_threshold` per attack class the engine has (the seed's four and the rest).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOwasp {
    pub enabled: Option<bool>,
    pub sql_injection_threshold: Option<f64>,
    pub xss_threshold: Option<f64>,
    pub rce_threshold: Option<f64>,
    pub path_traversal_threshold: Option<f64>,
    pub rfi_threshold: Option<f64>,
    pub ssrf_threshold: Option<f64>,
    pub xxe_threshold: Option<f64>,
    pub ssti_threshold: Option<f64>,
    pub java_threshold: Option<f64>,
    pub php_threshold: Option<f64>,
    pub nosql_injection_threshold: Option<f64>,
    pub ldap_injection_threshold: Option<f64>,
    pub crlf_injection_threshold: Option<f64>,
    pub ssi_injection_threshold: Option<f64>,
    pub mail_injection_threshold: Option<f64>,
    pub scanner_threshold: Option<f64>,
    pub protocol_threshold: Option<f64>,
    pub csrf_protection: Option<RawCsrf>,
}

impl RawOwasp {
    /// Every threshold with its class name, in one place so validation and the
    /// engine mapping cannot drift apart.
    pub fn thresholds(&self) -> [(&'static str, Option<f64>); 17] {
        [
            ("sql_injection", self.sql_injection_threshold),
            ("xss", self.xss_threshold),
            ("rce", self.rce_threshold),
            ("path_traversal", self.path_traversal_threshold),
            ("rfi", self.rfi_threshold),
            ("ssrf", self.ssrf_threshold),
            ("xxe", self.xxe_threshold),
            ("ssti", self.ssti_threshold),
            ("java", self.java_threshold),
            ("php", self.php_threshold),
            ("nosql_injection", self.nosql_injection_threshold),
            ("ldap_injection", self.ldap_injection_threshold),
            ("crlf_injection", self.crlf_injection_threshold),
            ("ssi_injection", self.ssi_injection_threshold),
            ("mail_injection", self.mail_injection_threshold),
            ("scanner", self.scanner_threshold),
            ("protocol", self.protocol_threshold),
        ]
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCsrf {
    pub enabled: Option<bool>,
    pub token_validation: Option<bool>,
    pub confidence_threshold: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInspection {
    pub max_body_size: Option<String>,
    pub max_args: Option<u64>,
    pub max_depth: Option<u64>,
    /// `inspect_partial` (default) or `block`.
    pub on_limit: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBotProtection {
    pub enabled: Option<bool>,
    pub detection_threshold: Option<f64>,
    pub challenge_threshold: Option<f64>,
    pub blocked_user_agents: Option<Vec<String>>,
    pub allowed_user_agents: Option<Vec<String>>,
    pub behavioral_analysis: Option<bool>,
    pub javascript_challenge: Option<bool>,
    /// Addition: HMAC key of the challenge cookie (share it between instances); random per
    /// process when absent.
    pub challenge_secret: Option<String>,
    /// Addition: seconds a passed challenge stays valid.
    pub challenge_ttl: Option<u64>,
    /// Addition: proof-of-work difficulty in leading zero bits (8..=24).
    pub challenge_difficulty: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimiting {
    pub enabled: Option<bool>,
    pub global_limit: Option<RawRateLimit>,
    pub per_ip_limit: Option<RawRateLimit>,
    pub per_endpoint_limits: Option<Vec<RawEndpointLimit>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    pub requests_per_second: Option<u64>,
    pub requests_per_minute: Option<u64>,
    pub requests_per_hour: Option<u64>,
    pub burst: Option<u64>,
    pub algorithm: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpointLimit {
    pub path: Option<String>,
    /// Addition: count per client IP instead of for the endpoint as a whole.
    pub per_ip: Option<bool>,
    pub requests_per_second: Option<u64>,
    pub requests_per_minute: Option<u64>,
    pub requests_per_hour: Option<u64>,
    pub burst: Option<u64>,
    pub algorithm: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGeoBlocking {
    pub enabled: Option<bool>,
    pub blocked_countries: Option<Vec<String>>,
    pub allowed_countries: Option<Vec<String>>,
    pub geoip_database: Option<String>,
    pub update_interval: Option<u64>,
    pub whitelist_ips: Option<Vec<String>>,
    /// Addition: what happens to addresses the database does not know: allow (default) or block.
    pub unknown_country: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomRule {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub priority: Option<i64>,
    pub conditions: Option<Vec<RawRuleCondition>>,
    pub action: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleCondition {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub name: Option<String>,
    pub negate: Option<bool>,
}
