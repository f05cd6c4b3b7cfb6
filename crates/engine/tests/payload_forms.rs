//! The engine against payload forms from public cheat sheets and scanners, and against
//! everyday values, each sent as a percent-encoded query argument through the public API.
//! The lists live in `tests/data/`, one value per line (`# ` starts a comment line).

use waf_engine::{Engine, Policy, RequestParts, Verdict};

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("# "))
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn inspect(engine: &Engine, value: &str) -> Verdict {
    let query = format!("q={}", percent_encode(value));
    let request = RequestParts {
        method: "GET",
        path: "/search",
        query: Some(&query),
        headers: &[("host", b"shop.example.com")],
        body: b"",
        body_truncated: false,
    };
    engine.inspect(&request, &Policy::default())
}

#[test]
fn public_attack_forms_block() {
    let engine = Engine::new();
    let missed: Vec<&str> = lines(include_str!("data/attack-forms.txt"))
        .filter(|v| !inspect(&engine, v).is_blocking())
        .collect();
    assert!(missed.is_empty(), "not blocked: {missed:#?}");
}

#[test]
fn everyday_values_pass() {
    let engine = Engine::new();
    let blocked: Vec<(&str, Verdict)> = lines(include_str!("data/everyday-values.txt"))
        .map(|v| (v, inspect(&engine, v)))
        .filter(|(_, verdict)| verdict.is_blocking())
        .collect();
    assert!(blocked.is_empty(), "blocked: {blocked:#?}");
}
