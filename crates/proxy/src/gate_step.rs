//! The gates as one step of the request path: answers the challenge script, runs the
//! gates, writes their security events, and turns their decision into a response (403,
//! the challenge page, or 429 with rate-limit fields). In `monitor` mode only rate limits
//! are enforced; everything else is recorded.

use crate::body::{empty, full, ProxyBody};
use crate::gates::challenge::{safe_return, VERIFY_PATH};
use crate::gates::{GateAction, GateFinding, GateInput, Gates};
use crate::responses::error;
use crate::runtime::Runtime;
use http::{header, HeaderValue, Response, StatusCode};
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use waf_config::WafMode;

/// What the request path does next.
pub enum Step {
    Continue { skip_waf: bool },
    Respond(Response<ProxyBody>),
}

/// Milliseconds on a monotonic clock (process-wide origin).
pub fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `path` is the normalised path ([`crate::path_norm`]).
#[allow(clippy::too_many_arguments)]
pub fn run(
    rt: &Runtime,
    gates: &Gates,
    parts: &http::request::Parts,
    path: &str,
    client: IpAddr,
    request_id: &str,
    host: &str,
    accept_html: bool,
) -> Step {
    let (now_ms, now_s) = (now_ms(), now_s());
    let ua = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(ch) = &gates.challenge {
        if parts.uri.path() == VERIFY_PATH {
            let q = parts.uri.query().unwrap_or("");
            let arg = |name: &str| crate::query::first(q, name);
            let (n, c, r) = (
                arg("n").unwrap_or_default(),
                arg("c").unwrap_or_default(),
                arg("r").unwrap_or_else(|| "/".into()),
            );
            return Step::Respond(match ch.solve(&n, &c, client, ua, now_s) {
                Some(cookie) => {
                    let mut resp = Response::new(empty());
                    *resp.status_mut() = StatusCode::SEE_OTHER;
                    let h = resp.headers_mut();
                    h.insert(
                        header::LOCATION,
                        HeaderValue::from_str(safe_return(&r))
                            .unwrap_or(HeaderValue::from_static("/")),
                    );
                    if let Ok(v) = HeaderValue::from_str(&ch.set_cookie(&cookie)) {
                        h.insert(header::SET_COOKIE, v);
                    }
                    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    resp
                }
                None => error(
                    StatusCode::FORBIDDEN,
                    "challenge_failed",
                    "The browser check did not pass.",
                    request_id,
                    accept_html,
                ),
            });
        }
    }
    let input = GateInput {
        client,
        method: &parts.method,
        path,
        query: parts.uri.query(),
        headers: &parts.headers,
        now_ms,
        now_s,
    };
    let outcome = gates.check(&input);
    let monitor = rt.config.waf.mode == WafMode::Monitor;
    let enforced = match &outcome.action {
        None => false,
        Some(GateAction::RateLimited(_)) => true,
        Some(_) => !monitor,
    };
    if !outcome.findings.is_empty() {
        if let Some(sink) = &rt.security_log {
            record(
                sink,
                rt,
                parts,
                client,
                request_id,
                host,
                &outcome.findings,
                outcome.action.as_ref(),
                enforced,
            );
        }
    }
    let Some(action) = outcome.action.filter(|_| enforced) else {
        return Step::Continue {
            skip_waf: outcome.skip_waf,
        };
    };
    Step::Respond(match action {
        GateAction::Block => error(
            StatusCode::FORBIDDEN,
            "blocked",
            "This request was blocked by the web application firewall.",
            request_id,
            accept_html,
        ),
        GateAction::RateLimited(limited) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests; retry later.",
                request_id,
                accept_html,
            );
            for (name, value) in limited.headers() {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    r.headers_mut().insert(name, v);
                }
            }
            r
        }
        GateAction::Challenge => {
            let target = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let page = gates
                .challenge
                .as_ref()
                .map(|c| c.page(client, now_s, target))
                .unwrap_or_default();
            let mut r = Response::new(full(page));
            *r.status_mut() = StatusCode::FORBIDDEN;
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert("x-waf-challenge", HeaderValue::from_static("js"));
            r
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn record(
    sink: &crate::log_sink::LogSink,
    rt: &Runtime,
    parts: &http::request::Parts,
    client: IpAddr,
    request_id: &str,
    host: &str,
    findings: &[GateFinding],
    action: Option<&GateAction>,
    enforced: bool,
) {
    let action_taken = match (action, enforced) {
        (Some(GateAction::Block), true) => "block",
        (Some(GateAction::Challenge), true) => "challenge",
        (Some(GateAction::RateLimited(_)), _) => "rate_limit",
        _ => "allow",
    };
    let top = &findings[0];
    let event = serde_json::json!({
        "time": httpdate::fmt_http_date(SystemTime::now()),
        "event_type": match top.category { "rate_limit" => "rate_limited", "bot" => "bot_detected", "custom_rule" => "custom_rule", "geo" => "geo_blocked", _ => "ip_blocked" },
        "request_id": request_id,
        "client_ip": client.to_string(),
        "method": parts.method.as_str(),
        "host": host,
        "path": parts.uri.path(),
        "mode": rt.config.waf.mode.name(),
        "action_taken": action_taken,
        "attack_type": top.category,
        "confidence": (f64::from(top.confidence) * 100.0).round() / 100.0,
        "rule_name": top.detector,
        "findings": findings.iter().map(|f| serde_json::json!({
            "category": f.category,
            "detector": f.detector,
            "confidence": (f64::from(f.confidence) * 100.0).round() / 100.0,
            "location": "client",
            "fragment": f.reason,
            "blocking": enforced && std::ptr::eq(f, top),
        })).collect::<Vec<_>>(),
    });
    sink.write(format!("{event}\n"));
}
