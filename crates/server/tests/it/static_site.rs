//! The `static:` upstream.

use crate::support::*;

fn site() -> (Proxy, std::path::PathBuf) {
    let root = temp_dir();
    std::fs::create_dir_all(root.join("docs")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>home</h1>").unwrap();
    std::fs::write(root.join("docs/index.html"), "docs").unwrap();
    std::fs::write(root.join("app.js"), "console.log(1)").unwrap();
    std::fs::write(root.join("data.bin"), (0u8..=99).collect::<Vec<u8>>()).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    // A secret next to the root that traversal must not reach.
    std::fs::write(root.parent().unwrap().join("waf-secret.txt"), "secret").unwrap();
    let yaml = format!(
        "waf:\n  enabled: false\nproxy:\n  upstreams:\n    - name: site\n      servers:\n        - static: {}\n  routes:\n    - pattern: /\n      upstream: site\n",
        root.display()
    );
    (Proxy::start(&yaml), root)
}

#[test]
fn serves_files_with_types_index_and_validators() {
    let (p, _root) = site();
    let r = p.get("/", "");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "<h1>home</h1>");
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.header("last-modified").is_some());
    let etag = r.header("etag").unwrap().to_string();
    assert_eq!(
        p.get("/", &format!("If-None-Match: {etag}\r\n")).status,
        304
    );
    let lm = r.header("last-modified").unwrap().to_string();
    assert_eq!(
        p.get("/", &format!("If-Modified-Since: {lm}\r\n")).status,
        304
    );
    assert!(p
        .get("/app.js", "")
        .header("content-type")
        .unwrap()
        .contains("javascript"));
    let r = p.get("/docs", "");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/docs/"));
    assert_eq!(p.get("/docs/", "").text(), "docs");
    assert_eq!(p.get("/empty/", "").status, 404, "no directory listing");
    assert_eq!(p.get("/missing.html", "").status, 404);
    assert_eq!(p.request("POST", "/", "", "").status, 405);
}

#[test]
fn serves_byte_ranges() {
    let (p, _root) = site();
    let r = p.get("/data.bin", "Range: bytes=10-19\r\n");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, (10u8..20).collect::<Vec<u8>>());
    assert_eq!(r.header("content-range"), Some("bytes 10-19/100"));
    let r = p.get("/data.bin", "Range: bytes=-5\r\n");
    assert_eq!(r.body, (95u8..100).collect::<Vec<u8>>());
    assert_eq!(p.get("/data.bin", "Range: bytes=200-\r\n").status, 416);
}

#[test]
fn traversal_in_any_encoding_never_escapes_the_root() {
    let (p, _root) = site();
    for target in [
        "/../waf-secret.txt",
        "/%2e%2e/waf-secret.txt",
        "/%2E%2E%2Fwaf-secret.txt",
        "/docs/..%2f..%2fwaf-secret.txt",
        "/..%5cwaf-secret.txt",
        "/%252e%252e/waf-secret.txt",
        "/%c0%ae%c0%ae/waf-secret.txt",
        "/docs/../../waf-secret.txt",
    ] {
        let r = p.get(target, "");
        assert!(
            r.status == 403 || r.status == 404 || r.status == 400,
            "{target}: {}",
            r.status
        );
        assert!(!r.text().contains("secret"), "{target} leaked the file");
    }
}
