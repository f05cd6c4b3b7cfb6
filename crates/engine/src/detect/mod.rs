//! Detectors: one attack class per file, listed in [`REGISTRY`].
//!
//! A detector reads one [`Subject`] (a normalised value with its kind and location name)
//! and answers with a [`Hit`] (confidence and evidence) or nothing. Detectors that need the
//! whole request (protocol anomalies, scanner signatures in headers) also implement
//! [`Detector::inspect_request`]. Everything a detector compiles is built in its `build`
//! function, called once by `Engine::new`.

use std::borrow::Cow;

use crate::decode::Flags;
use crate::{Category, RequestParts};

pub(crate) mod crlf;
pub(crate) mod html_lexer;
pub(crate) mod java;
pub(crate) mod js_injection;
pub(crate) mod ldap;
pub(crate) mod mail;
pub(crate) mod nosql;
pub(crate) mod path_traversal;
pub(crate) mod php;
pub(crate) mod protocol;
pub(crate) mod rce;
pub(crate) mod rfi;
pub(crate) mod scanner;
pub(crate) mod session_fixation;
pub(crate) mod shell_tricks;
pub(crate) mod shell_words;
pub(crate) mod sql_lexer;
pub(crate) mod sqli;
pub(crate) mod ssi;
pub(crate) mod ssrf;
pub(crate) mod ssti;
pub(crate) mod xss;
pub(crate) mod xxe;

/// What part of the request a value came from; detectors weigh evidence by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The request path (decoded).
    Path,
    /// An argument name (query, form, JSON key, multipart field name, cookie name).
    ArgName,
    /// An argument value (query, form, JSON string, XML text or attribute, multipart field).
    ArgValue,
    /// A header value (name in [`Subject::name`], lowercase).
    Header,
    /// A cookie value.
    Cookie,
    /// An uploaded file's name.
    Filename,
    /// An uploaded file's content (text only).
    FileContent,
    /// A body inspected as one piece of text (unknown or plain content type).
    Body,
    /// An XML document's DOCTYPE declaration.
    XmlDoctype,
}

/// Which ASCII bytes occur in a text: one bit per byte value below 128.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ByteSet(u128);

impl ByteSet {
    pub(crate) fn of(text: &str) -> ByteSet {
        ByteSet::scan(text.as_bytes()).0
    }

    /// The set of ASCII bytes of `raw`, and whether every byte is ASCII: one pass.
    pub(crate) fn scan(raw: &[u8]) -> (ByteSet, bool) {
        let mut bits = 0u128;
        let mut high = 0u8;
        for &b in raw {
            high |= b;
            bits |= 1 << (b & 0x7f);
        }
        if high & 0x80 != 0 {
            // Non-ASCII bytes set bits of their low seven bits; recount exactly.
            bits = 0;
            for &b in raw {
                if b < 128 {
                    bits |= 1 << b;
                }
            }
        }
        (ByteSet(bits), high & 0x80 == 0)
    }

    /// True when an ASCII capital letter occurs.
    pub(crate) fn has_upper(self) -> bool {
        const UPPER: u128 = ((1u128 << 26) - 1) << b'A';
        self.0 & UPPER != 0
    }

    /// True when any of `bytes` occurs.
    pub(crate) fn any(self, bytes: &[u8]) -> bool {
        bytes.iter().any(|&b| b < 128 && self.0 >> b & 1 == 1)
    }

    /// True when `b` occurs.
    pub(crate) fn has(self, b: u8) -> bool {
        b < 128 && self.0 >> b & 1 == 1
    }
}

/// One value under inspection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub kind: Kind,
    /// Argument, header or cookie name; empty for path and body.
    pub name: &'a str,
    /// Normalised text (all pipeline decoders applied).
    pub text: &'a str,
    /// `text` with ASCII letters lowercased (same byte offsets as `text`).
    pub lower: &'a str,
    /// What the normaliser had to undo.
    pub flags: Flags,
    /// ASCII bytes present in `text`.
    pub bytes: ByteSet,
    /// True when one of the inspecting detector's trigger words occurs in `lower`
    /// (set per detector by the pipeline; see [`Detector::triggers`]).
    pub word_hit: bool,
}

/// A detection: confidence in [0, 1] and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit<'a> {
    pub confidence: f32,
    pub fragment: Cow<'a, str>,
}

/// Evidence kept from the point a detector matched.
pub(crate) const FRAGMENT_BYTES: usize = 80;

