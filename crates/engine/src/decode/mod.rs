//! Decoders and the normalisation pipeline that chains them.
//!
//! One decoder per file; [`CATALOGUE`] lists them all. The pipeline ([`Normaliser`])
//! turns a raw value into the text detectors read: percent-decoding to a bounded fixed
//! point, overlong UTF-8, HTML references, JS escapes, Unicode folding, NUL removal.
//! Decoders that only make sense in one grammar (CSS escapes, C comments, path
//! resolution, base64) are called by the detector or parser that needs them.
//! Every decoder keeps what it cannot decode literally: none invents a character.

pub(crate) mod base64;
pub(crate) mod comment;
pub(crate) mod css_escape;
pub(crate) mod html_entity;
pub(crate) mod js_escape;
pub(crate) mod null_byte;
pub(crate) mod overlong_utf8;
pub(crate) mod path;
pub(crate) mod percent;
pub(crate) mod unicode_fold;

use crate::detect::ByteSet;

#[cfg(test)]
mod properties;

/// Every decoder, by name, with where the pipeline uses it.
pub(crate) const CATALOGUE: &[(&str, Use)] = &[
    ("percent", Use::Pipeline),
    ("overlong_utf8", Use::Pipeline),
    ("html_entity", Use::Pipeline),
    ("js_escape", Use::Pipeline),
    ("unicode_fold", Use::Pipeline),
    ("null_byte", Use::Pipeline),
    ("css_escape", Use::OnDemand),
    ("comment", Use::OnDemand),
    ("path", Use::OnDemand),
    ("base64", Use::OnDemand),
];

/// Where a decoder runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// On every value, in [`Normaliser::run`].
    Pipeline,
    /// Only where a parser or detector asks for it.
    OnDemand,
}

/// Text stages of the pipeline, in order: (name, cheap pre-check, decoder).
type TextStage = (
    &'static str,
    fn(&str) -> bool,
    fn(&str, &mut String) -> bool,
);

const TEXT_STAGES: [TextStage; 4] = [
    (
        "html_entity",
        html_entity::may_contain,
        html_entity::decode_into,
    ),
    ("js_escape", js_escape::may_contain, js_escape::decode_into),
    (
        "unicode_fold",
        unicode_fold::may_contain,
        unicode_fold::fold_into,
    ),
    ("null_byte", null_byte::may_contain, null_byte::strip_into),
];

/// Percent layers decoded at most (the fixed point is bounded).
const MAX_PERCENT_ROUNDS: usize = 4;

/// What the pipeline had to undo: evidence of encoding, and of evasion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags(u16);

impl Flags {
    pub(crate) const PERCENT: Flags = Flags(1);
    /// Two or more percent layers (`%252e`).
    pub(crate) const MULTI_PERCENT: Flags = Flags(1 << 1);
    pub(crate) const OVERLONG_UTF8: Flags = Flags(1 << 2);
    pub(crate) const INVALID_UTF8: Flags = Flags(1 << 3);
    pub(crate) const HTML_ENTITY: Flags = Flags(1 << 4);
    pub(crate) const JS_ESCAPE: Flags = Flags(1 << 5);
    pub(crate) const UNICODE_FOLD: Flags = Flags(1 << 6);
    pub(crate) const NUL: Flags = Flags(1 << 7);

    pub(crate) fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    fn insert(&mut self, other: Flags) {
        self.0 |= other.0;
    }

    fn for_stage(name: &str) -> Flags {
        match name {
            "html_entity" => Flags::HTML_ENTITY,
            "js_escape" => Flags::JS_ESCAPE,
            "unicode_fold" => Flags::UNICODE_FOLD,
            _ => Flags::NUL,
        }
    }
}

/// Reusable buffers of the pipeline; one per inspection, so values reuse allocations.
#[derive(Debug, Default)]
pub(crate) struct Normaliser {
    a: Vec<u8>,
    b: Vec<u8>,
    cur: String,
    tmp: String,
}

