//! Path traversal and local file inclusion: `../` sequences (after every decoding layer,
//! backslashes and overlong UTF-8 included), and names of files only an attacker asks a
//! web application for (`/etc/passwd`, `win.ini`, `/proc/self/environ`, `.htpasswd`,
//! `.git/config`, ...), weighed by how path-like the value is.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{Detector, Hit, Kind, Subject, Triggers};
use crate::decode::{path, Flags};

/// Files and directories worth reading for an attacker, as they appear in paths
/// (lowercase, `/` separators). Weight: how telling the name is by itself.
const SENSITIVE: &[(&str, f32)] = &[
    ("etc/passwd", 0.95),
    ("etc/shadow", 0.95),
    ("etc/group", 0.8),
    ("etc/hosts", 0.85),
    ("etc/issue", 0.85),
    ("etc/motd", 0.8),
    ("etc/sudoers", 0.9),
    ("etc/crontab", 0.85),
    ("etc/fstab", 0.85),
    ("etc/hostname", 0.8),
    ("etc/resolv.conf", 0.8),
    ("etc/mysql/", 0.8),
    ("etc/httpd/", 0.8),
    ("etc/apache2/", 0.8),
    ("etc/nginx/", 0.8),
    ("etc/ssh/", 0.85),
    ("etc/security/", 0.85),
    ("etc/master.passwd", 0.95),
    ("etc/pwd.db", 0.9),
    ("etc/profile", 0.8),
    ("etc/environment", 0.85),
    ("etc/redhat-release", 0.85),
    ("etc/os-release", 0.85),
    ("etc/lsb-release", 0.85),
    ("etc/php", 0.75),
    ("proc/self/", 0.95),
    ("proc/version", 0.9),
    ("proc/cpuinfo", 0.85),
    ("proc/meminfo", 0.85),
    ("proc/mounts", 0.85),
    ("proc/net/", 0.85),
    ("proc/1/", 0.85),
    ("var/log/", 0.75),
    ("var/run/secrets", 0.9),
    ("var/lib/mysql", 0.8),
    ("usr/local/apache", 0.8),
    ("root/.", 0.8),
    (".bash_history", 0.9),
    (".bash_profile", 0.85),
    (".bashrc", 0.85),
    (".zsh_history", 0.9),
    (".mysql_history", 0.9),
    (".psql_history", 0.9),
    (".ssh/id_", 0.95),
    (".ssh/authorized_keys", 0.95),
    (".ssh/known_hosts", 0.9),
    (".aws/credentials", 0.95),
    (".docker/config.json", 0.9),
    (".kube/config", 0.9),
    (".htpasswd", 0.9),
    (".htaccess", 0.85),
    (".git/", 0.85),
    (".svn/", 0.85),
    (".hg/", 0.8),
    (".env", 0.75),
    (".ds_store", 0.7),
    ("web.config", 0.8),
    ("web-inf/", 0.85),
    ("meta-inf/", 0.8),
    ("wp-config.php", 0.9),
    ("config.inc.php", 0.8),
    ("localsettings.php", 0.8),
    ("boot.ini", 0.9),
    ("win.ini", 0.9),
    ("system.ini", 0.9),
    ("windows/system32", 0.9),
    ("winnt/system32", 0.9),
    ("system32/drivers/etc", 0.95),
    ("system32/config/sam", 0.95),
    ("windows/repair/", 0.9),
    ("windows/panther/", 0.9),
    ("inetpub/", 0.8),
    ("autoexec.bat", 0.85),
    ("applicationhost.config", 0.9),
    ("php.ini", 0.8),
    ("my.cnf", 0.8),
    ("my.ini", 0.8),
    ("httpd.conf", 0.8),
    ("nginx.conf", 0.8),
    ("id_rsa", 0.85),
    ("id_dsa", 0.85),
    ("id_ed25519", 0.85),
    ("authorized_keys", 0.85),
    ("sys/class", 0.8),
    ("sys/kernel", 0.8),
    ("sys/devices", 0.8),
    ("sys/firmware", 0.8),
    ("proc/interrupts", 0.85),
    ("proc/", 0.7),
    (".docker/", 0.85),
    (".npmrc", 0.85),
    (".pgpass", 0.9),
    (".netrc", 0.9),
    (".git-credentials", 0.95),
    (".gnupg/", 0.85),
];

