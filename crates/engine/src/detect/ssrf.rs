//! Server-side request forgery: URLs (or bare `host/path` values) that point at the
//! server's own network — loopback, private, link-local and cloud metadata addresses in
//! every notation a resolver accepts (dotted, decimal `2130706433`, octal `0177.1`, hex
//! `0x7f000001`, short `127.1`, IPv6 `[::1]`, IPv4-mapped `[::ffff:7f00:1]`), local host
//! names (`localhost`, `*.localhost`, `metadata.google.internal`, `127.0.0.1.nip.io`) —
//! and schemes that smuggle other protocols (`gopher:`, `dict:`, `file:`, `ldap:`, `unix:`).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Detector, Hit, Kind, Subject, Triggers};

#[derive(Debug)]
struct Ssrf;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Ssrf)
}

/// How sensitive an address is.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub(crate) enum Target {
    Private,
    Loopback,
    Metadata,
}

/// Parses one IPv4 component in C `inet_aton` style (decimal, `0`-octal, `0x`-hex).
fn component(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    if let Some(h) = s.strip_prefix("0x") {
        return if h.is_empty() {
            Some(0)
        } else {
            u64::from_str_radix(h, 16).ok()
        };
    }
    if s.len() > 1 && s.starts_with('0') {
        return u64::from_str_radix(&s[1..], 8).ok();
    }
    s.parse().ok()
}

/// IPv4 in any `inet_aton` notation: `a`, `a.b`, `a.b.c`, `a.b.c.d`.
pub(crate) fn parse_ipv4(host: &str) -> Option<Ipv4Addr> {
    if host.matches('.').count() > 3 {
        return None;
    }
    let mut buf = [""; 4];
    let mut n = 0;
    for p in host.split('.') {
        buf[n] = p;
        n += 1;
    }
    let parts = &buf[..n];
    // A single number wider than 32 bits: resolvers that truncate keep the low 32 bits.
    if parts.len() == 1 {
        let n = component(parts[0])?;
        return Some(Ipv4Addr::from((n & 0xFFFF_FFFF) as u32));
    }
    let mut nums = [0u64; 4];
    for (slot, p) in nums.iter_mut().zip(parts) {
        *slot = component(p)?;
    }
    let (last, head) = nums[..n].split_last()?;
    if head.iter().any(|&n| n > 255) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if *last >= 1u64 << rest_bits {
        return None;
    }
    let mut v: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        v |= n << (24 - 8 * i as u32);
    }
    v |= last;
    Some(Ipv4Addr::from(u32::try_from(v).ok()?))
}

fn classify_v4(ip: Ipv4Addr) -> Option<Target> {
    let o = ip.octets();
    if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] || o == [169, 254, 170, 2] {
        Some(Target::Metadata)
    } else if o[0] == 127 || o == [0, 0, 0, 0] {
        Some(Target::Loopback)
    } else if o[0] == 10
        || (o[0] == 172 && (16..32).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (o[0] == 169 && o[1] == 254)
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || o[0] == 0
    {
        Some(Target::Private)
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<Target> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let seg = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() {
        Some(Target::Loopback)
    } else if seg[0] == 0xfd00 && seg[1] == 0x0ec2 {
        Some(Target::Metadata)
    } else if (seg[0] & 0xfe00) == 0xfc00 || (seg[0] & 0xffc0) == 0xfe80 {
        Some(Target::Private)
    } else if seg[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated) form `::127.0.0.1`.
        classify_v4(Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        ))
    } else {
        None
    }
}

