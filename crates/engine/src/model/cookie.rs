//! The `Cookie` header: `name=value` pairs separated by `;`. Values are handed over
//! undecoded (the normaliser percent-decodes them); locations are `cookie:NAME`.

use super::{Loc, Sink};
use crate::detect::Kind;

/// Parses one `Cookie` header value.
pub(crate) fn parse(header: &[u8], sink: &mut dyn Sink) {
    for pair in header.split(|&b| b == b';') {
        let pair = pair.trim_ascii();
        if pair.is_empty() {
            continue;
        }
        if !sink.take_arg() {
            return;
        }
        let (name, value) = match memchr::memchr(b'=', pair) {
            Some(eq) => (pair[..eq].trim_ascii(), pair[eq + 1..].trim_ascii()),
            None => (&b""[..], pair),
        };
        let value = value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value);
        let name_text = super::text(name);
        let loc = Loc::new("cookie", &name_text);
        if !name.is_empty() {
            sink.value(loc, Kind::ArgName, name, 0);
        }
        sink.value(loc, Kind::Cookie, value, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::Recorder;

    #[test]
    fn splits_cookies_and_unquotes_values() {
        let mut r = Recorder::default();
        parse(b"sid=abc; theme=\"dark\" ;lonely", &mut r);
        assert_eq!(
            r.of(Kind::Cookie),
            vec![
                ("cookie:sid".into(), "abc".into()),
                ("cookie:theme".into(), "dark".into()),
                ("cookie".into(), "lonely".into())
            ]
        );
    }
}
