//! The configuration file exactly as written: serde types mirroring the seed schema
//! (`SEED-SPEC.md`, "Complete Configuration Reference") plus the additions of DESIGN §4.
//!
//! Every struct denies unknown fields so a misspelled key is an error, and every field is
//! optional here: defaults and cross-checks belong to [`crate::validate`], which turns these
//! types into [`crate::Config`]. Nothing past validation reads these types.

mod features;
mod proxy;
mod server;
mod waf;

pub use features::*;
pub use proxy::*;
pub use server::*;
pub use waf::*;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub environment: Option<String>,
    pub debug: Option<bool>,
    pub log_level: Option<String>,
    pub server: Option<RawServer>,
    pub ssl: Option<RawSsl>,
    pub waf: Option<RawWaf>,
    pub proxy: Option<RawProxy>,
    pub admin: Option<RawAdmin>,
    pub metrics: Option<RawMetrics>,
    pub logging: Option<RawLogging>,
    pub database: Option<RawDatabase>,
    pub integrations: Option<RawIntegrations>,
}
