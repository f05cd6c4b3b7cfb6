//! Forwarding to an upstream server: the upstream request built from the client's (hop-by-hop
//! fields removed, `X-Forwarded-*`, `Via`, `X-Request-Id`, route header edits), sent over
//! the pooled client with the route's timeout, and retried on another server after a
//! connection failure when the method is idempotent and the body can be replayed.

use crate::balancer::{Balancer, NoServer};
use crate::body::{full, ProxyBody};
use crate::runtime::RouteRuntime;
use crate::upstream_pool::{PooledBody, SendError};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, Uri, Version};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Fields that describe one connection, never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authorization",
];

/// Removes hop-by-hop fields and those named in `Connection`; keeps `Upgrade` and
/// `Connection: upgrade` when `keep_upgrade`.
pub fn strip_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    let upgrade = headers.get(header::UPGRADE).cloned();
    for n in named {
        headers.remove(n);
    }
    for n in HOP_BY_HOP {
        headers.remove(n);
    }
    if keep_upgrade {
        if let Some(u) = upgrade {
            headers.insert(header::UPGRADE, u);
            headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        }
    }
}

/// Per-request facts the upstream request carries.
pub struct ForwardContext<'a> {
    pub peer: IpAddr,
    pub peer_trusted: bool,
    pub host: &'a str,
    /// The authority of an absolute-form target or HTTP/2 request; replaces Host.
    pub authority: Option<String>,
    pub request_id: &'a str,
    pub upgrade: bool,
}

/// The client's request headers turned into the upstream's.
pub fn upstream_headers(
    mut h: HeaderMap,
    version: Version,
    route: &RouteRuntime,
    ctx: &ForwardContext<'_>,
) -> HeaderMap {
    // X-Forwarded-For: extend a trusted proxy's chain; replace an untrusted client's claim.
    let xff = if ctx.peer_trusted {
        let prior: Vec<&str> = h
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if prior.is_empty() {
            ctx.peer.to_string()
        } else {
            format!("{}, {}", prior.join(", "), ctx.peer)
        }
    } else {
        ctx.peer.to_string()
    };
    strip_hop_by_hop(&mut h, ctx.upgrade);
    h.remove("x-forwarded-for");
    if let Ok(v) = HeaderValue::from_str(&xff) {
        h.insert("x-forwarded-for", v);
    }
    if !ctx.peer_trusted || !h.contains_key("x-forwarded-proto") {
        h.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    }
    if !ctx.peer_trusted || !h.contains_key("x-forwarded-host") {
        if let Ok(v) = HeaderValue::from_str(ctx.host) {
            h.insert("x-forwarded-host", v);
        }
    }
    // The upstream must serve the host the request was routed and inspected for.
    match &ctx.authority {
        Some(a) => {
            if let Ok(v) = HeaderValue::from_str(a) {
                h.insert(header::HOST, v);
            }
        }
        None if !h.contains_key(header::HOST) => {
            if let Ok(v) = HeaderValue::from_str(ctx.host) {
                h.insert(header::HOST, v);
            }
        }
        None => {}
    }
    if !ctx.peer_trusted {
        // Only trusted proxies speak for the client.
        h.remove("forwarded");
        h.remove("x-real-ip");
    }
    let via = match version {
        Version::HTTP_10 => "1.0 waf-proxy",
        Version::HTTP_2 => "2 waf-proxy",
        _ => "1.1 waf-proxy",
    };
    h.append(header::VIA, HeaderValue::from_static(via));
    if let Ok(v) = HeaderValue::from_str(ctx.request_id) {
        h.insert("x-request-id", v);
    }
    for n in &route.remove {
        h.remove(n);
    }
    for (n, v) in &route.set {
        h.insert(n.clone(), v.clone());
    }
    for (n, v) in &route.add {
        h.append(n.clone(), v.clone());
    }
    h
}

/// The request body as far as forwarding is concerned.
pub enum ForwardBody {
    /// Fully in memory: can be sent again on retry.
    Replayable(Bytes),
    /// Streaming: one attempt only.
    Stream(ProxyBody),
}

/// Why forwarding gave no response.
#[derive(Debug)]
pub enum ForwardError {
    NoServer(NoServer),
    /// Could not connect or the upstream broke the exchange.
    Failed(String),
    Timeout,
}

/// Method and target of the upstream request.
pub struct Target<'a> {
    pub method: &'a Method,
    pub path_and_query: Option<http::uri::PathAndQuery>,
}

/// Sends the request to a server of `balancer`, retrying on connection failures; returns
/// the response and the index of the server that gave it.
#[allow(clippy::too_many_arguments)]
pub async fn send(
    balancer: &Arc<Balancer>,
    client_ip: IpAddr,
    target: &Target<'_>,
    headers: HeaderMap,
    body: ForwardBody,
    timeout: Duration,
    retry_attempts: u32,
) -> Result<(Response<PooledBody>, usize), ForwardError> {
    let method = target.method;
    let idempotent = matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    );
    let may_retry = idempotent && retry_attempts > 0 && matches!(body, ForwardBody::Replayable(_));
    let mut tried: Vec<usize> = Vec::new();
    let mut body = Some(body);
    let mut headers = Some(headers);
    let mut last_error = ForwardError::NoServer(NoServer::AllDown);
    loop {
        let lease = match balancer.pick(client_ip, &tried) {
            Ok(l) => l,
            Err(e) if tried.is_empty() => return Err(ForwardError::NoServer(e)),
            Err(_) => return Err(last_error),
        };
        tried.push(lease.index());
        let (this_body, replay) = match body.take() {
            Some(ForwardBody::Replayable(b)) => (full(b.clone()), Some(ForwardBody::Replayable(b))),
            Some(ForwardBody::Stream(s)) => (s, None),
            None => return Err(last_error),
        };
        // Origin-form: the connection already goes to the server.
        let mut uri = http::uri::Parts::default();
        uri.path_and_query = Some(
            target
                .path_and_query
                .clone()
                .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/")),
        );
        let uri = Uri::from_parts(uri)
            .map_err(|e| ForwardError::Failed(format!("bad upstream uri: {e}")))?;
        // Keep a copy of the headers only while a retry may still need them.
        let retry_left = may_retry && (tried.len() as u32) <= retry_attempts;
        let this_headers = if retry_left {
            headers.clone().unwrap_or_default()
        } else {
            headers.take().unwrap_or_default()
        };
        let mut req = Request::new(this_body);
        *req.method_mut() = method.clone();
        *req.uri_mut() = uri;
        *req.headers_mut() = this_headers;
        let server = lease.server();
        match tokio::time::timeout(timeout, server.pool.send(&server.authority, req)).await {
            Ok(Ok(mut resp)) => {
                let index = lease.index();
                // The server stays counted as busy until the response body is done.
                resp.body_mut().hold(lease);
                return Ok((resp, index));
            }
            Ok(Err(e)) => {
                lease.failed();
                let connect = matches!(e, SendError::Connect(_));
                tracing::warn!(upstream = %balancer.name, server = %lease.server().authority, error = %e, "upstream request failed");
                last_error = ForwardError::Failed(e.to_string());
                let can_retry = connect && retry_left && replay.is_some() && headers.is_some();
                if !can_retry {
                    return Err(last_error);
                }
                body = replay;
            }
            Err(_) => {
                lease.failed();
                tracing::warn!(upstream = %balancer.name, server = %lease.server().authority, "upstream timed out after {timeout:?}");
                return Err(ForwardError::Timeout);
            }
        }
    }
}
