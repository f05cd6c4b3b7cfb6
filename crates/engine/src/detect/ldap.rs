//! LDAP injection: filter syntax where a plain value belongs — a closing parenthesis
//! followed by a new filter component (`*)(uid=*`, `)(|(objectClass=*`), wildcard-only
//! break-outs, and `(&(`/`(|(` compositions with attribute comparisons.

use super::{Detector, Hit, Subject, Triggers};

#[derive(Debug)]
struct Ldap;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Ldap)
}

/// True when `s` starts with an LDAP filter item: optional `&|!`, `(`s, an attribute name,
/// then `=`, `~=`, `>=` or `<=`.
fn filter_item(s: &str) -> bool {
    let t = s.trim_start_matches(['(', '&', '|', '!', ' ']);
    let name_len = t
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.' || *c == b';')
        .count();
    name_len > 0 && {
        let rest = &t[name_len..];
        rest.starts_with('=')
            || rest.starts_with("~=")
            || rest.starts_with(">=")
            || rest.starts_with("<=")
    }
}

impl Detector for Ldap {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b"()")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !s.bytes.has(b')') && !s.bytes.has(b'(') {
            return None;
        }
        let lower = s.lower;
        let mut best = 0.0f32;
        for (k, _) in lower.match_indices(')').take(32) {
            let rest = lower[k + 1..].trim_start();
            let negated = rest.starts_with(['!', '&', '|']) && rest[1..].starts_with('(');
            if negated && filter_item(&rest[1..]) {
                best = best.max(0.85);
            }
            if rest.starts_with('(') && filter_item(rest) {
                best = best.max(
                    if lower.contains('*') || rest[1..].starts_with(['|', '&', '!']) {
                        0.9
                    } else {
                        0.8
                    },
                );
            }
            if rest.starts_with('(') && rest[1..].starts_with(['|', '&', '!']) && rest.len() < 3 {
                best = best.max(0.75);
            }
            if lower[..k].ends_with('*') && (rest.is_empty() || rest.starts_with('(')) {
                best = best.max(0.75);
            }
            // `x) ( &`: a new composition opened after the value.
            if let Some(r) = rest.strip_prefix('(') {
                if r.trim_start().starts_with(['&', '|']) && k > 0 {
                    best = best.max(0.75);
                }
            }
            // `bar)(&)`: an always-true composition.
            if rest.starts_with("(&)") || rest.starts_with("(|)") {
                best = best.max(0.85);
            }
        }
        for comp in ["(&(", "(|(", "(!("] {
            if let Some(k) = lower.find(comp) {
                if filter_item(&lower[k..]) {
                    best = best.max(0.75);
                }
            }
        }
        if lower.contains("(objectclass=") {
            best = best.max(0.8);
        }
        (best > 0.0).then(|| Hit::new(best, s.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::arg;

    #[test]
    fn flags_filter_breakouts() {
        let d = build();
        for v in [
            "*)(uid=*))(|(uid=*",
            "admin)(&)",
            "printer)(uid=*)",
            "void)(objectClass=users))(&(objectClass=void)",
            "eb9adbd87d)!(sn=*",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
    }

    #[test]
    fn ignores_parentheses_in_prose() {
        let d = build();
        for v in [
            "great (really) product (5 stars)",
            "f(x)(y) is curried",
            "see (a)(b) above",
            ":-)",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
    }
}
