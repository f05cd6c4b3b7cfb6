//! One request from arrival to response: client identity → route → size limits → WAF →
//! static file or upstream (WebSocket upgrades included) → response headers → access log.
//!
//! Each step is a function below, in the order it runs. Everything they read comes from the
//! one `Arc<Runtime>` loaded at the start, so a reload mid-request changes nothing for it.

use crate::access_log::{AccessRecord, LoggedBody};
use crate::body::{self, BufferError, Buffered, ProxyBody};
use crate::client_ip::client_ip;
use crate::forward::{self, ForwardBody, ForwardContext, ForwardError};
use crate::responses::error;
use crate::router::{self, MatchInput};
use crate::runtime::{Runtime, UpstreamRuntime};
use crate::static_files::{self, StaticError};
use crate::waf_hook::{self, EventContext};
use crate::Dataplane;
use http::{header, HeaderValue, Request, Response, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use waf_config::WafMode;

/// Handles one request; never fails (errors become responses).
pub async fn handle(
    dp: Arc<Dataplane>,
    peer: SocketAddr,
    mut req: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::convert::Infallible> {
    let started = Instant::now();
    let rt = dp.runtime();
    let request_id = request_id(req.headers());
    // IPv4 clients of a dual-stack listener arrive as ::ffff:a.b.c.d.
    let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
    let client = client_ip(peer.ip(), req.headers(), &rt.config.server.trusted_proxies);
    let host = request_host(&req);
    let on_upgrade = is_upgrade(&req).then(|| hyper::upgrade::on(&mut req));
    let (parts, incoming) = req.into_parts();

    let mut record = AccessRecord {
        client,
        method: String::new(),
        target: String::new(),
        version: version_name(parts.version),
        status: 0,
        referer: String::new(),
        user_agent: String::new(),
        host: String::new(),
        request_id: String::new(),
        route: String::new(),
        upstream: String::new(),
        waf_action: "-",
        started,
        at: SystemTime::now(),
    };
    if rt.access_log.is_some() {
        // Only an access log needs owned copies of these.
        record.method = parts.method.to_string();
        record.target = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        record.referer = header_str(&parts.headers, header::REFERER);
        record.user_agent = header_str(&parts.headers, header::USER_AGENT);
        record.host = host.clone().unwrap_or_default();
        record.request_id = request_id.clone();
    }
    let mut resp = route_and_serve(
        &rt,
        peer,
        host,
        parts,
        incoming,
        on_upgrade,
        &request_id,
        &mut record,
    )
    .await;
    finish_headers(&rt, &mut resp, &request_id);
    record.status = resp.status().as_u16();
    if let Some(bot) = rt.gates.as_ref().and_then(|g| g.bot.as_ref()) {
        bot.observe(client, record.status, crate::gate_step::now_ms());
    }
    if let Some(log) = &rt.access_log {
        let (p, b) = resp.into_parts();
        let logged = LoggedBody::new(b, log.clone(), record);
        resp = Response::from_parts(p, logged.boxed());
    }
    Ok(resp)
}

#[allow(clippy::too_many_arguments)]
async fn route_and_serve(
    rt: &Runtime,
    peer: SocketAddr,
    host: Option<String>,
    parts: http::request::Parts,
    incoming: Incoming,
    on_upgrade: Option<hyper::upgrade::OnUpgrade>,
    request_id: &str,
    record: &mut AccessRecord,
) -> Response<ProxyBody> {
    let accept_html = crate::responses::wants_html(&parts.headers);
    let err = |status, code, msg: &str| error(status, code, msg, request_id, accept_html);
    let Some(host) = host else {
        return err(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "missing or invalid host",
        );
    };
    if parts.method == http::Method::CONNECT {
        return err(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "CONNECT is not supported",
        );
    }
    // Routing, gates and the upstream see one spelling of the path; the engine sees the raw one.
    let norm_path = crate::path_norm::normalize(parts.uri.path());
    let mut skip_waf = false;
    if let Some(gates) = &rt.gates {
        match crate::gate_step::run(
            rt,
            gates,
            &parts,
            &norm_path,
            record.client,
            request_id,
            &host,
            accept_html,
        ) {
            crate::gate_step::Step::Respond(r) => {
                record.waf_action = "gate";
                return r;
            }
            crate::gate_step::Step::Continue { skip_waf: s } => skip_waf = s,
        }
    }
    let input = MatchInput {
        host: &host,
        path: &norm_path,
        query: parts.uri.query(),
        method: parts.method.as_str(),
        headers: &parts.headers,
    };
    let Some(route_index) = router::find(&rt.config.proxy.routes, &input) else {
        return err(
            StatusCode::NOT_FOUND,
            "no_route",
            "no route matches this request",
        );
    };
    let route = &rt.config.proxy.routes[route_index];
    let route_rt = &rt.routes[route_index];
    if rt.access_log.is_some() {
        record.route = route.name.clone();
    }
    let server = &rt.config.server;

    let declared_len = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > server.max_request_size) {
        return err(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "request body too large",
        );
    }

    // WAF: buffer what the policy inspects, then ask the engine.
    let body_present = has_body(&parts, &incoming);
    let mut incoming = Some(incoming);
    let mut body_for_upstream: Option<ForwardBody> = None;
    if let (Some(waf), Some(incoming)) = (
        route_rt.waf.as_ref().filter(|_| !skip_waf),
        incoming.take_if(|_| route_rt.waf.is_some() && !skip_waf),
    ) {
        let buffered = if body_present {
            match body::buffer(
                incoming,
                waf.policy.limits.max_body_bytes,
                server.max_request_size,
                server.request_timeout,
            )
            .await
            {
                Ok(b) => b,
                Err(BufferError::TooLarge) => {
                    return err(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "request body too large",
                    )
                }
                Err(BufferError::Timeout) => {
                    return err(
                        StatusCode::REQUEST_TIMEOUT,
                        "request_timeout",
                        "request body not received in time",
                    )
                }
                Err(BufferError::Broken) => {
                    // The framing is broken: nothing more can be read on this connection.
                    let mut r = err(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "malformed request body",
                    );
                    r.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                    return r;
                }
            }
        } else {
            Buffered::Complete(bytes::Bytes::new())
        };
        let (inspected, truncated) = match &buffered {
            Buffered::Complete(b) => (b.clone(), false),
            Buffered::Partial { head, .. } => (head.clone(), true),
        };
        let verdict = waf_hook::inspect(&rt.engine, &waf.policy, &parts, &inspected, truncated);
        let blocked = verdict.is_blocking() && waf.mode == WafMode::Block;
        if !verdict.findings.is_empty() {
            record.waf_action = if blocked {
                "block"
            } else if verdict.is_blocking() {
                "monitor"
            } else {
                "note"
            };
            if let Some(sink) = &rt.security_log {
                let ctx = EventContext {
                    request_id,
                    client: record.client,
                    method: parts.method.as_str(),
                    host: &host,
                    path: parts.uri.path(),
                    route: &route.name,
                    mode: waf.mode,
                    blocked,
                };
                waf_hook::record(sink, &ctx, &verdict);
            }
            if let Some(top) = verdict.strongest() {
                tracing::info!(request_id, client = %record.client, category = top.category.name(), detector = top.detector, confidence = %format_args!("{:.2}", top.confidence), location = ?top.location, blocked, "waf finding");
            }
        } else {
            record.waf_action = "pass";
        }
        if blocked {
            return err(
                StatusCode::FORBIDDEN,
                "blocked",
                "This request was blocked by the web application firewall.",
            );
        }
        body_for_upstream = Some(match buffered {
            Buffered::Complete(b) => ForwardBody::Replayable(b),
            Buffered::Partial { .. } => {
                ForwardBody::Stream(body::forwardable(buffered, server.max_request_size))
            }
        });
    }
    let body_for_upstream = match (body_for_upstream, incoming) {
        (Some(b), _) => b,
        (None, Some(incoming)) if body_present => ForwardBody::Stream(
            http_body_util::Limited::new(incoming, server.max_request_size as usize)
                .map_err(|e| e)
                .boxed(),
        ),
        _ => ForwardBody::Replayable(bytes::Bytes::new()),
    };

    match &rt.upstreams[route.upstream] {
        UpstreamRuntime::Static(root) => {
            record.upstream.push_str("static");
            match static_files::serve(
                root,
                &parts.method,
                parts.uri.path(),
                parts.uri.query(),
                &parts.headers,
            )
            .await
            {
                Ok(r) => r,
                Err(StaticError::NotFound) => err(StatusCode::NOT_FOUND, "not_found", "not found"),
                Err(StaticError::Forbidden) => err(StatusCode::FORBIDDEN, "forbidden", "forbidden"),
                Err(StaticError::MethodNotAllowed) => {
                    let mut r = err(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "method_not_allowed",
                        "only GET and HEAD are allowed here",
                    );
                    r.headers_mut()
                        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                    r
                }
            }
        }
        UpstreamRuntime::Servers(balancer) => {
            let path_and_query = upstream_target(&parts, &norm_path);
            let step = UpstreamStep {
                rt,
                peer,
                host: &host,
                path_and_query,
                route,
                route_rt,
                request_id,
                accept_html,
            };
            proxy_to_servers(step, balancer, parts, on_upgrade, body_for_upstream, record).await
        }
    }
}

/// What the upstream step needs of the request path so far.
struct UpstreamStep<'a> {
    rt: &'a Runtime,
    peer: SocketAddr,
    host: &'a str,
    /// The normalised path with the raw query.
    path_and_query: Option<http::uri::PathAndQuery>,
    route: &'a waf_config::Route,
    route_rt: &'a crate::runtime::RouteRuntime,
    request_id: &'a str,
    accept_html: bool,
}

