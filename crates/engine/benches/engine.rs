//! Engine throughput: a typical benign API request (the fast path every request takes)
//! and adversarial inputs that must stay linear (reported per byte).
//!
//! `cargo bench -p waf-engine`

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use waf_engine::{Engine, Policy};

#[path = "benign_request.rs"]
mod benign_request;
use benign_request::{benign_json_body, request, HEADERS, QUERY};

fn benign(c: &mut Criterion) {
    let policy = Policy::default();
    let body = benign_json_body();
    // The request as if every header were seen for the first time: the speed target.
    let cold = Engine::new().without_header_memo();
    c.bench_function("benign_api_request", |b| {
        b.iter(|| {
            let v = cold.inspect(black_box(&request(Some(QUERY), &HEADERS, &body)), &policy);
            assert!(!v.is_blocking());
            v
        })
    });
    // The same client's next requests: its User-Agent, Referer and Origin already known clean.
    let warm = Engine::new();
    c.bench_function("benign_api_request_known_headers", |b| {
        b.iter(|| {
            let v = warm.inspect(black_box(&request(Some(QUERY), &HEADERS, &body)), &policy);
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
