//! `waf.ip_lists`, `waf.rate_limiting`, `waf.bot_protection`, `waf.geo_blocking`,
//! `waf.custom_rules` and `integrations.threat_intelligence`: the gates before detection.

use super::proxy::path_pattern;
use super::server::parse_net;
use super::{fraction, in_range, one_of, Context, Errors};
use crate::model::*;
use crate::raw::{RawIntegrations, RawRateLimit, RawRuleCondition, RawWaf};
use std::time::Duration;

pub(super) fn gates(
    raw: &mut RawWaf,
    integrations: Option<&RawIntegrations>,
    ctx: &Context,
    errs: &mut Errors,
) -> GatesConfig {
    let lists = raw.ip_lists.take().unwrap_or_default();
    let gates = GatesConfig {
        ip_allow: nets(errs, "waf.ip_lists.allow", lists.allow.as_deref()),
        ip_deny: nets(errs, "waf.ip_lists.deny", lists.deny.as_deref()),
        threat_feeds: threat_feeds(integrations, ctx, errs),
        geo: geo(raw, ctx, errs),
        rate_limits: rate_limits(raw, errs),
        bot: bot(raw, errs),
        custom_rules: custom_rules(raw, errs),
    };
    // A challenge needs the JavaScript challenge; a country condition needs a database.
    let challenge_on = gates.bot.as_ref().is_some_and(|b| b.javascript_challenge);
    for r in &gates.custom_rules {
        if r.action == RuleAction::Challenge && !challenge_on {
            errs.push(
                format!("waf.custom_rules ({}).action", r.name),
                "challenge needs waf.bot_protection.enabled: true with javascript_challenge: true",
            );
        }
        if r.conditions
            .iter()
            .any(|c| matches!(c.field, RuleField::Country))
            && gates.geo.is_none()
        {
            errs.push(
                format!("waf.custom_rules ({}).conditions", r.name),
                "country conditions need waf.geo_blocking with a geoip_database",
            );
        }
    }
    gates
}

fn nets(errs: &mut Errors, key: &str, list: Option<&[String]>) -> Vec<ipnet::IpNet> {
    list.unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            parse_net(s)
                .map_err(|e| errs.push(format!("{key}[{i}]"), e))
                .ok()
        })
        .collect()
}

fn threat_feeds(
    integrations: Option<&RawIntegrations>,
    ctx: &Context,
    errs: &mut Errors,
) -> Vec<ThreatFeed> {
    let Some(t) = integrations.and_then(|i| i.threat_intelligence.as_ref()) else {
        return Vec::new();
    };
    if t.enabled == Some(false) {
        return Vec::new();
    }
    let mut feeds = Vec::new();
    for (i, p) in t.providers.iter().flatten().enumerate() {
        let key = format!("integrations.threat_intelligence.providers[{i}]");
        let Some(url) = p.url.as_deref() else {
            errs.push(
                format!("{key}.url"),
                "missing url (a file path, file:///path or http://host/path)",
            );
            continue;
        };
        let source = if let Some(path) = url.strip_prefix("file://") {
            FeedSource::File(ctx.path(path))
        } else if url.starts_with("http://") {
            FeedSource::Http(url.to_string())
        } else if url.starts_with("https://") {
            errs.push(format!("{key}.url"), "https feeds need the TLS client, which is not available in this build yet; use http:// or a file");
            continue;
        } else if url.contains("://") {
            errs.push(
                format!("{key}.url"),
                format!("unsupported scheme in {url:?}; use a file path, file:// or http://"),
            );
            continue;
        } else {
            FeedSource::File(ctx.path(url))
        };
        feeds.push(ThreatFeed {
            name: p.name.clone().unwrap_or_else(|| format!("feed{i}")),
            source,
            api_key: p.api_key.clone().map(Secret::new),
            refresh: Duration::from_secs(in_range(
                errs,
                &format!("{key}.update_interval"),
                p.update_interval,
                10,
                604_800,
                3600,
            )),
        });
    }
    feeds
}

fn country_codes(errs: &mut Errors, key: &str, list: Option<&[String]>) -> Vec<String> {
    list.unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let up = c.trim().to_ascii_uppercase();
            if up.len() == 2 && up.bytes().all(|b| b.is_ascii_uppercase()) {
                Some(up)
            } else {
                errs.push(
                    format!("{key}[{i}]"),
                    format!("{c:?} is not an ISO 3166 two-letter country code"),
                );
                None
            }
        })
        .collect()
}