impl Normaliser {
    /// Normalises `raw`. Returns `raw` itself (no copy) when nothing applies.
    pub(crate) fn run<'s>(&'s mut self, raw: &'s [u8]) -> (&'s str, Flags) {
        let (bytes, ascii) = ByteSet::scan(raw);
        self.run_scanned(raw, bytes, ascii)
    }

    /// [`Normaliser::run`] for a value already scanned by [`ByteSet::scan`]: an ASCII
    /// value without `%`, `&`, `\\` or NUL has nothing to decode and costs no other pass.
    pub(crate) fn run_scanned<'s>(
        &'s mut self,
        raw: &'s [u8],
        bytes: ByteSet,
        ascii: bool,
    ) -> (&'s str, Flags) {
        if ascii && !bytes.any(b"%&\\\0") {
            if let Ok(s) = std::str::from_utf8(raw) {
                return (s, Flags::default());
            }
        }
        let mut flags = Flags::default();
        let needs_bytes = percent::has_escape(raw) || overlong_utf8::may_contain(raw);
        if !needs_bytes {
            if let Ok(s) = std::str::from_utf8(raw) {
                if s.is_ascii() && !TEXT_STAGES.iter().any(|(_, may, _)| may(s)) {
                    return (s, flags);
                }
            }
        }
        self.a.clear();
        self.a.extend_from_slice(raw);
        self.percent_rounds(&mut flags);
        if overlong_utf8::may_contain(&self.a) && overlong_utf8::decode_into(&self.a, &mut self.b) {
            std::mem::swap(&mut self.a, &mut self.b);
            flags.insert(Flags::OVERLONG_UTF8);
            self.percent_rounds(&mut flags);
        }
        self.cur.clear();
        match String::from_utf8_lossy(&self.a) {
            std::borrow::Cow::Borrowed(s) => self.cur.push_str(s),
            std::borrow::Cow::Owned(s) => {
                flags.insert(Flags::INVALID_UTF8);
                self.cur.push_str(&s);
            }
        }
        let mut text_changed = false;
        for (name, may, decode) in TEXT_STAGES {
            // References may be encoded twice (`&amp;lt;`, XML text holding HTML): two passes.
            let passes = if name == "html_entity" { 2 } else { 1 };
            for _ in 0..passes {
                if may(&self.cur) && decode(&self.cur, &mut self.tmp) {
                    std::mem::swap(&mut self.cur, &mut self.tmp);
                    flags.insert(Flags::for_stage(name));
                    text_changed = true;
                } else {
                    break;
                }
            }
        }
        // Entities or escapes may have spelled a new percent layer (`&#37;3c`): one more pass.
        if text_changed && percent::has_escape(self.cur.as_bytes()) {
            self.a.clear();
            self.a.extend_from_slice(self.cur.as_bytes());
            if percent::decode_into(&self.a, false, &mut self.b) {
                flags.insert(Flags::MULTI_PERCENT);
                self.cur.clear();
                self.cur.push_str(&String::from_utf8_lossy(&self.b));
            }
        }
        (&self.cur, flags)
    }

    fn percent_rounds(&mut self, flags: &mut Flags) {
        for round in 0..MAX_PERCENT_ROUNDS {
            if !percent::has_escape(&self.a) || !percent::decode_into(&self.a, false, &mut self.b) {
                break;
            }
            std::mem::swap(&mut self.a, &mut self.b);
            flags.insert(if round == 0 {
                Flags::PERCENT
            } else {
                Flags::MULTI_PERCENT
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &[u8]) -> (String, Flags) {
        let mut n = Normaliser::default();
        let (s, f) = n.run(raw);
        (s.to_owned(), f)
    }

    #[test]
    fn catalogue_names_are_unique_and_cover_pipeline_stages() {
        let mut names: Vec<_> = CATALOGUE.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
        for (stage, _, _) in TEXT_STAGES {
            assert!(CATALOGUE.contains(&(stage, Use::Pipeline)), "{stage}");
        }
    }

    #[test]
    fn plain_ascii_is_returned_without_copy() {
        let raw = b"hello world";
        let mut n = Normaliser::default();
        let (s, f) = n.run(raw);
        assert_eq!(s.as_ptr(), raw.as_ptr());
        assert_eq!(f, Flags::default());
    }

    #[test]
    fn decodes_nested_layers_to_fixed_point() {
        let (s, f) = norm(b"%25252e%25252e%25252f");
        assert_eq!(s, "../");
        assert!(f.contains(Flags::MULTI_PERCENT));
    }

    #[test]
    fn chains_percent_entities_and_fullwidth() {
        assert_eq!(norm(b"%26lt;script%26gt;").0, "<script>");
        assert_eq!(
            norm("＜img src=x onerror=alert(1)＞".as_bytes()).0,
            "<img src=x onerror=alert(1)>"
        );
        assert_eq!(norm(b"&#37;3cscript").0, "<script");
        assert_eq!(norm(b"ja&amp;tab;vascript:").0, "ja\tvascript:");
    }

    #[test]
    fn flags_overlong_and_nul() {
        let (s, f) = norm(b"..%c0%af..%c0%afetc%00");
        assert_eq!(s, "../../etc");
        assert!(f.contains(Flags::OVERLONG_UTF8));
        assert!(f.contains(Flags::NUL));
    }
}
