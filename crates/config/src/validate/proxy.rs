//! `proxy.upstreams` and `proxy.routes`: names resolved, patterns compiled.

use super::server::valid_header_name;
use super::{fraction, in_range, one_of, Context, Errors};
use crate::model::*;
use crate::raw::{RawProxy, RawRoute, RawUpstream};
use std::time::Duration;

pub(super) fn proxy(raw: RawProxy, ctx: &Context, errs: &mut Errors) -> ProxyConfig {
    let upstreams: Vec<Upstream> = raw
        .upstreams
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, u)| upstream(i, u, ctx, errs))
        .collect();
    for (i, u) in upstreams.iter().enumerate() {
        if upstreams[..i].iter().any(|o| o.name == u.name) {
            errs.push(
                format!("proxy.upstreams[{i}].name"),
                format!("duplicate upstream name {:?}", u.name),
            );
        }
    }
    let raw_routes = raw.routes.unwrap_or_default();
    if raw_routes.is_empty() {
        errs.push(
            "proxy.routes",
            "at least one route is needed (e.g. pattern: \"/\", upstream: NAME)",
        );
    }
    let routes = raw_routes
        .into_iter()
        .enumerate()
        .map(|(i, r)| route(i, r, &upstreams, errs))
        .collect();
    ProxyConfig { upstreams, routes }
}

fn upstream(i: usize, raw: RawUpstream, ctx: &Context, errs: &mut Errors) -> Upstream {
    let key = format!("proxy.upstreams[{i}]");
    let name = raw.name.unwrap_or_else(|| {
        errs.push(format!("{key}.name"), "missing upstream name");
        format!("upstream{i}")
    });
    let algorithm = one_of(
        errs,
        &format!("{key}.algorithm"),
        raw.algorithm.as_deref(),
        &[
            ("round_robin", Algorithm::RoundRobin),
            ("least_connections", Algorithm::LeastConnections),
            ("ip_hash", Algorithm::IpHash),
            ("weighted_random", Algorithm::WeightedRandom),
        ],
        Algorithm::RoundRobin,
    );
    let servers = raw.servers.unwrap_or_default();
    if servers.is_empty() {
        errs.push(
            format!("{key}.servers"),
            "an upstream needs at least one server",
        );
    }
    let statics = servers.iter().filter(|s| s.static_dir.is_some()).count();
    let backend = if statics > 0 {
        if servers.len() > 1 {
            errs.push(
                format!("{key}.servers"),
                "a static server must be the only server of its upstream",
            );
        }
        let s = &servers[0];
        if s.host.is_some() || s.port.is_some() {
            errs.push(
                format!("{key}.servers[0]"),
                "give either static or host/port, not both",
            );
        }
        let dir = ctx.path(s.static_dir.as_deref().unwrap_or("."));
        match dir.canonicalize() {
            Ok(d) if d.is_dir() => Backend::Static(d),
            _ => {
                errs.push(
                    format!("{key}.servers[0].static"),
                    format!("{} is not a readable directory", dir.display()),
                );
                Backend::Static(dir)
            }
        }
    } else {
        Backend::Servers(
            servers
                .into_iter()
                .enumerate()
                .map(|(j, s)| {
                    let sk = format!("{key}.servers[{j}]");
                    let host = s.host.unwrap_or_else(|| {
                        errs.push(format!("{sk}.host"), "missing host");
                        String::new()
                    });
                    let bare = host.trim_matches(['[', ']']);
                    if host.contains(':') && bare.parse::<std::net::Ipv6Addr>().is_err() {
                        errs.push(
                            format!("{sk}.host"),
                            format!("{host:?}: give the port in port, not in host"),
                        );
                    }
                    if host.is_empty() || host.contains(['/', ' ', '@']) {
                        errs.push(
                            format!("{sk}.host"),
                            format!("{host:?} is not a host name or IP address"),
                        );
                    }
                    if s.port.is_none() {
                        errs.push(format!("{sk}.port"), "missing port");
                    }
                    let port = in_range(
                        errs,
                        &format!("{sk}.port"),
                        s.port.map(u64::from),
                        1,
                        65535,
                        80,
                    ) as u16;
                    UpstreamServer {
                        host: host.trim_matches(['[', ']']).to_string(),
                        port,
                        weight: in_range(
                            errs,
                            &format!("{sk}.weight"),
                            s.weight.map(u64::from),
                            1,
                            1000,
                            1,
                        ) as u32,
                        max_connections: s.max_connections.map(|m| {
                            in_range(
                                errs,
                                &format!("{sk}.max_connections"),
                                Some(m.into()),
                                1,
                                1_000_000,
                                1,
                            ) as u32
                        }),
                        max_fails: in_range(
                            errs,
                            &format!("{sk}.max_fails"),
                            s.max_fails.map(u64::from),
                            0,
                            1000,
                            1,
                        ) as u32,
                        fail_timeout: Duration::from_secs(in_range(
                            errs,
                            &format!("{sk}.fail_timeout"),
                            s.fail_timeout,
                            1,
                            86_400,
                            10,
                        )),
                    }
                })
                .collect(),
        )
    };
    Upstream {
        name,
        algorithm,
        backend,
    }
}

