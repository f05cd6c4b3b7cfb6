//! Whole-file tests: parse + validate, asserting on what an operator reads.

use crate::*;
use std::path::Path;

fn errors(yaml: &str) -> String {
    match parse(yaml, Path::new("/")) {
        Ok(_) => panic!("expected errors for:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

const MINIMAL: &str = "
proxy:
  upstreams:
    - name: api
      servers: [{host: 127.0.0.1, port: 9000}]
  routes:
    - pattern: /
      upstream: api
";

#[test]
fn minimal_config_gets_defaults() {
    let c = parse(MINIMAL, Path::new("/")).unwrap();
    assert_eq!(c.server.listen.port(), 8080);
    assert_eq!(c.waf.mode, WafMode::Block);
    assert!(c.waf.enabled);
    assert_eq!(c.waf.thresholds.len(), THRESHOLD_CLASSES.len());
    assert_eq!(c.proxy.routes[0].upstream, 0);
    assert_eq!(c.server.max_request_size, 10 << 20);
}

#[test]
fn unknown_key_is_named() {
    let e = errors("server:\n  prot: 80\n");
    assert!(
        e.starts_with("server.prot: line 2 column 3: unknown field `prot`"),
        "{e}"
    );
}

#[test]
fn unknown_upstream_names_route_key_and_known_names() {
    let e = errors(&MINIMAL.replace("upstream: api", "upstream: api-v2"));
    assert!(
        e.contains("proxy.routes[0].upstream: unknown upstream \"api-v2\"; known: api"),
        "{e}"
    );
}

#[test]
fn out_of_range_values_name_their_keys_all_at_once() {
    let yaml = format!(
        "{MINIMAL}server:\n  port: 70000\nwaf:\n  owasp_protection:\n    xss_threshold: 1.5\n"
    );
    let e = errors(&yaml);
    assert!(e.contains("server.port: 70000 is out of range"), "{e}");
    assert!(
        e.contains("waf.owasp_protection.xss_threshold: 1.5 is out of range"),
        "{e}"
    );
}

#[test]
fn enabled_unbuilt_feature_is_refused() {
    let e = errors(&format!("{MINIMAL}admin:\n  enabled: true\n"));
    assert!(
        e.contains("admin.enabled: the admin API is not available"),
        "{e}"
    );
    // A disabled section is fine.
    parse(
        &format!("{MINIMAL}admin:\n  enabled: false\n"),
        Path::new("/"),
    )
    .unwrap();
}

#[test]
fn bad_route_pattern_and_condition_regex_are_named() {
    let yaml = MINIMAL.replace(
        "pattern: /",
        "pattern: \"~ (\"\n      conditions:\n        - {type: header, name: X-A, operator: regex, value: \"[\"}",
    );
    let e = errors(&yaml);
    assert!(e.contains("proxy.routes[0].pattern: invalid regex"), "{e}");
    assert!(
        e.contains("proxy.routes[0].conditions[0].value: invalid regex"),
        "{e}"
    );
}

#[test]
fn route_waf_overrides_are_checked() {
    let yaml = format!(
        "{}\n      waf:\n        mode: monitor\n        thresholds: {{sql_injection: 0.9, bogus: 0.1}}\n        exclusions:\n          - {{category: xss, location: \"query:q\"}}\n",
        MINIMAL.trim_end()
    );
    let e = errors(&yaml);
    assert!(
        e.contains("proxy.routes[0].waf.thresholds.bogus: unknown attack class"),
        "{e}"
    );
}

#[test]
fn env_substitution_reaches_values() {
    std::env::set_var("WAF_TEST_PORT_SUBST", "9123");
    let c = parse(
        &format!("{MINIMAL}server:\n  port: ${{WAF_TEST_PORT_SUBST}}\n"),
        Path::new("/"),
    )
    .unwrap();
    assert_eq!(c.server.listen.port(), 9123);
}

#[test]
fn wildcard_hosts_and_patterns_compile() {
    let yaml = MINIMAL.replace(
        "pattern: /",
        "hosts: [\"*.Example.com\", api.test]\n      pattern: \"= /exact\"",
    );
    let c = parse(&yaml, Path::new("/")).unwrap();
    let r = &c.proxy.routes[0];
    assert_eq!(
        r.hosts,
        vec![
            HostPattern::Suffix(".example.com".into()),
            HostPattern::Exact("api.test".into())
        ]
    );
    assert!(matches!(&r.path, PathPattern::Exact(p) if p == "/exact"));
}
