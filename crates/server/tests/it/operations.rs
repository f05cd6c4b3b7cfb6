//! The binary as an operator runs it: `check`, SIGHUP reload, SIGTERM drain.

use crate::support::*;
use std::process::Command;
use std::time::Duration;

fn config(port: u16) -> String {
    format!(
        "waf:\n  enabled: false\nproxy:\n  upstreams:\n{}  routes:\n    - pattern: /\n      upstream: app\n",
        upstream_yaml("app", "round_robin", &[(port, "")])
    )
}

fn check(yaml: &str) -> (bool, String, String) {
    let dir = temp_dir();
    let path = dir.join("c.yaml");
    std::fs::write(&path, yaml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_waf-proxy"))
        .args(["check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_prints_the_plan_or_every_error_with_its_key() {
    let (ok, out, _) = check(&config(9000));
    assert!(ok);
    assert!(out.contains("routes (first match wins):"), "{out}");
    assert!(out.contains("app [round_robin]: 127.0.0.1:9000"), "{out}");

    let bad = config(9000).replace("upstream: app", "upstream: api-v2")
        + "server:\n  port: 99999\nadmin:\n  enabled: true\n";
    let (ok, _, err) = check(&bad);
    assert!(!ok);
    assert!(
        err.contains("proxy.routes[0].upstream: unknown upstream \"api-v2\"; known: app"),
        "{err}"
    );
    assert!(err.contains("server.port: 99999 is out of range"), "{err}");
    assert!(err.contains("admin.enabled"), "{err}");

    let (ok, _, err) = check("server:\n  prot: 80\n");
    assert!(!ok);
    assert!(
        err.contains("unknown field `prot`") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn run_refuses_to_start_on_a_bad_config() {
    let dir = temp_dir();
    let path = dir.join("c.yaml");
    std::fs::write(
        &path,
        "proxy:\n  routes:\n    - {pattern: /, upstream: nope}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_waf-proxy"))
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("proxy.routes[0].upstream"));
}

#[test]
fn sighup_applies_a_valid_config_and_keeps_serving_on_an_invalid_one() {
    let (a, b) = (Backend::start("a"), Backend::start("b"));
    let p = Proxy::start(&config(a.port));
    assert_eq!(p.get("/", "").text(), "a");

    p.reload("proxy:\n  routes: [this is: not valid");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        p.get("/", "").text(),
        "a",
        "a broken config must not replace the running one"
    );

    p.reload(&config(b.port));
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while p.get("/", "").text() != "b" {
        assert!(
            std::time::Instant::now() < deadline,
            "reload did not take effect"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_lets_in_flight_requests_finish() {
    let slow = Backend::start("slow");
    let mut p = Proxy::start(&config(slow.port));
    let addr = p.addr();
    let inflight = std::thread::spawn(move || {
        raw_exchange(
            addr,
            b"GET /sleep/800 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::from_secs(5),
        )
    });
    std::thread::sleep(Duration::from_millis(200));
    p.signal("TERM");
    let resp = HttpResponse::parse(&inflight.join().unwrap());
    assert_eq!(resp.status, 200);
    let status = p.child.wait().unwrap();
    assert!(status.success());
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still accepting after SIGTERM"
    );
}

#[test]
fn check_writes_nothing_and_names_unusable_log_paths() {
    let dir = temp_dir();
    let log = dir.join("access.log");
    let yaml = format!(
        "{}logging:\n  access_log:\n    file: {}\n",
        config(9000),
        log.display()
    );
    let (ok, _, err) = check(&yaml);
    assert!(ok, "{err}");
    assert!(!log.exists(), "check created the log file");
    let missing = dir.join("no-such-folder/access.log");
    let (ok, _, err) = check(&format!(
        "{}logging:\n  access_log:\n    file: {}\n",
        config(9000),
        missing.display()
    ));
    assert!(!ok);
    assert!(err.contains("logging.access_log.file: folder of"), "{err}");
    assert!(
        !dir.join("no-such-folder").exists(),
        "check created a folder"
    );
    let _ = std::fs::remove_dir_all(dir);
}
