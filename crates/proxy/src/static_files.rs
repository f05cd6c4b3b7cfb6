//! The `static: DIR` upstream: files from one directory, with content types, ETag and
//! Last-Modified validators, conditional GET, single byte ranges and `index.html`.
//!
//! The request path is percent-decoded exactly once and then checked segment by segment:
//! `..`, `.`, backslashes, NUL and encoded slashes are refused, and the resolved file must
//! still be inside DIR after symlinks are followed. There is no directory listing.

use crate::body::{empty, full, BoxError, ProxyBody};
use bytes::{Bytes, BytesMut};
use http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body::{Body, Frame};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;
use tokio::io::{AsyncRead, AsyncSeekExt, ReadBuf};

/// Outcome that the caller turns into an error page.
#[derive(Debug, PartialEq, Eq)]
pub enum StaticError {
    NotFound,
    Forbidden,
    MethodNotAllowed,
}

/// Serves `path` (raw, percent-encoded) from `root` (canonical).
pub async fn serve(
    root: &Path,
    method: &Method,
    raw_path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response<ProxyBody>, StaticError> {
    if method != Method::GET && method != Method::HEAD {
        return Err(StaticError::MethodNotAllowed);
    }
    let relative = safe_relative(raw_path).ok_or(StaticError::Forbidden)?;
    let mut file_path = root.join(&relative);
    let mut meta = tokio::fs::metadata(&file_path)
        .await
        .map_err(|_| StaticError::NotFound)?;
    if meta.is_dir() {
        if !raw_path.ends_with('/') {
            // One leading slash: `//docs` must not become a protocol-relative `//docs/`.
            let path = format!("/{}", raw_path.trim_start_matches('/'));
            let location = match query {
                Some(q) => format!("{path}/?{q}"),
                None => format!("{path}/"),
            };
            let mut r = Response::new(empty());
            *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
            r.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&location).map_err(|_| StaticError::NotFound)?,
            );
            return Ok(r);
        }
        file_path = file_path.join("index.html");
        meta = tokio::fs::metadata(&file_path)
            .await
            .map_err(|_| StaticError::NotFound)?;
    }
    // Symlinks may point anywhere: the real path must stay under root.
    let real = tokio::fs::canonicalize(&file_path)
        .await
        .map_err(|_| StaticError::NotFound)?;
    if !real.starts_with(root) {
        return Err(StaticError::Forbidden);
    }
    if !meta.is_file() {
        return Err(StaticError::NotFound);
    }
    let size = meta.len();
    let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let etag = etag(size, mtime);
    let last_modified = httpdate::fmt_http_date(mtime);

    let mut resp = Response::new(empty());
    let h = resp.headers_mut();
    let mime = mime_guess::from_path(&real).first_or_octet_stream();
    let ctype = if mime.type_() == "text" || mime.essence_str() == "application/javascript" {
        format!("{}; charset=utf-8", mime.essence_str())
    } else {
        mime.essence_str().to_string()
    };
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ctype)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
    );
    h.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_str(&last_modified).unwrap_or(HeaderValue::from_static("")),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));

    if not_modified(headers, &etag, mtime) {
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(resp);
    }

    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) if if_range_holds(headers, &etag, mtime) => parse_range(r, size),
        _ => RangeSpec::Full,
    };
    let (start, len) = match range {
        RangeSpec::Full => (0, size),
        RangeSpec::Satisfiable(start, end) => {
            *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
            resp.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {start}-{end}/{size}"))
                    .unwrap_or(HeaderValue::from_static("")),
            );
            (start, end - start + 1)
        }
        RangeSpec::Unsatisfiable => {
            let mut r = Response::new(full(Bytes::new()));
            *r.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}"))
                    .unwrap_or(HeaderValue::from_static("")),
            );
            return Ok(r);
        }
    };
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if method == Method::HEAD || len == 0 {
        return Ok(resp);
    }
    let mut file = tokio::fs::File::open(&real)
        .await
        .map_err(|_| StaticError::NotFound)?;
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|_| StaticError::NotFound)?;
    }
    *resp.body_mut() = http_body_util::BodyExt::boxed(FileBody {
        file,
        remaining: len,
    });
    Ok(resp)
}

