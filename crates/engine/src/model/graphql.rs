//! GraphQL executable documents (`query($id: ID!) { user(id: $id) { name } }`) sent as an
//! argument value. Their punctuation (`$var`, `!`, braces, parentheses, `@directive`,
//! `...on Type`) reads like shell or template syntax to detectors, yet only names and
//! literals sit between it, and names cannot carry a payload. A value that tokenises as a
//! GraphQL document is therefore inspected through its string literals and comments only,
//! each as a value of its own; anything outside GraphQL's lexical grammar (`;`, `|`, `&`,
//! backticks, `<`, quotes other than `"`) makes the value ordinary text again.

/// Byte ranges of the string literals (contents, escapes as written) and comments of
/// `text` when it is a GraphQL executable document, `None` otherwise. Linear, bounded by
/// `text.len()`; a document holds at most 256 literals.
pub(crate) fn literals(text: &str) -> Option<Vec<(usize, usize)>> {
    let b = text.as_bytes();
    let first = b.iter().position(|c| !c.is_ascii_whitespace())?;
    if !matches!(b[first], b'{' | b'q' | b'm' | b's' | b'f' | b'#') {
        return None;
    }
    // Brace expansion (`{id,whoami}`, `{,ip,a}`) is written without any space.
    if b.contains(&b',') && !b.iter().any(u8::is_ascii_whitespace) {
        return None;
    }
    let mut out = Vec::new();
    // Open brackets: `{`, `(`, `[`.
    let mut stack: Vec<u8> = Vec::new();
    // Previous significant token: a punctuator byte, b'n' for a name, b'v' for a value.
    let mut prev = 0u8;
    let mut first_token = true;
    let mut braces = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                let end = b[i..]
                    .iter()
                    .position(|&x| x == b'\n' || x == b'\r')
                    .map_or(b.len(), |p| i + p);
                out.push((i + 1, end));
                i = end;
                continue;
            }
            _ => {}
        }
        if first_token {
            first_token = false;
            let ok = c == b'{'
                || ["query", "mutation", "subscription", "fragment"]
                    .iter()
                    .any(|k| text[i..].starts_with(k) && !is_name(b.get(i + k.len()).copied()));
            if !ok {
                return None;
            }
        }
        match c {
            b'{' | b'(' | b'[' => {
                // A selection set opens on names, fragments or its end only; a JSON object
                // (`{"a":1}`) does not.
                if c == b'{' {
                    braces += 1;
                }
                stack.push(c);
                prev = c;
                i += 1;
            }
            b'}' | b')' | b']' => {
                let open = stack.pop()?;
                if !matches!((open, c), (b'{', b'}') | (b'(', b')') | (b'[', b']')) {
                    return None;
                }
                prev = b'v';
                i += 1;
            }
            b'!' | b':' | b'=' | b'@' | b'$' => {
                if (c == b'$' || c == b'@') && !is_name_start(b.get(i + 1).copied()) {
                    return None;
                }
                prev = c;
                i += 1;
            }
            b'.' => {
                if !text[i..].starts_with("...") {
                    return None;
                }
                prev = c;
                i += 3;
            }
            b'"' => {
                if !(matches!(prev, b':' | b'=') || stack.last() == Some(&b'[')) {
                    return None;
                }
                if text[i..].starts_with("\"\"\"") {
                    let end = text[i + 3..].find("\"\"\"")? + i + 3;
                    out.push((i + 3, end));
                    i = end + 3;
                } else {
                    let mut j = i + 1;
                    loop {
                        match b.get(j)? {
                            b'\\' => j += 2,
                            b'"' => break,
                            b'\n' | b'\r' => return None,
                            _ => j += 1,
                        }
                    }
                    out.push((i + 1, j));
                    i = j + 1;
                }
                prev = b'v';
            }
            b'-' | b'0'..=b'9' => {
                if c == b'-' && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
                i += 1;
                while b
                    .get(i)
                    .is_some_and(|x| x.is_ascii_alphanumeric() || matches!(x, b'.' | b'+' | b'-'))
                {
                    i += 1;
                }
                prev = b'v';
            }
            _ if is_name_start(Some(c)) => {
                let start = i;
                while is_name(b.get(i).copied()) {
                    i += 1;
                }
                // After a definition only another definition starts (`{l,-lh}s` is not).
                if stack.is_empty()
                    && prev == b'v'
                    && !matches!(
                        &text[start..i],
                        "query" | "mutation" | "subscription" | "fragment"
                    )
                {
                    return None;
                }
                prev = b'n';
            }
            _ => return None,
        }
        if out.len() > 256 {
            return None;
        }
    }
    (stack.is_empty() && braces > 0).then_some(out)
}

fn is_name_start(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
}

fn is_name(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Option<Vec<&str>> {
        literals(text).map(|v| v.into_iter().map(|(a, e)| &text[a..e]).collect())
    }

    #[test]
    fn recognises_operations_fragments_and_directives() {
        for doc in [
            "query($id: ID!) { user(id: $id) { name } }",
            "{ user(id: 42) { name } }",
            "mutation UpdateUser($id: ID!, $name: String!) { updateUser(id: $id, name: $name) { id } }",
            "query Q($e: Boolean! = false) { node(id: \"1\") { ...on User { email @include(if: $e) } } }",
            "fragment P on User { id name }\nquery { users(first: 10) { ...P } }",
            "subscription { commentAdded(repo: \"a/b\") { id } } # live",
            "query { search(tags: [\"a\", \"b\"], filter: {status: ACTIVE}) @skip(if: $s) { id } }",
        ] {
            assert!(literals(doc).is_some(), "{doc}");
        }
    }

    #[test]
    fn hands_back_string_literals_and_comments() {
        assert_eq!(
            strings("query { a(x: \"1' or 1=1\", y: \"\"\"b\nc\"\"\") } # note").unwrap(),
            vec!["1' or 1=1", "b\nc", " note"]
        );
    }

    #[test]
    fn rejects_text_outside_graphql_syntax() {
        for v in [
            "{\"a\": 1}",
            "query; cat /etc/passwd",
            "query { a } | id",
            "{ a } && whoami",
            "{ `id` }",
            "search for { this }",
            "{ a(x: 1) ",
            "query",
            "{ a $(id) }",
            "{ a } ; ls",
            "{l,-lh}s",
            "{,ip,a}",
            "{id,}",
            "{,ifconfig,eth0}",
        ] {
            assert!(literals(v).is_none(), "{v}");
        }
    }
}
