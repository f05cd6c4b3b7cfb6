//! Strict validation of one HTTP/1.1 request head (request line + header fields), as
//! RFC 9112 asks of a server that must not be desynchronised from the upstream behind it.
//!
//! Pure function over bytes; the I/O wrapper that feeds it lives in [`crate::h1_gate`].
//! Everything a lenient parser would "repair" (bare LF, obs-fold, whitespace before the
//! colon, ambiguous framing) is refused here so that no two parsers can disagree.

/// Why a request was refused before it reached hyper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    BadRequest(&'static str),
    UriTooLong,
    HeadersTooLarge,
}

impl Violation {
    pub fn status(self) -> u16 {
        match self {
            Violation::BadRequest(_) => 400,
            Violation::UriTooLong => 414,
            Violation::HeadersTooLarge => 431,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            Violation::BadRequest(r) => r,
            Violation::UriTooLong => "request target too long",
            Violation::HeadersTooLarge => "request header fields too large",
        }
    }
}

/// How the body of a validated head is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// What the gate needs to know about a validated head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadInfo {
    pub framing: Framing,
    /// `Connection: upgrade` with an `Upgrade` field: after this request the
    /// connection may stop being HTTP/1.
    pub upgrade: bool,
}

/// Most header fields in one request.
pub const MAX_HEADERS: usize = 100;

/// Validates `head`, which ends with the empty line (`\r\n\r\n`) and contains no bare CR or
/// LF (the gate checks those while scanning).
pub fn check_head(head: &[u8], max_uri: usize) -> Result<HeadInfo, Violation> {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    // Leading empty lines before the request line are allowed (RFC 9112 §2.2).
    let request_line = loop {
        match lines.next() {
            Some([]) => continue,
            Some(l) => break l,
            None => return Err(Violation::BadRequest("empty request")),
        }
    };
    let http10 = request_line_version(request_line, max_uri)?;

    let mut content_length: Option<u64> = None;
    let mut transfer_encoding = false;
    let mut hosts = 0usize;
    let mut connection_upgrade = false;
    let mut upgrade_field = false;
    let mut count = 0usize;
    for line in lines {
        if line.is_empty() {
            break;
        }
        count += 1;
        if count > MAX_HEADERS {
            return Err(Violation::HeadersTooLarge);
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(Violation::BadRequest("obsolete line folding"));
        }
        let colon =
            memchr::memchr(b':', line).ok_or(Violation::BadRequest("header line without colon"))?;
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(Violation::BadRequest(
                if name.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
                    "whitespace before colon in header"
                } else {
                    "invalid header name"
                },
            ));
        }
        let value = trim_ows(&line[colon + 1..]);
        if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(Violation::BadRequest("control character in header value"));
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            for part in value.split(|&b| b == b',') {
                let n = parse_length(trim_ows(part))?;
                match content_length {
                    Some(prev) if prev != n => {
                        return Err(Violation::BadRequest("conflicting content-length"))
                    }
                    _ => content_length = Some(n),
                }
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            if transfer_encoding {
                // Several fields are one list; only a single `chunked` in total is accepted.
                return Err(Violation::BadRequest(
                    "transfer-encoding other than a single chunked",
                ));
            }
            if !value.eq_ignore_ascii_case(b"chunked") {
                return Err(Violation::BadRequest(
                    "transfer-encoding other than a single chunked",
                ));
            }
            transfer_encoding = true;
        } else if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
            if !valid_host(value) {
                return Err(Violation::BadRequest("invalid host"));
            }
        } else if name.eq_ignore_ascii_case(b"connection") {
            connection_upgrade |= value
                .split(|&b| b == b',')
                .any(|t| trim_ows(t).eq_ignore_ascii_case(b"upgrade"));
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            upgrade_field = true;
        }
    }
    if transfer_encoding && content_length.is_some() {
        return Err(Violation::BadRequest(
            "both content-length and transfer-encoding",
        ));
    }
    if transfer_encoding && http10 {
        return Err(Violation::BadRequest(
            "transfer-encoding in an HTTP/1.0 request",
        ));
    }
    if hosts > 1 {
        return Err(Violation::BadRequest("more than one host header"));
    }
    if hosts == 0 && !http10 {
        return Err(Violation::BadRequest("missing host header"));
    }
    let framing = if transfer_encoding {
        Framing::Chunked
    } else {
        match content_length {
            Some(0) | None => Framing::None,
            Some(n) => Framing::Length(n),
        }
    };
    Ok(HeadInfo {
        framing,
        // hyper upgrades HTTP/1.1 connections only.
        upgrade: connection_upgrade && upgrade_field && !http10,
    })
}

/// Checks `METHOD SP target SP HTTP/1.x`; returns whether it is HTTP/1.0.
fn request_line_version(line: &[u8], max_uri: usize) -> Result<bool, Violation> {
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        if line.len() > max_uri {
            return Err(Violation::UriTooLong);
        }
        return Err(Violation::BadRequest("malformed request line"));
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(Violation::BadRequest("invalid method"));
    }
    if target.len() > max_uri {
        return Err(Violation::UriTooLong);
    }
    if target.is_empty() || target.iter().any(|&b| b <= 0x20 || b == 0x7f) {
        return Err(Violation::BadRequest("invalid request target"));
    }
    // RFC 9112 §3.2: origin-form; absolute-form; authority-form for CONNECT; `*` for OPTIONS.
    let absolute = |scheme: &[u8]| {
        target.len() > scheme.len() && target[..scheme.len()].eq_ignore_ascii_case(scheme)
    };
    let form_ok = target[0] == b'/'
        || absolute(b"http://")
        || absolute(b"https://")
        || (target == b"*" && method == b"OPTIONS")
        || method == b"CONNECT";
    if !form_ok {
        return Err(Violation::BadRequest("invalid request target form"));
    }
    match version {
        b"HTTP/1.1" => Ok(false),
        b"HTTP/1.0" => Ok(true),
        _ => Err(Violation::BadRequest("unsupported HTTP version")),
    }
}

