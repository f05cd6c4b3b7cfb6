//! C-style comments (`/* ... */`) replaced by one space, as SQL engines, shells that
//! pass them through and CSS treat them. MySQL executable comments (`/*!50000 ...*/`)
//! keep their content, because MySQL runs it.

/// True when `s` may hold a comment.
pub(crate) fn may_contain(s: &str) -> bool {
    memchr::memmem::find(s.as_bytes(), b"/*").is_some()
}

/// Strips comments of `input` into `out` (cleared first). Returns true when changed.
pub(crate) fn strip_into(input: &str, out: &mut String) -> bool {
    out.clear();
    let mut rest = input;
    let mut changed = false;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        changed = true;
        let body_start = start + 2;
        let (body, after) = match rest[body_start..].find("*/") {
            Some(end) => (&rest[body_start..body_start + end], body_start + end + 2),
            None => (&rest[body_start..], rest.len()),
        };
        if let Some(exec) = body.strip_prefix('!') {
            out.push(' ');
            out.push_str(exec.trim_start_matches(|c: char| c.is_ascii_digit()));
        }
        out.push(' ');
        rest = &rest[after..];
    }
    out.push_str(rest);
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(i: &str) -> String {
        let mut out = String::new();
        strip_into(i, &mut out);
        out
    }

    #[test]
    fn replaces_comments_with_space() {
        assert_eq!(s("union/**/select"), "union select");
        assert_eq!(s("a/* unterminated"), "a ");
    }

    #[test]
    fn keeps_mysql_executable_comment_body() {
        assert_eq!(s("/*!50000union*/"), " union ");
    }
}