fn geo(raw: &mut RawWaf, ctx: &Context, errs: &mut Errors) -> Option<GeoConfig> {
    let g = raw.geo_blocking.take()?;
    if g.enabled != Some(true) {
        return None;
    }
    let Some(db) = g.geoip_database.as_deref() else {
        errs.push(
            "waf.geo_blocking.geoip_database",
            "geo-blocking needs a MaxMind database (.mmdb)",
        );
        return None;
    };
    Some(GeoConfig {
        database: ctx.path(db),
        blocked: country_codes(
            errs,
            "waf.geo_blocking.blocked_countries",
            g.blocked_countries.as_deref(),
        ),
        allowed: country_codes(
            errs,
            "waf.geo_blocking.allowed_countries",
            g.allowed_countries.as_deref(),
        ),
        whitelist: nets(
            errs,
            "waf.geo_blocking.whitelist_ips",
            g.whitelist_ips.as_deref(),
        ),
        refresh: Duration::from_secs(in_range(
            errs,
            "waf.geo_blocking.update_interval",
            g.update_interval,
            1,
            604_800,
            3600,
        )),
        block_unknown: one_of(
            errs,
            "waf.geo_blocking.unknown_country",
            g.unknown_country.as_deref(),
            &[("allow", false), ("block", true)],
            false,
        ),
    })
}

/// The limits of one `requests_per_*` block.
fn specs(
    errs: &mut Errors,
    key: &str,
    rps: Option<u64>,
    rpm: Option<u64>,
    rph: Option<u64>,
    burst: Option<u64>,
    algorithm: Option<&str>,
) -> Vec<RateSpec> {
    let algorithm = one_of(
        errs,
        &format!("{key}.algorithm"),
        algorithm,
        &[
            ("token_bucket", RateAlgorithm::TokenBucket),
            ("sliding_window", RateAlgorithm::SlidingWindow),
            ("fixed_window", RateAlgorithm::FixedWindow),
        ],
        RateAlgorithm::TokenBucket,
    );
    let mut out = Vec::new();
    for (name, value, secs) in [
        ("requests_per_second", rps, 1),
        ("requests_per_minute", rpm, 60),
        ("requests_per_hour", rph, 3600),
    ] {
        if let Some(v) = value {
            let limit = in_range(errs, &format!("{key}.{name}"), Some(v), 1, 100_000_000, 1);
            let b = burst
                .map(|b| in_range(errs, &format!("{key}.burst"), Some(b), 1, 100_000_000, 1))
                .unwrap_or(limit);
            out.push(RateSpec {
                limit,
                window: Duration::from_secs(secs),
                burst: b,
                algorithm,
            });
        }
    }
    if out.is_empty() {
        errs.push(
            key,
            "give at least one of requests_per_second, requests_per_minute, requests_per_hour",
        );
    }
    out
}

fn block(errs: &mut Errors, key: &str, r: &RawRateLimit) -> Vec<RateSpec> {
    specs(
        errs,
        key,
        r.requests_per_second,
        r.requests_per_minute,
        r.requests_per_hour,
        r.burst,
        r.algorithm.as_deref(),
    )
}

fn rate_limits(raw: &mut RawWaf, errs: &mut Errors) -> Option<RateLimitsConfig> {
    let r = raw.rate_limiting.take()?;
    let configured = r.global_limit.is_some()
        || r.per_ip_limit.is_some()
        || r.per_endpoint_limits
            .as_ref()
            .is_some_and(|v| !v.is_empty());
    if !r.enabled.unwrap_or(configured) {
        return None;
    }
    let global = r
        .global_limit
        .as_ref()
        .map(|g| block(errs, "waf.rate_limiting.global_limit", g))
        .unwrap_or_default();
    let per_ip = r
        .per_ip_limit
        .as_ref()
        .map(|g| block(errs, "waf.rate_limiting.per_ip_limit", g))
        .unwrap_or_default();
    let endpoints = r
        .per_endpoint_limits
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, e)| {
            let key = format!("waf.rate_limiting.per_endpoint_limits[{i}]");
            let Some(p) = e.path.as_deref() else {
                errs.push(format!("{key}.path"), "missing path pattern");
                return None;
            };
            let path = path_pattern(p)
                .map_err(|m| errs.push(format!("{key}.path"), m))
                .ok()?;
            Some(EndpointLimit {
                name: p.to_string(),
                path,
                per_ip: e.per_ip.unwrap_or(false),
                limits: specs(
                    errs,
                    &key,
                    e.requests_per_second,
                    e.requests_per_minute,
                    e.requests_per_hour,
                    e.burst,
                    e.algorithm.as_deref(),
                ),
            })
        })
        .collect();
    Some(RateLimitsConfig {
        global,
        per_ip,
        endpoints,
    })
}

