//! Server-side template injection: template delimiters (`{{ }}`, `${ }`, `#{ }`, `<%= %>`,
//! `{% %}`, `<#...>`, `#set(`) holding what no user writes in a template — arithmetic on
//! literals (`{{7*7}}`), Python object traversal (`__class__`, `__mro__`,
//! `__subclasses__`, `__globals__`), Twig/Jinja/Freemarker/Velocity escapes to the runtime.

use super::{Detector, Hit, Kind, Subject, Triggers};

#[derive(Debug)]
struct Ssti {
    escapes: aho_corasick::AhoCorasick,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let escapes = super::automaton(ENGINE_ESCAPES);
    Box::new(Ssti { escapes })
}

const OBJECT_WALK: &[&str] = &[
    "__class__",
    "__mro__",
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__import__",
    "__init__",
    "__base__",
    "__bases__",
    "__dict__",
    "__getattribute__",
    "__reduce__",
    "__code__",
    "func_globals",
];

const ENGINE_ESCAPES: &[&str] = &[
    "_self.env",
    "registerundefinedfiltercallback",
    "getfilter(",
    "freemarker.template.utility",
    "?new()",
    "<#assign",
    "objectconstructor",
    "$class.inspect",
    "$class.forname",
    ".getclass()",
    "lipsum.",
    "cycler.",
    "joiner.",
    "namespace.__",
    "request.application",
    "config.items()",
    "self._templatereference",
    "url_for.__globals__",
    "get_flashed_messages",
    "|attr(",
    "popen(",
    ".exec(",
    "runtime.exec",
    "th:text=\"${",
    "__${",
    "#set(",
    "#foreach(",
    "{php}",
    "{system(",
    "{{self}}",
    "{{config}}",
    "${product.getclass",
    "@(",
];

/// True when `inner` (template expression) is arithmetic on literals: `7*7`, `'a'*3`.
fn literal_arithmetic(inner: &str) -> bool {
    let t = inner.trim();
    let has_op = t.contains(['*', '+', '-', '/', '%']);
    has_op
        && t.len() <= 40
        && t.chars().all(|c| {
            c.is_ascii_digit()
                || "*+-/%() '\"".contains(c)
                || c.is_ascii_alphabetic() && t.contains(['\'', '"'])
        })
        && t.chars().any(|c| c.is_ascii_digit())
}

/// Offset of a complete control structure of a template language, a statement tag with
/// a control keyword and a later end tag: `{% if x %}49{% endif %}`, `<% if x %>..<% end %>`.
fn control_structure(lower: &str) -> Option<usize> {
    for (open, close) in [("{%", "%}"), ("<%", "%>")] {
        for (k, _) in lower.match_indices(open).take(16) {
            let rest = &lower[k + open.len()..];
            let Some(end) = rest.find(close) else {
                continue;
            };
            let inner = rest[..end].trim_start_matches(['-', '=', '~', '+', ' ', '\t']);
            let word = inner
                .split(|c: char| !c.is_ascii_alphabetic())
                .next()
                .unwrap_or("");
            if !matches!(
                word,
                "if" | "for"
                    | "unless"
                    | "while"
                    | "with"
                    | "macro"
                    | "block"
                    | "case"
                    | "each"
                    | "filter"
                    | "autoescape"
                    | "call"
            ) || inner.len() == word.len()
            {
                continue;
            }
            let after = &rest[end + close.len()..];
            let closed = after.match_indices(open).take(16).any(|(j, _)| {
                after[j + open.len()..]
                    .trim_start_matches(['-', '~', ' ', '\t'])
                    .starts_with("end")
            });
            if closed {
                return Some(k);
            }
        }
    }
    None
}

impl Detector for Ssti {
    fn triggers(&self) -> Triggers {
        Triggers::bytes_or_words(
            b"{%$#@[",
            &[
                "__", "<#", "lipsum", "cycler", "joiner", "getclass", "popen", "exec(", "self",
                "config", "|attr", "request.",
            ],
        )
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::XmlDoctype)
            || (!s.bytes.any(b"{$#@%") && !s.lower.contains("__") && !s.lower.contains("<#"))
        {
            return None;
        }
        let lower = s.lower;
        let mut best = (0.0f32, 0usize);
        let mut take = |c: f32, a: usize| {
            if c > best.0 {
                best = (c, a);
            }
        };
        let delimited = s.bytes.any(b"{%[");
        for (open, close) in [
            ("{{", "}}"),
            ("${", "}"),
            ("#{", "}"),
            ("<%=", "%>"),
            ("<%", "%>"),
            ("{%", "%}"),
            ("*{", "}"),
            ("@{", "}"),
            ("[[", "]]"),
            ("{", "}"),
        ] {
            if !delimited {
                break;
            }
            for (k, _) in lower.match_indices(open).take(32) {
                let rest = &lower[k + open.len()..];
                let Some(end) = rest.find(close) else {
                    continue;
                };
                let inner = super::clip(rest, 0, end.min(512));
                if literal_arithmetic(inner)
                    && (open != "{" || inner.trim().starts_with(|c: char| c.is_ascii_digit()))
                    && open != "[["
                {
                    take(if open == "{" { 0.5 } else { 0.85 }, k);
                }
                if OBJECT_WALK.iter().any(|w| inner.contains(w)) {
                    take(0.9, k);
                }
                if open == "{%"
                    && [
                        "import", "exec", "popen", "system", "include", "extends", "for ", "set ",
                    ]
                    .iter()
                    .any(|w| inner.contains(w))
                {
                    take(
                        if inner.contains("import")
                            || inner.contains("popen")
                            || inner.contains("system")
                        {
                            0.9
                        } else {
                            0.6
                        },
                        k,
                    );
                }
            }
        }
        if s.bytes.has(b'%') {
            if let Some(k) = control_structure(lower) {
                take(0.85, k);
            }
        }
        if s.bytes.has(b'_') {
            for w in OBJECT_WALK.iter().take(6) {
                if let Some(k) = lower.find(w) {
                    take(0.8, k);
                }
            }
        }
        for m in self.escapes.find_iter(lower) {
            let (e, k) = (ENGINE_ESCAPES[m.pattern().as_usize()], m.start());
            {
                let c = match e {
                    "@(" | "#set(" | "#foreach(" | ".exec(" | "popen(" | "{{self}}"
                    | "{{config}}" | ".getclass()" => 0.7,
                    _ => 0.85,
                };
                let c = if e == "@(" { 0.0 } else { c };
                take(c, k);
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
    fn flags_template_expressions() {
        let d = build();
        for v in [
            "{{7*7}}",
            "${7*7}",
            "<%= 7*7 %>",
            "#{7*7}",
            "{{''.__class__.__mro__[1].__subclasses__()}}",
            "{% import os %}",
            "{{_self.env.registerUndefinedFilterCallback('exec')}}",
            "<#assign ex=\"freemarker.template.utility.Execute\"?new()>",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
    }

    #[test]
    fn flags_complete_template_control_structures() {
        let d = build();
        for v in [
            "{% if True %}49{% endif %}",
            "<% if True %>49<% endif %>",
            "<%= if true %>49<% end %>",
            "{%- for x in y -%}a{%- endfor -%}",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
        for v in [
            "100% if needed {% see %}",
            "50% off if you buy 2, 10% end of season",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
    }

    #[test]
    fn ignores_ordinary_braces() {
        let d = build();
        for v in [
            "{{ user.name }}",
            "Hello {name}",
            "${price}",
            "{\"a\": 1}",
            "a {b} c",
            "5 * 7 = 35",
            "query($first: Int)",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
    }
}