/// Forwards to a server of the route's upstream (tunnelling a WebSocket upgrade), or answers
/// 502/503/504.
async fn proxy_to_servers(
    step: UpstreamStep<'_>,
    balancer: &Arc<crate::balancer::Balancer>,
    mut parts: http::request::Parts,
    on_upgrade: Option<hyper::upgrade::OnUpgrade>,
    body_for_upstream: ForwardBody,
    record: &mut AccessRecord,
) -> Response<ProxyBody> {
    let UpstreamStep {
        rt,
        peer,
        host,
        path_and_query,
        route,
        route_rt,
        request_id,
        accept_html,
    } = step;
    let err = |status, code, msg: &str| error(status, code, msg, request_id, accept_html);
    let server = &rt.config.server;
    let peer_trusted = server
        .trusted_proxies
        .iter()
        .any(|n| n.contains(&peer.ip()));
    let ctx = ForwardContext {
        peer: peer.ip(),
        peer_trusted,
        host,
        authority: request_authority(&parts),
        request_id,
        upgrade: on_upgrade.is_some(),
    };
    let headers = forward::upstream_headers(
        std::mem::take(&mut parts.headers),
        parts.version,
        route_rt,
        &ctx,
    );
    let target = forward::Target {
        method: &parts.method,
        path_and_query,
    };
    let sent = forward::send(
        balancer,
        record.client,
        &target,
        headers,
        body_for_upstream,
        route.timeout,
        route.retry_attempts,
    )
    .await;
    match sent {
        Ok((mut resp, server_index)) => {
            if rt.access_log.is_some() {
                record.upstream = balancer.servers()[server_index].authority.clone();
            }
            if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
                if let Some(client_side) = on_upgrade {
                    let upstream_side = hyper::upgrade::on(&mut resp);
                    let lease = resp.body_mut().take_lease();
                    tokio::spawn(async move {
                        tunnel(client_side, upstream_side).await;
                        drop(lease);
                    });
                }
                let (mut p, _) = resp.into_parts();
                forward::strip_hop_by_hop(&mut p.headers, true);
                return Response::from_parts(p, body::empty());
            }
            let (mut p, b) = resp.into_parts();
            forward::strip_hop_by_hop(&mut p.headers, false);
            Response::from_parts(p, http_body_util::BodyExt::boxed(b))
        }
        Err(ForwardError::Timeout) => err(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            "the upstream did not answer in time",
        ),
        Err(ForwardError::NoServer(crate::balancer::NoServer::AllBusy)) => err(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream_busy",
            "every upstream server is at its connection limit",
        ),
        Err(_) => err(
            StatusCode::BAD_GATEWAY,
            "bad_gateway",
            "no upstream server could be reached",
        ),
    }
}

