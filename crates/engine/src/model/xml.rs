//! XML bodies: element text (`xml:/root/a`), attribute values (`xml:/root/a/@href`),
//! CDATA as text, processing instructions (`xml:?pi`), and the DOCTYPE declaration with
//! its internal subset (`xml:!doctype`, where entity declarations live). A tokenizer, not
//! a validating parser: it never expands entities and never recurses.

use super::{Loc, Overflow, Sink};
use crate::detect::Kind;

/// Why a body is not XML.
pub(crate) type Malformed = &'static str;

/// Parses `input`; locations are `prefix:/path`.
pub(crate) fn parse(
    input: &[u8],
    prefix: &str,
    depth: usize,
    sink: &mut dyn Sink,
) -> Result<(), Malformed> {
    let start = input.iter().position(|c| !c.is_ascii_whitespace());
    if start.is_none_or(|s| input[s] != b'<') {
        return Err("XML body does not start with '<'");
    }
    let mut path = String::new();
    let mut bases: Vec<usize> = Vec::new();
    let max_depth = sink.max_depth();
    let mut i = 0;
    while i < input.len() {
        let Some(off) = memchr::memchr(b'<', &input[i..]) else {
            emit_text(&input[i..], prefix, &path, depth + bases.len(), sink);
            break;
        };
        if !emit_text(&input[i..i + off], prefix, &path, depth + bases.len(), sink) {
            return Ok(());
        }
        let at = i + off;
        let rest = &input[at..];
        if rest.starts_with(b"<!--") {
            i = find(input, at + 4, b"-->").map_or(input.len(), |e| e + 3);
        } else if rest.starts_with(b"<![CDATA[") {
            let end = find(input, at + 9, b"]]>").unwrap_or(input.len());
            if !emit_text(
                &input[at + 9..end],
                prefix,
                &path,
                depth + bases.len(),
                sink,
            ) {
                return Ok(());
            }
            i = (end + 3).min(input.len());
        } else if rest.starts_with(b"<?") {
            let end = find(input, at + 2, b"?>").unwrap_or(input.len());
            if sink.take_arg() {
                sink.value(
                    Loc::new(prefix, "?pi"),
                    Kind::ArgValue,
                    &input[at..end],
                    depth,
                );
            }
            i = (end + 2).min(input.len());
        } else if rest.starts_with(b"<!") {
            let end = doctype_end(input, at);
            sink.value(
                Loc::new(prefix, "!doctype"),
                Kind::XmlDoctype,
                &input[at..end],
                depth,
            );
            i = end;
        } else if rest.starts_with(b"</") {
            let end = memchr::memchr(b'>', &input[at..]).map_or(input.len(), |e| at + e + 1);
            if let Some(base) = bases.pop() {
                path.truncate(base);
            }
            i = end;
        } else {
            let (end, self_closing, name_end) = tag_end(input, at);
            let name = &input[at + 1..name_end];
            if name.is_empty()
                || !(name[0].is_ascii_alphabetic() || name[0] == b'_' || name[0] >= 0x80)
            {
                return Err("malformed XML tag");
            }
            if depth + bases.len() >= max_depth {
                sink.overflow(Overflow::Depth);
                return Ok(());
            }
            let base = path.len();
            path.push('/');
            path.push_str(&super::text(name));
            if !attributes(
                &input[name_end..end],
                prefix,
                &path,
                depth + bases.len(),
                sink,
            ) {
                return Ok(());
            }
            if self_closing {
                path.truncate(base);
            } else {
                bases.push(base);
            }
            i = end;
        }
    }
    Ok(())
}

/// Emits non-blank text; false when the argument budget is spent.
fn emit_text(text: &[u8], prefix: &str, path: &str, depth: usize, sink: &mut dyn Sink) -> bool {
    let t = text.trim_ascii();
    if t.is_empty() {
        return true;
    }
    if !sink.take_arg() {
        return false;
    }
    sink.value(Loc::new(prefix, path), Kind::ArgValue, t, depth);
    true
}

fn find(input: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(input.get(from..)?, needle).map(|e| from + e)
}

