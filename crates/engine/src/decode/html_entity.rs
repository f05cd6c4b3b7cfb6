//! HTML character references: named (`&lt;`), decimal (`&#60;`), hex (`&#x3c;`), with or
//! without the closing semicolon, as browsers accept them. Unknown or invalid references
//! are kept literally; a reference to NUL or past U+10FFFF is not decoded.

/// Named references worth decoding: the ones that spell syntax an attack needs.
const NAMED: &[(&str, char)] = &[
    ("lt", '<'),
    ("gt", '>'),
    ("amp", '&'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("tab", '\t'),
    ("newline", '\n'),
    ("colon", ':'),
    ("semi", ';'),
    ("comma", ','),
    ("period", '.'),
    ("sol", '/'),
    ("bsol", '\\'),
    ("lpar", '('),
    ("rpar", ')'),
    ("lsqb", '['),
    ("rsqb", ']'),
    ("lbrack", '['),
    ("rbrack", ']'),
    ("lcub", '{'),
    ("rcub", '}'),
    ("lbrace", '{'),
    ("rbrace", '}'),
    ("excl", '!'),
    ("num", '#'),
    ("dollar", '$'),
    ("percnt", '%'),
    ("equals", '='),
    ("quest", '?'),
    ("commat", '@'),
    ("grave", '`'),
    ("hat", '^'),
    ("verbar", '|'),
    ("vert", '|'),
    ("ast", '*'),
    ("plus", '+'),
    ("lowbar", '_'),
    ("Tab", '\t'),
    ("NewLine", '\n'),
];

/// True when `s` may hold a character reference.
pub(crate) fn may_contain(s: &str) -> bool {
    s.as_bytes().contains(&b'&')
}

/// Decodes every character reference of `input` into `out` (cleared first).
/// Returns true when something was decoded.
pub(crate) fn decode_into(input: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(input.len());
    let bytes = input.as_bytes();
    let mut changed = false;
    let mut i = 0;
    let mut copied = 0;
    while let Some(off) = memchr::memchr(b'&', &bytes[i..]) {
        let at = i + off;
        if let Some((c, len)) = reference_at(&input[at + 1..]) {
            out.push_str(&input[copied..at]);
            out.push(c);
            i = at + 1 + len;
            copied = i;
            changed = true;
        } else {
            i = at + 1;
        }
    }
    out.push_str(&input[copied..]);
    changed
}

/// Parses a reference following `&`; returns the character and the length consumed.
fn reference_at(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'#') {
        let (radix, start) = match b.get(1) {
            Some(b'x') | Some(b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = b[start..]
            .iter()
            .take_while(|c| {
                if radix == 16 {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                }
            })
            .count();
        if digits == 0 {
            return None;
        }
        // Leading zeros are unbounded in browsers; only the value matters.
        let text = s[start..start + digits].trim_start_matches('0');
        if text.len() > 7 {
            return None;
        }
        let cp = if text.is_empty() {
            0
        } else {
            u32::from_str_radix(text, radix).ok()?
        };
        if cp == 0 {
            return None;
        }
        let c = char::from_u32(cp)?;
        let mut len = start + digits;
        if b.get(len) == Some(&b';') {
            len += 1;
        }
        return Some((c, len));
    }
    let name_len = b
        .iter()
        .take(10)
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    if name_len == 0 {
        return None;
    }
    // Longest known name that prefixes the run (browsers accept `&ltscript`).
    let run = &s[..name_len];
    let (name, c) = NAMED
        .iter()
        .filter(|(n, _)| run.starts_with(n))
        .max_by_key(|(n, _)| n.len())?;
    let mut len = name.len();
    if b.get(len) == Some(&b';') {
        len += 1;
    } else if name.len() > 4 {
        // Long names are only honoured with the semicolon, as in HTML5.
        return None;
    }
    Some((*c, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> String {
        let mut out = String::new();
        decode_into(s, &mut out);
        out
    }

    #[test]
    fn decodes_named_decimal_and_hex() {
        assert_eq!(dec("&lt;a&gt; &#60; &#x3C; &#X3c;"), "<a> < < <");
    }

    #[test]
    fn decodes_without_semicolons() {
        assert_eq!(dec("&#106&#97&#118&#97"), "java");
        assert_eq!(dec("&ltscript"), "<script");
        assert_eq!(dec("&#x6A;&#x0000061"), "ja");
    }

    #[test]
    fn keeps_unknown_and_invalid_references() {
        assert_eq!(
            dec("fish & chips &foo; &#; &#0; &#x110000;"),
            "fish & chips &foo; &#; &#0; &#x110000;"
        );
        assert_eq!(dec("AT&T"), "AT&T");
    }

    #[test]
    fn decodes_colon_and_tab_used_in_url_obfuscation() {
        assert_eq!(dec("java&Tab;script&colon;"), "java\tscript:");
    }
}
