//! Accepting connections: the connection limit, HTTP/2 prior-knowledge detection, the
//! strict HTTP/1 gate, hyper's connection drivers, and graceful shutdown (stop accepting,
//! let in-flight requests finish within the grace period).

use crate::h1_gate::{ClientIo, GateLimits};
use crate::{service, Dataplane};
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch, Semaphore};

const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves `listener` with at most `max_connections` open connections until `shutdown`
/// resolves, then drains connections for at most the configured grace period.
pub async fn serve(
    listener: TcpListener,
    dp: Arc<Dataplane>,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    // Connections watch `stop`; each holds a clone of `alive`, so `drained` ends when the
    // last connection has finished.
    let (stop_tx, stop_rx) = watch::channel(false);
    let (alive, mut drained) = mpsc::channel::<()>(1);
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = Arc::clone(&slots).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // EMFILE and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let dp = Arc::clone(&dp);
        let stop = stop_rx.clone();
        let alive = alive.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _alive = alive;
            serve_connection(stream, peer, dp, stop).await;
        });
    }
    drop(listener);
    let grace = dp.runtime().config.server.shutdown_grace;
    tracing::info!("stopped accepting; waiting up to {grace:?} for in-flight requests");
    let _ = stop_tx.send(true);
    drop(alive);
    if tokio::time::timeout(grace, drained.recv()).await.is_err() {
        tracing::warn!("grace period over; closing remaining connections");
    }
}

/// Drives a hyper connection; when `stop` turns true, asks it to finish gracefully (no new
/// requests, in-flight ones complete) and keeps driving it to the end.
macro_rules! drive {
    ($conn:expr, $stop:expr, $peer:expr) => {{
        let conn = $conn;
        tokio::pin!(conn);
        let mut stop = $stop;
        let result = loop {
            if *stop.borrow() {
                conn.as_mut().graceful_shutdown();
                break conn.await;
            }
            tokio::select! {
                r = conn.as_mut() => break r,
                changed = stop.changed() => {
                    if changed.is_err() {
                        break conn.await;
                    }
                }
            }
        };
        if let Err(e) = result {
            tracing::debug!(peer = %$peer, error = %e, "connection ended with error");
        }
    }};
}

async fn serve_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    dp: Arc<Dataplane>,
    stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let rt = dp.runtime();
    let server = &rt.config.server;
    let first_byte_timeout = server.keepalive_timeout;
    // Read just enough to tell HTTP/2 prior knowledge from HTTP/1.
    let mut initial = [0u8; 24];
    let mut n = 0;
    let read = async {
        while n < initial.len() {
            match stream.read(&mut initial[n..]).await {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
            if initial[..n] != H2_PREFACE[..n] {
                break;
            }
        }
    };
    if tokio::time::timeout(first_byte_timeout, read)
        .await
        .is_err()
        || n == 0
    {
        return;
    }
    let svc_dp = Arc::clone(&dp);
    let svc = service_fn(move |req| service::handle(Arc::clone(&svc_dp), peer, req));
    if &initial[..n] == H2_PREFACE {
        let io = TokioIo::new(ClientIo::passthrough(stream, &initial[..n]));
        let conn = http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .max_header_list_size(server.max_header_size as u32)
            .max_concurrent_streams(256)
            .keep_alive_interval(Some(Duration::from_secs(30)))
            .serve_connection(io, svc);
        drive!(conn, stop, peer);
    } else {
        let limits = GateLimits {
            max_head: server.max_header_size,
            max_uri: server.max_uri_length,
        };
        let io = TokioIo::new(ClientIo::http1(stream, &initial[..n], limits));
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(server.keepalive_timeout)
            .keep_alive(true)
            // A client may close its write side and still wait for the answer; the gate
            // relies on this too: it ends the read side at a refused request so that hyper
            // completes what is in flight before the refusal is written at shutdown.
            .half_close(true)
            .max_buf_size((server.max_header_size + server.max_uri_length).max(16 * 1024) * 2)
            .serve_connection(io, svc)
            .with_upgrades();
        drive!(conn, stop, peer);
    }
}
