//! Percent-decoding: `%XX`, IIS-style `%uXXXX`, and (for form bodies) `+` as space.
//! Invalid escapes are kept literally: the decoder never invents a byte that was not encoded.

/// Decodes one layer of percent-encoding from `input` into `out` (cleared first).
/// Returns true when at least one escape was decoded.
pub(crate) fn decode_into(input: &[u8], plus_as_space: bool, out: &mut Vec<u8>) -> bool {
    out.clear();
    out.reserve(input.len());
    let mut changed = false;
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%' {
            if let Some(v) = hex_pair(input, i + 1) {
                out.push(v);
                i += 3;
                changed = true;
                continue;
            }
            if let Some(cp) = percent_u(input, i + 1) {
                push_char(cp, out);
                i += 6;
                changed = true;
                continue;
            }
            out.push(b);
        } else if b == b'+' && plus_as_space {
            out.push(b' ');
            changed = true;
        } else {
            out.push(b);
        }
        i += 1;
    }
    changed
}

/// True when `input` holds at least one decodable escape.
pub(crate) fn has_escape(input: &[u8]) -> bool {
    memchr::memchr_iter(b'%', input)
        .any(|i| hex_pair(input, i + 1).is_some() || percent_u(input, i + 1).is_some())
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn hex_pair(input: &[u8], at: usize) -> Option<u8> {
    let hi = hex_val(*input.get(at)?)?;
    let lo = hex_val(*input.get(at + 1)?)?;
    Some(hi << 4 | lo)
}

fn percent_u(input: &[u8], at: usize) -> Option<u32> {
    let u = *input.get(at)?;
    if u != b'u' && u != b'U' {
        return None;
    }
    let mut cp = 0u32;
    for k in 0..4 {
        cp = cp << 4 | u32::from(hex_val(*input.get(at + 1 + k)?)?);
    }
    Some(cp)
}

fn push_char(cp: u32, out: &mut Vec<u8>) {
    let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str, plus: bool) -> String {
        let mut out = Vec::new();
        decode_into(s.as_bytes(), plus, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn decodes_hex_pairs_and_plus() {
        assert_eq!(dec("a%20b+c%3d", true), "a b c=");
        assert_eq!(dec("a+b", false), "a+b");
    }

    #[test]
    fn decodes_iis_percent_u() {
        assert_eq!(dec("%u003cscript%u003E", false), "<script>");
    }

    #[test]
    fn keeps_invalid_escapes_literally() {
        assert_eq!(dec("100% sure %zz %u12", false), "100% sure %zz %u12");
        assert_eq!(dec("%", false), "%");
    }

    #[test]
    fn double_encoding_needs_two_layers() {
        assert_eq!(dec("%252e%252e", false), "%2e%2e");
        assert_eq!(dec(&dec("%252e%252e", false), false), "..");
    }
}
