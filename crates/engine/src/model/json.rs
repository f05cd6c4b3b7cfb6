//! JSON bodies (and JSON nested in other values): every key and every string value, with
//! its path (`json:$.user.name`, `json:$.items[2]`). Iterative with an explicit stack
//! bounded by `max_depth`; numbers, booleans and null are skipped.

use std::fmt::Write as _;

use super::{Loc, Overflow, Sink};
use crate::detect::Kind;

/// Why a body is not JSON.
pub(crate) type Malformed = &'static str;

#[derive(Clone, Copy)]
enum State {
    Value,
    AfterValue,
    KeyOrEnd,
    Key,
    ElemOrEnd,
}

struct Frame {
    object: bool,
    base: usize,
    index: usize,
}

/// Parses `input`; values go to `sink` at `prefix:$...`. Stops quietly at the argument
/// budget or depth limit (the sink records those).
pub(crate) fn parse(
    input: &[u8],
    prefix: &str,
    depth: usize,
    sink: &mut dyn Sink,
) -> Result<(), Malformed> {
    let mut path = String::from("$");
    let mut stack: Vec<Frame> = Vec::new();
    let mut buf = Vec::new();
    let mut state = State::Value;
    let mut i = 0;
    let max_depth = sink.max_depth();
    loop {
        while i < input.len() && input[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= input.len() {
            return if stack.is_empty() && matches!(state, State::AfterValue) {
                Ok(())
            } else {
                Err("unexpected end of JSON")
            };
        }
        let b = input[i];
        match state {
            State::Value => match b {
                b'{' | b'[' => {
                    if depth + stack.len() >= max_depth {
                        sink.overflow(Overflow::Depth);
                        return Ok(());
                    }
                    stack.push(Frame {
                        object: b == b'{',
                        base: path.len(),
                        index: 0,
                    });
                    i += 1;
                    if b == b'{' {
                        state = State::KeyOrEnd;
                    } else {
                        path.push_str("[0]");
                        state = State::ElemOrEnd;
                    }
                }
                b'"' => {
                    i = string(input, i, &mut buf)?;
                    if !sink.take_arg() {
                        return Ok(());
                    }
                    let loc = Loc::new(prefix, &path);
                    sink.value(loc, Kind::ArgValue, &buf, depth + stack.len());
                    state = State::AfterValue;
                }
                _ => {
                    let n = input[i..]
                        .iter()
                        .take_while(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-')
                        })
                        .count();
                    if n == 0 {
                        return Err("unexpected character in JSON");
                    }
                    i += n;
                    state = State::AfterValue;
                }
            },
            State::ElemOrEnd | State::KeyOrEnd if b == b']' || b == b'}' => {
                let expect = if matches!(state, State::KeyOrEnd) {
                    b'}'
                } else {
                    b']'
                };
                if b != expect {
                    return Err("mismatched JSON bracket");
                }
                pop(&mut stack, &mut path);
                i += 1;
                state = State::AfterValue;
            }
            State::ElemOrEnd => state = State::Value,
            State::KeyOrEnd | State::Key => {
                if b != b'"' {
                    return Err("expected a JSON key");
                }
                i = string(input, i, &mut buf)?;
                if let Some(f) = stack.last() {
                    path.truncate(f.base);
                }
                path.push('.');
                path.push_str(&super::text(&buf));
                if !sink.take_arg() {
                    return Ok(());
                }
                let loc = Loc::new(prefix, &path);
                sink.value(loc, Kind::ArgName, &buf, depth + stack.len());
                while i < input.len() && input[i].is_ascii_whitespace() {
                    i += 1;
                }
                if input.get(i) != Some(&b':') {
                    return Err("expected ':' after JSON key");
                }
                i += 1;
                state = State::Value;
            }
            State::AfterValue => {
                let Some(top) = stack.last_mut() else {
                    return Err("trailing data after JSON value");
                };
                match (b, top.object) {
                    (b',', true) => state = State::Key,
                    (b',', false) => {
                        top.index += 1;
                        path.truncate(top.base);
                        let _ = write!(path, "[{}]", top.index);
                        state = State::Value;
                    }
                    (b'}', true) | (b']', false) => pop(&mut stack, &mut path),
                    _ => return Err("expected ',' or a closing bracket in JSON"),
                }
                i += 1;
            }
        }
    }
}

