//! CRLF injection, HTTP response splitting and request smuggling: line breaks (decoded from
//! `%0d%0a` and friends) followed by a header the server would emit (`Set-Cookie:`,
//! `Location:`, `Content-Length:`), by a status line (`HTTP/1.1 200 OK`) or by a request
//! line (`GET /x HTTP/1.1`); line breaks in argument names, header values and the path.

use super::{Detector, Hit, Kind, Subject, Triggers};

#[derive(Debug)]
struct Crlf;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Crlf)
}

/// Headers whose injection changes what a client or proxy does.
const HEADERS: &[&str] = &[
    "set-cookie",
    "location",
    "content-length",
    "content-type",
    "transfer-encoding",
    "refresh",
    "host",
    "cookie",
    "content-security-policy",
    "access-control-allow-origin",
    "x-xss-protection",
    "content-disposition",
    "cache-control",
    "connection",
    "remote-addr",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-original-url",
    "x-rewrite-url",
    "authorization",
    "link",
    "upgrade",
];

const METHODS: &[&str] = &[
    "get ",
    "post ",
    "head ",
    "put ",
    "delete ",
    "options ",
    "trace ",
    "connect ",
    "patch ",
    "propfind ",
];

/// Scores what follows a line break.
fn after_break(line: &str) -> f32 {
    let l = line.trim_start_matches(['\r', '\n', ' ', '\t']);
    if l.starts_with("http/1.") || l.starts_with("http/2") {
        return 0.9;
    }
    if METHODS.iter().any(|m| l.starts_with(m))
        && l.split('\n').next().is_some_and(|r| r.contains(" http/"))
    {
        return 0.9;
    }
    let name_len = l
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        .count();
    if name_len == 0 {
        return 0.0;
    }
    let after = l[name_len..].trim_start_matches(['\r', '\n', ' ', '\t']);
    if !after.starts_with(':') {
        return 0.0;
    }
    let name = &l[..name_len];
    if HEADERS.contains(&name) {
        0.85
    } else if name.starts_with("x-") {
        0.75
    } else {
        0.3
    }
}

impl Detector for Crlf {
    fn triggers(&self) -> Triggers {
        Triggers::bytes_or_words(b"\r\n", &[" http/"])
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::FileContent | Kind::XmlDoctype) {
            return None;
        }
        // A whole request line inside a value: a request smuggled to a back end.
        if s.bytes.has(b' ') && s.lower.contains(" http/") {
            for m in METHODS {
                for (k, _) in s.lower.match_indices(m).take(8) {
                    let line = &s.lower[k + m.len()..];
                    let mut words = line.split(' ');
                    let target = words.next().unwrap_or("");
                    let version = words.next().unwrap_or("");
                    if (target.starts_with('/') || target.contains("://"))
                        && version.starts_with("http/")
                        && version[5..].starts_with(|c: char| c.is_ascii_digit())
                    {
                        return Some(Hit::at(0.8, s.text, k, k + 60));
                    }
                }
            }
        }
        if s.kind == Kind::Body || !s.bytes.any(b"\r\n") {
            return None;
        }
        let lower = s.lower;
        let mut best = (0.0f32, 0usize);
        for (k, _) in lower.match_indices(['\r', '\n']).take(256) {
            let c = after_break(&lower[k..]);
            if c > best.0 {
                best = (c, k);
            }
        }
        // A line break where none can be legitimate.
        match s.kind {
            Kind::ArgName | Kind::Path | Kind::Filename => best.0 = best.0.max(0.8),
            Kind::Header | Kind::Cookie => best.0 = best.0.max(0.75),
            _ => {}
        }
        let (c, a) = best;
        (c > 0.0).then(|| Hit::from(c, s.text, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_injected_headers_and_lines() {
        let d = build();
        for v in [
            "foo%0d%0aSet-Cookie:%20x=1",
            "en%0d%0aContent-Length:%200%0d%0a%0d%0aHTTP/1.1%20200%20OK",
            "aaa%0aGET%20/%20HTTP/1.1",
            "x%0d%0aLocation: http://evil",
            "GET http://www.foo.bar HTTP/1.2",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
        assert!(score(&*d, Kind::ArgName, "p\r\n", "parameter\r\n") >= 0.7);
        assert!(
            score(
                &*d,
                Kind::Header,
                "someheader",
                "Headerdata%0dInjectedHeader: x"
            ) >= 0.7
        );
    }

    #[test]
    fn ignores_multiline_text() {
        let d = build();
        for v in [
            "Hello,\r\nNote: see below\r\nThanks",
            "line one\nline two",
            "Changelog:\n- Fixed: bug",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
    }
}
