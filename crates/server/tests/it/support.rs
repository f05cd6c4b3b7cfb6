//! Test harness: the real `waf-proxy` binary started on a free port with a config written
//! to a temp dir, tiny upstream servers (hyper) that record what reached them, and a raw
//! HTTP/1.1 client that sends exactly the bytes a test gives.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "waf-it-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `waf-proxy`.
pub struct Proxy {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
    pub config: PathBuf,
}

impl Proxy {
    /// Starts the binary with `yaml` (which must not set server.port); waits until it listens.
    ///
    /// A port found free can be taken by another test's listener before the child binds it;
    /// the child then refuses to start while the wait below may connect to that other
    /// listener. So the child must still be running once its port answers, or the start is
    /// retried on another port.
    pub fn start(yaml: &str) -> Proxy {
        for _ in 0..5 {
            if let Some(p) = Proxy::try_start(yaml) {
                return p;
            }
        }
        panic!("waf-proxy did not start listening (five ports tried)");
    }

    fn try_start(yaml: &str) -> Option<Proxy> {
        let dir = temp_dir();
        let port = free_port();
        let config = dir.join("config.yaml");
        std::fs::write(&config, with_port(yaml, port)).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_waf-proxy"))
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start waf-proxy");
        let mut p = Proxy {
            child,
            port,
            dir,
            config,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if p.child.try_wait().unwrap().is_some() {
                return None;
            }
            if TcpStream::connect(p.addr()).is_ok() {
                std::thread::sleep(Duration::from_millis(50));
                return p.child.try_wait().unwrap().is_none().then_some(p);
            }
            assert!(
                Instant::now() < deadline,
                "waf-proxy did not start listening"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Rewrites the config file (keeping the port) and sends SIGHUP.
    pub fn reload(&self, yaml: &str) {
        std::fs::write(&self.config, with_port(yaml, self.port)).unwrap();
        self.signal("HUP");
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Sends raw bytes, reads until the proxy closes or `timeout`.
    pub fn raw(&self, bytes: &[u8]) -> Vec<u8> {
        raw_exchange(self.addr(), bytes, Duration::from_secs(5))
    }

    /// A GET with extra header lines, `Connection: close`.
    pub fn get(&self, target: &str, extra_headers: &str) -> HttpResponse {
        let req = format!(
            "GET {target} HTTP/1.1\r\nHost: localhost\r\n{extra_headers}Connection: close\r\n\r\n"
        );
        HttpResponse::parse(&self.raw(req.as_bytes()))
    }

    pub fn request(
        &self,
        method: &str,
        target: &str,
        extra_headers: &str,
        body: &str,
    ) -> HttpResponse {
        let req = format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        HttpResponse::parse(&self.raw(req.as_bytes()))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn with_port(yaml: &str, port: u16) -> String {
    if yaml.contains("server:\n") {
        yaml.replacen(
            "server:\n",
            &format!("server:\n  port: {port}\n  host: 127.0.0.1\n"),
            1,
        )
    } else {
        format!("server:\n  port: {port}\n  host: 127.0.0.1\n{yaml}")
    }
}

pub fn raw_exchange(addr: SocketAddr, bytes: &[u8], timeout: Duration) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(timeout)).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// A parsed HTTP/1.1 response (body de-chunked when needed).
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn parse(raw: &[u8]) -> HttpResponse {
        let text = String::from_utf8_lossy(raw);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            panic!("no complete response head in {text:?}");
        };
        let head = String::from_utf8_lossy(&raw[..end]);
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let mut body = raw[end + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
        {
            body = dechunk(&body);
        }
        HttpResponse {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(p) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&b[..p])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 || b.len() < p + 2 + size {
            break;
        }
        out.extend_from_slice(&b[p + 2..p + 2 + size]);
        b = &b[(p + 4 + size).min(b.len())..];
    }
    out
}

/// What an upstream saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A test upstream: answers `200 <name>` (or sleeps for `/sleep/<ms>`, or echoes bytes after
/// a 101 for upgrade requests), recording every request.
pub struct Backend {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Backend {
    pub fn start(name: &str) -> Backend {
        let std_listener = TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let port = std_listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let seen2 = Arc::clone(&seen);
        let name2 = name.to_string();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                tokio::pin!(rx);
                loop {
                    let (stream, _) = tokio::select! {
                        _ = &mut rx => break,
                        r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
                    };
                    let seen = Arc::clone(&seen2);
                    let name = name2.clone();
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req| {
                            respond(req, name.clone(), Arc::clone(&seen))
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                            .with_upgrades()
                            .await;
                    });
                }
            });
        });
        Backend {
            port,
            seen,
            _shutdown: tx,
        }
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn last(&self) -> Seen {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("backend saw no request")
    }
}

async fn respond(
    mut req: Request<Incoming>,
    name: String,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let upgrade = req
        .headers()
        .get("upgrade")
        .is_some_and(|v| v == "websocket");
    let on_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        target: target.clone(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    });
    if let Some(ms) = target.strip_prefix("/sleep/") {
        tokio::time::sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
    }
    if let Some(on) = on_upgrade {
        tokio::spawn(async move {
            if let Ok(up) = on.await {
                let mut io = hyper_util::rt::TokioIo::new(up);
                let (mut r, mut w) = tokio::io::split(&mut io);
                let _ = tokio::io::copy(&mut r, &mut w).await;
            }
        });
        return Ok(Response::builder()
            .status(101)
            .header("upgrade", "websocket")
            .header("connection", "upgrade")
            .body(Full::new(Bytes::new()))
            .unwrap());
    }
    Ok(Response::builder()
        .header("x-backend", name.as_str())
        .header("keep-alive", "timeout=5")
        .header("connection", "x-secret-hop")
        .header("x-secret-hop", "should not pass")
        .body(Full::new(Bytes::from(name)))
        .unwrap())
}

/// Upstream YAML for backends (`servers` entries with optional extra keys).
pub fn upstream_yaml(name: &str, algorithm: &str, servers: &[(u16, &str)]) -> String {
    let mut s = format!("    - name: {name}\n      algorithm: {algorithm}\n      servers:\n");
    for (port, extra) in servers {
        s.push_str(&format!(
            "        - {{host: 127.0.0.1, port: {port}{extra}}}\n"
        ));
    }
    s
}
