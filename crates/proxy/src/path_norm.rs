//! The one normalised form of a request path that routing, the gates and the upstream all
//! use, so that `/%6cogin`, `//login` and `/a/../login` cannot reach `/login` while dodging a
//! route, a rate limit or a rule written for `/login` (RFC 3986 §6.2.2):
//! percent-encoded unreserved characters decoded, other escapes upper-cased, `//` merged,
//! `.` and `..` segments resolved (never above the root). The detection engine still sees
//! the raw path: how a path was obfuscated is evidence.

use std::borrow::Cow;

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The normalised form of `raw` (a path without query); borrowed when already normal.
pub fn normalize(raw: &str) -> Cow<'_, str> {
    let b = raw.as_bytes();
    let already = b.first() == Some(&b'/')
        && !b.contains(&b'%')
        && !raw.contains("//")
        && !raw.split('/').any(|s| s == "." || s == "..");
    if already {
        return Cow::Borrowed(raw);
    }
    // 1. Escapes: decode unreserved, upper-case the rest.
    let mut decoded = String::with_capacity(raw.len() + 1);
    if b.first() != Some(&b'/') {
        decoded.push('/');
    }
    let mut rest = raw;
    while let Some(p) = rest.find('%') {
        decoded.push_str(&rest[..p]);
        let esc = rest.as_bytes();
        match (
            esc.get(p + 1).and_then(|&c| hex(c)),
            esc.get(p + 2).and_then(|&c| hex(c)),
        ) {
            (Some(h), Some(l)) => {
                let v = h * 16 + l;
                if unreserved(v) {
                    decoded.push(v as char);
                } else {
                    decoded.push('%');
                    decoded.push((esc[p + 1] as char).to_ascii_uppercase());
                    decoded.push((esc[p + 2] as char).to_ascii_uppercase());
                }
                rest = &rest[p + 3..];
            }
            _ => {
                decoded.push('%');
                rest = &rest[p + 1..];
            }
        }
    }
    decoded.push_str(rest);
    // 2. Segments: merge empty ones, resolve dots.
    let trailing = decoded.ends_with('/') || decoded.ends_with("/.") || decoded.ends_with("/..");
    let mut out: Vec<&str> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut path = String::with_capacity(decoded.len());
    for s in &out {
        path.push('/');
        path.push_str(s);
    }
    if path.is_empty() || (trailing && !path.ends_with('/')) {
        path.push('/');
    }
    Cow::Owned(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_spellings_of_a_path_become_one() {
        for raw in [
            "/login",
            "/%6cogin",
            "/%6Cogin",
            "//login",
            "/a/../login",
            "/./login",
            "/a/b/../../login",
            "/../login",
            "/%2e%2e/login",
            "/a/%2E%2E/login",
        ] {
            assert_eq!(normalize(raw), "/login", "{raw}");
        }
        assert_eq!(normalize("/docs/"), "/docs/");
        assert_eq!(normalize("/docs//"), "/docs/");
        assert_eq!(normalize("/a/b/.."), "/a/");
        assert_eq!(normalize("/"), "/");
        assert_eq!(
            normalize("/%2fetc"),
            "/%2Fetc",
            "encoded slashes stay encoded"
        );
        assert_eq!(normalize("/a%20b"), "/a%20b");
        assert!(matches!(normalize("/plain/path"), Cow::Borrowed(_)));
        assert_eq!(
            normalize("/100%/é%"),
            "/100%/é%",
            "stray percent signs and non-ASCII survive"
        );
    }
}