fn pop(stack: &mut Vec<Frame>, path: &mut String) {
    if let Some(f) = stack.pop() {
        path.truncate(f.base);
    }
}

/// Decodes the string starting at `input[at] == '"'` into `buf`; returns the index after it.
fn string(input: &[u8], at: usize, buf: &mut Vec<u8>) -> Result<usize, Malformed> {
    buf.clear();
    let mut i = at + 1;
    while i < input.len() {
        match input[i] {
            b'"' => return Ok(i + 1),
            b'\\' => {
                let esc = *input.get(i + 1).ok_or("unterminated JSON string")?;
                i += 2;
                let c = match esc {
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'u' => {
                        let hi = hex4(input, i).ok_or("bad \\u escape in JSON")?;
                        i += 4;
                        if (0xD800..0xDC00).contains(&hi)
                            && input.get(i) == Some(&b'\\')
                            && input.get(i + 1) == Some(&b'u')
                        {
                            match hex4(input, i + 2) {
                                Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                    i += 6;
                                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                    char::from_u32(cp).unwrap_or('\u{FFFD}')
                                }
                                _ => '\u{FFFD}',
                            }
                        } else {
                            char::from_u32(hi).unwrap_or('\u{FFFD}')
                        }
                    }
                    other => char::from(other),
                };
                let mut tmp = [0u8; 4];
                buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
            }
            _ => {
                // Copy the plain run up to the next quote or escape at once.
                let run = memchr::memchr2(b'"', b'\\', &input[i..]).unwrap_or(input.len() - i);
                buf.extend_from_slice(&input[i..i + run]);
                i += run;
            }
        }
    }
    Err("unterminated JSON string")
}

fn hex4(input: &[u8], at: usize) -> Option<u32> {
    let d = input.get(at..at + 4)?;
    let s = std::str::from_utf8(d).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// True when `text` is plausibly a JSON object or array.
pub(crate) fn looks_like(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::Recorder;

    fn run(s: &str) -> (Recorder, Result<(), Malformed>) {
        let mut r = Recorder::default();
        let res = parse(s.as_bytes(), "json", 0, &mut r);
        (r, res)
    }

    #[test]
    fn reports_keys_and_string_values_with_paths() {
        let (r, res) = run(r#"{"user":{"name":"O'Brien","tags":["a","b\u0022"]},"n":1,"ok":true}"#);
        assert!(res.is_ok());
        assert_eq!(
            r.of(Kind::ArgValue),
            vec![
                ("json:$.user.name".into(), "O'Brien".into()),
                ("json:$.user.tags[0]".into(), "a".into()),
                ("json:$.user.tags[1]".into(), "b\"".into())
            ]
        );
        let keys: Vec<_> = r.of(Kind::ArgName).into_iter().map(|(l, _)| l).collect();
        assert_eq!(
            keys,
            vec![
                "json:$.user",
                "json:$.user.name",
                "json:$.user.tags",
                "json:$.n",
                "json:$.ok"
            ]
        );
    }

    #[test]
    fn rejects_malformed_json() {
        assert!(run(r#"{"a":}"#).1.is_err());
        assert!(run(r#"{"a":"x""#).1.is_err());
        assert!(run("a=1&b=2").1.is_err());
        assert!(run("[1,2] x").1.is_err());
    }

    #[test]
    fn stops_at_depth_limit_without_recursion() {
        let deep = "[".repeat(100_000);
        let mut r = Recorder {
            depth: Some(8),
            ..Recorder::default()
        };
        let _ = parse(deep.as_bytes(), "json", 0, &mut r);
        assert_eq!(r.overflows, vec![Overflow::Depth]);
    }

    #[test]
    fn decodes_surrogate_pairs() {
        let (r, _) = run(r#"["\ud83d\ude00"]"#);
        assert_eq!(r.of(Kind::ArgValue)[0].1, "😀");
    }
}