/// Suffixes of files that a web server should never hand out (dumps, backups, editor
/// swap files, logs, keys): telling when requested as the path.
const RESTRICTED_SUFFIXES: &[&str] = &[
    ".sql",
    ".sql.gz",
    ".sql.zip",
    ".sql.bz2",
    ".sql.tar",
    ".dump",
    ".bak",
    ".backup",
    ".old",
    ".orig",
    ".swp",
    ".swo",
    ".log",
    ".pem",
    ".key",
    ".kdbx",
    ".sqlite",
    ".sqlite3",
    ".mdb",
    ".env",
    ".htpasswd",
    ".git",
    ".DS_Store",
];

#[derive(Debug)]
struct PathTraversal {
    files: AhoCorasick,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let files = AhoCorasickBuilder::new()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .match_kind(MatchKind::LeftmostLongest)
        .build(SENSITIVE.iter().map(|(p, _)| p))
        .expect("static patterns compile");
    Box::new(PathTraversal { files })
}

/// Number of `..` segments, counting `..\`, `..;/` (Tomcat) and `....//` variants.
fn traversals(s: &str) -> usize {
    let b = s.as_bytes();
    let mut n = 0;
    for i in super::pair_indices(s, b'.', b'.') {
        let after = b.get(i + 2).copied();
        let before = if i == 0 { None } else { Some(b[i - 1]) };
        let sep_after =
            matches!(after, Some(b'/' | b'\\' | b';')) || after.is_none() && before.is_some();
        let sep_before = matches!(before, None | Some(b'/' | b'\\' | b'.' | b'=' | b':'));
        if sep_after && sep_before {
            n += 1;
        }
    }
    n
}

