//! What the upstream receives and what the client gets back.

use crate::support::*;

fn config(port: u16, route_extra: &str, server_extra: &str) -> String {
    format!(
        "server:\n{server_extra}waf:\n  enabled: false\nproxy:\n  upstreams:\n{}  routes:\n    - pattern: /\n      upstream: app\n{route_extra}",
        upstream_yaml("app", "round_robin", &[(port, "")])
    )
}

#[test]
fn hop_by_hop_fields_are_removed_both_ways() {
    let b = Backend::start("b");
    let p = Proxy::start(&config(b.port, "", ""));
    let r = p.get("/x", "Connection: x-private\r\nX-Private: 1\r\nKeep-Alive: 300\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nX-Kept: yes\r\n");
    assert_eq!(r.status, 200);
    let seen = b.last();
    assert_eq!(seen.target, "/x", "the upstream gets the request target");
    for gone in ["x-private", "keep-alive", "te", "proxy-authorization"] {
        assert_eq!(seen.header(gone), None, "{gone} reached the upstream");
    }
    assert_eq!(seen.header("x-kept"), Some("yes"));
    // The upstream's own hop-by-hop fields do not reach the client.
    assert_eq!(r.header("x-secret-hop"), None);
    assert_eq!(r.header("keep-alive"), None);
}

#[test]
fn upstream_gets_the_normalised_path() {
    let b = Backend::start("b");
    let p = Proxy::start(&config(b.port, "", ""));
    assert_eq!(p.get("//api//%76ersion?x=%41", "").status, 200);
    assert_eq!(b.last().target, "/api/version?x=%41");
}

#[test]
fn forwarded_for_is_trusted_only_from_trusted_proxies() {
    let b = Backend::start("b");
    let p = Proxy::start(&config(b.port, "", ""));
    p.get(
        "/",
        "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n",
    );
    assert_eq!(
        b.last().header("x-forwarded-for"),
        Some("127.0.0.1"),
        "an untrusted claim is replaced"
    );
    assert_eq!(b.last().header("forwarded"), None);
    assert_eq!(b.last().header("x-real-ip"), None);

    let p = Proxy::start(&config(b.port, "", "  trusted_proxies: [127.0.0.1/32]\n"));
    p.get("/", "X-Forwarded-For: 198.51.100.4\r\n");
    let seen = b.last();
    assert_eq!(
        seen.header("x-forwarded-for"),
        Some("198.51.100.4, 127.0.0.1")
    );
    assert_eq!(seen.header("x-forwarded-proto"), Some("http"));
    assert_eq!(seen.header("x-forwarded-host"), Some("localhost"));
    assert!(seen.header("via").is_some_and(|v| v.contains("waf-proxy")));
}

#[test]
fn request_id_is_generated_or_passed_on_and_returned() {
    let b = Backend::start("b");
    let p = Proxy::start(&config(b.port, "", ""));
    let r = p.get("/", "X-Request-Id: abc-123\r\n");
    assert_eq!(b.last().header("x-request-id"), Some("abc-123"));
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    let r = p.get("/", "X-Request-Id: <bad id>\r\n");
    let id = r.header("x-request-id").unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(b.last().header("x-request-id"), Some(id.as_str()));
}

#[test]
fn route_header_edits_and_security_headers_apply() {
    let b = Backend::start("b");
    let route = "      headers:\n        add: {X-Added: one}\n        set: {X-Set: two}\n        remove: [X-Drop]\n";
    let server = "  security_headers:\n    content_security_policy: \"default-src 'self'\"\n";
    let p = Proxy::start(&config(b.port, route, server));
    let r = p.get("/", "X-Set: client\r\nX-Drop: 1\r\n");
    let seen = b.last();
    assert_eq!(seen.header("x-added"), Some("one"));
    assert_eq!(seen.header("x-set"), Some("two"));
    assert_eq!(seen.header("x-drop"), None);
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(
        r.header("content-security-policy"),
        Some("default-src 'self'")
    );
}

#[test]
fn routes_match_host_path_and_conditions_in_order_else_404() {
    let (api, web) = (Backend::start("api"), Backend::start("web"));
    let yaml = format!(
        "waf:\n  enabled: false\nproxy:\n  upstreams:\n{}{}  routes:\n    - pattern: /api/\n      hosts: [\"*.example.com\"]\n      upstream: api\n    - pattern: /\n      hosts: [example.com]\n      upstream: web\n      conditions:\n        - {{type: method, operator: equals, value: GET}}\n",
        upstream_yaml("api", "round_robin", &[(api.port, "")]),
        upstream_yaml("web", "round_robin", &[(web.port, "")])
    );
    let p = Proxy::start(&yaml);
    let send = |host: &str, method: &str, path: &str| {
        HttpResponse::parse(&p.raw(format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes()))
    };
    assert_eq!(send("v1.example.com:8080", "GET", "/api/x").text(), "api");
    assert_eq!(send("example.com", "GET", "/api/x").text(), "web");
    let r = send("example.com", "POST", "/");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "no_route");
    // Absolute-form target: its authority is the host.
    let r = HttpResponse::parse(&p.raw(
        b"GET http://a.example.com/api/z HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(r.text(), "api");
    assert_eq!(
        api.last().header("host"),
        Some("a.example.com"),
        "the upstream serves the host that was routed"
    );
    // Authority-form and other target forms are refused.
    assert!(p
        .raw(b"GET a.example.com HTTP/1.1\r\nHost: a.example.com\r\n\r\n")
        .starts_with(b"HTTP/1.1 400"));
}

#[test]
fn websocket_upgrade_is_tunnelled_both_ways() {
    use std::io::{Read, Write};
    let b = Backend::start("b");
    let p = Proxy::start(&config(b.port, "", ""));
    let mut s = std::net::TcpStream::connect(p.addr()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    s.write_all(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // A masked text frame "hello"; the echo server returns the same bytes.
    let frame = [
        0x81u8,
        0x85,
        1,
        2,
        3,
        4,
        b'h' ^ 1,
        b'e' ^ 2,
        b'l' ^ 3,
        b'l' ^ 4,
        b'o' ^ 1,
    ];
    for _ in 0..2 {
        s.write_all(&frame).unwrap();
        let mut echo = [0u8; 11];
        s.read_exact(&mut echo).unwrap();
        assert_eq!(echo, frame);
    }
}

#[test]
fn http2_prior_knowledge_is_served() {
    let b = Backend::start("b");
    let p = Proxy::start(&config(b.port, "", ""));
    let addr = p.addr();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, body) = rt.block_on(async move {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (mut send, conn) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(stream),
        )
        .await
        .unwrap();
        tokio::spawn(conn);
        let req = hyper::Request::builder()
            .uri(format!("http://localhost:{}/h2", addr.port()))
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        let status = resp.status().as_u16();
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        (status, body)
    });
    assert_eq!(status, 200);
    assert_eq!(&body[..], b"b");
    assert_eq!(b.last().target, "/h2");
}

#[test]
fn oversized_bodies_get_413() {
    let b = Backend::start("b");
    let p = Proxy::start(&config(b.port, "", "  max_request_size: 1KB\n"));
    let r = p.request("POST", "/", "", &"x".repeat(2000));
    assert_eq!(r.status, 413);
    assert_eq!(b.count(), 0);
}
