//! Fuzzes the whole engine: the input is split into path, query, a header value and a
//! body at `\n` separators; the first byte picks the content type.
#![no_main]

use std::sync::OnceLock;

use waf_engine::{Engine, Policy, RequestParts};

static ENGINE: OnceLock<Engine> = OnceLock::new();

const TYPES: [&[u8]; 6] = [
    b"application/json",
    b"application/xml",
    b"multipart/form-data; boundary=b",
    b"application/x-www-form-urlencoded",
    b"text/plain",
    b"application/json; charset=utf-7",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let engine = ENGINE.get_or_init(Engine::new);
    let (kind, rest) = data.split_first().unwrap_or((&0, &[]));
    let mut parts = rest.splitn(4, |&b| b == b'\n');
    let path = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let query = parts.next().map(|q| String::from_utf8_lossy(q).into_owned());
    let header = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let headers: [(&str, &[u8]); 4] = [
        ("content-type", TYPES[usize::from(*kind) % TYPES.len()]),
        ("user-agent", header),
        ("cookie", header),
        ("referer", header),
    ];
    let request = RequestParts {
        method: "POST",
        path: &path,
        query: query.as_deref(),
        headers: &headers,
        body,
        body_truncated: kind & 0x80 != 0,
    };
    let verdict = engine.inspect(&request, &Policy::default());
    for f in &verdict.findings {
        assert!((0.0..=1.0).contains(&f.confidence));
    }
});
