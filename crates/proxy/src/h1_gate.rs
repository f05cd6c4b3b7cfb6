//! The strict HTTP/1 front door: an I/O wrapper between the client socket and hyper.
//!
//! It follows the message framing of the byte stream (heads, Content-Length bodies,
//! chunked bodies) and hands hyper only bytes that passed [`crate::h1_head::check_head`] and
//! the chunk grammar. On a violation it writes the error response itself (400, 414 or 431
//! with `Connection: close`), closes its write side and fails the read, so hyper drops the
//! connection and nothing of the bad request can reach an upstream.
//!
//! After an upgrade request (WebSocket) the wrapper steps aside, as it does from the first
//! byte for HTTP/2 connections ([`ClientIo::passthrough`]).

use crate::h1_head::{check_head, Framing, Violation};
use bytes::{Buf, BytesMut};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Size bounds the gate enforces.
#[derive(Debug, Clone, Copy)]
pub struct GateLimits {
    pub max_head: usize,
    pub max_uri: usize,
}

const READ_CHUNK: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a complete head; `scanned` bytes past `ready` were already checked.
    Head {
        scanned: usize,
    },
    Body {
        remaining: u64,
    },
    Chunk(Chunk),
    /// An upgrade request was delivered: hold further bytes until hyper's answer shows
    /// whether the connection switches protocols (101) or stays HTTP/1.
    AwaitUpgrade,
    /// No more HTTP/1 framing to follow (HTTP/2, upgraded connection).
    Pass,
}

/// Empty lines (CRLF) tolerated before a request line.
const MAX_LEADING_EMPTY_BYTES: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// Reading the hex size; `digits` so far, `size` accumulated.
    Size {
        digits: u8,
        size: u64,
    },
    /// In a chunk extension, until CR.
    Ext {
        size: u64,
    },
    /// Expecting LF after the size line's CR.
    SizeLf {
        size: u64,
    },
    Data {
        remaining: u64,
    },
    DataCr,
    DataLf,
    /// In the trailer section; `line_len` bytes of the current line so far.
    Trailer {
        line_len: usize,
        cr: bool,
    },
}

/// Follows the framing of the byte stream and validates it, independent of buffering.
struct Framer {
    state: State,
    limits: GateLimits,
    /// Length of a validated head, starting where `advance` stopped, whose request target
    /// must be percent-encoded before hyper sees it.
    pending_rewrite: Option<usize>,
}

impl Framer {
    /// Validates as much of `data` (the bytes after everything validated so far) as can be
    /// decided now. Returns how many leading bytes are valid, and the violation that stops
    /// the rest, if any.
    fn advance(&mut self, data: &[u8]) -> (usize, Option<Violation>) {
        let mut done = 0;
        loop {
            let pending = &data[done..];
            if pending.is_empty() {
                return (done, None);
            }
            match self.state {
                State::Pass => return (data.len(), None),
                State::AwaitUpgrade => return (done, None),
                State::Body { remaining } => {
                    let take = (pending.len() as u64).min(remaining);
                    done += take as usize;
                    self.state = if take == remaining {
                        State::Head { scanned: 0 }
                    } else {
                        State::Body {
                            remaining: remaining - take,
                        }
                    };
                }
                State::Head { scanned } => match self.scan_head(pending, scanned) {
                    Ok(Some(len)) if target_needs_encoding(&pending[..len]) => {
                        self.pending_rewrite = Some(len);
                        return (done, None);
                    }
                    Ok(Some(len)) => done += len,
                    Ok(None) => return (done, None),
                    Err(v) => return (done, Some(v)),
                },
                State::Chunk(c) => match self.scan_chunk(pending, c) {
                    Ok(len) if matches!(self.state, State::Chunk(_)) => return (done + len, None),
                    Ok(len) => done += len,
                    Err(v) => return (done, Some(v)),
                },
            }
        }
    }

