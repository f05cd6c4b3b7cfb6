//! Unicode compatibility folding of the characters that spell ASCII syntax: fullwidth forms
//! (`＜` U+FF1C → `<`), small form variants (`﹤` U+FE64), and a few look-alike punctuation
//! marks that back ends are known to fold (`‥`, `∕`, `＼`, modifier apostrophes). These
//! characters were encoded in the input as what they fold to, so no ASCII is invented.

/// True when `s` holds a character this folder may change.
pub(crate) fn may_contain(s: &str) -> bool {
    !s.is_ascii() && s.chars().any(|c| fold(c).is_some())
}

/// Folds `input` into `out` (cleared first). Returns true when changed.
pub(crate) fn fold_into(input: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(input.len());
    let mut changed = false;
    for c in input.chars() {
        match fold(c) {
            Some(f) => {
                out.push(f);
                changed = true;
            }
            None => out.push(c),
        }
    }
    changed
}

fn fold(c: char) -> Option<char> {
    let cp = c as u32;
    match cp {
        // Fullwidth ASCII variants.
        0xFF01..=0xFF5E => char::from_u32(cp - 0xFF01 + 0x21),
        0x3000 => Some(' '),
        // Small form variants.
        0xFE50 => Some(','),
        0xFE52 => Some('.'),
        0xFE54 => Some(';'),
        0xFE55 => Some(':'),
        0xFE56 => Some('?'),
        0xFE57 => Some('!'),
        0xFE59 => Some('('),
        0xFE5A => Some(')'),
        0xFE5B => Some('{'),
        0xFE5C => Some('}'),
        0xFE5F => Some('#'),
        0xFE60 => Some('&'),
        0xFE62 => Some('+'),
        0xFE63 => Some('-'),
        0xFE64 => Some('<'),
        0xFE65 => Some('>'),
        0xFE66 => Some('='),
        0xFE68 => Some('\\'),
        0xFE69 => Some('$'),
        0xFE6A => Some('%'),
        0xFE6B => Some('@'),
        // Look-alikes folded by NFKC or by common back ends.
        0x2024 => Some('.'),
        0x2215 => Some('/'),
        0x2044 => Some('/'),
        0x2216 => Some('\\'),
        0x02BC | 0x2018 | 0x2019 => None,
        0x2039 => Some('<'),
        0x203A => Some('>'),
        0x00A0 => Some(' '),
        // Enclosed alphanumerics (NFKC): `①` → `1`, `ⓐ` → `a`, `Ⓐ` → `A`, `⓪` → `0`.
        0x2460..=0x2468 => char::from_u32(cp - 0x2460 + u32::from(b'1')),
        0x24EA => Some('0'),
        0x24B6..=0x24CF => char::from_u32(cp - 0x24B6 + u32::from(b'A')),
        0x24D0..=0x24E9 => char::from_u32(cp - 0x24D0 + u32::from(b'a')),
        // Ideographic and halfwidth full stops, which URL host parsers read as dots.
        0x3002 | 0xFF61 => Some('.'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> String {
        let mut out = String::new();
        fold_into(s, &mut out);
        out
    }

    #[test]
    fn folds_fullwidth_syntax() {
        assert_eq!(f("＜ｓｃｒｉｐｔ＞"), "<script>");
        assert_eq!(f("﹤svg﹥"), "<svg>");
        assert_eq!(f("①②⑦。⓪。⓪。① ⓛⓞⓒⓐⓛⒽⓄⓈⓉ"), "127.0.0.1 localHOST");
    }

    #[test]
    fn keeps_letters_of_other_scripts() {
        assert_eq!(
            f("Zoë Ångström 東京 ’quoted’"),
            "Zoë Ångström 東京 ’quoted’"
        );
    }
}
