//! `waf.custom_rules`: conditions on path, header, query, method, client IP, country, user
//! agent and rates; every condition of a rule must hold; rules run in `priority` order and
//! the first `allow`, `block` or `challenge` rule that matches decides (`log` rules are
//! recorded and evaluation goes on). Everything is compiled at load.

use super::geo::Country;
use super::rate_limits::RateLimiter;
use std::net::IpAddr;
use waf_config::{CustomRule, RuleAction, RuleField, RuleOperator};

/// The request as rules see it.
pub struct RuleInput<'a> {
    pub client: IpAddr,
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub now_ms: u64,
}

/// What the rules decided: the deciding rule (if any) and the `log` rules that matched.
#[derive(Default)]
pub struct RulesOutcome<'r> {
    pub decided: Option<&'r CustomRule>,
    pub logged: Vec<&'r CustomRule>,
}

/// Values several rules may ask for, computed at most once per request.
#[derive(Default)]
struct Cache<'a> {
    query: Option<Vec<(String, String)>>,
    ip: Option<String>,
    country: Option<Option<String>>,
    user_agent: Option<Option<std::borrow::Cow<'a, str>>>,
}

pub fn evaluate<'r>(
    rules: &'r [CustomRule],
    input: &RuleInput<'_>,
    country: &mut dyn FnMut() -> Option<Country>,
    rates: Option<&RateLimiter>,
) -> RulesOutcome<'r> {
    let mut out = RulesOutcome::default();
    let mut cache = Cache::default();
    for rule in rules {
        if rule
            .conditions
            .iter()
            .all(|c| holds(rule, c, input, &mut cache, country, rates))
        {
            if rule.action == RuleAction::Log {
                out.logged.push(rule);
            } else {
                out.decided = Some(rule);
                break;
            }
        }
    }
    out
}

fn holds<'a>(
    rule: &CustomRule,
    c: &waf_config::RuleCondition,
    input: &RuleInput<'a>,
    cache: &mut Cache<'a>,
    country: &mut dyn FnMut() -> Option<Country>,
    rates: Option<&RateLimiter>,
) -> bool {
    let result = match (&c.field, &c.operator) {
        (RuleField::RateLimit(spec), _) => match rates {
            Some(r) => r.exceeded(
                &format!("rule:{}:{}", rule.name, input.client),
                spec,
                input.now_ms,
            ),
            None => false,
        },
        (RuleField::Ip, RuleOperator::InSubnet(nets)) => {
            nets.iter().any(|n| n.contains(&input.client))
        }
        // Repeated headers and arguments: any occurrence counts (backends differ in which
        // one they read, so a rule must not be dodged by repeating a field).
        (RuleField::Header(name), RuleOperator::Match(op)) => input
            .headers
            .iter()
            .filter(|(n, _)| n.as_str() == name.as_str())
            .any(|(_, v)| op.matches(&String::from_utf8_lossy(v.as_bytes()))),
        (RuleField::Query(Some(name)), RuleOperator::Match(op)) => cache
            .query
            .get_or_insert_with(|| crate::query::pairs(input.query.unwrap_or("")).collect())
            .iter()
            .any(|(k, v)| k == name && op.matches(v)),
        (field, RuleOperator::Match(op)) => {
            let value: Option<std::borrow::Cow<'_, str>> = match field {
                RuleField::Path => Some(input.path.into()),
                RuleField::Method => Some(input.method.into()),
                RuleField::Ip => Some(
                    cache
                        .ip
                        .get_or_insert_with(|| input.client.to_string())
                        .as_str()
                        .into(),
                ),
                RuleField::Country => cache
                    .country
                    .get_or_insert_with(|| {
                        country().map(|c| String::from_utf8_lossy(&c).into_owned())
                    })
                    .as_deref()
                    .map(Into::into),
                RuleField::UserAgent => cache
                    .user_agent
                    .get_or_insert_with(|| {
                        input
                            .headers
                            .get(http::header::USER_AGENT)
                            .map(|v| String::from_utf8_lossy(v.as_bytes()))
                    })
                    .as_deref()
                    .map(Into::into),
                RuleField::Header(name) => {
                    header(input.headers, name).map(|v| String::from_utf8_lossy(v.as_bytes()))
                }
                RuleField::Query(None) => input.query.map(Into::into),
                RuleField::Query(Some(name)) => cache
                    .query
                    .get_or_insert_with(|| crate::query::pairs(input.query.unwrap_or("")).collect())
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str().into()),
                RuleField::RateLimit(_) => None,
            };
            match value {
                Some(v) => op.matches(&v),
                None => false,
            }
        }
        _ => false,
    };
    result != c.negate
}

/// A header by lowercase name without building a `HeaderName` (the map is small).
fn header<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h http::HeaderValue> {
    headers
        .iter()
        .find(|(n, _)| n.as_str() == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(yaml_rules: &str) -> Vec<CustomRule> {
        let yaml = format!("waf:\n  custom_rules:\n{yaml_rules}proxy:\n  upstreams: [{{name: a, servers: [{{host: 127.0.0.1, port: 1}}]}}]\n  routes: [{{pattern: /, upstream: a}}]\n");
        waf_config::parse(&yaml, std::path::Path::new("/"))
            .unwrap()
            .waf
            .gates
            .custom_rules
    }

    fn decide(
        rules: &[CustomRule],
        query: Option<&str>,
        headers: &http::HeaderMap,
    ) -> Option<String> {
        let input = RuleInput {
            client: "192.0.2.1".parse().unwrap(),
            method: "GET",
            path: "/",
            query,
            headers,
            now_ms: 0,
        };
        evaluate(rules, &input, &mut || None, None)
            .decided
            .map(|r| r.name.clone())
    }

    #[test]
    fn repeated_arguments_and_headers_cannot_dodge_a_rule() {
        let r = rules("    - {name: q, action: block, conditions: [{type: query, name: q, operator: contains, value: evil}]}\n    - {name: h, action: block, conditions: [{type: header, name: X-T, operator: equals, value: bad}]}\n");
        let none = http::HeaderMap::new();
        assert_eq!(decide(&r, Some("q=ok&q=evil"), &none).as_deref(), Some("q"));
        assert_eq!(decide(&r, Some("q=ok"), &none), None);
        let mut h = http::HeaderMap::new();
        h.append("x-t", "fine".parse().unwrap());
        h.append("x-t", "bad".parse().unwrap());
        assert_eq!(decide(&r, None, &h).as_deref(), Some("h"));
    }
}
