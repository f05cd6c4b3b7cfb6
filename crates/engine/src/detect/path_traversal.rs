//! Path traversal and local file inclusion: `../` sequences (after every decoding layer,
//! backslashes and overlong UTF-8 included), and names of files only an attacker asks a
//! web application for (`/etc/passwd`, `win.ini`, `/proc/self/environ`, `.htpasswd`,
//! `.git/config`, ...), weighed by how path-like the value is.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::{Detector, Hit, Kind, Subject};
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
];

#[derive(Debug)]
struct PathTraversal {
    files: AhoCorasick,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let files = AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build(SENSITIVE.iter().map(|(p, _)| p))
        .expect("static patterns compile");
    Box::new(PathTraversal { files })
}

/// Number of `..` segments, counting `..\`, `..;/` (Tomcat) and `....//` variants.
fn traversals(s: &str) -> usize {
    let b = s.as_bytes();
    let mut n = 0;
    for (i, _) in s.match_indices("..") {
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
    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::FileContent | Kind::XmlDoctype) || !s.bytes.any(b"./\\") {
            return None;
        }
        let lower = s.lower;
        let dots = traversals(lower);
        let evasive =
            s.flags.contains(Flags::OVERLONG_UTF8) || s.flags.contains(Flags::MULTI_PERCENT);
        let mut conf = match dots {
            0 => 0.0,
            1 if s.kind == Kind::Path => 0.8,
            1 => 0.6,
            2 => 0.85,
            _ => 0.92,
        };
        if dots > 0 && evasive {
            conf = f32::max(conf, 0.9);
        }
        // Sensitive files: resolve the path first (`/etc/./passwd`, `..\..\win.ini`).
        let mut resolved = String::new();
        let hay: &str = if s.bytes.any(b"\\") || lower.contains("/.") || lower.contains("//") {
            path::normalise_into(lower, &mut resolved);
            &resolved
        } else {
            lower
        };
        let mut file_hit = None;
        for m in self.files.find_iter(hay) {
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
                || name.ends_with('/')
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
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }
}
