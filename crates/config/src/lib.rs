//! Configuration of waf-proxy: one YAML file, read in three steps.
//!
//! 1. [`env`]: `${VAR}` / `${VAR:-default}` substitution on the text, so secrets stay out of
//!    the file.
//! 2. [`raw`]: serde types mirroring the seed schema, every field optional, unknown keys refused.
//! 3. [`validate`]: defaults applied, values range-checked, names cross-referenced, patterns
//!    compiled, into the checked types of [`model`]. Every error names its key path
//!    (`proxy.routes[2].upstream: unknown upstream "api-v2"; known: api, static`) and all errors
//!    are reported at once.
//!
//! Nothing outside this crate sees the raw types.

pub mod env;
pub mod error;
pub mod model;
pub mod raw;
pub mod size;
pub mod validate;
pub mod yaml_path;

pub use error::{ConfigError, ConfigErrors};
pub use model::*;

use std::path::Path;

/// Reads, substitutes, parses and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors::one(ConfigError::new(
            "",
            format!("cannot read config file {}: {e}", path.display()),
        ))
    })?;
    // Relative paths in the file resolve against the file's folder, shown absolute in errors.
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    let base = std::path::absolute(&base).unwrap_or(base);
    parse(&text, &base)
}

/// Parses configuration text; relative paths in it resolve against `base_dir`.
pub fn parse(text: &str, base_dir: &Path) -> Result<Config, ConfigErrors> {
    let text = env::substitute(text, |name| std::env::var(name).ok())?;
    let raw: raw::RawConfig = parse_yaml(&text)?;
    validate::validate(raw, base_dir)
}

/// Largest configuration accepted, in bytes of YAML scalars.
const MAX_SCALAR_BYTES: usize = 16 * 1024 * 1024;

fn parse_yaml(text: &str) -> Result<raw::RawConfig, ConfigErrors> {
    if text.trim().is_empty() {
        return Ok(raw::RawConfig::default());
    }
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_total_scalar_bytes: MAX_SCALAR_BYTES,
        },
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let message = e.to_string();
        // "error: line N column M: what…" — name the key written on that line.
        let line = message
            .split("line ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse::<usize>().ok());
        let path = line
            .and_then(|l| yaml_path::key_path_at(text, l))
            .unwrap_or_default();
        let first = message
            .lines()
            .next()
            .unwrap_or("")
            .trim_start_matches("error: ")
            .to_string();
        ConfigErrors::one(ConfigError::new(path, first))
    })
}

#[cfg(test)]
mod tests;
