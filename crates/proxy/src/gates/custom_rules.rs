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

pub fn evaluate<'r>(
    rules: &'r [CustomRule],
    input: &RuleInput<'_>,
    country: &mut dyn FnMut() -> Option<Country>,
    rates: Option<&RateLimiter>,
) -> RulesOutcome<'r> {
    let mut out = RulesOutcome::default();
    for rule in rules {
        if rule
            .conditions
            .iter()
            .all(|c| holds(rule, c, input, country, rates))
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

fn holds(
    rule: &CustomRule,
    c: &waf_config::RuleCondition,
    input: &RuleInput<'_>,
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
        (field, RuleOperator::Match(op)) => {
            let value: Option<std::borrow::Cow<'_, str>> = match field {
                RuleField::Path => Some(input.path.into()),
                RuleField::Method => Some(input.method.into()),
                RuleField::Ip => Some(input.client.to_string().into()),
                RuleField::Country => {
                    country().map(|c| String::from_utf8_lossy(&c).into_owned().into())
                }
                RuleField::UserAgent => input
                    .headers
                    .get(http::header::USER_AGENT)
                    .map(|v| String::from_utf8_lossy(v.as_bytes())),
                RuleField::Header(name) => input
                    .headers
                    .get(name.as_str())
                    .map(|v| String::from_utf8_lossy(v.as_bytes())),
                RuleField::Query(None) => input.query.map(Into::into),
                RuleField::Query(Some(name)) => {
                    query_value(input.query.unwrap_or(""), name).map(Into::into)
                }
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

fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_encoding::percent_decode_str(&k.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}