/// End of a `<!DOCTYPE ...>` including an internal subset in brackets.
fn doctype_end(input: &[u8], at: usize) -> usize {
    let mut in_subset = false;
    let mut quote = 0u8;
    for (k, &c) in input[at..].iter().enumerate() {
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = c,
            b'[' => in_subset = true,
            b']' => in_subset = false,
            b'>' if !in_subset => return at + k + 1,
            _ => {}
        }
    }
    input.len()
}

/// Returns (index after `>`, self-closing, end of the name).
fn tag_end(input: &[u8], at: usize) -> (usize, bool, usize) {
    let name_end = input[at + 1..]
        .iter()
        .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
        .map_or(input.len(), |p| at + 1 + p);
    let mut quote = 0u8;
    for (k, &c) in input[name_end..].iter().enumerate() {
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = c,
            b'>' => {
                let end = name_end + k;
                let self_closing = end > 0 && input[end - 1] == b'/';
                return (end + 1, self_closing, name_end);
            }
            _ => {}
        }
    }
    (input.len(), true, name_end)
}

/// Emits `name="value"` attributes; false when the argument budget is spent.
fn attributes(attrs: &[u8], prefix: &str, path: &str, depth: usize, sink: &mut dyn Sink) -> bool {
    let mut i = 0;
    let mut loc_buf = String::new();
    while i < attrs.len() {
        let Some(eq) = memchr::memchr(b'=', &attrs[i..]).map(|e| i + e) else {
            break;
        };
        let name = attrs[i..eq].trim_ascii();
        let name = name
            .rsplit(|c| c.is_ascii_whitespace())
            .next()
            .unwrap_or(name);
        let mut v = eq + 1;
        while v < attrs.len() && attrs[v].is_ascii_whitespace() {
            v += 1;
        }
        let (value, next) = match attrs.get(v) {
            Some(&q @ (b'"' | b'\'')) => {
                let end = memchr::memchr(q, &attrs[v + 1..]).map_or(attrs.len(), |e| v + 1 + e);
                (&attrs[v + 1..end], end + 1)
            }
            _ => {
                let end = attrs[v..]
                    .iter()
                    .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
                    .map_or(attrs.len(), |e| v + e);
                (&attrs[v..end], end)
            }
        };
        if !sink.take_arg() {
            return false;
        }
        loc_buf.clear();
        loc_buf.push_str(path);
        loc_buf.push_str("/@");
        loc_buf.push_str(&super::text(name));
        sink.value(Loc::new(prefix, &loc_buf), Kind::ArgName, name, depth);
        sink.value(Loc::new(prefix, &loc_buf), Kind::ArgValue, value, depth);
        i = next.max(eq + 1);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::Recorder;

    #[test]
    fn reports_text_attributes_cdata_and_doctype() {
        let doc = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r a="1"><b>hi &x;</b><c><![CDATA[<raw>]]></c><d/></r>"#;
        let mut r = Recorder::default();
        assert!(parse(doc, "xml", 0, &mut r).is_ok());
        let values = r.of(Kind::ArgValue);
        assert!(values.contains(&("xml:/r/@a".into(), "1".into())));
        assert!(values.contains(&("xml:/r/b".into(), "hi &x;".into())));
        assert!(values.contains(&("xml:/r/c".into(), "<raw>".into())));
        assert_eq!(r.of(Kind::XmlDoctype)[0].0, "xml:!doctype");
        assert!(r.of(Kind::XmlDoctype)[0].1.contains("ENTITY x SYSTEM"));
    }

    #[test]
    fn rejects_non_xml() {
        let mut r = Recorder::default();
        assert!(parse(b"a=1", "xml", 0, &mut r).is_err());
    }

    #[test]
    fn bounds_nesting() {
        let doc = "<a>".repeat(10_000);
        let mut r = Recorder {
            depth: Some(16),
            ..Recorder::default()
        };
        assert!(parse(doc.as_bytes(), "xml", 0, &mut r).is_ok());
        assert_eq!(r.overflows, vec![Overflow::Depth]);
    }
}
