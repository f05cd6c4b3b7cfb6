//! Access log lines in the formats operators already parse: nginx `combined` and `common`,
//! or one JSON object per line. A line is written when the response body has been sent
//! (or abandoned), with the bytes actually sent and the total time.

use crate::body::{BoxError, ProxyBody};
use crate::log_sink::LogSink;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::fmt::Write;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};
use waf_config::AccessLogFormat;

/// What is known of a request when its response starts.
pub struct AccessRecord {
    pub client: IpAddr,
    pub method: String,
    pub target: String,
    pub version: &'static str,
    pub status: u16,
    pub referer: String,
    pub user_agent: String,
    pub host: String,
    pub request_id: String,
    pub route: String,
    pub upstream: String,
    pub waf_action: &'static str,
    pub started: Instant,
    pub at: SystemTime,
}

/// An access logger: a sink and a format.
#[derive(Clone)]
pub struct AccessLog {
    pub sink: LogSink,
    pub format: AccessLogFormat,
}

impl AccessLog {
    fn line(&self, r: &AccessRecord, bytes: u64) -> String {
        let mut s = String::with_capacity(256);
        let elapsed = r.started.elapsed().as_secs_f64();
        match self.format {
            AccessLogFormat::Json => {
                let v = serde_json::json!({
                    "time": httpdate::fmt_http_date(r.at),
                    "client_ip": r.client.to_string(),
                    "method": r.method,
                    "target": r.target,
                    "protocol": r.version,
                    "status": r.status,
                    "bytes_sent": bytes,
                    "referer": r.referer,
                    "user_agent": r.user_agent,
                    "host": r.host,
                    "request_id": r.request_id,
                    "route": r.route,
                    "upstream": r.upstream,
                    "waf": r.waf_action,
                    "duration_ms": (elapsed * 1000.0 * 1000.0).round() / 1000.0,
                });
                let _ = write!(s, "{v}");
            }
            AccessLogFormat::Common | AccessLogFormat::Combined => {
                let _ = write!(
                    s,
                    "{} - - [{}] \"{} {} {}\" {} {}",
                    r.client,
                    clf_time(r.at),
                    r.method,
                    escape(&r.target),
                    r.version,
                    r.status,
                    bytes
                );
                if self.format == AccessLogFormat::Combined {
                    let _ = write!(
                        s,
                        " \"{}\" \"{}\"",
                        or_dash(&escape(&r.referer)),
                        or_dash(&escape(&r.user_agent))
                    );
                }
            }
        }
        s.push('\n');
        s
    }
}

/// `10/Oct/2000:13:55:36 +0000`.
fn clf_time(t: SystemTime) -> String {
    // httpdate gives "Tue, 10 Oct 2000 13:55:36 GMT"; rearrange it.
    let d = httpdate::fmt_http_date(t);
    let p: Vec<&str> = d.split([' ', ',']).filter(|s| !s.is_empty()).collect();
    match p.as_slice() {
        [_, day, mon, year, time, _] => format!("{day}/{mon}/{year}:{time} +0000"),
        _ => d,
    }
}

/// nginx writes `-` for an absent field.
fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

/// Escapes quotes, backslashes and non-printable bytes as nginx does (`\xHH`).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            let _ = write!(out, "\\x{b:02X}");
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Wraps a response body; writes the access log line when the body ends or is dropped.
pub struct LoggedBody {
    inner: ProxyBody,
    sent: u64,
    pending: Option<(AccessLog, AccessRecord)>,
}

impl LoggedBody {
    pub fn new(inner: ProxyBody, log: AccessLog, record: AccessRecord) -> LoggedBody {
        LoggedBody {
            inner,
            sent: 0,
            pending: Some((log, record)),
        }
    }

    fn finish(&mut self) {
        if let Some((log, record)) = self.pending.take() {
            log.sink.write(log.line(&record, self.sent));
        }
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Body for LoggedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let res = Pin::new(&mut this.inner).poll_frame(cx);
        match &res {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    this.sent += d.len() as u64;
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => this.finish(),
            Poll::Pending => {}
        }
        res
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_time_and_escaping() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(971_186_136);
        assert_eq!(clf_time(t), "10/Oct/2000:13:55:36 +0000");
        assert_eq!(escape("a\"b\\c\n"), "a\\x22b\\x5Cc\\x0A");
    }
}