    /// Scans a pending head from `scanned`; on a complete valid head returns its length
    /// and sets the next state.
    fn scan_head(&mut self, pending: &[u8], scanned: usize) -> Result<Option<usize>, Violation> {
        // Leading empty lines: bounded, and skipped once instead of rescanned per LF.
        let lead = pending
            .iter()
            .take(MAX_LEADING_EMPTY_BYTES + 1)
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        if lead > MAX_LEADING_EMPTY_BYTES {
            return Err(Violation::BadRequest(
                "too many empty lines before the request line",
            ));
        }
        let mut i = scanned;
        while i < pending.len() {
            match pending[i] {
                b'\n' => {
                    if i == 0 || pending[i - 1] != b'\r' {
                        return Err(Violation::BadRequest("bare LF in request head"));
                    }
                    // End of head: CRLF CRLF after a request line (leading empty lines skipped).
                    if i >= 3 && i - 3 >= lead && &pending[i - 3..=i] == b"\r\n\r\n" {
                        let head_len = i + 1;
                        if head_len > self.limits.max_head {
                            return Err(Violation::HeadersTooLarge);
                        }
                        let info = check_head(&pending[..head_len], self.limits.max_uri)?;
                        self.state = match (info.upgrade, info.framing) {
                            (true, _) => State::AwaitUpgrade,
                            (false, Framing::None) => State::Head { scanned: 0 },
                            (false, Framing::Length(n)) => State::Body { remaining: n },
                            (false, Framing::Chunked) => {
                                State::Chunk(Chunk::Size { digits: 0, size: 0 })
                            }
                        };
                        return Ok(Some(head_len));
                    }
                }
                b'\r' if i + 1 < pending.len() && pending[i + 1] != b'\n' => {
                    return Err(Violation::BadRequest("bare CR in request head"));
                }
                _ => {}
            }
            i += 1;
        }
        // Incomplete: bound what a client may make us hold.
        let first_line_done = memchr::memchr(b'\n', pending).is_some();
        if !first_line_done && pending.len() > self.limits.max_uri + 32 {
            return Err(Violation::UriTooLong);
        }
        if pending.len() > self.limits.max_head {
            return Err(Violation::HeadersTooLarge);
        }
        // Re-check the last byte next time (it may be a CR whose LF has not arrived).
        self.state = State::Head {
            scanned: i.saturating_sub(1).max(scanned),
        };
        Ok(None)
    }

    /// Advances through chunked framing; returns the bytes consumed. The state leaves
    /// `Chunk` when the body (with its trailers) ended.
    fn scan_chunk(&mut self, pending: &[u8], mut c: Chunk) -> Result<usize, Violation> {
        let bad = |why| Err(Violation::BadRequest(why));
        let mut i = 0;
        while i < pending.len() {
            let b = pending[i];
            c = match c {
                Chunk::Size { digits, size } => match b {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        if digits >= 15 {
                            return bad("chunk size too large");
                        }
                        let d = (b as char).to_digit(16).unwrap_or(0) as u64;
                        Chunk::Size {
                            digits: digits + 1,
                            size: size * 16 + d,
                        }
                    }
                    b';' | b' ' | b'\t' if digits > 0 => Chunk::Ext { size },
                    b'\r' if digits > 0 => Chunk::SizeLf { size },
                    _ => return bad("invalid chunk size"),
                },
                Chunk::Ext { size } => match b {
                    b'\r' => Chunk::SizeLf { size },
                    b'\n' => return bad("bare LF in chunk extension"),
                    0..=0x08 | 0x0a..=0x1f | 0x7f => {
                        return bad("control character in chunk extension")
                    }
                    _ => Chunk::Ext { size },
                },
                Chunk::SizeLf { size } => match (b, size) {
                    (b'\n', 0) => Chunk::Trailer {
                        line_len: 0,
                        cr: false,
                    },
                    (b'\n', n) => Chunk::Data { remaining: n },
                    _ => return bad("bare CR in chunk size line"),
                },
                Chunk::Data { remaining } => {
                    let take = ((pending.len() - i) as u64).min(remaining);
                    i += take as usize;
                    c = if take == remaining {
                        Chunk::DataCr
                    } else {
                        Chunk::Data {
                            remaining: remaining - take,
                        }
                    };
                    continue;
                }
                Chunk::DataCr if b == b'\r' => Chunk::DataLf,
                Chunk::DataLf if b == b'\n' => Chunk::Size { digits: 0, size: 0 },
                Chunk::DataCr | Chunk::DataLf => return bad("chunk data not followed by CRLF"),
                Chunk::Trailer { line_len, cr } => match (b, cr) {
                    (b'\r', false) => Chunk::Trailer { line_len, cr: true },
                    (b'\n', true) if line_len == 0 => {
                        self.state = State::Head { scanned: 0 };
                        return Ok(i + 1);
                    }
                    (b'\n', true) => Chunk::Trailer {
                        line_len: 0,
                        cr: false,
                    },
                    (_, true) | (b'\n', false) => return bad("bare CR or LF in trailer"),
                    (_, false) => {
                        if line_len >= self.limits.max_head {
                            return Err(Violation::HeadersTooLarge);
                        }
                        if (b < 0x20 && b != b'\t') || b == 0x7f {
                            return bad("control character in trailer");
                        }
                        Chunk::Trailer {
                            line_len: line_len + 1,
                            cr: false,
                        }
                    }
                },
            };
            i += 1;
        }
        self.state = State::Chunk(c);
        Ok(pending.len())
    }
}

