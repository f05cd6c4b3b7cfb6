//! A small HTML tokenizer for the XSS detector: finds start tags the way a browser's
//! tokenizer would (`<` directly followed by a letter), and splits attribute regions into
//! `name=value` pairs (quoted, unquoted, `/` as separator). It never builds a tree and is
//! linear in the input.

/// One start tag: name (lowercase text), raw attribute region, byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag<'a> {
    pub name: &'a str,
    pub attrs: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Longest attribute region read per tag.
const MAX_TAG_LEN: usize = 4096;

/// Iterates the start tags of lowercase `s`.
pub(crate) fn tags(s: &str) -> Tags<'_> {
    Tags { s, i: 0 }
}

pub(crate) struct Tags<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    fn next(&mut self) -> Option<Tag<'a>> {
        let b = self.s.as_bytes();
        loop {
            let at = self.i + memchr::memchr(b'<', b.get(self.i..)?)?;
            self.i = at + 1;
            let first = *b.get(at + 1)?;
            if !first.is_ascii_alphabetic() {
                continue;
            }
            let name_end = b[at + 1..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b':' | b'-' | b'_')))
                .map_or(b.len(), |p| at + 1 + p);
            let limit = (name_end + MAX_TAG_LEN).min(b.len());
            let end = attrs_end(&b[name_end..limit]).map_or(limit, |e| name_end + e);
            let mut attrs_stop = end;
            if attrs_stop > name_end && b[attrs_stop - 1] == b'>' {
                attrs_stop -= 1;
            }
            self.i = name_end;
            return Some(Tag {
                name: &self.s[at + 1..name_end],
                attrs: safe_slice(self.s, name_end, attrs_stop),
                start: at,
                end,
            });
        }
    }
}

fn safe_slice(s: &str, mut a: usize, mut b: usize) -> &str {
    while a < s.len() && !s.is_char_boundary(a) {
        a += 1;
    }
    while b > a && !s.is_char_boundary(b) {
        b -= 1;
    }
    &s[a..b.max(a)]
}

/// Index just after the `>` closing a tag (quotes respected), if any.
fn attrs_end(b: &[u8]) -> Option<usize> {
    let mut quote = 0u8;
    for (k, &c) in b.iter().enumerate() {
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
            continue;
        }
        match c {
            // Quotes open a value only after `=`.
            b'"' | b'\'' | b'`'
                if k > 0
                    && b[..k].iter().rev().find(|c| !c.is_ascii_whitespace()) == Some(&b'=') =>
            {
                quote = c;
            }
            b'>' => return Some(k + 1),
            _ => {}
        }
    }
    None
}

/// Iterates `(name, value)` pairs of an attribute region; `value` is `None` when absent.
pub(crate) fn attributes(region: &str) -> Attributes<'_> {
    Attributes { s: region, i: 0 }
}

pub(crate) struct Attributes<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        let sep =
            |c: u8| c.is_ascii_whitespace() || c == b'/' || c == b'"' || c == b'\'' || c == 0x0c;
        while self.i < b.len() && sep(b[self.i]) {
            self.i += 1;
        }
        if self.i >= b.len() {
            return None;
        }
        let start = self.i;
        while self.i < b.len() && !sep(b[self.i]) && b[self.i] != b'=' && b[self.i] != b'>' {
            self.i += 1;
        }
        if self.i == start {
            self.i += 1;
            return self.next();
        }
        let name = safe_slice(self.s, start, self.i);
        let mut j = self.i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            return Some((name, None));
        }
        j += 1;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let value = match b.get(j) {
            Some(&q @ (b'"' | b'\'' | b'`')) => {
                let end = memchr::memchr(q, &b[j + 1..]).map_or(b.len(), |e| j + 1 + e);
                self.i = (end + 1).min(b.len());
                safe_slice(self.s, j + 1, end)
            }
            _ => {
                let end = b[j..]
                    .iter()
                    .position(|c| c.is_ascii_whitespace() || *c == b'>')
                    .map_or(b.len(), |e| j + e);
                self.i = end;
                safe_slice(self.s, j, end)
            }
        };
        Some((name, Some(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_start_tags_only_after_a_letter() {
        let v: Vec<_> = tags("a < b <img src=x onerror=alert(1)> <3 </p><svg/onload=x>")
            .map(|t| t.name)
            .collect();
        assert_eq!(v, vec!["img", "svg"]);
    }

    #[test]
    fn splits_attributes_quoted_unquoted_and_slash_separated() {
        let a: Vec<_> = attributes(r#"/onload=alert(1) src="a b" x disabled"#).collect();
        assert_eq!(
            a,
            vec![
                ("onload", Some("alert(1)")),
                ("src", Some("a b")),
                ("x", None),
                ("disabled", None)
            ]
        );
    }

    #[test]
    fn respects_quotes_when_finding_tag_end() {
        let t = tags(r#"<a title="x>y" href=1>"#).next().map(|t| t.end);
        assert_eq!(t, Some(22));
    }
}
