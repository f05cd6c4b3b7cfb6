//! Protocol anomalies: evidence of evasion in the encoding itself (overlong UTF-8, NUL
//! bytes in text), framing that proxies disagree on (both `Content-Length` and
//! `Transfer-Encoding`, several `Content-Length`s), and a `Content-Type` that contradicts
//! itself (several charsets, UTF-7, a `boundary` on a non-multipart type, a media type in
//! the parameters). A body that does not parse as its declared type is reported by the
//! pipeline with this detector's name.

use super::{Detector, Hit, Kind, RequestHit, Subject};
use crate::decode::Flags;
use crate::RequestParts;

#[derive(Debug)]
struct Protocol;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Protocol)
}

fn hit(out: &mut Vec<RequestHit>, confidence: f32, location: &str, fragment: &str) {
    out.push(RequestHit {
        confidence,
        location: location.to_owned(),
        fragment: fragment.chars().take(120).collect(),
    });
}

impl Detector for Protocol {
    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if s.flags.contains(Flags::OVERLONG_UTF8) {
            return Some(Hit::new(0.9, s.text));
        }
        if s.flags.contains(Flags::NUL) && !matches!(s.kind, Kind::FileContent | Kind::Body) {
            return Some(Hit::new(0.8, s.text));
        }
        None
    }

    fn inspect_request(&self, request: &RequestParts<'_>, out: &mut Vec<RequestHit>) {
        let mut content_lengths = 0;
        let mut transfer_encoding = false;
        for (name, value) in request.headers {
            match *name {
                "content-length" => {
                    content_lengths += 1;
                    if !value.iter().all(u8::is_ascii_digit) {
                        hit(
                            out,
                            0.75,
                            "header:content-length",
                            &String::from_utf8_lossy(value),
                        );
                    }
                }
                "transfer-encoding" => transfer_encoding = true,
                "content-type" => {
                    let v = String::from_utf8_lossy(value).to_ascii_lowercase();
                    let charsets = v.matches("charset").count();
                    if charsets > 1 {
                        hit(out, 0.8, "header:content-type", &v);
                    }
                    if v.contains("utf-7") || v.contains("utf7") {
                        hit(out, 0.85, "header:content-type", &v);
                    }
                    let essence = v.split(';').next().unwrap_or("").trim();
                    let params = v.split_once(';').map_or("", |(_, p)| p);
                    if !essence.starts_with("multipart/") && params.contains("boundary") {
                        hit(out, 0.8, "header:content-type", &v);
                    }
                    if params.contains("application/") || params.contains("text/") {
                        hit(out, 0.75, "header:content-type", &v);
                    }
                }
                _ => {}
            }
        }
        if content_lengths > 1 {
            hit(
                out,
                0.85,
                "header:content-length",
                "several content-length fields",
            );
        }
        if content_lengths > 0 && transfer_encoding {
            hit(
                out,
                0.85,
                "header:transfer-encoding",
                "content-length with transfer-encoding",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req_hits(headers: &[(&str, &[u8])]) -> Vec<RequestHit> {
        let req = RequestParts {
            method: "POST",
            path: "/",
            query: None,
            headers,
            body: b"",
            body_truncated: false,
        };
        let mut out = Vec::new();
        build().inspect_request(&req, &mut out);
        out
    }

    #[test]
    fn flags_contradictory_content_types_and_framing() {
        assert!(!req_hits(&[(
            "content-type",
            b"application/x-www-form-urlencoded;boundary=\"application/json\""
        )])
        .is_empty());
        assert!(
            !req_hits(&[("content-type", b"text/plain; charset=utf-8; charset=utf-7")]).is_empty()
        );
        assert!(
            !req_hits(&[("content-length", b"5"), ("transfer-encoding", b"chunked")]).is_empty()
        );
    }

    #[test]
    fn accepts_ordinary_headers() {
        assert!(req_hits(&[
            ("content-type", b"multipart/form-data; boundary=xyz"),
            ("content-length", b"10")
        ])
        .is_empty());
        assert!(req_hits(&[("content-type", b"application/json; charset=utf-8")]).is_empty());
    }
}
