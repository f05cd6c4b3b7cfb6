//! The WAF hook: block mode, monitor mode, per-route overrides, what the client sees and
//! what the security log records.

use crate::support::*;

fn config(port: u16, waf: &str, route_extra: &str, log: &std::path::Path) -> String {
    format!(
        "waf:\n{waf}proxy:\n  upstreams:\n{}  routes:\n    - pattern: /\n      upstream: app\n{route_extra}logging:\n  security_log:\n    file: {}\n",
        upstream_yaml("app", "round_robin", &[(port, "")]),
        log.display()
    )
}

fn events(log: &std::path::Path) -> Vec<serde_json::Value> {
    std::thread::sleep(std::time::Duration::from_millis(200));
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn block_mode_stops_attacks_in_query_form_and_json_with_evidence_logged() {
    let b = Backend::start("b");
    let dir = temp_dir();
    let log = dir.join("security.log");
    let p = Proxy::start(&config(b.port, "  mode: block\n", "", &log));
    let attacks = [
        p.get(
            "/search?q=1%27%20OR%20%271%27%3D%271",
            "Accept: application/json\r\n",
        ),
        p.request(
            "POST",
            "/login",
            "Content-Type: application/x-www-form-urlencoded\r\n",
            "user=admin%27--&pass=x",
        ),
        p.request(
            "POST",
            "/api",
            "Content-Type: application/json\r\n",
            r#"{"comment":"<script>alert(document.cookie)</script>"}"#,
        ),
        p.get("/download?file=..%2F..%2F..%2Fetc%2Fpasswd", ""),
    ];
    for r in &attacks {
        assert_eq!(r.status, 403, "{}", r.text());
    }
    assert_eq!(b.count(), 0, "an attack reached the upstream");
    let j = attacks[0].json();
    assert_eq!(j["error"], "blocked");
    let id = j["request_id"].as_str().unwrap().to_string();
    assert!(
        !attacks[0].text().contains("sql"),
        "the client learns nothing of what matched"
    );

    let ev = events(&log);
    assert_eq!(ev.len(), 4, "{ev:?}");
    let first = ev
        .iter()
        .find(|e| e["request_id"] == id.as_str())
        .expect("event with the request id");
    assert_eq!(first["action_taken"], "block");
    assert_eq!(first["attack_type"], "sql_injection");
    assert_eq!(first["findings"][0]["location"], "query:q");
    assert!(
        ev.iter().any(|e| e["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"] == "json:$.comment")),
        "{ev:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn blocked_page_is_html_for_browsers() {
    let b = Backend::start("b");
    let dir = temp_dir();
    let p = Proxy::start(&config(b.port, "  mode: block\n", "", &dir.join("s.log")));
    let r = p.get(
        "/?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "Accept: text/html,application/xhtml+xml\r\n",
    );
    assert_eq!(r.status, 403);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().contains("Request ID"));
}

#[test]
fn benign_requests_pass_untouched() {
    let b = Backend::start("b");
    let dir = temp_dir();
    let p = Proxy::start(&config(b.port, "  mode: block\n", "", &dir.join("s.log")));
    let ok = [
        p.get("/search?q=O%27Brien%27s+coffee+%26+tea", ""),
        p.request("PUT", "/api/users/7", "Content-Type: application/json\r\n", r#"{"name":"Zoë D'Arcy","bio":"I select the best union of flavours, and drop by on Fridays."}"#),
        p.request("POST", "/graphql", "Content-Type: application/json\r\n", r#"{"query":"query($id: ID!) { user(id: $id) { name } }","variables":{"id":"42"}}"#),
    ];
    for r in &ok {
        assert_eq!(r.status, 200, "{}", r.text());
    }
    assert_eq!(b.count(), 3);
    assert_eq!(
        b.last().body,
        br#"{"query":"query($id: ID!) { user(id: $id) { name } }","variables":{"id":"42"}}"#
    );
}

#[test]
fn monitor_mode_forwards_and_logs() {
    let b = Backend::start("b");
    let dir = temp_dir();
    let log = dir.join("security.log");
    let p = Proxy::start(&config(b.port, "  mode: monitor\n", "", &log));
    assert_eq!(
        p.get("/?id=1%20UNION%20SELECT%20password%20FROM%20users--", "")
            .status,
        200
    );
    assert_eq!(b.count(), 1);
    let ev = events(&log);
    assert_eq!(ev[0]["action_taken"], "allow");
    assert_eq!(ev[0]["event_type"], "attack_detected");
}

#[test]
fn route_overrides_exclude_a_location_and_disable_the_waf() {
    let b = Backend::start("b");
    let dir = temp_dir();
    let route = "      waf:\n        exclusions:\n          - {category: sql_injection, location: \"query:sql\"}\n";
    let p = Proxy::start(&config(
        b.port,
        "  mode: block\n",
        route,
        &dir.join("s.log"),
    ));
    assert_eq!(
        p.get("/?sql=1%27%20OR%20%271%27%3D%271", "").status,
        200,
        "excluded location"
    );
    assert_eq!(
        p.get("/?q=1%27%20OR%20%271%27%3D%271", "").status,
        403,
        "other locations still inspected"
    );

    let p = Proxy::start(&config(
        b.port,
        "  mode: block\n",
        "      waf: {enabled: false}\n",
        &dir.join("s2.log"),
    ));
    assert_eq!(p.get("/?q=1%27%20OR%20%271%27%3D%271", "").status, 200);
}