fn ua_patterns(errs: &mut Errors, key: &str, list: Option<&[String]>) -> Vec<UserAgentPattern> {
    list.unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            if p.len() > 2 && p.starts_with('/') && p.ends_with('/') {
                match regex::RegexBuilder::new(&p[1..p.len() - 1])
                    .case_insensitive(true)
                    .build()
                {
                    Ok(r) => Some(UserAgentPattern::Regex(r)),
                    Err(e) => {
                        errs.push(format!("{key}[{i}]"), format!("invalid regex: {e}"));
                        None
                    }
                }
            } else if p.is_empty() {
                errs.push(
                    format!("{key}[{i}]"),
                    "empty pattern would match every client",
                );
                None
            } else {
                Some(UserAgentPattern::Substring(p.to_ascii_lowercase()))
            }
        })
        .collect()
}

fn bot(raw: &mut RawWaf, errs: &mut Errors) -> Option<BotConfig> {
    let b = raw.bot_protection.take()?;
    if b.enabled != Some(true) {
        return None;
    }
    let detection = fraction(
        errs,
        "waf.bot_protection.detection_threshold",
        b.detection_threshold,
        0.8,
    );
    let challenge = fraction(
        errs,
        "waf.bot_protection.challenge_threshold",
        b.challenge_threshold,
        0.5,
    );
    if challenge > detection {
        errs.push(
            "waf.bot_protection.challenge_threshold",
            "must not be above detection_threshold (challenge first, block when surer)",
        );
    }
    if let Some(s) = &b.challenge_secret {
        if s.len() < 16 {
            errs.push(
                "waf.bot_protection.challenge_secret",
                "use at least 16 characters",
            );
        }
    }
    Some(BotConfig {
        detection_threshold: detection,
        challenge_threshold: challenge,
        blocked_user_agents: ua_patterns(
            errs,
            "waf.bot_protection.blocked_user_agents",
            b.blocked_user_agents.as_deref(),
        ),
        allowed_user_agents: ua_patterns(
            errs,
            "waf.bot_protection.allowed_user_agents",
            b.allowed_user_agents.as_deref(),
        ),
        behavioral_analysis: b.behavioral_analysis.unwrap_or(true),
        javascript_challenge: b.javascript_challenge.unwrap_or(true),
        challenge_secret: b.challenge_secret.clone().map(Secret::new),
        challenge_ttl: Duration::from_secs(in_range(
            errs,
            "waf.bot_protection.challenge_ttl",
            b.challenge_ttl,
            60,
            30 * 86_400,
            3600,
        )),
        challenge_difficulty: in_range(
            errs,
            "waf.bot_protection.challenge_difficulty",
            b.challenge_difficulty.map(u64::from),
            8,
            24,
            16,
        ) as u32,
    })
}

fn custom_rules(raw: &mut RawWaf, errs: &mut Errors) -> Vec<CustomRule> {
    let mut rules: Vec<CustomRule> = Vec::new();
    for (i, r) in raw
        .custom_rules
        .take()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let key = format!("waf.custom_rules[{i}]");
        if r.enabled == Some(false) {
            continue;
        }
        let name = r.name.clone().unwrap_or_else(|| {
            errs.push(format!("{key}.name"), "missing rule name");
            format!("rule{i}")
        });
        if rules.iter().any(|o| o.name == name) {
            errs.push(
                format!("{key}.name"),
                format!("duplicate rule name {name:?}"),
            );
        }
        let key = format!("{key} ({name})");
        let action = match r.action.as_deref() {
            Some("allow") => RuleAction::Allow,
            Some("block") => RuleAction::Block,
            Some("challenge") => RuleAction::Challenge,
            Some("log") => RuleAction::Log,
            other => {
                errs.push(
                    format!("{key}.action"),
                    format!(
                        "unknown action {other:?}; expected one of: allow, block, challenge, log"
                    ),
                );
                RuleAction::Log
            }
        };
        let conditions: Vec<RuleCondition> = r
            .conditions
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(j, c)| rule_condition(&format!("{key}.conditions[{j}]"), c, errs))
            .collect();
        if conditions.is_empty() {
            errs.push(
                format!("{key}.conditions"),
                "a rule needs at least one condition",
            );
        }
        rules.push(CustomRule {
            message: r.message.unwrap_or_else(|| format!("custom rule {name}")),
            name,
            priority: r.priority.unwrap_or(100),
            conditions,
            action,
        });
    }
    rules.sort_by_key(|r| r.priority);
    rules
}

