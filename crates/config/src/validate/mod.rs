//! Raw → checked. Each section has its own file; all errors are collected, none stops the
//! others from being found. Messages are lowercase, name the key path and say what is allowed.

mod features;
mod gates;
mod proxy;
mod server;
mod waf;

use crate::raw::RawConfig;
use crate::{Config, ConfigError, ConfigErrors};
use std::path::Path;
use std::time::Duration;

/// Validates a parsed file; relative paths resolve against `base_dir`.
pub fn validate(raw: RawConfig, base_dir: &Path) -> Result<Config, ConfigErrors> {
    let mut errs = Errors::default();
    let ctx = Context { base_dir };
    features::refuse_unbuilt(&raw, &mut errs);
    let server = server::server(raw.server.unwrap_or_default(), &mut errs);
    let logging = server::logging(
        raw.logging.unwrap_or_default(),
        raw.log_level.as_deref(),
        &ctx,
        &mut errs,
    );
    let mut raw_waf = raw.waf.unwrap_or_default();
    let gates = gates::gates(&mut raw_waf, raw.integrations.as_ref(), &ctx, &mut errs);
    let mut waf = waf::waf(raw_waf, &mut errs);
    waf.gates = gates;
    let proxy = proxy::proxy(raw.proxy.unwrap_or_default(), &ctx, &mut errs);
    if errs.0.is_empty() {
        Ok(Config {
            server,
            waf,
            proxy,
            logging,
        })
    } else {
        Err(ConfigErrors(errs.0))
    }
}

struct Context<'a> {
    base_dir: &'a Path,
}

impl Context<'_> {
    fn path(&self, p: &str) -> std::path::PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

#[derive(Default)]
struct Errors(Vec<ConfigError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigError::new(path, message));
    }
}

/// `Some(v)` in `lo..=hi`, else the error and `default`.
fn in_range(
    errs: &mut Errors,
    key: &str,
    value: Option<u64>,
    lo: u64,
    hi: u64,
    default: u64,
) -> u64 {
    match value {
        None => default,
        Some(v) if (lo..=hi).contains(&v) => v,
        Some(v) => {
            errs.push(key, format!("{v} is out of range {lo}..={hi}"));
            default
        }
    }
}

fn seconds(errs: &mut Errors, key: &str, value: Option<u64>, default: u64) -> Duration {
    Duration::from_secs(in_range(errs, key, value, 1, 86_400, default))
}

fn fraction(errs: &mut Errors, key: &str, value: Option<f64>, default: f32) -> f32 {
    match value {
        None => default,
        Some(v) if (0.0..=1.0).contains(&v) => v as f32,
        Some(v) => {
            errs.push(key, format!("{v} is out of range 0.0..=1.0"));
            default
        }
    }
}

/// Matches `value` against `allowed` names, reporting the allowed set on mismatch.
fn one_of<T: Copy>(
    errs: &mut Errors,
    key: &str,
    value: Option<&str>,
    allowed: &[(&str, T)],
    default: T,
) -> T {
    let Some(v) = value else { return default };
    match allowed.iter().find(|(n, _)| n.eq_ignore_ascii_case(v)) {
        Some((_, t)) => *t,
        None => {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            errs.push(
                key,
                format!("unknown value {v:?}; expected one of: {}", names.join(", ")),
            );
            default
        }
    }
}

fn size(errs: &mut Errors, key: &str, value: Option<&str>, default: u64) -> u64 {
    match value.map(crate::size::parse_size) {
        None => default,
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            errs.push(key, e);
            default
        }
    }
}
