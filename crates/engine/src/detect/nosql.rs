//! NoSQL (MongoDB-style) injection: query operators where the application expects a plain
//! value — operator keys in JSON (`{"password": {"$ne": null}}`), bracketed parameters
//! (`user[$ne]=x`, `password[$regex]=.*`), and server-side JavaScript (`$where`,
//! `';return true;//`, `this.password.match(`).

use super::{Detector, Hit, Kind, Subject, Triggers};

#[derive(Debug)]
struct Nosql;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Nosql)
}

/// Query operators and how dangerous each is (code-running ones highest).
const OPERATORS: &[(&str, f32)] = &[
    ("$where", 0.95),
    ("$function", 0.95),
    ("$accumulator", 0.9),
    ("$expr", 0.85),
    ("$regex", 0.85),
    ("$ne", 0.85),
    ("$gt", 0.85),
    ("$gte", 0.85),
    ("$lt", 0.8),
    ("$lte", 0.8),
    ("$nin", 0.85),
    ("$in", 0.75),
    ("$exists", 0.8),
    ("$or", 0.8),
    ("$and", 0.75),
    ("$nor", 0.85),
    ("$not", 0.8),
    ("$eq", 0.7),
    ("$elemmatch", 0.8),
    ("$type", 0.7),
    ("$size", 0.7),
    ("$all", 0.7),
    ("$lookup", 0.85),
    ("$merge", 0.85),
    ("$out", 0.85),
    ("$text", 0.7),
    ("$mod", 0.7),
    ("$jsonschema", 0.7),
];

fn operator(word: &str) -> Option<f32> {
    OPERATORS.iter().find(|(o, _)| *o == word).map(|(_, c)| *c)
}

impl Detector for Nosql {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b"$;")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !s.bytes.has(b'$') && (!s.bytes.any(b"'\"") || !s.bytes.has(b';')) {
            return None;
        }
        let lower = s.lower;
        let mut best = 0.0f32;
        if s.kind == Kind::ArgName {
            // JSON key itself, or `name[$op]` / `name[$op][x]` brackets.
            if let Some(c) = operator(lower) {
                best = best.max(c);
            }
            for seg in lower.split('[').skip(1) {
                let key = seg.split(']').next().unwrap_or("");
                if let Some(c) = operator(key) {
                    best = best.max(c + 0.05);
                }
            }
        }
        if matches!(s.kind, Kind::ArgValue | Kind::Body | Kind::Cookie) {
            // `[$ne]` written into a value that becomes a parameter name downstream.
            for seg in lower.split('[').skip(1).take(16) {
                if let Some(c) = operator(seg.split(']').next().unwrap_or("")) {
                    if seg.contains(']') {
                        best = best.max(c - 0.05);
                    }
                }
            }
            for (k, _) in lower.match_indices('$').take(32) {
                let word: String = lower[k..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '$')
                    .take(16)
                    .collect();
                if let Some(c) = operator(&word) {
                    // Inside a JSON object literal held by a string value.
                    let before = lower[..k].trim_end_matches(['"', '\'', ' ']);
                    if before.ends_with('{') || before.ends_with(',') {
                        best = best.max(c);
                    }
                }
            }
            for js in [
                "this.password",
                "this.username",
                "';return",
                "\";return",
                "return true",
                "sleep(",
                "db.getcollection",
                "db.users.",
                "tojson(",
                "objectid(",
            ] {
                if lower.contains(js)
                    && (lower.contains("this.")
                        || lower.contains("return")
                        || lower.contains("db."))
                    && lower.contains(['\'', '"', ';'])
                {
                    best = best.max(0.8);
                }
            }
        }
        (best > 0.0).then(|| Hit::new(best.min(1.0), s.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_operator_keys_and_brackets() {
        let d = build();
        assert!(score(&*d, Kind::ArgName, "user[$ne]", "user[$ne]") >= 0.7);
        assert!(score(&*d, Kind::ArgName, "$where", "$where") >= 0.7);
        assert!(score(&*d, Kind::ArgName, "password[$regex]", "password[$regex]") >= 0.7);
        assert!(arg(&*d, "{\"$gt\": \"\"}") >= 0.7);
        assert!(arg(&*d, "'; return this.password.match(/^a/); var x='") >= 0.7);
    }

    #[test]
    fn ignores_schema_keys_and_prices() {
        let d = build();
        assert!(score(&*d, Kind::ArgName, "$schema", "$schema") < 0.7);
        assert!(score(&*d, Kind::ArgName, "$ref", "$ref") < 0.7);
        assert!(arg(&*d, "costs $5, not $ne") < 0.7);
        assert!(arg(&*d, "query Q($first: Int, $after: String)") < 0.7);
    }
}