/// Classifies a host (lowercase, without port or brackets).
pub(crate) fn classify_host(host: &str) -> Option<Target> {
    let host = host.trim_end_matches('.');
    if host.is_empty() {
        return None;
    }
    if host.contains(':') {
        return host
            .split('%')
            .next()?
            .parse::<Ipv6Addr>()
            .ok()
            .and_then(classify_v6);
    }
    if host
        .bytes()
        .all(|c| c.is_ascii_hexdigit() || c == b'.' || c == b'x')
        && host.bytes().next().is_some_and(|c| c.is_ascii_digit())
    {
        if let Some(ip) = parse_ipv4(host) {
            return classify_v4(ip);
        }
    }
    match host {
        "metadata.google.internal"
        | "metadata"
        | "instance-data"
        | "metadata.packet.net"
        | "metadata.azure.com"
        | "169.254.169.254.nip.io"
        | "metadata.tencentyun.com"
        | "metadata.platformequinix.com" => return Some(Target::Metadata),
        "localhost"
        | "localhost.localdomain"
        | "localhost4"
        | "localhost6"
        | "localhost4.localdomain4"
        | "localhost6.localdomain6"
        | "ip6-localhost"
        | "ipv6-localhost"
        | "ip6-loopback"
        | "ipv6-loopback"
        | "loopback"
        | "localtest.me"
        | "lvh.me"
        | "vcap.me"
        | "spoofed.burpcollaborator.net" => return Some(Target::Loopback),
        _ => {}
    }
    if host.ends_with(".localhost") || host.ends_with(".localtest.me") || host.ends_with(".lvh.me")
    {
        return Some(Target::Loopback);
    }
    // Names container runtimes and orchestrators resolve to the host or the cluster:
    // `host.docker.internal`, `host.containers.internal`, `kubernetes.default.svc`.
    if host.ends_with(".docker.internal")
        || host.ends_with(".containers.internal")
        || host == "kubernetes.default"
        || host.ends_with(".svc.cluster.local")
        || host.ends_with(".svc")
        || host.ends_with(".cluster.local")
    {
        return Some(Target::Private);
    }
    // Wildcard DNS services that resolve an embedded address: `127.0.0.1.nip.io`.
    for svc in [
        ".nip.io",
        ".xip.io",
        ".sslip.io",
        ".xip.name",
        ".nip.direct",
    ] {
        if let Some(inner) = host.strip_suffix(svc) {
            let ip: String = inner
                .rsplit('.')
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join(".");
            let ip = ip.replace('-', ".");
            return parse_ipv4(&ip)
                .and_then(classify_v4)
                .or(Some(Target::Private));
        }
    }
    None
}

/// Extracts the host of a URL-ish string starting at `s` (after `scheme://` or bare).
pub(crate) fn host_of(s: &str) -> &str {
    let end = s
        .find(['/', '?', '#', '\\', ' ', '"', '\'', '>', '<'])
        .unwrap_or(s.len());
    let auth = &s[..end];
    let auth = auth.rsplit('@').next().unwrap_or(auth);
    if let Some(v6) = auth.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    // Bare IPv6 without brackets has several colons.
    if auth.matches(':').count() >= 2 {
        return auth;
    }
    auth.split(':').next().unwrap_or(auth)
}

const SMUGGLING_SCHEMES: &[(&str, f32)] = &[
    ("gopher://", 0.9),
    ("dict://", 0.9),
    ("file://", 0.85),
    ("ldap://", 0.75),
    ("ldaps://", 0.75),
    ("tftp://", 0.85),
    ("jar:", 0.8),
    ("netdoc://", 0.85),
    ("sftp://", 0.6),
    ("expect://", 0.85),
    ("unix:", 0.0),
];