/// Whether the request line of `head` has target bytes to percent-encode.
fn target_needs_encoding(head: &[u8]) -> bool {
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let line = &head[..line_end];
    // Leading empty lines are possible; the request line is the first non-empty one.
    let line = if line.len() <= 1 {
        head[line_end + 1..]
            .split(|&b| b == b'\n')
            .find(|l| l.len() > 1)
            .unwrap_or(&[])
    } else {
        line
    };
    line.iter()
        .any(|&b| crate::h1_head::needs_encoding_in_target(b))
}

/// The client connection as hyper sees it.
pub struct ClientIo<S> {
    inner: S,
    /// Bytes read but not yet handed to hyper; only used when a read ends mid-head or
    /// carries more than hyper asked for. The common case reads straight into hyper's buffer.
    buf: BytesMut,
    /// Bytes at the front of `buf` that are validated and may be handed to hyper.
    ready: usize,
    framer: Framer,
    scratch: Vec<u8>,
    eof: bool,
    reject: Option<Reject>,
    /// The framing state changed on the write side: re-examine what is buffered.
    reprocess: bool,
}

struct Reject {
    response: Vec<u8>,
    written: usize,
    violation: Violation,
    /// hyper wrote after the violation (a response to an earlier pipelined request, or
    /// its own error response): then the connection just closes.
    superseded: bool,
}

impl<S> ClientIo<S> {
    /// A gated HTTP/1 connection; `initial` holds bytes already read from `inner`.
    pub fn http1(inner: S, initial: &[u8], limits: GateLimits) -> ClientIo<S> {
        let mut io = ClientIo {
            inner,
            buf: BytesMut::new(),
            ready: 0,
            framer: Framer {
                state: State::Head { scanned: 0 },
                limits,
                pending_rewrite: None,
            },
            scratch: Vec::new(),
            eof: false,
            reject: None,
            reprocess: false,
        };
        io.buf.extend_from_slice(initial);
        io.process_buffered();
        io
    }

    /// An ungated connection (HTTP/2 after its preface was recognised).
    pub fn passthrough(inner: S, initial: &[u8]) -> ClientIo<S> {
        let mut io = ClientIo::http1(
            inner,
            &[],
            GateLimits {
                max_head: 0,
                max_uri: 0,
            },
        );
        io.framer.state = State::Pass;
        io.buf.extend_from_slice(initial);
        io.ready = io.buf.len();
        io
    }

    fn process_buffered(&mut self) {
        loop {
            if self.reject.is_some() {
                return;
            }
            let (n, violation) = self.framer.advance(&self.buf[self.ready..]);
            self.ready += n;
            if let Some(v) = violation {
                return self.fail(v);
            }
            let Some(len) = self.framer.pending_rewrite.take() else {
                return;
            };
            // Re-encode the head in place and go on after it.
            let head = &self.buf[self.ready..self.ready + len];
            let encoded = crate::h1_head::encode_target(head).unwrap_or_else(|| head.to_vec());
            let mut rebuilt = BytesMut::with_capacity(self.buf.len() + encoded.len() - len);
            rebuilt.extend_from_slice(&self.buf[..self.ready]);
            rebuilt.extend_from_slice(&encoded);
            rebuilt.extend_from_slice(&self.buf[self.ready + len..]);
            self.buf = rebuilt;
            self.ready += encoded.len();
        }
    }