impl<'a> Hit<'a> {
    pub(crate) fn new(confidence: f32, fragment: impl Into<Cow<'a, str>>) -> Hit<'a> {
        Hit {
            confidence: confidence.clamp(0.0, 1.0),
            fragment: fragment.into(),
        }
    }

    /// Evidence is the part of `text` around byte range `at..end`, widened to char bounds.
    /// A hit whose evidence is the fragment of `text` starting at `at`, at most
    /// [`FRAGMENT_BYTES`] long.
    pub(crate) fn from(confidence: f32, text: &'a str, at: usize) -> Hit<'a> {
        Hit::at(confidence, text, at, at.saturating_add(FRAGMENT_BYTES))
    }

    pub(crate) fn at(confidence: f32, text: &'a str, at: usize, end: usize) -> Hit<'a> {
        let mut s = at.min(text.len());
        while !text.is_char_boundary(s) {
            s -= 1;
        }
        let mut e = end.clamp(s, text.len());
        while !text.is_char_boundary(e) {
            e += 1;
        }
        Hit::new(confidence, &text[s..e])
    }
}

/// A request-level detection with its location.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RequestHit {
    pub confidence: f32,
    pub location: String,
    pub fragment: String,
}

/// The cheap precondition of a detector (see [`Detector::triggers`]).
#[derive(Debug, Clone)]
pub(crate) struct Triggers {
    pub bytes: &'static [u8],
    pub words: Vec<&'static str>,
    pub always: bool,
}

impl Triggers {
    pub(crate) const ALWAYS: Triggers = Triggers {
        bytes: b"",
        words: Vec::new(),
        always: true,
    };

    /// Runs when one of `bytes` occurs.
    pub(crate) fn bytes(bytes: &'static [u8]) -> Triggers {
        Triggers {
            bytes,
            words: Vec::new(),
            always: false,
        }
    }

    /// Runs when one of `bytes` or one of `words` occurs.
    pub(crate) fn bytes_or_words(bytes: &'static [u8], words: &[&'static str]) -> Triggers {
        Triggers {
            bytes,
            words: words.to_vec(),
            always: false,
        }
    }
}

/// One attack-class detector.
pub(crate) trait Detector: Send + Sync + std::fmt::Debug {
    /// Inspects one value. Runs for every value of the request; must be linear in its length.
    fn inspect<'a>(&self, subject: &Subject<'a>) -> Option<Hit<'a>>;

    /// What must occur in a value for [`Detector::inspect`] to possibly find something:
    /// any of `bytes`, or any of `words` (lowercase) as a substring. The pipeline checks
    /// this with one shared scan per value and skips the detector otherwise. Default:
    /// always run.
    fn triggers(&self) -> Triggers {
        Triggers::ALWAYS
    }

    /// Inspects the request as a whole, once, before its values. Default: nothing.
    fn inspect_request(&self, _request: &RequestParts<'_>, _out: &mut Vec<RequestHit>) {}
}

/// A registry row: stable detector name, its category, its constructor.
#[derive(Debug)]
pub(crate) struct Entry {
    pub name: &'static str,
    pub category: Category,
    pub build: fn() -> Box<dyn Detector>,
}

/// Every detector, in the order they run.
pub(crate) const REGISTRY: &[Entry] = &[
    entry("sqli", Category::SqlInjection, sqli::build),
    entry("xss", Category::Xss, xss::build),
    entry("rce", Category::Rce, rce::build),
    entry("js_injection", Category::Rce, js_injection::build),
    entry(
        "path_traversal",
        Category::PathTraversal,
        path_traversal::build,
    ),
    entry("rfi", Category::RemoteFileInclusion, rfi::build),
    entry("ssrf", Category::Ssrf, ssrf::build),
    entry("xxe", Category::Xxe, xxe::build),
    entry("ssti", Category::Ssti, ssti::build),
    entry("java", Category::Java, java::build),
    entry("php", Category::Php, php::build),
    entry("nosql", Category::Nosql, nosql::build),
    entry("ldap", Category::Ldap, ldap::build),
    entry("crlf", Category::Crlf, crlf::build),
    entry("session_fixation", Category::Crlf, session_fixation::build),
    entry("ssi", Category::Ssi, ssi::build),
    entry("mail", Category::MailInjection, mail::build),
    entry("scanner", Category::Scanner, scanner::build),
    entry("protocol", Category::Protocol, protocol::build),
];

const fn entry(name: &'static str, category: Category, build: fn() -> Box<dyn Detector>) -> Entry {
    Entry {
        name,
        category,
        build,
    }
}

/// Which detectors a value can interest: the union of every detector's [`Triggers`],
/// compiled once; [`Gates::open`] answers per value with one automaton scan.
#[derive(Debug)]
pub(crate) struct Gates {
    /// Detectors opened by each ASCII byte.
    by_byte: [u32; 128],
    /// Detectors that always run.
    always: u32,
    words: Option<aho_corasick::AhoCorasick>,
    owners: Vec<u32>,
}

impl Gates {
    pub(crate) fn new(detectors: &[&dyn Detector]) -> Gates {
        let mut by_byte = [0u32; 128];
        let mut always = 0u32;
        let mut words: Vec<&'static str> = Vec::new();
        let mut owners: Vec<u32> = Vec::new();
        for (i, d) in detectors.iter().enumerate() {
            let t = d.triggers();
            if t.always {
                always |= 1 << i;
            }
            for &b in t.bytes {
                if b < 128 {
                    by_byte[usize::from(b)] |= 1 << i;
                }
            }
            for w in t.words {
                match words.iter().position(|x| *x == w) {
                    Some(p) => owners[p] |= 1 << i,
                    None => {
                        words.push(w);
                        owners.push(1 << i);
                    }
                }
            }
        }
        let words = (!words.is_empty()).then(|| {
            aho_corasick::AhoCorasickBuilder::new()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&words)
                .expect("static patterns compile")
        });
        Gates {
            by_byte,
            always,
            words,
            owners,
        }
    }

