//! Body types of the data plane: the one boxed body every response and upstream request
//! uses, and the bounded buffering of request bodies for inspection.

use bytes::{Bytes, BytesMut};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Incoming};
use std::time::Duration;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type used for every response and every upstream request.
pub type ProxyBody = BoxBody<Bytes, BoxError>;

pub fn empty() -> ProxyBody {
    Empty::new().map_err(|never| match never {}).boxed()
}

pub fn full(bytes: impl Into<Bytes>) -> ProxyBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

pub fn incoming(body: Incoming) -> ProxyBody {
    body.map_err(BoxError::from).boxed()
}

/// A request body after bounded buffering.
pub enum Buffered {
    /// The whole body (within the inspection limit).
    Complete(Bytes),
    /// The first `limit` bytes; the rest still streams from `rest`.
    Partial { head: Bytes, rest: Incoming },
}

/// Why buffering stopped.
#[derive(Debug)]
pub enum BufferError {
    /// More than `max_request_size` bytes.
    TooLarge,
    /// The client stopped sending within the request timeout.
    Timeout,
    /// The body was malformed or the connection broke.
    Broken,
}

/// Reads up to `limit` bytes of `body`, failing past `max_total` bytes or `timeout`.
pub async fn buffer(
    mut body: Incoming,
    limit: usize,
    max_total: u64,
    timeout: Duration,
) -> Result<Buffered, BufferError> {
    let read = async {
        let mut buf = BytesMut::new();
        loop {
            if buf.len() >= limit && !body.is_end_stream() {
                return Ok(Buffered::Partial {
                    head: buf.freeze(),
                    rest: body,
                });
            }
            match body.frame().await {
                None => return Ok(Buffered::Complete(buf.freeze())),
                Some(Err(_)) => return Err(BufferError::Broken),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if (buf.len() + data.len()) as u64 > max_total {
                            return Err(BufferError::TooLarge);
                        }
                        buf.extend_from_slice(&data);
                    }
                }
            }
        }
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BufferError::Timeout))
}

/// Re-assembles a buffered body for forwarding; the streaming remainder is bounded by
/// `max_rest` bytes.
pub fn forwardable(buffered: Buffered, max_rest: u64) -> ProxyBody {
    match buffered {
        Buffered::Complete(b) => full(b),
        Buffered::Partial { head, rest } => {
            // The whole body stays within the limit, not the rest on top of the head.
            let rest =
                http_body_util::Limited::new(rest, (max_rest as usize).saturating_sub(head.len()));
            let head = Full::new(head).map_err(|never| -> BoxError { match never {} });
            Chain::new(head, rest.map_err(|e| e)).boxed()
        }
    }
}

pin_project_lite::pin_project! {
    /// `a` then `b`.
    pub struct Chain<A, B> {
        #[pin] a: A,
        #[pin] b: B,
        a_done: bool,
    }
}

impl<A, B> Chain<A, B> {
    pub fn new(a: A, b: B) -> Self {
        Chain {
            a,
            b,
            a_done: false,
        }
    }
}

impl<A, B> Body for Chain<A, B>
where
    A: Body<Data = Bytes, Error = BoxError>,
    B: Body<Data = Bytes, Error = BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, BoxError>>> {
        let this = self.project();
        if !*this.a_done {
            match std::task::ready!(this.a.poll_frame(cx)) {
                Some(f) => return std::task::Poll::Ready(Some(f)),
                None => *this.a_done = true,
            }
        }
        this.b.poll_frame(cx)
    }
}
