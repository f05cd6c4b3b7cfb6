//! Entry points for fuzzing the parsers and decoders directly (feature `fuzzing` only; the
//! targets live in `/fuzz`). Each runs one component on arbitrary bytes and discards the
//! result: the fuzzer looks for panics, hangs and unbounded memory.

use crate::decode::{self, Normaliser};
use crate::detect::Kind;
use crate::model::{self, Loc, Overflow, Sink};

/// A sink that only counts, with the default budget and depth.
#[derive(Default)]
struct Counter {
    values: usize,
}

impl Sink for Counter {
    fn value(&mut self, _loc: Loc<'_>, _kind: Kind, raw: &[u8], _depth: usize) {
        self.values += raw.len().min(1);
    }
    fn take_arg(&mut self) -> bool {
        self.values < 1024
    }
    fn overflow(&mut self, _what: Overflow) {}
    fn malformed(&mut self, _loc: Loc<'_>, _what: &'static str) {}
    fn max_depth(&self) -> usize {
        32
    }
}

/// The normalisation pipeline and every on-demand decoder.
pub fn decoders(data: &[u8]) {
    let mut n = Normaliser::default();
    let (text, _) = n.run(data);
    let text = text.to_owned();
    let mut out = String::new();
    decode::css_escape::decode_into(&text, &mut out);
    decode::comment::strip_into(&text, &mut out);
    decode::path::normalise_into(&text, &mut out);
    let _ = decode::base64::decode_text(&text);
}

/// The JSON parser.
pub fn json(data: &[u8]) {
    let _ = model::json::parse(data, "json", 0, &mut Counter::default());
}

/// The XML tokenizer.
pub fn xml(data: &[u8]) {
    let _ = model::xml::parse(data, "xml", 0, &mut Counter::default());
}

/// The multipart parser; the first line of `data` is the boundary.
pub fn multipart(data: &[u8]) {
    let split = memchr::memchr(b'\n', data).unwrap_or(data.len());
    let boundary = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 1..).unwrap_or_default();
    let _ = model::multipart::parse(body, &boundary, 0, &mut Counter::default());
}

/// The query-string / form parser and the cookie parser.
pub fn urlencoded(data: &[u8]) {
    model::urlencoded::parse(data, "query", 0, &mut Counter::default());
    model::cookie::parse(data, &mut Counter::default());
}
