//! CSS escapes: a backslash and 1–6 hex digits, optionally followed by one whitespace
//! (`\65 xpression` → `expression`), and a backslash before any other character (`\e` is
//! hex, `\(` is `(`). Used inside style attributes and `<style>` content.

/// True when `s` may hold a CSS escape.
pub(crate) fn may_contain(s: &str) -> bool {
    s.as_bytes().contains(&b'\\')
}

/// Decodes CSS escapes into `out` (cleared first). Returns true when changed.
pub(crate) fn decode_into(input: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(input.len());
    let mut changed = false;
    let mut chars = input.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut cp = 0u32;
        let mut digits = 0;
        while digits < 6 {
            match chars.peek().and_then(|(_, d)| d.to_digit(16)) {
                Some(v) => {
                    cp = cp << 4 | v;
                    digits += 1;
                    chars.next();
                }
                None => break,
            }
        }
        if digits > 0 {
            if matches!(chars.peek(), Some((_, ' ' | '\t' | '\n'))) {
                chars.next();
            }
            match char::from_u32(cp) {
                Some(d) if d != '\0' => out.push(d),
                _ => out.push(char::REPLACEMENT_CHARACTER),
            }
            changed = true;
        } else if let Some((_, next)) = chars.next() {
            if next == '\n' {
                // An escaped newline is a line continuation and vanishes.
            } else {
                out.push(next);
            }
            changed = true;
        } else {
            out.push('\\');
        }
    }
    changed
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
    fn decodes_hex_escapes_with_optional_space() {
        assert_eq!(dec(r"\65 xpression\28"), "expression(");
        assert_eq!(dec(r"u\72l"), "url");
    }

    #[test]
    fn decodes_escaped_literal_characters() {
        assert_eq!(dec(r"ex\pression"), "expression");
    }

    #[test]
    fn keeps_trailing_backslash() {
        assert_eq!(dec("a\\"), "a\\");
    }
}
