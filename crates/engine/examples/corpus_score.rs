//! Offline detection-quality measurement: runs the engine (default policy) over a JSONL
//! corpus (schema: `/work/shared/corpora/README.md`) and prints, per category, how many
//! `block` records were blocked (detection) and how many `allow` records were (false
//! positives). Requests are rebuilt from `wire_b64` when present (the exact bytes a test
//! client sends), else from `method`/`target`/`headers`/`body`.
//!
//! ```text
//! cargo run -p waf-engine --release --example corpus_score -- CORPUS.jsonl \
//!     [--group attack] [--max-paranoia N] [--misses] [--fps] [--category NAME] [--repeat N]
//! ```
//!
//! `--repeat N` inspects every request N times (the verdict of the last one counts): the
//! µs/request line then measures a warm engine on that traffic mix, and a profiler run
//! (`valgrind --tool=callgrind`) shows where the mix spends its time.

use std::collections::BTreeMap;
use std::io::BufRead;

use base64::Engine as _;
use waf_engine::{Engine, Policy, RequestParts};

struct Req {
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn from_wire(wire: &[u8]) -> Option<Req> {
    let split = wire.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&wire[..split]);
    let body = wire[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut rl = lines.next()?.splitn(3, ' ');
    let method = rl.next()?.to_owned();
    let target = rl.next().unwrap_or("/").to_owned();
    let headers = lines
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            Some((n.trim().to_ascii_lowercase(), v.trim().as_bytes().to_vec()))
        })
        .collect();
    Some(Req {
        method,
        target,
        headers,
        body,
    })
}

fn from_fields(r: &serde_json::Value) -> Req {
    let method = r["method"].as_str().unwrap_or("GET").to_owned();
    let target = r["target"].as_str().unwrap_or("/").to_owned();
    let mut headers: Vec<(String, Vec<u8>)> = r["headers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| {
                    Some((
                        h[0].as_str()?.to_ascii_lowercase(),
                        h[1].as_str()?.as_bytes().to_vec(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let body = match (r["body"].as_str(), r["body_b64"].as_str()) {
        (Some(b), _) => b.as_bytes().to_vec(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if !body.is_empty() && !headers.iter().any(|(n, _)| n == "content-type") {
        headers.push((
            "content-type".into(),
            b"application/x-www-form-urlencoded".to_vec(),
        ));
    }
    Req {
        method,
        target,
        headers,
        body,
    }
}

#[derive(Default)]
struct Tally {
    block_total: usize,
    block_hit: usize,
    allow_total: usize,
    allow_hit: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .expect("usage: corpus_score CORPUS.jsonl [options]");
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let flag = |name: &str| args.iter().any(|a| a == name);
    let group = opt("--group");
    let max_pl: Option<i64> = opt("--max-paranoia").and_then(|v| v.parse().ok());
    let only_cat = opt("--category");
    let (show_misses, show_fps) = (flag("--misses"), flag("--fps"));
    let repeat: usize = opt("--repeat")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);

    let engine = Engine::new();
    let policy = Policy::default();
    let file = std::fs::File::open(path).expect("corpus readable");
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let started = std::time::Instant::now();
    let mut n = 0usize;
    for line in std::io::BufReader::new(file).lines() {
        let Ok(line) = line else { continue };
        let Ok(r) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let expect = r["expect"].as_str().unwrap_or("");
        if expect != "block" && expect != "allow" {
            continue;
        }
        if let Some(g) = &group {
            if r["group"].as_str() != Some(g) {
                continue;
            }
        }
        if let Some(max) = max_pl {
            match r["paranoia"].as_i64() {
                Some(p) if p <= max => {}
                _ => continue,
            }
        }
        let category = r["category"].as_str().unwrap_or("?").to_owned();
        if only_cat.as_ref().is_some_and(|c| *c != category) {
            continue;
        }
        let wire = r["wire_b64"]
            .as_str()
            .and_then(|w| base64::engine::general_purpose::STANDARD.decode(w).ok());
        let req = wire
            .as_deref()
            .and_then(from_wire)
            .unwrap_or_else(|| from_fields(&r));
        let (path, query) = match req.target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (req.target.as_str(), None),
        };
        let headers: Vec<(&str, &[u8])> = req
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let parts = RequestParts {
            method: &req.method,
            path,
            query,
            headers: &headers,
            body: &req.body,
            body_truncated: false,
        };
        for _ in 1..repeat {
            std::hint::black_box(engine.inspect(std::hint::black_box(&parts), &policy));
        }
        let verdict = engine.inspect(&parts, &policy);
        n += repeat;
        let blocked = verdict.is_blocking();
        let t = tallies.entry(category.clone()).or_default();
        let id = r["id"].as_str().unwrap_or("?");
        if expect == "block" {
            t.block_total += 1;
            t.block_hit += usize::from(blocked);
            if !blocked && show_misses {
                let best = verdict
                    .findings
                    .iter()
                    .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
                    .map(|f| {
                        format!(
                            "{}@{} {:.2} {}",
                            f.detector, f.location, f.confidence, f.fragment
                        )
                    })
                    .unwrap_or_else(|| "-".into());
                println!(
                    "MISS {id} [{best}] {} {}",
                    req.method,
                    truncate(&req.target, 160)
                );
                if !req.body.is_empty() {
                    println!(
                        "     body: {}",
                        truncate(&String::from_utf8_lossy(&req.body), 200)
                    );
                }
            }
        } else {
            t.allow_total += 1;
            t.allow_hit += usize::from(blocked);
            if blocked && show_fps {
                let f = verdict.strongest().expect("blocking has strongest");
                println!(
                    "FP   {id} [{}@{} {:.2} {}] {} {}",
                    f.detector,
                    f.location,
                    f.confidence,
                    f.fragment,
                    req.method,
                    truncate(&req.target, 160)
                );
            }
        }
    }
    let elapsed = started.elapsed();
    println!(
        "\n{:<22} {:>7} {:>7} {:>8}   {:>7} {:>7} {:>8}",
        "category", "block", "hit", "detect%", "allow", "fp", "fp%"
    );
    let mut total = Tally::default();
    for (c, t) in &tallies {
        println!(
            "{:<22} {:>7} {:>7} {:>8}   {:>7} {:>7} {:>8}",
            c,
            t.block_total,
            t.block_hit,
            pct(t.block_hit, t.block_total),
            t.allow_total,
            t.allow_hit,
            pct(t.allow_hit, t.allow_total)
        );
        total.block_total += t.block_total;
        total.block_hit += t.block_hit;
        total.allow_total += t.allow_total;
        total.allow_hit += t.allow_hit;
    }
    println!(
        "{:<22} {:>7} {:>7} {:>8}   {:>7} {:>7} {:>8}",
        "TOTAL",
        total.block_total,
        total.block_hit,
        pct(total.block_hit, total.block_total),
        total.allow_total,
        total.allow_hit,
        pct(total.allow_hit, total.allow_total)
    );
    println!(
        "{n} requests in {:.1} ms ({:.1} µs/request)",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_secs_f64() * 1e6 / n.max(1) as f64
    );
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1}", 100.0 * a as f64 / b as f64)
    }
}

fn truncate(s: &str, n: usize) -> String {
    let t: String = s.chars().take(n).collect();
    t.replace(['\r', '\n'], " ")
}