    fn fail(&mut self, violation: Violation) {
        let reason = violation.reason();
        let status = violation.status();
        let text = match status {
            414 => "URI Too Long",
            431 => "Request Header Fields Too Large",
            _ => "Bad Request",
        };
        // The same JSON shape as the proxy's other error responses (no request id: the
        // request never got far enough to have one).
        let code = match status {
            414 => "uri_too_long",
            431 => "header_fields_too_large",
            _ => "bad_request",
        };
        let body = format!(
            "{{\"error\":\"{code}\",\"status\":{status},\"message\":\"{text}: {reason}\"}}\n"
        );
        let response = format!(
            "HTTP/1.1 {status} {text}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        tracing::debug!(status, reason, "refused malformed request");
        self.reject = Some(Reject {
            response: response.into_bytes(),
            written: 0,
            violation,
            superseded: false,
        });
    }

    /// The violation that closed this connection, if any.
    pub fn violation(&self) -> Option<Violation> {
        self.reject.as_ref().map(|r| r.violation)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for ClientIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.reprocess {
                this.reprocess = false;
                this.process_buffered();
            }
            if this.ready > 0 {
                let n = this.ready.min(out.remaining());
                out.put_slice(&this.buf[..n]);
                this.buf.advance(n);
                this.ready -= n;
                return Poll::Ready(Ok(()));
            }
            if this.reject.is_some() {
                // Nothing more for hyper: it finishes what is in flight, then shuts the
                // connection down, which is when the refusal is written (poll_shutdown).
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            if this.buf.is_empty() && out.remaining() > 0 {
                // Fast path: read straight into hyper's buffer and validate in place; keep
                // back whatever cannot be decided yet.
                let before = out.filled().len();
                ready!(Pin::new(&mut this.inner).poll_read(cx, out))?;
                let fresh = &out.filled()[before..];
                if fresh.is_empty() {
                    this.eof = true;
                    continue;
                }
                let (n, violation) = this.framer.advance(fresh);
                if n < fresh.len() && violation.is_none() {
                    this.buf.extend_from_slice(&fresh[n..]);
                }
                out.set_filled(before + n);
                if let Some(v) = violation {
                    this.fail(v);
                } else if this.framer.pending_rewrite.is_some() {
                    // A head to re-encode: the buffered path does it.
                    this.process_buffered();
                }
                if n > 0 {
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            // Slow path: more bytes are needed to decide what is buffered.
            if this.scratch.is_empty() {
                this.scratch = vec![0; READ_CHUNK];
            }
            let mut rb = ReadBuf::new(&mut this.scratch);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb))?;
            let n = rb.filled().len();
            if n == 0 {
                this.eof = true;
            } else {
                this.buf.extend_from_slice(&this.scratch[..n]);
                this.process_buffered();
            }
        }
    }
}

impl<S> ClientIo<S> {
    /// Watches hyper's answer to an upgrade request: 101 hands the connection over,
    /// any other final status keeps it HTTP/1 under the gate.
    fn observe_response(&mut self, first: &[u8]) {
        if let Some(r) = &mut self.reject {
            if r.written == 0 && !first.is_empty() {
                r.superseded = true;
            }
        }
        if self.framer.state != State::AwaitUpgrade || first.is_empty() {
            return;
        }
        if first.starts_with(b"HTTP/1.1 101") {
            self.framer.state = State::Pass;
        } else if first.starts_with(b"HTTP/1.1 1") {
            return; // 100 Continue and other interim answers
        } else {
            self.framer.state = State::Head { scanned: 0 };
        }
        self.reprocess = true;
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ClientIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.observe_response(buf);
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            self.observe_response(first);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(reject) = this.reject.as_mut().filter(|r| !r.superseded) {
            while reject.written < reject.response.len() {
                let n =
                    ready!(Pin::new(&mut this.inner)
                        .poll_write(cx, &reject.response[reject.written..]))?;
                if n == 0 {
                    break;
                }
                reject.written += n;
            }
            ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const LIMITS: GateLimits = GateLimits {
        max_head: 4096,
        max_uri: 1024,
    };

    /// Feeds `input` through a gate; returns what hyper would read and what the client got back.
    async fn run(input: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (mut client_read, mut client_write) = tokio::io::split(client);
        client_write.write_all(input).await.unwrap();
        client_write.shutdown().await.unwrap();
        let mut gate = ClientIo::http1(server, &[], LIMITS);
        let mut seen = Vec::new();
        let _ = gate.read_to_end(&mut seen).await;
        // As hyper does once the connection is done.
        let _ = gate.shutdown().await;
        drop(gate);
        let mut back = Vec::new();
        client_read.read_to_end(&mut back).await.unwrap();
        (seen, back)
    }

    #[tokio::test]
    async fn passes_pipelined_valid_requests_untouched() {
        let input = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nT: v\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n";
        let (seen, back) = run(input).await;
        assert_eq!(seen, input.to_vec());
        assert!(back.is_empty());
    }

    #[tokio::test]
    async fn refuses_bad_chunk_size_with_400_and_withholds_the_rest() {
        let input = b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n";
        let (seen, back) = run(input).await;
        assert!(!seen.windows(3).any(|w| w == b"abc"));
        assert!(
            back.starts_with(b"HTTP/1.1 400 "),
            "{}",
            String::from_utf8_lossy(&back)
        );
    }

    #[tokio::test]
    async fn refuses_bare_lf_and_bare_cr() {
        for input in [
            &b"GET / HTTP/1.1\nHost: x\n\n"[..],
            b"GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n",
        ] {
            let (seen, back) = run(input).await;
            assert!(seen.is_empty());
            assert!(
                back.starts_with(b"HTTP/1.1 400 "),
                "{}",
                String::from_utf8_lossy(&back)
            );
        }
    }

    #[tokio::test]
    async fn oversized_heads_get_414_and_431() {
        let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(2000));
        let (_, back) = run(long_uri.as_bytes()).await;
        assert!(back.starts_with(b"HTTP/1.1 414 "));
        let big = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
            "a".repeat(5000)
        );
        let (_, back) = run(big.as_bytes()).await;
        assert!(back.starts_with(b"HTTP/1.1 431 "));
    }