/// The path below the root, or `None` when it could leave it or is not plain.
fn safe_relative(raw_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(raw_path).collect::<Vec<u8>>();
    let decoded = String::from_utf8(decoded).ok()?;
    // An encoded slash (`%2f`) would make one segment look like two after decoding.
    let raw_segments = raw_path.split('/').count();
    if decoded.split('/').count() != raw_segments {
        return None;
    }
    let mut out = PathBuf::new();
    for seg in decoded.split('/') {
        if seg.is_empty() {
            continue;
        }
        // `.`, `..` and hidden files (`.env`, `.git/`) are never served; `.well-known` is.
        let hidden = seg.starts_with('.') && seg != ".well-known";
        if hidden || seg.contains(['\\', '\0', ':']) || seg.chars().any(char::is_control) {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

/// nginx-style strong validator: `"<mtime hex>-<size hex>"`.
fn etag(size: u64, mtime: SystemTime) -> String {
    let secs = mtime
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("\"{secs:x}-{size:x}\"")
}

fn not_modified(headers: &HeaderMap, etag: &str, mtime: SystemTime) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == etag);
    }
    if let Some(ims) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
    {
        if let Ok(since) = httpdate::parse_http_date(ims) {
            let m = mtime
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let s = since
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            return m <= s;
        }
    }
    false
}

fn if_range_holds(headers: &HeaderMap, etag: &str, mtime: SystemTime) -> bool {
    match headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(v) if v.starts_with('"') => v == etag,
        Some(v) => httpdate::parse_http_date(v)
            .is_ok_and(|d| httpdate::fmt_http_date(d) == httpdate::fmt_http_date(mtime)),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum RangeSpec {
    Full,
    Satisfiable(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range; several ranges are answered with the whole file (allowed by RFC 9110).
fn parse_range(value: &str, size: u64) -> RangeSpec {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeSpec::Full;
    };
    if spec.contains(',') {
        return RangeSpec::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeSpec::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let parsed = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => Some((start, end.min(size.saturating_sub(1)))),
        (Ok(start), Err(_)) if b.is_empty() => Some((start, size.saturating_sub(1))),
        (Err(_), Ok(suffix)) if a.is_empty() && suffix > 0 => {
            Some((size.saturating_sub(suffix), size.saturating_sub(1)))
        }
        _ => return RangeSpec::Full,
    };
    match parsed {
        Some((start, end)) if start < size && start <= end => RangeSpec::Satisfiable(start, end),
        _ => RangeSpec::Unsatisfiable,
    }
}

/// Streams `remaining` bytes of a file in 64 KiB frames.
struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = self.remaining.min(64 * 1024) as usize;
        let mut buf = BytesMut::zeroed(want);
        let mut rb = ReadBuf::new(&mut buf);
        match Pin::new(&mut self.file).poll_read(cx, &mut rb) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(Ok(())) => {
                let n = rb.filled().len();
                if n == 0 {
                    return Poll::Ready(Some(Err("file shrank while being sent".into())));
                }
                buf.truncate(n);
                self.remaining -= n as u64;
                Poll::Ready(Some(Ok(Frame::data(buf.freeze()))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_refuse_escapes_in_every_encoding() {
        for bad in [
            "/../etc/passwd",
            "/a/%2e%2e/b",
            "/%2e%2e%2fetc",
            "/a%2fb",
            "/a\\..\\b",
            "/a%5c..%5cb",
            "/x%00.html",
            "/./a",
            "/c:/win",
            "/%c0%ae%c0%ae/x",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
        assert_eq!(
            safe_relative("/css/site%20main.css"),
            Some(PathBuf::from("css/site main.css"))
        );
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
        assert_eq!(safe_relative("/.env"), None);
        assert_eq!(safe_relative("/.git/config"), None);
        assert_eq!(
            safe_relative("/.well-known/security.txt"),
            Some(PathBuf::from(".well-known/security.txt"))
        );
        // Double encoding decodes once: a file literally named "%2e%2e".
        assert_eq!(safe_relative("/%252e%252e"), Some(PathBuf::from("%2e%2e")));
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeSpec::Satisfiable(0, 9));
        assert_eq!(
            parse_range("bytes=90-", 100),
            RangeSpec::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            RangeSpec::Satisfiable(90, 99)
        );
        assert_eq!(
            parse_range("bytes=50-500", 100),
            RangeSpec::Satisfiable(50, 99)
        );
        assert_eq!(parse_range("bytes=100-", 100), RangeSpec::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeSpec::Full);
        assert_eq!(parse_range("items=0-1", 100), RangeSpec::Full);
    }
}
