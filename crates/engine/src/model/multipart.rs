//! `multipart/form-data` bodies: for each part its field name (`multipart:NAME`), file
//! name, extra part headers, and content — field content as an argument, uploaded text
//! files as file content (binary files are skipped). Structural faults (no boundary, no
//! closing delimiter, headers without a blank line) are reported as malformed.

use super::{Loc, Sink};
use crate::detect::Kind;

/// Why a body is not well-formed multipart.
pub(crate) type Malformed = &'static str;

/// The `boundary` parameter of a multipart content type.
pub(crate) fn boundary(content_type: &str) -> Option<&str> {
    let lower_at = content_type.to_ascii_lowercase().find("boundary=")?;
    let v = &content_type[lower_at + 9..];
    let v = match v.strip_prefix('"') {
        Some(q) => &q[..q.find('"')?],
        None => v.split([';', ' ', ',']).next()?,
    };
    (!v.is_empty() && v.len() <= 200).then_some(v)
}

/// Parses `body` split by `boundary`.
pub(crate) fn parse(
    body: &[u8],
    boundary: &str,
    depth: usize,
    sink: &mut dyn Sink,
) -> Result<(), Malformed> {
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    let finder = memchr::memmem::Finder::new(delim);
    let Some(first) = finder.find(body) else {
        return Err("multipart body without its boundary");
    };
    let mut i = first + delim.len();
    loop {
        if body[i..].starts_with(b"--") {
            return Ok(());
        }
        // Skip transport padding and the line break after the delimiter.
        while i < body.len() && matches!(body[i], b' ' | b'\t') {
            i += 1;
        }
        if body[i..].starts_with(b"\r\n") {
            i += 2;
        } else if body[i..].starts_with(b"\n") {
            i += 1;
        } else {
            return Err("multipart delimiter not followed by a line break");
        }
        let next = finder.find(&body[i..]).map(|e| i + e);
        let part_end = next.unwrap_or(body.len());
        let mut content_end = part_end;
        if next.is_some() {
            if body[..content_end].ends_with(b"\r\n") {
                content_end -= 2;
            } else if body[..content_end].ends_with(b"\n") {
                content_end -= 1;
            }
        }
        part(&body[i..content_end.max(i)], depth, sink)?;
        match next {
            Some(n) => i = n + delim.len(),
            None => return Err("multipart body without closing delimiter"),
        }
    }
}

fn part(part: &[u8], depth: usize, sink: &mut dyn Sink) -> Result<(), Malformed> {
    let (head_len, sep) = match memchr::memmem::find(part, b"\r\n\r\n") {
        Some(p) => (p, 4),
        None => match memchr::memmem::find(part, b"\n\n") {
            Some(p) => (p, 2),
            None => return Err("multipart part without header terminator"),
        },
    };
    let head = &part[..head_len];
    let content = &part[head_len + sep..];
    let mut name = String::new();
    let mut filename: Option<Vec<u8>> = None;
    let mut content_type = String::new();
    for line in head.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let hname = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
        let value = line[colon + 1..].trim_ascii();
        match hname.as_str() {
            "content-disposition" => {
                if let Some(n) = param(value, b"name") {
                    name = String::from_utf8_lossy(&n).into_owned();
                }
                filename = param(value, b"filename").or(filename);
                if let Some(star) = param(value, b"filename*") {
                    filename = Some(star);
                }
            }
            "content-type" => content_type = String::from_utf8_lossy(value).to_ascii_lowercase(),
            _ => {}
        }
        if !sink.take_arg() {
            return Ok(());
        }
        sink.value(Loc::new("multipart", &name), Kind::Header, value, depth);
    }
    let loc = Loc::new("multipart", &name);
    if !sink.take_arg() {
        return Ok(());
    }
    sink.value(loc, Kind::ArgName, name.as_bytes(), depth);
    match filename {
        Some(f) => {
            sink.value(loc, Kind::Filename, &f, depth);
            if std::str::from_utf8(content).is_ok() {
                sink.value(loc, Kind::FileContent, content, depth);
            }
        }
        None => {
            if content_type.contains("json")
                && super::json::parse(content, "multipart", depth + 1, sink).is_ok()
            {
                return Ok(());
            }
            sink.value(loc, Kind::ArgValue, content, depth);
        }
    }
    Ok(())
}

/// A `key="value"` or `key=value` parameter of a Content-Disposition value.
fn param(value: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    let mut i = 0;
    while i < value.len() {
        let rest = &value[i..];
        let at_boundary = i == 0 || matches!(value[i - 1], b';' | b' ' | b'\t');
        if at_boundary
            && rest.len() > key.len()
            && rest[..key.len()].eq_ignore_ascii_case(key)
            && rest[key.len()] == b'='
        {
            let v = &rest[key.len() + 1..];
            if let Some(q) = v.strip_prefix(b"\"") {
                let mut out = Vec::new();
                let mut k = 0;
                while k < q.len() && q[k] != b'"' {
                    // Only `\"` and `\\` are escapes; Windows paths keep their backslashes.
                    if q[k] == b'\\' && matches!(q.get(k + 1), Some(b'"' | b'\\')) {
                        k += 1;
                    }
                    out.push(q[k]);
                    k += 1;
                }
                return Some(out);
            }
            let end = v.iter().position(|&c| c == b';').unwrap_or(v.len());
            return Some(v[..end].trim_ascii().to_vec());
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::Recorder;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Bob's \\\"cv\\\".txt\"\r\nContent-Type: text/plain\r\n\r\nplain text\r\n--XyZ--\r\n";

    #[test]
    fn finds_boundary_parameter() {
        assert_eq!(boundary("multipart/form-data; boundary=XyZ"), Some("XyZ"));
        assert_eq!(
            boundary("multipart/form-data; BOUNDARY=\"a b\""),
            Some("a b")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn reports_fields_filenames_and_text_files() {
        let mut r = Recorder::default();
        assert!(parse(BODY, "XyZ", 0, &mut r).is_ok());
        assert_eq!(
            r.of(Kind::ArgValue),
            vec![("multipart:title".into(), "Hello".into())]
        );
        assert_eq!(
            r.of(Kind::Filename),
            vec![("multipart:file".into(), "Bob's \"cv\".txt".into())]
        );
        assert_eq!(r.of(Kind::FileContent)[0].1, "plain text");
    }

    #[test]
    fn keeps_backslashes_of_windows_file_names() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"..\\1.7z\"\r\n\r\nx\r\n--b--\r\n";
        let mut r = Recorder::default();
        assert!(parse(body, "b", 0, &mut r).is_ok());
        assert_eq!(r.of(Kind::Filename)[0].1, "..\\1.7z");
    }

    #[test]
    fn rejects_missing_closing_delimiter() {
        let mut r = Recorder::default();
        assert!(parse(
            b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx",
            "b",
            0,
            &mut r
        )
        .is_err());
        assert!(parse(b"no boundary here", "b", 0, &mut r).is_err());
    }
}