impl Detector for Ssrf {
    fn triggers(&self) -> Triggers {
        Triggers::bytes_or_words(b":/[@", &["localhost", "metadata", "instance-data", "ip6-"])
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !matches!(
            s.kind,
            Kind::ArgValue | Kind::Cookie | Kind::Header | Kind::Body | Kind::ArgName
        ) {
            return None;
        }
        if s.kind == Kind::Header
            && matches!(
                s.name,
                "referer"
                    | "origin"
                    | "user-agent"
                    | "host"
                    | "x-forwarded-for"
                    | "x-real-ip"
                    | "forwarded"
                    | "x-forwarded-host"
            )
        {
            return None;
        }
        let lower = s.lower.trim();
        let mut best = (0.0f32, 0usize, 0usize);
        let mut take = |c: f32, a: usize, e: usize| {
            if c > best.0 {
                best = (c, a, e);
            }
        };
        // `http:2852039166`, `http:/[::ffff:a9fe:a9fe]`, `http://\\l\\o\\c...`: schemes without
        // both slashes, and backslashes inside the host, which lenient URL parsers accept.
        let unescaped: String;
        let lower: &str = if s.bytes.has(b'\\') && lower.contains(':') {
            unescaped = lower.replace('\\', "");
            &unescaped
        } else {
            lower
        };
        for scheme in ["http:", "https:"]
            .into_iter()
            .filter(|_| s.bytes.has(b':'))
        {
            for (k, _) in lower.match_indices(scheme).take(8) {
                let rest = &lower[k + scheme.len()..];
                if rest.starts_with("//") {
                    continue;
                }
                let host = host_of(rest.trim_start_matches('/'));
                if let Some(t) = classify_host(host) {
                    take(
                        if t == Target::Loopback { 0.85 } else { 0.8 },
                        k,
                        (k + 40).min(lower.len()),
                    );
                }
            }
        }
        // Every `@host` in a URL: parsers disagree on which one is the host.
        if s.bytes.has(b'@') && lower.contains("://") {
            for (k, _) in lower.match_indices('@').take(16) {
                match classify_host(host_of(&lower[k + 1..])) {
                    Some(Target::Metadata) => take(0.9, k, (k + 40).min(lower.len())),
                    Some(Target::Loopback) => take(0.85, k, (k + 40).min(lower.len())),
                    Some(Target::Private) => take(0.75, k, (k + 40).min(lower.len())),
                    None => {}
                }
            }
        }
        if s.bytes.has(b':') {
            for (k, _) in lower.match_indices("://").take(32) {
                let scheme_start = lower[..k]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
                    .map_or(0, |(p, c)| p + c.len_utf8());
                let scheme = &lower[scheme_start..k];
                let host = host_of(&lower[k + 3..]);
                let sev = classify_host(host);
                // A local URL quoted in prose (`then open http://localhost:3000`) is
                // documentation; a fetcher is handed a URL on its own.
                let prose = lower[..scheme_start].contains(char::is_whitespace);
                let c = match sev {
                    Some(Target::Metadata) => 0.95,
                    Some(Target::Loopback) if prose => 0.6,
                    Some(Target::Loopback) => 0.85,
                    Some(Target::Private) if prose => 0.55,
                    Some(Target::Private) => 0.75,
                    None => 0.0,
                };
                take(c, scheme_start, (k + 3 + host.len() + 20).min(lower.len()));
                for (p, w) in SMUGGLING_SCHEMES {
                    if p.strip_suffix("://") == Some(scheme) {
                        take(*w, scheme_start, (k + 40).min(lower.len()));
                    }
                }
            }
            if let Some(k) = lower.find("unix:") {
                if lower[k..].contains('|') {
                    take(0.85, k, (k + 60).min(lower.len()));
                }
            }
            if lower.starts_with("jar:") && lower.contains('!') {
                take(0.8, 0, lower.len().min(60));
            }
        }
        // `data:` URLs with a document type make a fetcher read attacker-supplied content.
        if matches!(s.kind, Kind::ArgValue | Kind::ArgName) && lower.starts_with("data:") {
            let mime = &lower[5..];
            if mime.starts_with("text/")
                || mime.starts_with("application/x-")
                || mime.starts_with("application/javascript")
            {
                take(0.75, 0, lower.len().min(60));
            }
        }
        // Bare `host/path` or `host:port` (no scheme) where a URL is expected.
        let hostlike = lower.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[');
        if hostlike
            && matches!(s.kind, Kind::ArgValue | Kind::Cookie)
            && !lower.contains("://")
            && !lower.contains(' ')
        {
            let host = host_of(lower);
            if host.len() < lower.len() || host.contains(':') || lower.ends_with('/') {
                match classify_host(host) {
                    Some(Target::Metadata) => take(0.9, 0, lower.len()),
                    Some(Target::Loopback) if !host.bytes().all(|c| c.is_ascii_digit()) => {
                        take(0.8, 0, lower.len())
                    }
                    // Internal names (`host.docker.internal/`), not addresses: a CIDR
                    // (`10.0.0.0/8`) is configuration.
                    Some(Target::Private) if host.bytes().any(|c| c.is_ascii_alphabetic()) => {
                        take(0.75, 0, lower.len())
                    }
                    _ => {}
                }
            } else if matches!(classify_host(host), Some(Target::Metadata)) && host.contains('.') {
                take(0.8, 0, lower.len());
            }
        }
        let (c, a, e) = best;
        (c > 0.0).then(|| Hit::new(c, s.text.get(a..e).unwrap_or(s.text).to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::arg;

    #[test]
    fn parses_every_ipv4_notation() {
        for h in [
            "127.0.0.1",
            "2130706433",
            "0177.0.0.1",
            "0x7f.0.0.1",
            "0x7f000001",
            "127.1",
            "017700000001",
        ] {
            assert_eq!(classify_host(h), Some(Target::Loopback), "{h}");
        }
        assert_eq!(classify_host("169.254.169.254"), Some(Target::Metadata));
        assert_eq!(classify_host("2852039166"), Some(Target::Metadata));
        assert_eq!(classify_host("10.1"), Some(Target::Private));
        assert_eq!(classify_host("8.8.8.8"), None);
        assert_eq!(classify_host("1.2.3"), None);
    }

    #[test]
    fn flags_internal_targets_and_smuggling_schemes() {
        let d = build();
        for v in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/admin",
            "http://[::ffff:127.0.0.1]/",
            "http://[0:0:0:0:0:ffff:7f00:1]/",
            "https://localhost/admin",
            "http://127.0.0.1.nip.io/",
            "http://user@0x7f.1/",
            "gopher://127.0.0.1:6379/_INFO",
            "dict://evil:11211/stat",
            "file:///etc/passwd",
            "http://metadata.google.internal/computeMetadata/v1/",
            "localhost/",
            "http://192.168.0.1/router",
            "http://7147006462/",
            "http:2852039166",
            "http:[::ffff:a9fe:a9fe]",
            "http://\\l\\o\\c\\a\\l\\h\\o\\s\\t/",
            "acap://①②⑦.⓪.⓪.①",
            "http://169。254。169。254/",
            "http://google.com:80 &@127.88.23.245:22/#",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn survives_multibyte_text_before_a_scheme_separator() {
        // Regression of a fuzzer crash: a multi-byte character right before `://`.
        let d = build();
        assert!(arg(&*d, "${jndi:\u{34d}dap://x}") < 0.7);
        assert!(arg(&*d, "é://127.0.0.1/") >= 0.0);
    }

    #[test]
    fn ignores_public_urls_and_words() {
        let d = build();
        for v in [
            "https://example.com/a",
            "http://8.8.8.8/",
            "localhost is a word",
            "version 10.0.1",
            "https://shop.example.com/callback",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn flags_internal_names_without_scheme_and_spares_urls_in_prose() {
        let d = build();
        for v in [
            "host.docker.internal/",
            "kubernetes.default.svc.cluster.local/",
            "ipv6-localhost/",
            "lvh.me/",
            "http://host.containers.internal/admin",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        for v in [
            "Then open http://localhost:3000 in your browser",
            "Run the app and visit http://127.0.0.1:8080/ to check",
            "10.0.0.0/8",
            "192.168.1.0/24",
            "docs.example.com/",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }
}
