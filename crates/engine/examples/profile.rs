//! Runs the benign request of the speed benchmark a fixed number of times, for profilers
//! that count instructions rather than time (`perf stat -e instructions`, callgrind):
//! repeatable figures on a busy machine.
//!
//! ```text
//! cargo build --release -p waf-engine --example profile
//! perf stat -e instructions target/release/examples/profile 20000
//! ```

#[path = "../benches/benign_request.rs"]
mod benign_request;

use benign_request::{benign_json_body, request, HEADERS, QUERY};
use waf_engine::{Engine, Policy};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    // Every header read each time, as the criterion bench's `benign_api_request`.
    let engine = Engine::new().without_header_memo();
    let policy = Policy::default();
    let body = benign_json_body();
    let req = request(Some(QUERY), &HEADERS, &body);
    let started = std::time::Instant::now();
    let mut findings = 0;
    for _ in 0..n {
        findings += std::hint::black_box(engine.inspect(std::hint::black_box(&req), &policy))
            .findings
            .len();
    }
    let per = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("{n} inspections, {per:.2} µs each, {findings} findings");
}
