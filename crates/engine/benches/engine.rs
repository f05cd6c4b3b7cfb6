//! Engine throughput: a typical benign API request (the fast path every request takes)
//! and adversarial inputs that must stay linear (reported per byte).
//!
//! `cargo bench -p waf-engine`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use waf_engine::{Engine, Policy, RequestParts};

fn benign_json_body() -> Vec<u8> {
    let mut items = Vec::new();
    for i in 0..8 {
        items.push(format!(
            r#"{{"sku":"SKU-{i:04}","name":"Walnut desk organiser {i}","qty":{q},"price":{p}.99,"tags":["home","office"]}}"#,
            q = i + 1,
            p = 10 + i
        ));
    }
    format!(
        r#"{{"customer":{{"id":"c_8f3a2b","email":"jane.doe@example.com","name":"Jane O'Neil"}},"items":[{}],"note":"Please leave it at the door, thanks!"}}"#,
        items.join(",")
    )
    .into_bytes()
}

const HEADERS: [(&str, &[u8]); 12] = [
    ("host", b"shop.example.com"),
    ("user-agent", b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    ("accept", b"application/json"),
    ("accept-language", b"en-GB,en;q=0.9"),
    ("accept-encoding", b"gzip, deflate, br"),
    ("content-type", b"application/json"),
    ("content-length", b"1024"),
    ("cookie", b"sid=0cb1e29c658cda1495e60af593bd04cf; theme=dark; consent=analytics%3Dno"),
    ("referer", b"https://shop.example.com/cart"),
    ("origin", b"https://shop.example.com"),
    ("x-request-id", b"4f1c2a9e-8d7b-4c3a-9f1e-2b6d5a4c3e21"),
    ("sec-fetch-mode", b"cors"),
];

const QUERY: &str = "page=2&per_page=50&sort=-created_at&filter%5Bstatus%5D=active&q=walnut+desk&currency=EUR&locale=en-GB&include=items,customer&utm_source=newsletter&ts=1733212800";

fn request<'a>(
    query: Option<&'a str>,
    headers: &'a [(&'a str, &'a [u8])],
    body: &'a [u8],
) -> RequestParts<'a> {
    RequestParts {
        method: "POST",
        path: "/api/v2/orders",
        query,
        headers,
        body,
        body_truncated: false,
    }
}

fn benign(c: &mut Criterion) {
    let engine = Engine::new();
    let policy = Policy::default();
    let body = benign_json_body();
    c.bench_function("benign_api_request", |b| {
        b.iter(|| {
            let v = engine.inspect(black_box(&request(Some(QUERY), &HEADERS, &body)), &policy);
            assert!(!v.is_blocking());
            v
        })
    });
    c.bench_function("engine_new", |b| b.iter(Engine::new));
}

/// One adversarial input: name, body, headers.
type Case<'a> = (&'static str, Vec<u8>, &'a [(&'a str, &'a [u8])]);

fn adversarial(c: &mut Criterion) {
    let engine = Engine::new();
    let policy = Policy::default();
    let headers: [(&str, &[u8]); 1] = [("content-type", b"application/x-www-form-urlencoded")];
    let json_headers: [(&str, &[u8]); 1] = [("content-type", b"application/json")];
    let mut group = c.benchmark_group("adversarial");
    group.sample_size(10);
    for kb in [16usize, 256] {
        let n = kb * 1024;
        let cases: Vec<Case<'_>> = vec![
            (
                "quotes",
                format!("q={}", "'".repeat(n)).into_bytes(),
                &headers,
            ),
            (
                "angle_brackets",
                format!("q={}", "<".repeat(n)).into_bytes(),
                &headers,
            ),
            ("deep_json", "[".repeat(n).into_bytes(), &json_headers),
            ("many_params", "a=1&".repeat(n / 4).into_bytes(), &headers),
            (
                "percent_layers",
                format!("q={}", "%25".repeat(n / 3)).into_bytes(),
                &headers,
            ),
            (
                "sql_tokens",
                format!("q={}", "1 or 1=1 union select ".repeat(n / 22)).into_bytes(),
                &headers,
            ),
        ];
        for (name, body, h) in cases {
            group.throughput(Throughput::Bytes(body.len() as u64));
            group.bench_with_input(
                BenchmarkId::new(name, format!("{kb}KiB")),
                &body,
                |b, body| b.iter(|| engine.inspect(&request(None, h, body), &policy)),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, benign, adversarial);
criterion_main!(benches);
