//! Overlong UTF-8 (`C0 AF` for `/`): decoded to the character it spells, and reported,
//! because no legitimate encoder produces it — it is evidence of evasion by itself.

/// Rewrites overlong 2- and 3-byte sequences in place into `out` (cleared first).
/// Returns true when at least one overlong sequence was found.
pub(crate) fn decode_into(input: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    out.reserve(input.len());
    let mut found = false;
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if (b == 0xC0 || b == 0xC1) && is_cont(input.get(i + 1)) {
            let cp = (u32::from(b & 0x1F) << 6) | u32::from(input[i + 1] & 0x3F);
            push_ascii_or_replacement(cp, out);
            found = true;
            i += 2;
            continue;
        }
        if b == 0xE0
            && input.get(i + 1).is_some_and(|c| (0x80..0xA0).contains(c))
            && is_cont(input.get(i + 2))
        {
            let cp = (u32::from(input[i + 1] & 0x3F) << 6) | u32::from(input[i + 2] & 0x3F);
            push_ascii_or_replacement(cp, out);
            found = true;
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    found
}

/// Cheap check before the rewrite.
pub(crate) fn may_contain(input: &[u8]) -> bool {
    memchr::memchr3(0xC0, 0xC1, 0xE0, input).is_some()
}

fn is_cont(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b & 0xC0 == 0x80)
}

fn push_ascii_or_replacement(cp: u32, out: &mut Vec<u8>) {
    match u8::try_from(cp) {
        Ok(a) if a < 0x80 => out.push(a),
        _ => out.extend_from_slice("\u{FFFD}".as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_two_byte_overlong_slash() {
        let mut out = Vec::new();
        assert!(decode_into(b"..\xC0\xAF..\xC0\xAFetc", &mut out));
        assert_eq!(out, b"../../etc");
    }

    #[test]
    fn decodes_three_byte_overlong_dot() {
        let mut out = Vec::new();
        assert!(decode_into(b"\xE0\x80\xAE", &mut out));
        assert_eq!(out, b".");
    }

    #[test]
    fn leaves_valid_utf8_alone() {
        let mut out = Vec::new();
        assert!(!decode_into("café ü €".as_bytes(), &mut out));
        assert_eq!(out, "café ü €".as_bytes());
    }
}
