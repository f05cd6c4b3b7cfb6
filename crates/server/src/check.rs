//! `waf-proxy check`: validate a configuration and say what would run.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use waf_config::{Backend, HostPattern, PathPattern};

pub fn run(path: &Path) -> ExitCode {
    let engine = Arc::new(waf_engine::Engine::new());
    match build_without_side_effects(path, &engine) {
        Ok(rt) => {
            print!("{}", summary(&rt));
            println!("configuration OK: {}", path.display());
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!(
                "configuration {} has {} error(s):",
                path.display(),
                errors.0.len()
            );
            for e in &errors.0 {
                eprintln!("  - {e}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Validates like `run`, but writes nothing: log files are checked (their folder must exist
/// and the file, if present, be writable), not created or opened for appending.
fn build_without_side_effects(
    path: &Path,
    engine: &Arc<waf_engine::Engine>,
) -> Result<waf_dataplane::Runtime, waf_config::ConfigErrors> {
    let mut config = waf_config::load(path)?;
    let mut errors = Vec::new();
    let access = config.logging.access_log.take().map(|a| a.target);
    let security = config.logging.security_log.take();
    for (key, target) in [
        ("logging.access_log.file", access),
        ("logging.security_log.file", security),
    ] {
        let Some(waf_config::LogTarget::File(file)) = target else {
            continue;
        };
        let dir_ok = file
            .parent()
            .is_some_and(|d| d.as_os_str().is_empty() || d.is_dir());
        let file_ok = !file.exists()
            || std::fs::metadata(&file).is_ok_and(|m| m.is_file() && !m.permissions().readonly());
        if !dir_ok {
            errors.push(waf_config::ConfigError::new(
                key,
                format!("folder of {} does not exist", file.display()),
            ));
        } else if !file_ok {
            errors.push(waf_config::ConfigError::new(
                key,
                format!("{} is not a writable file", file.display()),
            ));
        }
    }
    let runtime = waf_dataplane::Runtime::build(
        config,
        Arc::clone(engine),
        &waf_dataplane::gates::SharedState::default(),
        None,
    );
    match runtime {
        Ok(rt) if errors.is_empty() => Ok(rt),
        Ok(_) => Err(waf_config::ConfigErrors(errors)),
        Err(mut e) => {
            e.0.extend(errors);
            Err(e)
        }
    }
}

fn summary(rt: &waf_dataplane::Runtime) -> String {
    let c = &rt.config;
    let mut s = String::new();
    let _ = writeln!(s, "listener: http://{} (HTTP/1.1, h2c)", c.server.listen);
    let waf = if !c.waf.enabled {
        "off".to_string()
    } else if !c.waf.detection_enabled {
        format!("{} (attack detection disabled)", c.waf.mode.name())
    } else {
        c.waf.mode.name().to_string()
    };
    let _ = writeln!(s, "waf: {waf}");
    let g = &c.waf.gates;
    let mut gates = Vec::new();
    if !g.ip_allow.is_empty() || !g.ip_deny.is_empty() {
        gates.push(format!(
            "ip lists (allow {}, deny {})",
            g.ip_allow.len(),
            g.ip_deny.len()
        ));
    }
    if !g.threat_feeds.is_empty() {
        gates.push(format!("{} threat feed(s)", g.threat_feeds.len()));
    }
    if !g.custom_rules.is_empty() {
        gates.push(format!("{} custom rule(s)", g.custom_rules.len()));
    }
    if let Some(geo) = &g.geo {
        gates.push(format!(
            "geo ({}; blocked {:?}, allowed {:?})",
            geo.database.display(),
            geo.blocked,
            geo.allowed
        ));
    }
    if let Some(r) = &g.rate_limits {
        gates.push(format!(
            "rate limits (global {}, per ip {}, endpoints {})",
            r.global.len(),
            r.per_ip.len(),
            r.endpoints.len()
        ));
    }
    if let Some(b) = &g.bot {
        gates.push(format!(
            "bots (challenge at {}, block at {}{})",
            b.challenge_threshold,
            b.detection_threshold,
            if b.javascript_challenge {
                ", JavaScript challenge"
            } else {
                ""
            }
        ));
    }
    if !gates.is_empty() && c.waf.enabled {
        let _ = writeln!(s, "gates: {}", gates.join("; "));
    }
    let _ = writeln!(s, "upstreams:");
    for u in &c.proxy.upstreams {
        match &u.backend {
            Backend::Static(dir) => {
                let _ = writeln!(s, "  {}: static {}", u.name, dir.display());
            }
            Backend::Servers(servers) => {
                let list: Vec<String> = servers
                    .iter()
                    .map(|v| format!("{} (weight {})", v.authority(), v.weight))
                    .collect();
                let _ = writeln!(
                    s,
                    "  {} [{}]: {}",
                    u.name,
                    u.algorithm.name(),
                    list.join(", ")
                );
            }
        }
    }
    let _ = writeln!(s, "routes (first match wins):");
    for (i, r) in c.proxy.routes.iter().enumerate() {
        let hosts: Vec<String> = r
            .hosts
            .iter()
            .map(|h| match h {
                HostPattern::Exact(e) => e.clone(),
                HostPattern::Suffix(x) => format!("*{x}"),
            })
            .collect();
        let path = match &r.path {
            PathPattern::Prefix(p) => format!("{p}*"),
            PathPattern::Exact(p) => format!("= {p}"),
            PathPattern::Regex(re) => format!("~ {}", re.as_str()),
        };
        let waf = match &rt.routes[i].waf {
            None => "waf off".to_string(),
            Some(w) => format!("waf {}", w.mode.name()),
        };
        let _ = writeln!(
            s,
            "  {}. {} host={} path={} conditions={} -> {} ({waf}, timeout {}s, retries {})",
            i + 1,
            r.name,
            if hosts.is_empty() {
                "*".into()
            } else {
                hosts.join(",")
            },
            path,
            r.conditions.len(),
            c.proxy.upstreams[r.upstream].name,
            r.timeout.as_secs(),
            r.retry_attempts
        );
    }
    s
}
