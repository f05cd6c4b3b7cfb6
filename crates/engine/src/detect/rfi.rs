//! Remote file inclusion: a URL to another server where the application includes a file —
//! URLs whose host is a bare IP address, URLs ending in `?` or `%00` (the trick that cuts
//! the application's own suffix), URLs to script files, and URLs in parameters named
//! like include paths (`_conf[path]`, `mosConfig_absolute_path`, `include`).

use super::ssrf::host_of;
use super::{Detector, Hit, Kind, Subject, Triggers};
use crate::decode::Flags;

#[derive(Debug)]
struct Rfi;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Rfi)
}

/// Parameter names that hold include paths in known vulnerable applications.
fn include_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "include",
        "inc",
        "require",
        "path]",
        "_path",
        "abspath",
        "absolute_path",
        "root_path",
        "rootpath",
        "basepath",
        "base_dir",
        "template_dir",
        "lib_dir",
        "includedir",
        "config[",
        "_conf[",
        "mosconfig",
    ]
    .iter()
    .any(|p| n == *p || n.contains(p))
}

impl Detector for Rfi {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b":")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !matches!(s.kind, Kind::ArgValue | Kind::Cookie) || !s.bytes.has(b':') {
            return None;
        }
        let lower = s.lower.trim();
        let mut best = 0.0f32;
        let mut at = 0;
        for scheme in ["http://", "https://", "ftp://", "ftps://", "smb://", "\\\\"] {
            let Some(k) = lower.find(scheme) else {
                continue;
            };
            let rest = &lower[k + scheme.len()..];
            let host = host_of(rest);
            let ip_host = !host.is_empty()
                && (host.bytes().all(|c| c.is_ascii_digit() || c == b'.') && host.contains('.')
                    || host.contains(':'));
            let starts = k == 0;
            let trailing_q = rest.ends_with('?') || s.flags.contains(Flags::NUL);
            let script = [
                ".php", ".txt", ".asp", ".jsp", ".pl", ".cgi", ".sh", ".py", ".inc",
            ]
            .iter()
            .any(|e| rest.split('?').next().is_some_and(|p| p.ends_with(e)));
            let mut c: f32 = 0.0;
            if starts && ip_host {
                c = c.max(0.8);
            }
            if starts && trailing_q && (rest.contains('/') || host.contains('.')) {
                c = c.max(0.85);
            }
            if starts && script && ip_host {
                c = c.max(0.9);
            }
            if starts && include_param(s.name) {
                c = c.max(0.8);
            }
            if starts && script && rest.contains('?') && rest.contains("=http") {
                c = c.max(0.8);
            }
            if c > best {
                best = c;
                at = k;
            }
        }
        (best > 0.0).then(|| Hit::at(best, s.lower, at, lower.len().min(at + 80)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_remote_includes() {
        let d = build();
        for v in [
            "http://66.240.183.75/crash.php",
            "https://[2001:41d0:701:1100::29c8]/gecko.php",
            "http://evil.com/shell.txt?",
            "ftp://1.1.1.1",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
        assert!(score(&*d, Kind::ArgValue, "_CONF[path]", "https://foo.bar") >= 0.7);
    }

    #[test]
    fn ignores_ordinary_links() {
        let d = build();
        for v in [
            "https://example.com/page",
            "see http://example.com/docs?x=1",
            "https://cdn.example.com/app.js",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
        assert!(
            score(
                &*d,
                Kind::ArgValue,
                "redirect_uri",
                "https://app.example.com/cb"
            ) < 0.7
        );
    }
}
