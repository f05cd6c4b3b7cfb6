//! Base64 (standard and URL-safe, padded or not): decoded only when the value looks like
//! base64 and the result is printable text, so nested payloads can be inspected.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// Shortest value worth trying.
const MIN_LEN: usize = 16;

/// Decodes `input` if it is plausibly base64 text; returns the decoded text.
pub(crate) fn decode_text(input: &str) -> Option<String> {
    let s = input.trim_end_matches('=');
    if s.len() < MIN_LEN || input.len() - s.len() > 2 {
        return None;
    }
    let b = s.as_bytes();
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_'))
    {
        return None;
    }
    // Plain words and numbers are valid base64 alphabets too; require mixed classes.
    let upper = b.iter().any(u8::is_ascii_uppercase);
    let lower = b.iter().any(u8::is_ascii_lowercase);
    if !(upper && lower) {
        return None;
    }
    let bytes = if b.iter().any(|c| matches!(c, b'-' | b'_')) {
        URL_SAFE_NO_PAD.decode(s).ok()?
    } else {
        STANDARD_NO_PAD.decode(s).ok()?
    };
    let text = String::from_utf8(bytes).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    printable.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_printable_base64() {
        assert_eq!(
            decode_text("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==").as_deref(),
            Some("<script>alert(1)</script>")
        );
    }

    #[test]
    fn ignores_words_and_binary() {
        assert_eq!(decode_text("administratorsaccount"), None);
        assert_eq!(decode_text("AAECAwQFBgcICQoLDA0ODw"), None);
    }
}
