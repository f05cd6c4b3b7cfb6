//! Keep-alive connections to upstream servers, one pool per server.
//!
//! A request takes an idle connection (last in, first out) or opens a new one; the
//! connection goes back to the pool when the response body has been read to its end, so a
//! pooled connection is always ready for the next request. A pooled connection that the
//! server closed in the meantime is detected before use, or, when the race is lost, by
//! `try_send_request` handing the unsent request back, so any method can safely go out on a
//! fresh connection. Idle connections older than [`IDLE_TIMEOUT`] are dropped.

use crate::body::{BoxError, ProxyBody};
use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How long an idle upstream connection is kept.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Most idle connections kept per server.
pub const MAX_IDLE: usize = 256;
/// Time allowed to establish a TCP connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

type Sender = SendRequest<ProxyBody>;

/// The idle connections of one server.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<(Sender, Instant)>>,
}

/// Why a request got no response.
#[derive(Debug)]
pub enum SendError {
    /// No connection could be made: nothing was sent, another server may be tried.
    Connect(std::io::Error),
    /// The exchange failed after the request was (or may have been) sent.
    Exchange(hyper::Error),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Connect(e) => write!(f, "connect: {e}"),
            SendError::Exchange(e) => write!(f, "{e}"),
        }
    }
}

impl Pool {
    fn take_idle(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((sender, since)) = idle.pop() {
            if sender.is_ready() && since.elapsed() < IDLE_TIMEOUT {
                return Some(sender);
            }
        }
        None
    }

    fn put_back(&self, sender: Sender) {
        if !sender.is_ready() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push((sender, Instant::now()));
        }
    }

    /// Sends `req` to `addr` over a pooled or new connection.
    pub async fn send(
        self: &Arc<Self>,
        addr: &str,
        mut req: Request<ProxyBody>,
    ) -> Result<Response<PooledBody>, SendError> {
        while let Some(mut sender) = self.take_idle() {
            match sender.try_send_request(req).await {
                Ok(resp) => return Ok(self.wrap(resp, sender)),
                Err(mut e) => match e.take_message() {
                    // Not sent: the connection was closing. Try the next one.
                    Some(back) => req = back,
                    None => return Err(SendError::Exchange(e.into_error())),
                },
            }
        }
        let mut sender = self.connect(addr).await?;
        match sender.send_request(req).await {
            Ok(resp) => Ok(self.wrap(resp, sender)),
            Err(e) => Err(SendError::Exchange(e)),
        }
    }

    async fn connect(&self, addr: &str) -> Result<Sender, SendError> {
        let stream =
            match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr)).await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return Err(SendError::Connect(e)),
                Err(_) => {
                    return Err(SendError::Connect(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "connect timed out",
                    )))
                }
            };
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::Builder::new()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| SendError::Connect(std::io::Error::other(e)))?;
        tokio::spawn(async move {
            if let Err(e) = conn.with_upgrades().await {
                tracing::debug!(error = %e, "upstream connection ended with error");
            }
        });
        Ok(sender)
    }

    fn wrap(self: &Arc<Self>, resp: Response<Incoming>, sender: Sender) -> Response<PooledBody> {
        let upgraded = resp.status() == http::StatusCode::SWITCHING_PROTOCOLS;
        resp.map(|body| {
            // An upgraded connection belongs to the tunnel, never to the pool.
            let done = body.is_end_stream() && !upgraded;
            let sender = (!upgraded).then_some(sender);
            let mut pooled = PooledBody {
                inner: body,
                sender,
                pool: Arc::clone(self),
                guard: None,
            };
            if done {
                pooled.release();
            }
            pooled
        })
    }
}

/// A response body that gives its connection back to the pool when read to the end.
pub struct PooledBody {
    inner: Incoming,
    sender: Option<Sender>,
    pool: Arc<Pool>,
    /// What must live as long as the response (the balancer's in-flight count).
    guard: Option<crate::balancer::Lease>,
}

impl PooledBody {
    /// Keeps `lease` until the body is dropped.
    pub fn hold(&mut self, lease: crate::balancer::Lease) {
        self.guard = Some(lease);
    }

    /// Takes the lease back (to keep it for an upgraded connection's lifetime).
    pub fn take_lease(&mut self) -> Option<crate::balancer::Lease> {
        self.guard.take()
    }

    fn release(&mut self) {
        if let Some(s) = self.sender.take() {
            self.pool.put_back(s);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let res = Pin::new(&mut this.inner).poll_frame(cx);
        match &res {
            Poll::Ready(None) => this.release(),
            Poll::Ready(Some(Ok(_))) if this.inner.is_end_stream() => this.release(),
            Poll::Ready(Some(Err(_))) => this.sender = None,
            _ => {}
        }
        res.map(|o| o.map(|r| r.map_err(BoxError::from)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