    #[tokio::test]
    async fn raw_unsafe_target_bytes_reach_hyper_percent_encoded() {
        let input =
            b"GET /a?q=<b> HTTP/1.1\r\nHost: x\r\n\r\nGET /c?d=\"e\" HTTP/1.1\r\nHost: x\r\n\r\n";
        let (seen, back) = run(input).await;
        assert_eq!(String::from_utf8(seen).unwrap(), "GET /a?q=%3Cb%3E HTTP/1.1\r\nHost: x\r\n\r\nGET /c?d=%22e%22 HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(back.is_empty());
    }

    #[tokio::test]
    async fn many_leading_empty_lines_are_refused_quickly() {
        let input = "\r\n".repeat(2000) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let (seen, back) = run(input.as_bytes()).await;
        assert!(seen.is_empty());
        assert!(back.starts_with(b"HTTP/1.1 400 "));
        let (seen, _) = run(b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(seen, b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec());
    }

    #[tokio::test]
    async fn refused_upgrade_keeps_the_gate_on() {
        let (client, server) = tokio::io::duplex(1 << 16);
        let (mut client_read, mut client_write) = tokio::io::split(client);
        let mut gate = ClientIo::http1(server, &[], LIMITS);
        client_write
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\nGET / HTTP/1.1\nHost: x\n\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = gate.read(&mut buf).await.unwrap();
        assert!(
            buf[..n].ends_with(b"Upgrade: x\r\n\r\n"),
            "only the upgrade request is delivered"
        );
        // hyper answers without switching protocols: the next request is checked again.
        gate.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(
            gate.read(&mut buf).await.unwrap(),
            0,
            "bare-LF request withheld"
        );
        gate.shutdown().await.unwrap();
        drop(gate);
        let mut back = Vec::new();
        client_read.read_to_end(&mut back).await.unwrap();
        assert!(String::from_utf8_lossy(&back).contains("HTTP/1.1 400 "));
    }

    #[tokio::test]
    async fn switched_protocols_pass_bytes_through() {
        let (client, server) = tokio::io::duplex(1 << 16);
        let (_client_read, mut client_write) = tokio::io::split(client);
        let mut gate = ClientIo::http1(server, &[], LIMITS);
        client_write
            .write_all(
                b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n",
            )
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = gate.read(&mut buf).await.unwrap();
        assert!(buf[..n].ends_with(b"\r\n\r\n"));
        gate.write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        client_write
            .write_all(b"\x81\x05\nbare\nbytes")
            .await
            .unwrap();
        let n = gate.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"\x81\x05\nbare\nbytes");
    }

    #[tokio::test]
    async fn second_request_violation_keeps_first_intact() {
        let first = b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut input = first.to_vec();
        input.extend_from_slice(
            b"GET /bad HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        );
        let (seen, back) = run(&input).await;
        assert_eq!(seen, first.to_vec());
        assert!(back.starts_with(b"HTTP/1.1 400 "));
    }
}