/// The upstream request target: the normalised path with the raw query (the original when
/// the path was already normal).
fn upstream_target(
    parts: &http::request::Parts,
    norm_path: &str,
) -> Option<http::uri::PathAndQuery> {
    if norm_path == parts.uri.path() {
        return parts.uri.path_and_query().cloned();
    }
    let pq = match parts.uri.query() {
        Some(q) => format!("{norm_path}?{q}"),
        None => norm_path.to_string(),
    };
    pq.parse().ok()
}

/// Copies bytes both ways between an upgraded client and upstream connection.
async fn tunnel(client: hyper::upgrade::OnUpgrade, upstream: hyper::upgrade::OnUpgrade) {
    let (c, u) = tokio::join!(client, upstream);
    match (c, u) {
        (Ok(c), Ok(u)) => {
            let mut c = hyper_util::rt::TokioIo::new(c);
            let mut u = hyper_util::rt::TokioIo::new(u);
            if let Err(e) = tokio::io::copy_bidirectional(&mut c, &mut u).await {
                tracing::debug!(error = %e, "upgraded connection ended");
            }
        }
        (c, u) => tracing::warn!(
            client_ok = c.is_ok(),
            upstream_ok = u.is_ok(),
            "upgrade failed"
        ),
    }
}

/// Security headers (unless the upstream set them), request id, `Via`.
fn finish_headers(rt: &Runtime, resp: &mut Response<ProxyBody>, request_id: &str) {
    let h = resp.headers_mut();
    for (n, v) in &rt.security_headers {
        if !h.contains_key(n) {
            h.insert(n.clone(), v.clone());
        }
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-request-id", v);
    }
    h.append(header::VIA, HeaderValue::from_static("1.1 waf-proxy"));
}

