//! The engine against payload forms from public cheat sheets and scanners, and against
//! everyday values, through the public API: each form as a query argument, double-encoded,
//! in a JSON body, a cookie, an XML document and a multipart field, with spaces and with
//! tabs; each everyday value as a query argument.
//! The lists live in `tests/data/`, one value per line (`# ` starts a comment line).

use waf_engine::{Engine, Policy, RequestParts, Verdict};

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("# "))
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn inspect(engine: &Engine, value: &str) -> Verdict {
    inspect_in(engine, Place::Query, value)
}

/// Where a payload travels.
#[derive(Debug, Clone, Copy)]
enum Place {
    Query,
    /// Percent-encoded twice, for an application that decodes twice.
    DoubleEncodedQuery,
    JsonBody,
    Cookie,
    /// Escaped as XML in an attribute and in the text of an element.
    XmlBody,
    MultipartField,
}

const PLACES: [Place; 6] = [
    Place::Query,
    Place::DoubleEncodedQuery,
    Place::JsonBody,
    Place::Cookie,
    Place::XmlBody,
    Place::MultipartField,
];

fn json_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn xml_escape(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What a place puts in the request: a query string, extra headers, a body.
type Carried = (Option<String>, Vec<(&'static str, Vec<u8>)>, Vec<u8>);

fn inspect_in(engine: &Engine, place: Place, value: &str) -> Verdict {
    let (query, headers, body): Carried = match place {
        Place::Query => (Some(format!("q={}", percent_encode(value))), vec![], vec![]),
        Place::DoubleEncodedQuery => (
            Some(format!("q={}", percent_encode(&percent_encode(value)))),
            vec![],
            vec![],
        ),
        Place::JsonBody => (
            None,
            vec![("content-type", b"application/json".to_vec())],
            format!("{{\"comment\":{}}}", json_string(value)).into_bytes(),
        ),
        Place::Cookie => (
            None,
            vec![(
                "cookie",
                format!("pref={}", percent_encode(value)).into_bytes(),
            )],
            vec![],
        ),
        Place::XmlBody => (
            None,
            vec![("content-type", b"application/xml".to_vec())],
            format!(
                "<?xml version=\"1.0\"?><r><a v=\"{0}\">{0}</a></r>",
                xml_escape(value)
            )
            .into_bytes(),
        ),
        Place::MultipartField => (
            None,
            vec![("content-type", b"multipart/form-data; boundary=b".to_vec())],
            format!(
                "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n{value}\r\n--b--\r\n"
            )
            .into_bytes(),
        ),
    };
    let mut all: Vec<(&str, &[u8])> = vec![("host", b"shop.example.com")];
    all.extend(headers.iter().map(|(n, v)| (*n, v.as_slice())));
    let request = RequestParts {
        method: if body.is_empty() { "GET" } else { "POST" },
        path: "/search",
        query: query.as_deref(),
        headers: &all,
        body: &body,
        body_truncated: false,
    };
    engine.inspect(&request, &Policy::default())
}

#[test]
fn public_attack_forms_block() {
    let engine = Engine::new();
    let missed: Vec<&str> = lines(include_str!("data/attack-forms.txt"))
        .filter(|v| !inspect(&engine, v).is_blocking())
        .collect();
    assert!(missed.is_empty(), "not blocked: {missed:#?}");
}

#[test]
fn attack_forms_block_wherever_they_travel() {
    let engine = Engine::new();
    let mut missed = Vec::new();
    for value in lines(include_str!("data/attack-forms.txt")) {
        // Tabs for spaces: shells, SQL and HTML all read them as separators.
        for v in [value.to_owned(), value.replace(' ', "\t")] {
            for place in PLACES {
                if !inspect_in(&engine, place, &v).is_blocking() {
                    missed.push(format!("{place:?}: {v}"));
                }
            }
        }
    }
    assert!(missed.is_empty(), "not blocked: {missed:#?}");
}

#[test]
fn everyday_values_pass() {
    let engine = Engine::new();
    let blocked: Vec<(&str, Verdict)> = lines(include_str!("data/everyday-values.txt"))
        .map(|v| (v, inspect(&engine, v)))
        .filter(|(_, verdict)| verdict.is_blocking())
        .collect();
    assert!(blocked.is_empty(), "blocked: {blocked:#?}");
}

/// The memory of clean header values spares work, never a finding: every value gives the
/// same verdict on its first and second sight as an engine without the memory gives.
#[test]
fn header_memo_changes_no_verdict() {
    let remembering = Engine::new();
    let forgetting = Engine::new().without_header_memo();
    let values = lines(include_str!("data/attack-forms.txt"))
        .chain(lines(include_str!("data/everyday-values.txt")));
    for value in values {
        for header in ["user-agent", "referer", "x-custom"] {
            let headers: [(&str, &[u8]); 2] =
                [("host", b"shop.example.com"), (header, value.as_bytes())];
            let request = RequestParts {
                method: "GET",
                path: "/",
                query: None,
                headers: &headers,
                body: b"",
                body_truncated: false,
            };
            let policy = Policy::default();
            let want = forgetting.inspect(&request, &policy).findings;
            for sight in ["first", "second"] {
                let got = remembering.inspect(&request, &policy).findings;
                assert_eq!(got, want, "{sight} sight of {header}: {value}");
            }
        }
    }
}
