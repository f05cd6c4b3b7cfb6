//! Property tests of the decoders and the pipeline: round trips, identity on text without
//! the decoder's introducer (no decoder invents a character), bounded output, no panics.

use proptest::prelude::*;

use super::*;

fn percent_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn percent_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut out = Vec::new();
        percent::decode_into(percent_encode(&bytes).as_bytes(), false, &mut out);
        prop_assert_eq!(out, bytes);
    }

    #[test]
    fn percent_is_identity_without_escapes(s in "[^%+]{0,64}") {
        let mut out = Vec::new();
        prop_assert!(!percent::decode_into(s.as_bytes(), true, &mut out));
        prop_assert_eq!(out, s.as_bytes());
    }

    #[test]
    fn percent_never_grows_ascii_input(s in "[ -~]{0,64}") {
        let mut out = Vec::new();
        percent::decode_into(s.as_bytes(), true, &mut out);
        prop_assert!(out.len() <= s.len());
    }

    #[test]
    fn html_numeric_references_round_trip(s in "\\PC{0,32}") {
        let encoded: String = s.chars().map(|c| format!("&#x{:x};", c as u32)).collect();
        let mut out = String::new();
        html_entity::decode_into(&encoded, &mut out);
        // NUL is deliberately not decoded.
        if !s.contains('\0') {
            prop_assert_eq!(out, s);
        }
    }

    #[test]
    fn html_is_identity_without_ampersand(s in "[^&]{0,64}") {
        let mut out = String::new();
        prop_assert!(!html_entity::decode_into(&s, &mut out));
        prop_assert_eq!(out, s);
    }

    #[test]
    fn js_unicode_escapes_round_trip(s in "[a-zA-Z0-9<>()'\" ]{0,32}") {
        let encoded: String = s.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
        let mut out = String::new();
        js_escape::decode_into(&encoded, &mut out);
        prop_assert_eq!(out, s);
    }

    #[test]
    fn js_and_css_are_identity_without_backslash(s in "[^\\\\]{0,64}") {
        let mut out = String::new();
        prop_assert!(!js_escape::decode_into(&s, &mut out));
        prop_assert_eq!(&out, &s);
        prop_assert!(!css_escape::decode_into(&s, &mut out));
        prop_assert_eq!(&out, &s);
    }

    #[test]
    fn unicode_fold_leaves_ascii_alone(s in "[ -~]{0,64}") {
        let mut out = String::new();
        prop_assert!(!unicode_fold::fold_into(&s, &mut out));
        prop_assert_eq!(out, s);
    }

    #[test]
    fn overlong_is_identity_on_valid_utf8(s in "\\PC{0,32}") {
        let mut out = Vec::new();
        prop_assert!(!overlong_utf8::decode_into(s.as_bytes(), &mut out));
        prop_assert_eq!(out, s.as_bytes());
    }

    #[test]
    fn comment_stripping_removes_every_comment_opener(s in "[a-z/* ]{0,64}") {
        let mut out = String::new();
        comment::strip_into(&s, &mut out);
        prop_assert!(!out.contains("/*") || s.contains("/*!"));
    }

    #[test]
    fn path_normalisation_has_no_parent_or_empty_segments(s in "[a-z./\\\\]{0,64}") {
        let mut out = String::new();
        path::normalise_into(&s, &mut out);
        prop_assert!(!out.split('/').any(|seg| seg == ".." || seg == "."));
        prop_assert!(!out.contains("//"));
    }

    #[test]
    fn normaliser_is_bounded_and_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut n = Normaliser::default();
        let (text, _) = n.run(&bytes);
        // Each input byte yields at most one replacement character (3 bytes) or less.
        prop_assert!(text.len() <= bytes.len() * 3 + 3);
    }

    #[test]
    fn normaliser_is_identity_on_plain_text(s in "[a-zA-Z0-9 .,:;!?()=/_-]{0,64}") {
        let mut n = Normaliser::default();
        let (text, flags) = n.run(s.as_bytes());
        prop_assert_eq!(text, s.as_str());
        prop_assert_eq!(flags, Flags::default());
    }
}
