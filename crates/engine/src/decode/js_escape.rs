//! JavaScript string escapes: `\xHH`, `\uHHHH`, `\u{H..}`. Other backslash sequences are
//! left as they are (they do not change the character in a way an attack can use here).

/// True when `s` may hold a JS escape.
pub(crate) fn may_contain(s: &str) -> bool {
    memchr::memchr_iter(b'\\', s.as_bytes())
        .any(|i| matches!(s.as_bytes().get(i + 1), Some(b'x' | b'u')))
}

/// Decodes JS escapes of `input` into `out` (cleared first). Returns true when changed.
pub(crate) fn decode_into(input: &str, out: &mut String) -> bool {
    out.clear();
    out.reserve(input.len());
    let b = input.as_bytes();
    let mut changed = false;
    let mut i = 0;
    let mut copied = 0;
    while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + off;
        let decoded = match b.get(at + 1) {
            Some(b'x') => hex_run(b, at + 2, 2).map(|cp| (cp, 4)),
            Some(b'u') if b.get(at + 2) == Some(&b'{') => {
                let digits = b[at + 3..]
                    .iter()
                    .take(8)
                    .take_while(|c| c.is_ascii_hexdigit())
                    .count();
                if digits > 0 && b.get(at + 3 + digits) == Some(&b'}') {
                    hex_run(b, at + 3, digits).map(|cp| (cp, 4 + digits))
                } else {
                    None
                }
            }
            Some(b'u') => hex_run(b, at + 2, 4).map(|cp| (cp, 6)),
            _ => None,
        };
        match decoded.and_then(|(cp, len)| char::from_u32(cp).map(|c| (c, len))) {
            Some((c, len)) if c != '\0' => {
                out.push_str(&input[copied..at]);
                out.push(c);
                i = at + len;
                copied = i;
                changed = true;
            }
            _ => i = at + 1,
        }
    }
    out.push_str(&input[copied..]);
    changed
}

fn hex_run(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let digits = b.get(at..at + n)?;
    let mut cp = 0u32;
    for d in digits {
        cp = cp << 4 | char::from(*d).to_digit(16)?;
    }
    Some(cp)
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
    fn decodes_hex_unicode_and_braced_escapes() {
        assert_eq!(dec(r"\x61lert\u0028\u{31})"), "alert(1)");
    }

    #[test]
    fn keeps_incomplete_escapes() {
        assert_eq!(dec(r"C:\xy \u12 \u{zz} \n"), r"C:\xy \u12 \u{zz} \n");
    }
}
