//! `application/x-www-form-urlencoded` (query strings and form bodies): `&`-separated
//! `name=value` pairs, `+` as space, one layer of percent-decoding. Names and values are
//! both handed to the sink (names carry injections too: `user[$ne]=`).

use super::{Loc, Sink};
use crate::decode::percent;
use crate::detect::Kind;

/// Parses `input`; locations are `prefix:NAME`.
pub(crate) fn parse(input: &[u8], prefix: &str, depth: usize, sink: &mut dyn Sink) {
    let mut name_buf = Vec::new();
    let mut value_buf = Vec::new();
    for pair in input.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        if !sink.take_arg() {
            return;
        }
        let (name, value) = match memchr::memchr(b'=', pair) {
            Some(eq) => (&pair[..eq], Some(&pair[eq + 1..])),
            None => (pair, None),
        };
        let name = decode(name, &mut name_buf);
        let name_text = super::text(name);
        let loc = Loc::new(prefix, &name_text);
        sink.value(loc, Kind::ArgName, name, depth);
        if let Some(v) = value {
            let v = decode(v, &mut value_buf);
            sink.value(loc, Kind::ArgValue, v, depth);
        }
    }
}

/// True when `text` looks like a query string worth parsing as nested arguments.
pub(crate) fn looks_like(text: &str) -> bool {
    let b = text.as_bytes();
    let Some(eq) = memchr::memchr(b'=', b) else {
        return false;
    };
    eq > 0
        && b[..eq]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'[' | b']'))
        && !b.iter().any(|c| c.is_ascii_whitespace())
}

fn decode<'a>(raw: &'a [u8], buf: &'a mut Vec<u8>) -> &'a [u8] {
    if memchr::memchr2(b'%', b'+', raw).is_none() {
        return raw;
    }
    percent::decode_into(raw, true, buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::Recorder;

    #[test]
    fn splits_pairs_and_decodes_names_and_values() {
        let mut r = Recorder::default();
        parse(b"a=1&b+c=x%20y&flag&&d=", "query", 0, &mut r);
        assert_eq!(
            r.of(Kind::ArgValue),
            vec![
                ("query:a".into(), "1".into()),
                ("query:b c".into(), "x y".into()),
                ("query:d".into(), "".into())
            ]
        );
        assert_eq!(r.of(Kind::ArgName).len(), 4);
    }

    #[test]
    fn stops_at_argument_budget() {
        let mut r = Recorder {
            budget: Some(2),
            ..Recorder::default()
        };
        parse(b"a=1&b=2&c=3", "form", 0, &mut r);
        assert_eq!(r.of(Kind::ArgValue).len(), 2);
        assert_eq!(r.overflows.len(), 1);
    }

    #[test]
    fn recognises_nested_query_strings() {
        assert!(looks_like("a=1&b=2"));
        assert!(!looks_like("x = 1 or 2"));
        assert!(!looks_like("=abc"));
    }
}
