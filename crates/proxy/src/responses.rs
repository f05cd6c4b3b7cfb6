//! Responses the proxy writes itself (404, 403, 413, 502, 504, ...): JSON or HTML by the
//! client's `Accept`, always carrying the request id and never what the WAF matched.

use crate::body::{full, ProxyBody};
use http::{header, HeaderMap, HeaderValue, Response, StatusCode};

/// A small error response. `code` is a stable machine-readable name.
pub fn error(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    wants_html: bool,
) -> Response<ProxyBody> {
    let (ctype, body) = if wants_html {
        let title = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        );
        (
            "text/html; charset=utf-8",
            format!(
                "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body><h1>{title}</h1>\n<p>{}</p>\n<p>Request ID: <code>{}</code></p></body></html>\n",
                html_escape(message),
                html_escape(request_id)
            ),
        )
    } else {
        (
            "application/json",
            format!(
                "{}\n",
                serde_json::json!({"error": code, "status": status.as_u16(), "message": message, "request_id": request_id})
            ),
        )
    };
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Whether the client prefers an HTML page (a browser) to JSON.
pub fn wants_html(request_headers: &HeaderMap) -> bool {
    request_headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