impl Detector for PathTraversal {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b"./\\")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::FileContent | Kind::XmlDoctype) || !s.bytes.any(b"./\\") {
            return None;
        }
        let lower = s.lower;
        let dots = traversals(lower);
        let evasive =
            s.flags.contains(Flags::OVERLONG_UTF8) || s.flags.contains(Flags::MULTI_PERCENT);
        // One `../` followed by more path (`../x`) still climbs out of the intended directory.
        let climbs = super::pair_indices(lower, b'.', b'.').any(|k| {
            matches!(lower.as_bytes().get(k + 2), Some(b'/' | b'\\'))
                && lower
                    .as_bytes()
                    .get(k + 3)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'_')
        });
        let mut conf = match dots {
            0 => 0.0,
            _ if s.kind == Kind::Filename => 0.85,
            1 if s.kind == Kind::Path => 0.8,
            1 if climbs => 0.75,
            1 => 0.6,
            2 => 0.85,
            _ => 0.92,
        };
        if dots > 0 && evasive {
            conf = f32::max(conf, 0.9);
        }
        // Sensitive files: resolve the path first (`/etc/./passwd`, `..\..\win.ini`).
        let mut resolved = String::new();
        let hay: &str = if s.bytes.any(b"\\")
            || memchr::memchr_iter(b'/', lower.as_bytes())
                .any(|k| matches!(lower.as_bytes().get(k + 1), Some(b'.' | b'/')))
        {
            path::normalise_into(lower, &mut resolved);
            &resolved
        } else {
            lower
        };
        let mut file_hit = None;
        // Sensitive names are paths, or bare file names with these endings.
        let pathlike = s.bytes.any(b"/\\")
            || lower.starts_with('.')
            || [
                ".ini",
                ".config",
                ".cnf",
                ".php",
                ".conf",
                "_rsa",
                "_dsa",
                "_ed25519",
                "keys",
                "history",
                ".htaccess",
                ".htpasswd",
                ".env",
                ".bat",
            ]
            .iter()
            .any(|x| lower.ends_with(x));
        let files = pathlike.then(|| self.files.find_iter(hay));
        for m in files.into_iter().flatten() {
            let (name, weight) = SENSITIVE[m.pattern().as_usize()];
            let start_ok = m.start() == 0
                || matches!(
                    hay.as_bytes()[m.start() - 1],
                    b'/' | b'\\'
                        | b'='
                        | b':'
                        | b' '
                        | b'"'
                        | b'\''
                        | b'~'
                        | b'>'
                        | b'<'
                        | b'|'
                        | b';'
                        | b'&'
                )
                || name.starts_with('.');
            let end_ok = m.end() == hay.len()
                || name.ends_with(['/', '_', '.'])
                || !hay.as_bytes()[m.end()].is_ascii_alphanumeric();
            if !start_ok || !end_ok {
                continue;
            }
            let absolute = m.start() > 0 && matches!(hay.as_bytes()[m.start() - 1], b'/' | b'\\');
            let mut c = match (dots > 0, absolute, s.kind) {
                (true, _, _) => 0.95,
                (false, _, Kind::Path) => weight - 0.05,
                (false, true, _) => weight,
                (false, false, _) => weight - 0.15,
            };
            // Dot-files named as words in prose ("my .env file") are weaker.
            if name.starts_with('.') && s.kind != Kind::Path && !absolute && m.start() > 0 {
                c -= 0.2;
            }
            if c > conf {
                conf = c;
                file_hit = Some((m.start(), m.end()));
            }
        }
        // The request path naming a hidden file or directory (`/.git/`, `/.env`, `/.claude/`),
        // or a file of a restricted kind (`/backup.sql.zip`, `/debug.log`).
        if s.kind == Kind::Path {
            let hidden = lower.split('/').any(|seg| {
                seg.len() > 1 && seg.starts_with('.') && seg != ".well-known" && seg != ".."
            });
            if hidden {
                conf = conf.max(0.75);
            }
            if RESTRICTED_SUFFIXES.iter().any(|x| {
                lower.len() >= x.len()
                    && lower.as_bytes()[lower.len() - x.len()..].eq_ignore_ascii_case(x.as_bytes())
            }) {
                conf = conf.max(0.75);
            }
        }
        if conf <= 0.0 {
            return None;
        }
        if s.kind == Kind::Header && s.name == "user-agent" {
            conf -= 0.1;
        }
        let (a, b) = match file_hit {
            Some((a, b)) if std::ptr::eq(hay, lower) => (a, b),
            _ => (lower.find("..").unwrap_or(0), lower.len()),
        };
        Some(Hit::at(conf, s.text, a, b.max(a + 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_traversal_and_sensitive_files() {
        let d = build();
        for v in [
            "../../../../etc/passwd",
            "..\\..\\..\\windows\\win.ini",
            "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "..%252f..%252f..%252fetc%252fpasswd",
            "..%c0%af..%c0%afetc/passwd",
            "/etc/passwd",
            "/proc/self/environ",
            "....//....//etc/shadow",
            "c:\\boot.ini",
            "file.php?f=../../../../var/log/apache2/access.log",
            "..;/..;/web-inf/web.xml",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        assert!(score(&*d, Kind::Path, "", "/static/../../etc/hosts") >= 0.7);
        assert!(score(&*d, Kind::Path, "", "/.claude/settings.json") >= 0.7);
        assert!(score(&*d, Kind::Path, "", "/backup.sql.zip") >= 0.7);
        assert!(score(&*d, Kind::Filename, "file", "../1.7z") >= 0.7);
        assert!(arg(&*d, ".ssh/id_rsa") >= 0.7);
        assert!(arg(&*d, "..\\pineapple") >= 0.7);
    }

    #[test]
    fn ignores_ordinary_paths_and_prose() {
        let d = build();
        for v in [
            "/api/v1/users/42",
            "images/logo.png",
            "Wait... what? I mean.. ok",
            "version 1.2.3",
            "see chapter 2..4",
            "../",
            "my passwd is in a file",
            "env vars",
            "he said.. /whatever",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }
}
