//! Path normalisation: backslashes to slashes, `//` collapsed, `./` dropped, `../` resolved
//! (never above the root). Gives the path a file system would open.

/// Normalises `input` into `out` (cleared first). Leading `/` is kept if present.
pub(crate) fn normalise_into(input: &str, out: &mut String) {
    out.clear();
    let absolute = input.starts_with('/') || input.starts_with('\\');
    let mut segments: Vec<&str> = Vec::new();
    for seg in input.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => {
                if segments.len() < 256 {
                    segments.push(s);
                }
            }
        }
    }
    if absolute {
        out.push('/');
    }
    for (i, s) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(s);
    }
    if (input.ends_with('/') || input.ends_with('\\')) && !out.ends_with('/') {
        out.push('/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        let mut out = String::new();
        normalise_into(s, &mut out);
        out
    }

    #[test]
    fn resolves_dots_and_duplicate_slashes() {
        assert_eq!(n("/a/./b//c/../d"), "/a/b/d");
        assert_eq!(n("/../../etc/passwd"), "/etc/passwd");
        assert_eq!(n("..\\..\\windows\\win.ini"), "windows/win.ini");
        assert_eq!(n("/api/v1/"), "/api/v1/");
    }
}