fn rule_condition(key: &str, c: RawRuleCondition, errs: &mut Errors) -> Option<RuleCondition> {
    let kind = c.kind.as_deref().unwrap_or("");
    let value = c.value.clone();
    let field = match kind {
        "path" => RuleField::Path,
        "header" => match c.name.as_deref() {
            Some(n) if !n.is_empty() => RuleField::Header(n.to_ascii_lowercase()),
            _ => {
                errs.push(
                    format!("{key}.name"),
                    "header conditions need the header name",
                );
                return None;
            }
        },
        "query" => RuleField::Query(c.name.clone()),
        "method" => RuleField::Method,
        "ip" => RuleField::Ip,
        "country" => RuleField::Country,
        "user_agent" => RuleField::UserAgent,
        "rate_limit" => {
            let spec = value.as_deref().and_then(parse_rate).or_else(|| {
                errs.push(format!("{key}.value"), "rate_limit conditions take a rate such as \"100/minute\" (second, minute or hour)");
                None
            })?;
            return Some(RuleCondition {
                field: RuleField::RateLimit(spec),
                operator: RuleOperator::Exceeded,
                negate: c.negate.unwrap_or(false),
            });
        }
        other => {
            errs.push(format!("{key}.type"), format!("unknown condition type {other:?}; expected one of: path, header, query, method, ip, country, user_agent, rate_limit"));
            return None;
        }
    };
    let need = |errs: &mut Errors| {
        value.clone().unwrap_or_else(|| {
            errs.push(format!("{key}.value"), "this operator needs a value");
            String::new()
        })
    };
    let operator = match c.operator.as_deref().unwrap_or("equals") {
        "equals" => RuleOperator::Match(Operator::Equals(need(errs))),
        "contains" => RuleOperator::Match(Operator::Contains(need(errs))),
        "starts_with" => RuleOperator::Match(Operator::StartsWith(need(errs))),
        "ends_with" => RuleOperator::Match(Operator::EndsWith(need(errs))),
        "exists" => RuleOperator::Match(Operator::Exists),
        "regex" => match regex::Regex::new(&need(errs)) {
            Ok(r) => RuleOperator::Match(Operator::Regex(r)),
            Err(e) => {
                errs.push(format!("{key}.value"), format!("invalid regex: {e}"));
                return None;
            }
        },
        "in_subnet" => {
            if !matches!(field, RuleField::Ip) {
                errs.push(
                    format!("{key}.operator"),
                    "in_subnet applies to ip conditions only",
                );
                return None;
            }
            let v = need(errs);
            let nets: Vec<String> = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            RuleOperator::InSubnet(
                nets.iter()
                    .filter_map(|n| {
                        parse_net(n)
                            .map_err(|e| errs.push(format!("{key}.value"), e))
                            .ok()
                    })
                    .collect(),
            )
        }
        other => {
            errs.push(format!("{key}.operator"), format!("unknown operator {other:?}; expected one of: equals, contains, starts_with, ends_with, regex, in_subnet, exists"));
            return None;
        }
    };
    if matches!(field, RuleField::Country) {
        if let RuleOperator::Match(Operator::Equals(v)) = &operator {
            if v.len() != 2 {
                errs.push(
                    format!("{key}.value"),
                    "country values are ISO 3166 two-letter codes",
                );
            }
        }
    }
    Some(RuleCondition {
        field,
        operator,
        negate: c.negate.unwrap_or(false),
    })
}

/// `100/minute`, `5/second`, `1000/hour` (also `/s`, `/m`, `/h`).
fn parse_rate(v: &str) -> Option<RateSpec> {
    let (n, unit) = v.split_once('/')?;
    let limit: u64 = n.trim().parse().ok().filter(|n| *n > 0)?;
    let secs = match unit.trim() {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hour" => 3600,
        _ => return None,
    };
    Some(RateSpec {
        limit,
        window: Duration::from_secs(secs),
        burst: limit,
        algorithm: RateAlgorithm::SlidingWindow,
    })
}
