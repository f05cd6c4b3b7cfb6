//! Sections parsed so the whole seed schema is accepted, for features that live in
//! later parts of the product: `ssl`, `admin`, `metrics`, `database`, `integrations`.
//! Validation refuses any of them that is enabled before it is built.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSsl {
    pub enabled: Option<bool>,
    pub auto_provision: Option<bool>,
    pub certificates: Option<Vec<RawCertificate>>,
    pub acme: Option<RawAcme>,
    pub protocols: Option<Vec<String>>,
    pub ciphers: Option<Vec<String>>,
    pub session_cache: Option<RawSessionCache>,
    pub ocsp_stapling: Option<RawOcsp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertificate {
    pub domains: Option<Vec<String>>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub chain_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAcme {
    pub directory_url: Option<String>,
    pub email: Option<String>,
    pub domains: Option<Vec<String>>,
    pub challenge_type: Option<String>,
    pub key_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSessionCache {
    pub enabled: Option<bool>,
    pub size: Option<String>,
    pub timeout: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOcsp {
    pub enabled: Option<bool>,
    pub cache_size: Option<String>,
    pub timeout: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdmin {
    pub enabled: Option<bool>,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub auth: Option<RawAdminAuth>,
    pub cors: Option<RawCors>,
    pub rate_limiting: Option<RawAdminRateLimit>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdminAuth {
    pub enabled: Option<bool>,
    pub jwt_secret: Option<String>,
    pub jwt_algorithm: Option<String>,
    pub token_expiry: Option<u64>,
    pub refresh_token_expiry: Option<u64>,
    pub max_login_attempts: Option<u32>,
    pub lockout_duration: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCors {
    pub enabled: Option<bool>,
    pub allow_origins: Option<Vec<String>>,
    pub allow_methods: Option<Vec<String>>,
    pub allow_headers: Option<Vec<String>>,
    pub expose_headers: Option<Vec<String>>,
    pub allow_credentials: Option<bool>,
    pub max_age: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdminRateLimit {
    pub enabled: Option<bool>,
    pub requests_per_minute: Option<u64>,
    pub per_ip: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    pub enabled: Option<bool>,
    pub prometheus: Option<RawPrometheus>,
    pub custom_metrics: Option<RawCustomMetrics>,
    pub health_checks: Option<RawHealthEndpoint>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrometheus {
    pub enabled: Option<bool>,
    pub port: Option<u32>,
    pub path: Option<String>,
    pub registry: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomMetrics {
    pub enabled: Option<bool>,
    pub endpoint: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthEndpoint {
    pub enabled: Option<bool>,
    pub endpoint: Option<String>,
    pub detailed: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDatabase {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub host: Option<String>,
    pub port: Option<u32>,
    pub database: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub pool_size: Option<u32>,
    pub max_connections: Option<u32>,
    pub connection_timeout: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntegrations {
    pub threat_intelligence: Option<RawThreatIntel>,
    pub siem: Option<RawSiem>,
    pub notifications: Option<RawNotifications>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreatIntel {
    pub enabled: Option<bool>,
    pub providers: Option<Vec<RawThreatProvider>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreatProvider {
    pub name: Option<String>,
    pub url: Option<String>,
    pub api_key: Option<String>,
    pub update_interval: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSiem {
    pub enabled: Option<bool>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub endpoint: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotifications {
    pub email: Option<RawEmail>,
    pub slack: Option<RawSlack>,
    pub webhook: Option<RawWebhook>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmail {
    pub enabled: Option<bool>,
    pub smtp_server: Option<String>,
    pub smtp_port: Option<u32>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
    pub to: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlack {
    pub enabled: Option<bool>,
    pub webhook_url: Option<String>,
    pub channel: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    pub enabled: Option<bool>,
    pub url: Option<String>,
    pub secret: Option<String>,
    pub events: Option<Vec<String>>,
}
