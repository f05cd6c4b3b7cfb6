//! Malformed requests get 400 (or 414/431) and a closed connection; the upstream sees nothing.

use crate::support::*;

fn proxy_and_backend() -> (Proxy, Backend) {
    let b = Backend::start("b");
    let yaml = format!(
        "server:\n  max_uri_length: 1024\n  max_header_size: 4KB\nproxy:\n  upstreams:\n{}  routes:\n    - pattern: /\n      upstream: app\n",
        upstream_yaml("app", "round_robin", &[(b.port, "")])
    );
    (Proxy::start(&yaml), b)
}

const MALFORMED: &[(&str, &str)] = &[
    ("both content-length and transfer-encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("two different content-lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"),
    ("transfer-encoding not a final chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
    ("unknown transfer-encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n"),
    ("bad chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n0\r\n\r\n"),
    ("chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n"),
    ("chunk data without CRLF", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n"),
    ("obsolete line folding", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  c\r\n\r\n"),
    ("whitespace before colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n"),
    ("invalid header name", "GET / HTTP/1.1\r\nHost: a\r\nX@A: b\r\n\r\n"),
    ("control character in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01c\r\n\r\n"),
    ("bare LF", "GET / HTTP/1.1\nHost: a\n\n"),
    ("bare CR", "GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n"),
    ("missing host", "GET / HTTP/1.1\r\n\r\n"),
    ("two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    ("bad host port", "GET / HTTP/1.1\r\nHost: a:8o\r\n\r\n"),
    ("malformed request line", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n"),
];

#[test]
fn every_malformed_case_gets_400_closed_and_never_reaches_upstream() {
    let (p, b) = proxy_and_backend();
    for (name, req) in MALFORMED {
        let raw = p.raw(req.as_bytes());
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("HTTP/1.1 400"), "{name}: got {text:?}");
        assert!(
            text.to_ascii_lowercase().contains("connection: close"),
            "{name}: {text:?}"
        );
    }
    assert_eq!(
        b.count(),
        0,
        "upstream saw a malformed request: {:?}",
        b.last()
    );
}

#[test]
fn a_refused_upgrade_does_not_switch_the_gate_off() {
    let (p, b) = proxy_and_backend();
    // The upstream answers the upgrade request with 200 (no 101): the connection stays
    // HTTP/1 and the next, malformed request is refused before any upstream sees it.
    let raw = p.raw(b"GET /a HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: nope\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(text.matches("HTTP/1.1 200").count(), 1, "{text}");
    assert!(!text.contains("HTTP/1.1 101"), "{text}");
    assert!(
        b.seen.lock().unwrap().iter().all(|s| s.target != "/b"),
        "the smuggled request reached the upstream"
    );
}

#[test]
fn long_uri_is_414_and_large_head_431() {
    let (p, b) = proxy_and_backend();
    let uri = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(2000));
    assert!(p.raw(uri.as_bytes()).starts_with(b"HTTP/1.1 414"));
    let big = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
        "b".repeat(6000)
    );
    assert!(p.raw(big.as_bytes()).starts_with(b"HTTP/1.1 431"));
    assert_eq!(b.count(), 0);
}

#[test]
fn valid_chunked_body_and_keepalive_pipelining_pass() {
    let (p, b) = proxy_and_backend();
    let raw = p.raw(b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(text.matches("HTTP/1.1 200").count(), 2, "{text}");
    let seen = b.seen.lock().unwrap().clone();
    assert_eq!(seen[0].body, b"hello world");
    assert_eq!(seen[1].target, "/b");
}
