//! Cost of the gate chain per request: a 1,000,000-entry IP deny list, 100 custom rules, a
//! geo lookup, and (separately) with a per-IP rate limit.
//!
//! `cargo bench -p waf-dataplane --bench gates`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::net::IpAddr;
use waf_dataplane::gates::{GateInput, Gates, SharedState};

fn config(rate_limit: bool) -> waf_config::Config {
    let geo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../server/tests/testdata/GeoIP2-Country-Test.mmdb"
    );
    let mut rules = String::new();
    for i in 0..100 {
        let cond = match i % 5 {
            0 => format!("{{type: path, operator: starts_with, value: /internal{i}/}}"),
            1 => format!("{{type: header, name: X-Test-{i}, operator: equals, value: v{i}}}"),
            2 => format!("{{type: user_agent, operator: regex, value: \"^BadAgent{i}/[0-9]+\"}}"),
            3 => format!("{{type: ip, operator: in_subnet, value: \"10.{i}.0.0/16\"}}"),
            _ => format!("{{type: query, name: token{i}, operator: contains, value: secret{i}}}"),
        };
        rules.push_str(&format!(
            "    - {{name: r{i}, priority: {i}, action: block, conditions: [{cond}]}}\n"
        ));
    }
    let rate = if rate_limit {
        "  rate_limiting:\n    per_ip_limit: {requests_per_second: 1000000}\n"
    } else {
        ""
    };
    let yaml = format!(
        "waf:\n  geo_blocking:\n    enabled: true\n    geoip_database: {geo}\n    blocked_countries: [KP]\n{rate}  custom_rules:\n{rules}proxy:\n  upstreams: [{{name: a, servers: [{{host: 127.0.0.1, port: 1}}]}}]\n  routes: [{{pattern: /, upstream: a}}]\n"
    );
    waf_config::parse(&yaml, std::path::Path::new("/")).expect("bench config")
}

fn gates(rate_limit: bool) -> Gates {
    let mut cfg = config(rate_limit).waf.gates;
    // 1,000,000 distinct /32s (and a few networks) in the deny list.
    let mut x: u32 = 0x9e37_79b9;
    for _ in 0..1_000_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        cfg.ip_deny
            .push(ipnet::IpNet::from(IpAddr::from(x.to_be_bytes())));
    }
    cfg.ip_deny.push("198.18.0.0/15".parse().unwrap());
    Gates::build(&cfg, &SharedState::default()).unwrap_or_else(|_| panic!("gates"))
}

fn bench(c: &mut Criterion) {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "user-agent",
        "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"
            .parse()
            .unwrap(),
    );
    headers.insert("accept", "text/html".parse().unwrap());
    let method = http::Method::GET;
    let client: IpAddr = "81.2.69.160".parse().unwrap();
    for (name, rate) in [
        ("gate_chain_1m_ips_100_rules_geo", false),
        ("gate_chain_1m_ips_100_rules_geo_rate_limit", true),
    ] {
        let g = gates(rate);
        let mut now = 0u64;
        c.bench_function(name, |b| {
            b.iter(|| {
                now += 1;
                let input = GateInput {
                    client,
                    method: &method,
                    path: "/products/42",
                    query: Some("page=2&sort=price"),
                    headers: &headers,
                    now_ms: now,
                    now_s: 1_700_000_000,
                };
                black_box(g.check(black_box(&input)))
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
