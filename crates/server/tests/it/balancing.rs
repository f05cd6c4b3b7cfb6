//! Load balancing, passive health, retries and timeouts.

use crate::support::*;

fn config(algorithm: &str, servers: &[(u16, &str)], route_extra: &str) -> String {
    format!(
        "waf:\n  enabled: false\nproxy:\n  upstreams:\n{}  routes:\n    - pattern: /\n      upstream: app\n{route_extra}",
        upstream_yaml("app", algorithm, servers)
    )
}

fn spread(proxy: &Proxy, n: usize, extra: &str) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for _ in 0..n {
        let r = proxy.get("/", extra);
        assert_eq!(r.status, 200, "{}", r.text());
        *m.entry(r.text()).or_insert(0) += 1;
    }
    m
}

#[test]
fn round_robin_honours_weights() {
    let (a, b) = (Backend::start("a"), Backend::start("b"));
    let p = Proxy::start(&config(
        "round_robin",
        &[(a.port, ", weight: 1"), (b.port, ", weight: 3")],
        "",
    ));
    let m = spread(&p, 40, "");
    assert_eq!(m.get("a"), Some(&10));
    assert_eq!(m.get("b"), Some(&30));
}

#[test]
fn weighted_random_follows_weights_roughly() {
    let (a, b) = (Backend::start("a"), Backend::start("b"));
    let p = Proxy::start(&config(
        "weighted_random",
        &[(a.port, ", weight: 1"), (b.port, ", weight: 4")],
        "",
    ));
    let m = spread(&p, 200, "");
    let a_share = *m.get("a").unwrap_or(&0);
    assert!((15..=70).contains(&a_share), "{m:?}");
}

#[test]
fn ip_hash_keeps_a_client_on_one_server() {
    let (a, b, c) = (
        Backend::start("a"),
        Backend::start("b"),
        Backend::start("c"),
    );
    let yaml = config("ip_hash", &[(a.port, ""), (b.port, ""), (c.port, "")], "").replace(
        "proxy:\n",
        "server:\n  trusted_proxies: [127.0.0.1]\nproxy:\n",
    );
    let p = Proxy::start(&yaml);
    for client in ["198.51.100.1", "198.51.100.2", "203.0.113.77"] {
        let m = spread(&p, 10, &format!("X-Forwarded-For: {client}\r\n"));
        assert_eq!(m.len(), 1, "{client} was spread: {m:?}");
    }
    // Different clients do not all land on one server.
    let mut servers = std::collections::BTreeSet::new();
    for i in 0..30 {
        servers.insert(
            p.get("/", &format!("X-Forwarded-For: 10.0.{i}.1\r\n"))
                .text(),
        );
    }
    assert!(servers.len() > 1);
}

#[test]
fn least_connections_avoids_the_busy_server() {
    let (a, b) = (Backend::start("a"), Backend::start("b"));
    let p = Proxy::start(&config(
        "least_connections",
        &[(a.port, ""), (b.port, "")],
        "",
    ));
    let addr = p.addr();
    // Hold one slow request on one server, then every short request goes to the other.
    let slow = std::thread::spawn(move || {
        raw_exchange(
            addr,
            b"GET /sleep/1500 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            std::time::Duration::from_secs(5),
        )
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    let busy = if a.count() == 1 { "a" } else { "b" };
    let m = spread(&p, 6, "");
    assert_eq!(m.get(busy), None, "{m:?}");
    let _ = slow.join();
}

#[test]
fn dead_server_is_ejected_then_retried_after_fail_timeout() {
    let a = Backend::start("a");
    let dead = free_port();
    let p = Proxy::start(&config(
        "round_robin",
        &[(dead, ", max_fails: 1, fail_timeout: 2"), (a.port, "")],
        "      retry_attempts: 0
",
    ));
    // Without retries the first request meets the dead server; that one failure ejects it.
    assert_eq!(p.get("/", "").status, 502);
    for _ in 0..6 {
        assert_eq!(
            p.get("/", "").status,
            200,
            "the ejected server must not be tried"
        );
    }
    // After fail_timeout it is back in rotation and fails again.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let statuses: Vec<u16> = (0..2).map(|_| p.get("/", "").status).collect();
    assert!(statuses.contains(&502), "{statuses:?}");
}

#[test]
fn retries_only_idempotent_methods() {
    let a = Backend::start("a");
    let dead = free_port();
    // Dead server first in round robin order; max_fails 0 keeps it in rotation.
    let p = Proxy::start(&config(
        "round_robin",
        &[(dead, ", max_fails: 0"), (a.port, ", max_fails: 0")],
        "      retry_attempts: 1\n",
    ));
    for _ in 0..4 {
        assert_eq!(
            p.get("/", "").status,
            200,
            "GET is retried on the live server"
        );
    }
    let mut post_failures = 0;
    for _ in 0..4 {
        if p.request("POST", "/", "", "x=1").status == 502 {
            post_failures += 1;
        }
    }
    assert!(
        post_failures > 0,
        "a POST that hit the dead server must not be retried"
    );
}

#[test]
fn no_reachable_server_is_502_and_slow_upstream_is_504() {
    let dead = free_port();
    let p = Proxy::start(&config("round_robin", &[(dead, "")], ""));
    let r = p.get("/", "Accept: application/json\r\n");
    assert_eq!(r.status, 502);
    assert_eq!(r.json()["error"], "bad_gateway");

    let slow = Backend::start("slow");
    let p = Proxy::start(&config(
        "round_robin",
        &[(slow.port, "")],
        "      timeout: 1\n",
    ));
    let r = p.get("/sleep/3000", "");
    assert_eq!(r.status, 504);
}