fn parse_length(digits: &[u8]) -> Result<u64, Violation> {
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Violation::BadRequest("invalid content-length"));
    }
    Ok(digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// reg-name or IP literal, optional `:port`.
fn valid_host(value: &[u8]) -> bool {
    if value.is_empty() || value.len() > 255 {
        return false;
    }
    let (host, port) = if value[0] == b'[' {
        match memchr::memchr(b']', value) {
            Some(end) => (&value[1..end], &value[end + 1..]),
            None => return false,
        }
    } else {
        match memchr::memrchr(b':', value) {
            Some(c) => (&value[..c], &value[c..]),
            None => (value, &value[value.len()..]),
        }
    };
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => digits.len() <= 5 && digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    port_ok
        && !host.is_empty()
        && host
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:%".contains(&b))
}

/// Bytes that RFC 3986 does not allow in a request target but that clients send anyway
/// (raw quotes, angle brackets, braces, non-ASCII). nginx passes them; hyper refuses them.
/// The gate percent-encodes them so such requests are parsed, inspected and forwarded with
/// the same meaning.
pub fn needs_encoding_in_target(b: u8) -> bool {
    b >= 0x80 || b"\"<>\\^`{|}[]".contains(&b)
}

/// The head with its request target's [`needs_encoding_in_target`] bytes percent-encoded,
/// or `None` when it has none.
pub fn encode_target(head: &[u8]) -> Option<Vec<u8>> {
    let start = head.iter().position(|&b| b != b'\r' && b != b'\n')?;
    let sp1 = start + memchr::memchr(b' ', &head[start..])?;
    let sp2 = sp1 + 1 + memchr::memchr(b' ', &head[sp1 + 1..])?;
    let target = &head[sp1 + 1..sp2];
    if !target.iter().any(|&b| needs_encoding_in_target(b)) {
        return None;
    }
    let mut out = Vec::with_capacity(head.len() + 16);
    out.extend_from_slice(&head[..=sp1]);
    for &b in target {
        if needs_encoding_in_target(b) {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
    out.extend_from_slice(&head[sp2..]);
    Some(out)
}

pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(head: &str) -> Result<HeadInfo, Violation> {
        check_head(head.as_bytes(), 8192)
    }

    #[test]
    fn accepts_plain_get_and_post() {
        assert_eq!(
            check("GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap().framing,
            Framing::None
        );
        assert_eq!(
            check("POST /x HTTP/1.1\r\nHost: a:80\r\nContent-Length: 5\r\n\r\n")
                .unwrap()
                .framing,
            Framing::Length(5)
        );
        assert_eq!(
            check("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap()
                .framing,
            Framing::Chunked
        );
        assert!(check("GET / HTTP/1.0\r\n\r\n").is_ok());
        assert!(check("\r\nGET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").is_ok());
    }

    #[test]
    fn rejects_ambiguous_framing() {
        let bad = [
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        ];
        for b in bad {
            assert!(matches!(check(b), Err(Violation::BadRequest(_))), "{b:?}");
        }
        // Identical duplicates are one length.
        assert_eq!(
            check("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")
                .unwrap()
                .framing,
            Framing::Length(5)
        );
    }

    #[test]
    fn rejects_malformed_fields() {
        let bad = [
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A : 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\x002\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET www.example.com HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET \\\\x HTTP/1.1\r\nHost: a\r\n\r\n",
        ];
        for b in bad {
            assert!(matches!(check(b), Err(Violation::BadRequest(_))), "{b:?}");
        }
    }

    #[test]
    fn long_target_is_414_and_many_fields_431() {
        let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(9000));
        assert_eq!(check(&long), Err(Violation::UriTooLong));
        let many: String = (0..150).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(
            check(&format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n")),
            Err(Violation::HeadersTooLarge)
        );
    }

    #[test]
    fn raw_unsafe_target_bytes_are_percent_encoded_and_only_in_the_target() {
        let head = "GET /get?a=\"<x>\"&b=[1]&c=é HTTP/1.1\r\nHost: a\r\nX: <kept>\r\n\r\n";
        let out = encode_target(head.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "GET /get?a=%22%3Cx%3E%22&b=%5B1%5D&c=%C3%A9 HTTP/1.1\r\nHost: a\r\nX: <kept>\r\n\r\n"
        );
        assert_eq!(
            encode_target(b"GET /plain?a=1 HTTP/1.1\r\nHost: a\r\n\r\n"),
            None
        );
    }

    #[test]
    fn detects_upgrade_requests() {
        let h = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n";
        assert!(check(h).unwrap().upgrade);
        assert!(
            !check("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n")
                .unwrap()
                .upgrade
        );
    }
}
