//! The request model: parsers that walk a request's parts and hand every value, with its
//! location and kind, to a [`Sink`]. Parsers only split and unescape their own syntax
//! (`+` and `%XX` in forms, `\uXXXX` in JSON, entities in XML); normalisation for
//! detection happens in the sink. Every parser is bounded: nesting by `max_depth`,
//! values by the sink's argument budget, and never recurses without a depth limit.

pub(crate) mod body;
pub(crate) mod cookie;
pub(crate) mod graphql;
pub(crate) mod json;
pub(crate) mod multipart;
pub(crate) mod urlencoded;
pub(crate) mod xml;

use std::fmt;

use crate::detect::Kind;

/// `bytes` as text: borrowed when valid UTF-8 (checked with the fast validator), with
/// replacement characters otherwise.
pub(crate) fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Where a value sits: `prefix:name` (`query:id`, `json:$.a.b`), or only `prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc<'a> {
    pub prefix: &'a str,
    pub name: &'a str,
}

impl<'a> Loc<'a> {
    pub(crate) fn new(prefix: &'a str, name: &'a str) -> Loc<'a> {
        Loc { prefix, name }
    }
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            f.write_str(self.prefix)
        } else {
            write!(f, "{}:{}", self.prefix, self.name)
        }
    }
}

/// A limit that the request went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overflow {
    Args,
    Depth,
    Body,
}

impl Overflow {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Overflow::Args => "too many arguments",
            Overflow::Depth => "nesting deeper than max_depth",
            Overflow::Body => "body larger than max_body_bytes",
        }
    }
}

/// Receives the values parsers find.
pub(crate) trait Sink {
    /// One value. `depth` counts nesting (JSON/XML levels and nested encodings).
    fn value(&mut self, loc: Loc<'_>, kind: Kind, raw: &[u8], depth: usize);
    /// Asks for one more argument of the budget; false when the budget is spent
    /// (the sink records the overflow itself).
    fn take_arg(&mut self) -> bool;
    /// Records that a limit was exceeded.
    fn overflow(&mut self, what: Overflow);
    /// Records a malformed structure (body that does not parse as its content type).
    fn malformed(&mut self, loc: Loc<'_>, what: &'static str);
    /// Nesting depth allowed.
    fn max_depth(&self) -> usize;
}

#[cfg(test)]
pub(crate) mod testing {
    //! A sink that records what it receives.
    use super::*;

    #[derive(Debug, Default)]
    pub(crate) struct Recorder {
        pub values: Vec<(String, Kind, String)>,
        pub overflows: Vec<Overflow>,
        pub malformed: Vec<String>,
        pub budget: Option<usize>,
        pub depth: Option<usize>,
    }

    impl Sink for Recorder {
        fn value(&mut self, loc: Loc<'_>, kind: Kind, raw: &[u8], _depth: usize) {
            self.values
                .push((loc.to_string(), kind, String::from_utf8_lossy(raw).into()));
        }
        fn take_arg(&mut self) -> bool {
            match &mut self.budget {
                Some(0) => {
                    self.overflows.push(Overflow::Args);
                    false
                }
                Some(n) => {
                    *n -= 1;
                    true
                }
                None => true,
            }
        }
        fn overflow(&mut self, what: Overflow) {
            self.overflows.push(what);
        }
        fn malformed(&mut self, loc: Loc<'_>, what: &'static str) {
            self.malformed.push(format!("{loc}: {what}"));
        }
        fn max_depth(&self) -> usize {
            self.depth.unwrap_or(32)
        }
    }

    impl Recorder {
        /// `(location, value)` pairs of one kind.
        pub(crate) fn of(&self, kind: Kind) -> Vec<(String, String)> {
            self.values
                .iter()
                .filter(|(_, k, _)| *k == kind)
                .map(|(l, _, v)| (l.clone(), v.clone()))
                .collect()
        }
    }
}