fn route(i: usize, raw: RawRoute, upstreams: &[Upstream], errs: &mut Errors) -> Route {
    let key = format!("proxy.routes[{i}]");
    let upstream = match raw.upstream.as_deref() {
        None => {
            errs.push(format!("{key}.upstream"), "missing upstream name");
            0
        }
        Some(name) => upstreams
            .iter()
            .position(|u| u.name == name)
            .unwrap_or_else(|| {
                let known: Vec<&str> = upstreams.iter().map(|u| u.name.as_str()).collect();
                errs.push(
                    format!("{key}.upstream"),
                    format!(
                        "unknown upstream {name:?}; known: {}",
                        if known.is_empty() {
                            "(none)".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
                0
            }),
    };
    let hosts = raw
        .hosts
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(j, h)| {
            host_pattern(h)
                .map_err(|e| errs.push(format!("{key}.hosts[{j}]"), e))
                .ok()
        })
        .collect();
    let path = path_pattern(raw.pattern.as_deref().unwrap_or("/")).unwrap_or_else(|e| {
        errs.push(format!("{key}.pattern"), e);
        PathPattern::Prefix("/".into())
    });
    let headers = raw.headers.map(|h| {
        let mut check = |section: &str, name: &str| {
            if !valid_header_name(name) {
                errs.push(
                    format!("{key}.headers.{section}.{name}"),
                    "invalid header name",
                );
            }
        };
        let add: Vec<_> = h.add.unwrap_or_default().into_iter().collect();
        let set: Vec<_> = h.set.unwrap_or_default().into_iter().collect();
        let remove: Vec<_> = h.remove.unwrap_or_default();
        add.iter().for_each(|(n, _)| check("add", n));
        set.iter().for_each(|(n, _)| check("set", n));
        remove.iter().for_each(|n| check("remove", n));
        HeaderEdits { add, set, remove }
    });
    let conditions = raw
        .conditions
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(j, c)| condition(&format!("{key}.conditions[{j}]"), c, errs))
        .collect();
    let waf = raw
        .waf
        .map(|w| route_waf(&format!("{key}.waf"), w, errs))
        .unwrap_or_default();
    Route {
        name: raw.name.unwrap_or_else(|| format!("routes[{i}]")),
        hosts,
        path,
        upstream,
        timeout: Duration::from_secs(in_range(
            errs,
            &format!("{key}.timeout"),
            raw.timeout,
            1,
            86_400,
            60,
        )),
        retry_attempts: in_range(
            errs,
            &format!("{key}.retry_attempts"),
            raw.retry_attempts.map(u64::from),
            0,
            10,
            1,
        ) as u32,
        headers: headers.unwrap_or_default(),
        conditions,
        waf,
    }
}

fn host_pattern(h: &str) -> Result<HostPattern, String> {
    let h = h.trim().to_ascii_lowercase();
    if let Some(rest) = h.strip_prefix("*.") {
        if rest.is_empty() || rest.contains('*') {
            return Err(format!("invalid wildcard host {h:?}; write *.example.com"));
        }
        return Ok(HostPattern::Suffix(format!(".{rest}")));
    }
    if h.contains(':') && !h.starts_with('[') {
        return Err(format!(
            "host {h:?} has a port; hosts match without the port (write {:?})",
            h.split(':').next().unwrap_or("")
        ));
    }
    if h.is_empty() || h.contains(['*', '/', ' ']) {
        return Err(format!(
            "invalid host {h:?}; write example.com or *.example.com"
        ));
    }
    Ok(HostPattern::Exact(h))
}

/// `~ REGEX` is a regex; `= /path` is exact; a trailing `*` is a prefix (the star dropped);
/// anything else is a prefix, as nginx's `location /x`.
pub(super) fn path_pattern(p: &str) -> Result<PathPattern, String> {
    if let Some(re) = p.strip_prefix('~') {
        return regex::Regex::new(re.trim())
            .map(PathPattern::Regex)
            .map_err(|e| format!("invalid regex: {e}"));
    }
    if let Some(exact) = p.strip_prefix('=') {
        let exact = exact.trim();
        if !exact.starts_with('/') {
            return Err(format!("exact pattern {p:?} must start with /"));
        }
        return Ok(PathPattern::Exact(exact.to_string()));
    }
    if !p.starts_with('/') {
        return Err(format!(
            "pattern {p:?} must start with / (or be \"~ regex\" or \"= /exact\")"
        ));
    }
    Ok(PathPattern::Prefix(p.trim_end_matches('*').to_string()))
}

fn condition(
    key: &str,
    raw: crate::raw::RawRouteCondition,
    errs: &mut Errors,
) -> Option<RouteCondition> {
    let name = raw.name.clone();
    let source = match raw.kind.as_deref() {
        Some("header") => {
            ConditionSource::Header(name.as_deref().unwrap_or("").to_ascii_lowercase())
        }
        Some("query") => ConditionSource::Query(name.clone().unwrap_or_default()),
        Some("method") => ConditionSource::Method,
        other => {
            errs.push(
                format!("{key}.type"),
                format!("unknown condition type {other:?}; expected one of: header, query, method"),
            );
            return None;
        }
    };
    if !matches!(source, ConditionSource::Method) && name.as_deref().unwrap_or("").is_empty() {
        errs.push(
            format!("{key}.name"),
            "header and query conditions need a name",
        );
    }
    let value = raw.value.clone();
    let need_value = |errs: &mut Errors| {
        value.clone().unwrap_or_else(|| {
            errs.push(format!("{key}.value"), "this operator needs a value");
            String::new()
        })
    };
    let op = match raw.operator.as_deref().unwrap_or("equals") {
        "equals" => Operator::Equals(need_value(errs)),
        "contains" => Operator::Contains(need_value(errs)),
        "starts_with" => Operator::StartsWith(need_value(errs)),
        "ends_with" => Operator::EndsWith(need_value(errs)),
        "exists" => Operator::Exists,
        "regex" => match regex::Regex::new(&need_value(errs)) {
            Ok(r) => Operator::Regex(r),
            Err(e) => {
                errs.push(format!("{key}.value"), format!("invalid regex: {e}"));
                return None;
            }
        },
        other => {
            errs.push(format!("{key}.operator"), format!("unknown operator {other:?}; expected one of: equals, contains, starts_with, ends_with, regex, exists"));
            return None;
        }
    };
    Some(RouteCondition {
        source,
        operator: op,
        negate: raw.negate.unwrap_or(false),
        required: raw.required.unwrap_or(true),
    })
}

fn route_waf(key: &str, raw: crate::raw::RawRouteWaf, errs: &mut Errors) -> RouteWaf {
    let thresholds = raw
        .thresholds
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, v)| {
            let k = format!("{key}.thresholds.{name}");
            match THRESHOLD_CLASSES.iter().find(|c| **c == name) {
                Some(c) => Some((*c, fraction(errs, &k, Some(v), DEFAULT_THRESHOLD))),
                None => {
                    errs.push(
                        k,
                        format!(
                            "unknown attack class; known: {}",
                            THRESHOLD_CLASSES.join(", ")
                        ),
                    );
                    None
                }
            }
        })
        .collect();
    let exclusions = raw
        .exclusions
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(j, e)| {
            let k = format!("{key}.exclusions[{j}]");
            let target = match (e.category, e.detector) {
                (Some(c), None) => match THRESHOLD_CLASSES.iter().find(|n| **n == c) {
                    Some(n) => ExclusionTarget::Category(n),
                    None => {
                        errs.push(
                            format!("{k}.category"),
                            format!(
                                "unknown attack class {c:?}; known: {}",
                                THRESHOLD_CLASSES.join(", ")
                            ),
                        );
                        return None;
                    }
                },
                (None, Some(d)) => ExclusionTarget::Detector(d),
                _ => {
                    errs.push(k, "give exactly one of category or detector");
                    return None;
                }
            };
            Some(Exclusion {
                key: k,
                target,
                location: e.location,
            })
        })
        .collect();
    RouteWaf {
        enabled: raw.enabled,
        mode: super::waf::mode(errs, &format!("{key}.mode"), raw.mode.as_deref()),
        thresholds,
        exclusions,
    }
}