    /// `(open, words)`: bit `i` of `open` set when detector `i` should inspect a value with
    /// these bytes and text; bit `i` of `words` when one of its trigger words occurs.
    pub(crate) fn open(&self, present: ByteSet, lower: &str) -> (u32, u32) {
        let mut open = self.always;
        let mut bits = present.0;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            open |= self.by_byte[b];
            bits &= bits - 1;
        }
        let mut words = 0u32;
        // Most values hold no trigger word: one quick search says so before the overlapping
        // walk that finds every word.
        if let Some(ac) = self.words.as_ref().filter(|ac| ac.is_match(lower)) {
            for m in ac.find_overlapping_iter(lower) {
                words |= self.owners[m.pattern().as_usize()];
            }
        }
        (open | words, words)
    }
}

/// Start offsets of the non-overlapping occurrences of the two-byte pattern `ab` in `s`,
/// left to right (as `s.match_indices` would give them), found with `memchr`: cheaper than
/// a substring searcher for the short values detectors read.
pub(crate) fn pair_indices(s: &str, a: u8, b: u8) -> impl Iterator<Item = usize> + '_ {
    let bytes = s.as_bytes();
    let mut next_free = 0;
    memchr::memchr_iter(a, bytes).filter(move |&i| {
        if i < next_free || bytes.get(i + 1) != Some(&b) {
            return false;
        }
        next_free = i + 2;
        true
    })
}

/// `s[start..end]` with both ends moved inward to character boundaries (and clamped), for
/// windows of bounded length over arbitrary text.
pub(crate) fn clip(s: &str, start: usize, end: usize) -> &str {
    let mut a = start.min(s.len());
    while !s.is_char_boundary(a) {
        a += 1;
    }
    let mut e = end.clamp(a, s.len());
    while !s.is_char_boundary(e) {
        e -= 1;
    }
    &s[a..e.max(a)]
}

/// Compiles a fixed keyword set into a DFA (fast to search, built once in `build`).
pub(crate) fn automaton<I, P>(patterns: I) -> aho_corasick::AhoCorasick
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    aho_corasick::AhoCorasickBuilder::new()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(patterns)
        .expect("static patterns compile")
}

/// Builds a subject from a normalised text and its lowercase twin (as the pipeline does).
#[cfg(test)]
pub(crate) fn subject<'a>(
    kind: Kind,
    name: &'a str,
    text: &'a str,
    lower: &'a str,
    flags: Flags,
) -> Subject<'a> {
    Subject {
        kind,
        name,
        text,
        lower,
        flags,
        bytes: ByteSet::of(text),
        word_hit: true,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Runs one detector on one string, as the pipeline would.
    use super::*;
    use crate::decode::Normaliser;

    /// Confidence of `detector` on `raw` seen as `kind` named `name` (0.0 when no hit).
    pub(crate) fn score(detector: &dyn Detector, kind: Kind, name: &str, raw: &str) -> f32 {
        let mut n = Normaliser::default();
        let (text, flags) = n.run(raw.as_bytes());
        let lower = text.to_ascii_lowercase();
        let s = subject(kind, name, text, &lower, flags);
        detector.inspect(&s).map_or(0.0, |h| h.confidence)
    }

    /// Shorthand: an argument value named `q`.
    pub(crate) fn arg(detector: &dyn Detector, raw: &str) -> f32 {
        score(detector, Kind::ArgValue, "q", raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_unique_and_match_detectors() {
        let mut names: Vec<_> = REGISTRY.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len());
        for e in REGISTRY {
            let _ = (e.build)();
        }
    }

    #[test]
    fn every_category_has_a_detector() {
        for c in Category::ALL {
            assert!(
                REGISTRY.iter().any(|e| e.category == c),
                "{c} has no detector"
            );
        }
    }

    #[test]
    fn pair_indices_match_match_indices() {
        for s in [
            "", ".", "..", "...", "....//..", "a..b..c", "on", "oon onon", "é..é",
        ] {
            for (a, b) in [(b'.', b'.'), (b'o', b'n')] {
                let pat = std::str::from_utf8(&[a, b]).unwrap().to_owned();
                let want: Vec<usize> = s.match_indices(pat.as_str()).map(|(i, _)| i).collect();
                assert_eq!(pair_indices(s, a, b).collect::<Vec<_>>(), want, "{s}");
            }
        }
    }

    #[test]
    fn byte_set_reports_members() {
        let s = ByteSet::of("a<b");
        assert!(s.has(b'<') && s.any(b"x<") && !s.any(b"'\"") && !s.has_upper());
        let (s, ascii) = ByteSet::scan("é<B".as_bytes());
        assert!(!ascii && s.has(b'<') && s.has_upper());
        // `é` is 0xC3 0xA9: its low seven bits (`C`, `)`) are not members.
        assert!(!s.has(b'C') && !s.has(b')'));
        assert_eq!(ByteSet::scan(b"ab"), (ByteSet::of("ab"), true));
    }
}
