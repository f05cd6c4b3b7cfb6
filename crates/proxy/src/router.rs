//! Route matching. Routes are tried in the order written; the first whose hosts, path
//! pattern and conditions all hold wins. No match is a 404.

use waf_config::{ConditionSource, HostPattern, PathPattern, Route, RouteCondition};

/// What a route is matched against.
pub struct MatchInput<'a> {
    /// Lowercase host without port.
    pub host: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub method: &'a str,
    pub headers: &'a http::HeaderMap,
}

/// Index of the first matching route.
pub fn find(routes: &[Route], input: &MatchInput<'_>) -> Option<usize> {
    routes.iter().position(|r| matches(r, input))
}

fn matches(route: &Route, input: &MatchInput<'_>) -> bool {
    (route.hosts.is_empty() || route.hosts.iter().any(|h| host_matches(h, input.host)))
        && path_matches(&route.path, input.path)
        && route.conditions.iter().all(|c| condition_holds(c, input))
}

fn host_matches(pattern: &HostPattern, host: &str) -> bool {
    match pattern {
        HostPattern::Exact(h) => h == host,
        HostPattern::Suffix(s) => host.len() > s.len() && host.ends_with(s.as_str()),
    }
}

fn path_matches(pattern: &PathPattern, path: &str) -> bool {
    match pattern {
        PathPattern::Prefix(p) => path.starts_with(p.as_str()),
        PathPattern::Exact(p) => path == p,
        PathPattern::Regex(r) => r.is_match(path),
    }
}

fn condition_holds(c: &RouteCondition, input: &MatchInput<'_>) -> bool {
    let holds = |value: Option<&str>| match value {
        None => !c.required,
        Some(v) => c.operator.matches(v) != c.negate,
    };
    match &c.source {
        ConditionSource::Method => holds(Some(input.method)),
        ConditionSource::Header(name) => {
            let mut values = input
                .headers
                .get_all(name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .peekable();
            if values.peek().is_none() {
                holds(None)
            } else {
                values.any(|v| holds(Some(v)))
            }
        }
        ConditionSource::Query(name) => {
            let mut found = false;
            for (k, v) in crate::query::pairs(input.query.unwrap_or("")) {
                if k == *name {
                    found = true;
                    if holds(Some(&v)) {
                        return true;
                    }
                }
            }
            !found && holds(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn routes(yaml_routes: &str) -> Vec<Route> {
        let yaml = format!("proxy:\n  upstreams:\n    - name: a\n      servers: [{{host: 127.0.0.1, port: 1}}]\n  routes:\n{yaml_routes}");
        waf_config::parse(&yaml, Path::new("/"))
            .unwrap()
            .proxy
            .routes
    }

    fn input<'a>(
        host: &'a str,
        path: &'a str,
        query: Option<&'a str>,
        headers: &'a http::HeaderMap,
    ) -> MatchInput<'a> {
        MatchInput {
            host,
            path,
            query,
            method: "GET",
            headers,
        }
    }

    #[test]
    fn first_match_in_order_with_hosts_and_patterns() {
        let r = routes(
            "    - {hosts: [\"*.example.com\"], pattern: /api/, upstream: a}\n    - {pattern: \"= /exact\", upstream: a}\n    - {pattern: \"~ ^/v[0-9]+/\", upstream: a}\n    - {hosts: [example.com], pattern: /, upstream: a}\n",
        );
        let h = http::HeaderMap::new();
        assert_eq!(
            find(&r, &input("x.example.com", "/api/users", None, &h)),
            Some(0)
        );
        assert_eq!(
            find(&r, &input("example.com", "/api/users", None, &h)),
            Some(3)
        );
        assert_eq!(find(&r, &input("other", "/exact", None, &h)), Some(1));
        assert_eq!(find(&r, &input("other", "/exact/no", None, &h)), None);
        assert_eq!(find(&r, &input("other", "/v2/x", None, &h)), Some(2));
        assert_eq!(find(&r, &input("other", "/", None, &h)), None);
    }

    #[test]
    fn conditions_on_headers_query_and_method() {
        let r = routes(
            "    - pattern: /\n      upstream: a\n      conditions:\n        - {type: header, name: X-Version, operator: equals, value: \"2\"}\n        - {type: query, name: debug, operator: exists, negate: true, required: false}\n",
        );
        let mut h = http::HeaderMap::new();
        assert_eq!(find(&r, &input("h", "/", None, &h)), None);
        h.insert("x-version", "2".parse().unwrap());
        assert_eq!(find(&r, &input("h", "/", Some("a=1"), &h)), Some(0));
        assert_eq!(find(&r, &input("h", "/", Some("debug=1"), &h)), None);
    }
}
