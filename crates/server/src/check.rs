//! `waf-proxy check`: validate a configuration and say what would run.

use std::fmt::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use waf_config::{Backend, HostPattern, PathPattern};

pub fn run(path: &Path) -> ExitCode {
    let engine = Arc::new(waf_engine::Engine::new());
    match crate::load(path, &engine) {
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
