//! NUL bytes: removed, because C-based back ends stop at them and filters must not.
//! Their presence in text input is itself reported by the protocol detector.

/// True when `s` contains a NUL.
pub(crate) fn may_contain(s: &str) -> bool {
    s.as_bytes().contains(&0)
}

/// Copies `input` without NULs into `out` (cleared first). Returns true when changed.
pub(crate) fn strip_into(input: &str, out: &mut String) -> bool {
    out.clear();
    out.extend(input.split('\0'));
    out.len() != input.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_nul_bytes() {
        let mut out = String::new();
        assert!(strip_into("<scr\0ipt>\0", &mut out));
        assert_eq!(out, "<script>");
    }
}