/// The client's `X-Request-Id` when it is sane, else a new random one.
fn request_id(headers: &http::HeaderMap) -> String {
    if let Some(v) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        if !v.is_empty()
            && v.len() <= 128
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        {
            return v.to_string();
        }
    }
    let n: u128 = rand::random();
    format!("{n:032x}")
}

/// Host without port, lowercase: the authority of an absolute-form target wins over the
/// Host field (RFC 9112 §3.2.2); HTTP/2 uses `:authority`.
fn request_host(req: &Request<Incoming>) -> Option<String> {
    let host = match req.uri().host() {
        Some(h) => h.to_string(),
        None => {
            let raw = req.headers().get(header::HOST)?.to_str().ok()?;
            match raw.strip_prefix('[') {
                Some(rest) => format!("[{}]", rest.split(']').next()?),
                None => raw.rsplit_once(':').map_or(raw, |(h, _)| h).to_string(),
            }
        }
    };
    // `example.com.` is `example.com`: a trailing dot must not dodge an exact host route.
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The authority (host and port) the client addressed, as the upstream should see it in
/// Host: an absolute-form target's or HTTP/2's `:authority` wins over the Host field.
fn request_authority(parts: &http::request::Parts) -> Option<String> {
    let a = parts.uri.authority()?;
    let host = parts.uri.host()?;
    Some(match a.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

fn is_upgrade(req: &Request<Incoming>) -> bool {
    req.version() == Version::HTTP_11
        && req.headers().contains_key(header::UPGRADE)
        && req
            .headers()
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| {
                v.split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
            })
}

fn has_body(parts: &http::request::Parts, incoming: &Incoming) -> bool {
    use hyper::body::Body;
    !incoming.is_end_stream() || parts.headers.contains_key(header::TRANSFER_ENCODING)
}

fn header_str(h: &http::HeaderMap, name: header::HeaderName) -> String {
    h.get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

fn version_name(v: Version) -> &'static str {
    match v {
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    }
}
