//! Where the data plane meets the detection engine: per-route policies resolved at load,
//! the engine called on each request, and the security event written for every finding.

use crate::log_sink::LogSink;
use std::fmt::Write;
use std::net::IpAddr;
use std::time::SystemTime;
use waf_config::{ExclusionTarget, RouteWaf, WafConfig, WafMode};
use waf_engine::{
    Category, Engine, Exclusion, Limits, OverflowAction, Policy, RequestParts, Verdict,
};

/// The WAF as it applies to one route.
#[derive(Debug, Clone)]
pub struct RouteWafRuntime {
    pub mode: WafMode,
    pub policy: Policy,
}

/// Resolves the global WAF settings with a route's overrides; `None` when the WAF is off
/// for this route. Errors name the key of an exclusion whose detector is unknown.
pub fn route_policy(
    waf: &WafConfig,
    route: &RouteWaf,
) -> Result<Option<RouteWafRuntime>, waf_config::ConfigError> {
    if !route.enabled.unwrap_or(waf.enabled) || !waf.detection_enabled {
        return Ok(None);
    }
    let mut thresholds = [waf_config::DEFAULT_THRESHOLD; Category::COUNT];
    for (name, value) in waf.thresholds.iter().chain(route.thresholds.iter()) {
        if let Some(c) = Category::from_name(name) {
            thresholds[c.index()] = *value;
        }
    }
    let mut exclusions = Vec::with_capacity(route.exclusions.len());
    for e in &route.exclusions {
        let target = match &e.target {
            ExclusionTarget::Category(name) => waf_engine::ExclusionTarget::Category(
                Category::from_name(name).ok_or_else(|| {
                    waf_config::ConfigError::new(
                        format!("{}.category", e.key),
                        format!("unknown attack class {name:?}"),
                    )
                })?,
            ),
            ExclusionTarget::Detector(d) => {
                let known = waf_engine::detector_names();
                if !known.contains(&d.as_str()) {
                    return Err(waf_config::ConfigError::new(
                        format!("{}.detector", e.key),
                        format!("unknown detector {d:?}; known: {}", known.join(", ")),
                    ));
                }
                waf_engine::ExclusionTarget::Detector(d.clone())
            }
        };
        exclusions.push(Exclusion {
            target,
            location: e.location.clone(),
        });
    }
    let i = &waf.inspection;
    Ok(Some(RouteWafRuntime {
        mode: route.mode.unwrap_or(waf.mode),
        policy: Policy {
            thresholds,
            exclusions,
            limits: Limits {
                max_body_bytes: i.max_body_size,
                max_args: i.max_args,
                max_depth: i.max_depth,
                on_overflow: if i.block_on_limit {
                    OverflowAction::Block
                } else {
                    OverflowAction::InspectPartial
                },
            },
        },
    }))
}

/// Runs the engine over one request.
pub fn inspect(
    engine: &Engine,
    policy: &Policy,
    parts: &http::request::Parts,
    body: &[u8],
    body_truncated: bool,
) -> Verdict {
    let headers: Vec<(&str, &[u8])> = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let request = RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &headers,
        body,
        body_truncated,
    };
    engine.inspect(&request, policy)
}

/// Context of a security event.
pub struct EventContext<'a> {
    pub request_id: &'a str,
    pub client: IpAddr,
    pub method: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub route: &'a str,
    pub mode: WafMode,
    pub blocked: bool,
}

/// Writes one JSON line describing the verdict to the security log.
pub fn record(sink: &LogSink, ctx: &EventContext<'_>, verdict: &Verdict) {
    let findings: Vec<serde_json::Value> = verdict
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "category": f.category.name(),
                "detector": f.detector,
                "confidence": (f64::from(f.confidence) * 100.0).round() / 100.0,
                "location": f.location,
                "fragment": f.fragment,
                "blocking": f.blocking,
            })
        })
        .collect();
    let top = verdict.strongest().or(verdict.findings.first());
    let event = serde_json::json!({
        "time": httpdate::fmt_http_date(SystemTime::now()),
        "event_type": if ctx.blocked { "attack_blocked" } else if verdict.is_blocking() { "attack_detected" } else { "suspicious_request" },
        "request_id": ctx.request_id,
        "client_ip": ctx.client.to_string(),
        "method": ctx.method,
        "host": ctx.host,
        "path": ctx.path,
        "route": ctx.route,
        "mode": ctx.mode.name(),
        "action_taken": if ctx.blocked { "block" } else { "allow" },
        "attack_type": top.map(|f| f.category.name()),
        "confidence": top.map(|f| (f64::from(f.confidence) * 100.0).round() / 100.0),
        "findings": findings,
    });
    let mut line = String::with_capacity(512);
    let _ = write!(line, "{event}");
    line.push('\n');
    sink.write(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_category_has_a_config_threshold_key() {
        let engine: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(engine, waf_config::THRESHOLD_CLASSES.to_vec());
    }
}
