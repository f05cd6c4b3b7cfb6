//! `server` and `logging`.

use super::{in_range, one_of, seconds, size, Context, Errors};
use crate::model::*;
use crate::raw::{RawLogging, RawServer};
use std::net::{IpAddr, SocketAddr};

pub(super) fn server(raw: RawServer, errs: &mut Errors) -> ServerConfig {
    let host = raw.host.as_deref().unwrap_or("0.0.0.0");
    let ip: IpAddr = match host {
        "localhost" => IpAddr::from([127, 0, 0, 1]),
        h => h.trim_matches(['[', ']']).parse().unwrap_or_else(|_| {
            errs.push(
                "server.host",
                format!("{h:?} is not an IP address (e.g. 0.0.0.0, 127.0.0.1, ::)"),
            );
            IpAddr::from([0, 0, 0, 0])
        }),
    };
    let port = in_range(errs, "server.port", raw.port.map(u64::from), 1, 65535, 8080) as u16;
    let workers = raw
        .workers
        .map(|w| in_range(errs, "server.workers", Some(w.into()), 1, 1024, 1) as usize);
    let trusted_proxies = raw
        .trusted_proxies
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match parse_net(s) {
            Ok(n) => Some(n),
            Err(e) => {
                errs.push(format!("server.trusted_proxies[{i}]"), e);
                None
            }
        })
        .collect();
    ServerConfig {
        listen: SocketAddr::new(ip, port),
        workers,
        max_connections: in_range(
            errs,
            "server.max_connections",
            raw.max_connections,
            1,
            10_000_000,
            10_000,
        ) as usize,
        keepalive_timeout: seconds(errs, "server.keepalive_timeout", raw.keepalive_timeout, 75),
        request_timeout: seconds(errs, "server.request_timeout", raw.request_timeout, 60),
        max_request_size: {
            let m = size(
                errs,
                "server.max_request_size",
                raw.max_request_size.as_deref(),
                10 << 20,
            );
            if m < 1024 {
                errs.push("server.max_request_size", "must be at least 1KB");
            }
            m
        },
        max_header_size: {
            let s = size(
                errs,
                "server.max_header_size",
                raw.max_header_size.as_deref(),
                16 << 10,
            );
            if !(1024..=1 << 20).contains(&s) {
                errs.push("server.max_header_size", "must be between 1KB and 1MB");
            }
            s as usize
        },
        max_uri_length: in_range(
            errs,
            "server.max_uri_length",
            raw.max_uri_length,
            64,
            1 << 20,
            8192,
        ) as usize,
        trusted_proxies,
        shutdown_grace: seconds(
            errs,
            "server.shutdown_grace_period",
            raw.shutdown_grace_period,
            30,
        ),
        security_headers: security_headers(raw.security_headers.unwrap_or_default(), errs),
    }
}

/// An address or CIDR; a bare address is a /32 or /128.
pub(super) fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    if let Ok(n) = s.parse::<ipnet::IpNet>() {
        return Ok(n.trunc());
    }
    s.parse::<IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("{s:?} is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1)"))
}

fn security_headers(
    raw: crate::raw::RawSecurityHeaders,
    errs: &mut Errors,
) -> Vec<(String, String)> {
    if raw.enabled == Some(false) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut add = |name: &str, value: Option<String>, default: Option<&str>| match value
        .as_deref()
        .or(default)
    {
        Some("") | None => {}
        Some(v) => out.push((name.to_string(), v.to_string())),
    };
    add(
        "x-content-type-options",
        raw.x_content_type_options,
        Some("nosniff"),
    );
    add("x-frame-options", raw.x_frame_options, Some("SAMEORIGIN"));
    add(
        "referrer-policy",
        raw.referrer_policy,
        Some("strict-origin-when-cross-origin"),
    );
    add("content-security-policy", raw.content_security_policy, None);
    add(
        "strict-transport-security",
        raw.strict_transport_security,
        None,
    );
    for (k, v) in raw.custom.unwrap_or_default() {
        if !valid_header_name(&k) {
            errs.push(
                format!("server.security_headers.custom.{k}"),
                "invalid header name",
            );
        }
        out.push((k.to_ascii_lowercase(), v));
    }
    for (k, v) in &out {
        if v.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
            errs.push(
                format!("server.security_headers.{k}"),
                "header value contains control characters",
            );
        }
    }
    out
}

/// RFC 9110 token.
pub(super) fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

pub(super) fn logging(
    raw: RawLogging,
    root_level: Option<&str>,
    ctx: &Context,
    errs: &mut Errors,
) -> LoggingConfig {
    let level = raw
        .level
        .as_deref()
        .or(root_level)
        .unwrap_or("info")
        .to_ascii_lowercase();
    let level = match level.as_str() {
        "debug" | "info" | "warn" | "error" | "trace" => level,
        "warning" => "warn".into(),
        other => {
            errs.push(
                "logging.level",
                format!("unknown level {other:?}; expected one of: debug, info, warn, error"),
            );
            "info".into()
        }
    };
    let format = one_of(
        errs,
        "logging.format",
        raw.format.as_deref(),
        &[
            ("text", LogFormat::Text),
            ("structured", LogFormat::Text),
            ("json", LogFormat::Json),
        ],
        LogFormat::Text,
    );
    if let Some(outputs) = &raw.outputs {
        if outputs.iter().any(|o| o != "stdout" && o != "stderr") {
            errs.push("logging.outputs", "only \"stdout\" and \"stderr\" are supported for the process log; use access_log.file / security_log.file for files");
        }
    }
    let access_log = raw.access_log.and_then(|a| {
        if a.enabled == Some(false) {
            return None;
        }
        if a.custom_format.is_some() {
            errs.push(
                "logging.access_log.custom_format",
                "custom formats are not supported; use combined, common or json",
            );
        }
        let format = one_of(
            errs,
            "logging.access_log.format",
            a.format.as_deref(),
            &[
                ("combined", AccessLogFormat::Combined),
                ("common", AccessLogFormat::Common),
                ("json", AccessLogFormat::Json),
            ],
            AccessLogFormat::Combined,
        );
        Some(AccessLog {
            target: target(a.file.as_deref(), ctx),
            format,
        })
    });
    let security_log = raw.security_log.and_then(|s| {
        if s.enabled == Some(false) {
            return None;
        }
        if s.rotation.is_some() || s.max_size.is_some() || s.retention_days.is_some() {
            errs.push("logging.security_log", "rotation, max_size and retention_days are not supported yet; rotate with logrotate (copytruncate)");
        }
        Some(target(s.file.as_deref(), ctx))
    });
    LoggingConfig {
        level,
        format,
        access_log,
        security_log,
    }
}

fn target(file: Option<&str>, ctx: &Context) -> LogTarget {
    match file {
        None | Some("stdout") | Some("-") => LogTarget::Stdout,
        Some("stderr") => LogTarget::Stderr,
        Some(path) => LogTarget::File(ctx.path(path)),
    }
}
