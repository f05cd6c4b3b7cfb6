//! The inspection pipeline: walk the request model, normalise each value, run every
//! detector on it, follow nested encodings, then score findings against the policy
//! (thresholds, exclusions, limits). Nothing is compiled here per request; a benign
//! request leaves the findings vector unallocated.

use std::fmt::Write as _;

use crate::decode::{base64, Normaliser};
use crate::detect::{ByteSet, Detector, Entry, Gates, Hit, Kind, Subject, REGISTRY};
use crate::memo::Memo;
use crate::model::{body, cookie, graphql, json, urlencoded, Loc, Overflow, Sink};
use crate::{Category, Finding, OverflowAction, Policy, RequestParts, Verdict};

/// Findings kept per request at most (the rest would repeat the same story).
const MAX_FINDINGS: usize = 64;
/// Nested encodings (JSON in a query value, base64 in JSON, ...) followed at most.
const MAX_NESTED: usize = 3;
/// Fragment length kept in findings, in characters.
const FRAGMENT_CHARS: usize = 80;

/// Header fields whose values are structured and never carry payloads worth the false
/// positives they would cause (or are inspected by request-level hooks only).
const SKIPPED_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "authorization",
    "proxy-authorization",
    "cache-control",
    "connection",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "host",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "keep-alive",
    "pragma",
    "priority",
    "range",
    "te",
    "upgrade-insecure-requests",
    "dnt",
    "cookie",
];

/// Every detector, compiled.
#[derive(Debug)]
pub(crate) struct Compiled {
    detectors: Vec<(&'static Entry, Box<dyn Detector>)>,
    gates: Gates,
    /// Header values found clean before (see [`crate::memo`]); `None` when switched off.
    pub(crate) memo: Option<Memo>,
}

impl Compiled {
    pub(crate) fn new() -> Compiled {
        let detectors: Vec<(&'static Entry, Box<dyn Detector>)> =
            REGISTRY.iter().map(|e| (e, (e.build)())).collect();
        let refs: Vec<&dyn Detector> = detectors.iter().map(|(_, d)| d.as_ref()).collect();
        let gates = Gates::new(&refs);
        Compiled {
            detectors,
            gates,
            memo: Some(Memo::new()),
        }
    }

    pub(crate) fn inspect(&self, request: &RequestParts<'_>, policy: &Policy) -> Verdict {
        let mut run = Run {
            detectors: &self.detectors,
            gates: &self.gates,
            policy,
            norm: Normaliser::default(),
            lower: String::new(),
            findings: Vec::new(),
            args: 0,
            overflowed: [false; 3],
            nesting: 0,
            seen_names: [0; 64],
            seen_len: 0,
            hits: 0,
            followed: false,
        };
        let mut hits = Vec::new();
        for (entry, det) in &self.detectors {
            det.inspect_request(request, &mut hits);
            for h in hits.drain(..) {
                run.record(entry, &h.location, h.confidence, &h.fragment);
            }
        }
        run.value(Loc::new("path", ""), Kind::Path, request.path.as_bytes(), 0);
        if let Some(q) = request.query {
            urlencoded::parse(q.as_bytes(), "query", 0, &mut run);
        }
        for (name, value) in request.headers {
            if *name == "cookie" {
                cookie::parse(value, &mut run);
            } else if !skip_header(name) {
                let memo = self
                    .memo
                    .as_ref()
                    .and_then(|m| Some((m, m.key(name, value, &policy.limits)?)));
                if memo.is_some_and(|(m, key)| m.is_clean(key)) {
                    continue;
                }
                let (hits, followed) = (run.hits, run.followed);
                run.followed = false;
                run.value(Loc::new("header", name), Kind::Header, value, 0);
                // Clean only when nothing was found, nothing nested was followed (its
                // inspection could depend on the rest of the request) and no limit was hit.
                let clean = run.hits == hits && !run.followed && run.overflowed == [false; 3];
                run.followed |= followed;
                if let Some((m, key)) = memo.filter(|_| clean) {
                    m.remember(key);
                }
            }
        }
        let mut body = request.body;
        if request.body_truncated || body.len() > policy.limits.max_body_bytes {
            run.overflow(Overflow::Body);
            body = &body[..body.len().min(policy.limits.max_body_bytes)];
        }
        let content_type = request.header("content-type").map(String::from_utf8_lossy);
        body::parse(content_type.as_deref(), body, &mut run);
        Verdict {
            findings: run.findings,
        }
    }
}

fn skip_header(name: &str) -> bool {
    SKIPPED_HEADERS.contains(&name) || name.starts_with("sec-")
}

/// The state of one inspection.
struct Run<'e> {
    detectors: &'e [(&'static Entry, Box<dyn Detector>)],
    gates: &'e Gates,
    policy: &'e Policy,
    norm: Normaliser,
    lower: String,
    findings: Vec<Finding>,
    args: usize,
    overflowed: [bool; 3],
    nesting: usize,
    /// Hashes of argument names already inspected (a fixed array: no allocation).
    seen_names: [u64; 64],
    seen_len: usize,
    /// Findings recorded so far, merged or excluded ones included.
    hits: usize,
    /// True once a nested encoding was followed.
    followed: bool,
}

/// FNV-1a of an argument name, for [`Run::seen_names`].
fn name_hash(raw: &[u8]) -> u64 {
    raw.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Run<'_> {
    fn record(&mut self, entry: &Entry, location: &str, confidence: f32, fragment: &str) {
        record(
            &mut self.findings,
            self.policy,
            entry.name,
            entry.category,
            location,
            confidence,
            fragment,
            None,
        );
    }

    /// Follows encodings nested in a value: JSON, query strings, base64.
    fn nested(&mut self, loc: Loc<'_>, kind: Kind, text: &str, depth: usize) {
        self.followed = true;
        if self.nesting >= MAX_NESTED || depth >= self.policy.limits.max_depth {
            return;
        }
        if !matches!(kind, Kind::ArgValue | Kind::Cookie | Kind::Header) {
            return;
        }
        self.nesting += 1;
        let prefix = loc.to_string();
        if json::looks_like(text) {
            let _ = json::parse(text.as_bytes(), &format!("{prefix}>json"), depth + 1, self);
        } else if text.contains('&') && urlencoded::looks_like(text) {
            urlencoded::parse(text.as_bytes(), &format!("{prefix}>query"), depth + 1, self);
        } else if let Some(decoded) = base64::decode_text(text) {
            self.value(
                Loc::new(&format!("{prefix}>base64"), ""),
                kind,
                decoded.as_bytes(),
                depth + 1,
            );
        }
        self.nesting -= 1;
    }
}

impl Sink for Run<'_> {
    fn value(&mut self, loc: Loc<'_>, kind: Kind, raw: &[u8], depth: usize) {
        // Argument names repeat (keys of every object in a JSON array): inspect each once.
        if kind == Kind::ArgName && raw.len() <= 64 {
            let h = name_hash(raw);
            let seen = &self.seen_names[..self.seen_len];
            if seen.contains(&h) {
                return;
            }
            if self.seen_len < self.seen_names.len() {
                self.seen_names[self.seen_len] = h;
                self.seen_len += 1;
            }
        }
        let (raw_bytes, ascii) = ByteSet::scan(raw);
        let (text, flags) = self.norm.run_scanned(raw, raw_bytes, ascii);
        // Unchanged by normalisation: the scan of the raw value describes the text too.
        let bytes = if text.len() == raw.len() && text.as_bytes() == raw {
            raw_bytes
        } else {
            ByteSet::of(text)
        };
        // A GraphQL document: only its literals and comments can carry a payload.
        if kind == Kind::ArgValue && self.nesting < MAX_NESTED {
            if let Some(spans) = graphql::literals(text) {
                let owned = text.to_owned();
                self.nesting += 1;
                for (a, e) in spans {
                    self.value(loc, kind, &owned.as_bytes()[a..e], depth + 1);
                }
                self.nesting -= 1;
                return;
            }
        }
        let lower: &str = if bytes.has_upper() {
            self.lower.clear();
            self.lower.push_str(text);
            self.lower.make_ascii_lowercase();
            &self.lower
        } else {
            text
        };
        let subject = Subject {
            kind,
            name: loc.name,
            text,
            lower,
            flags,
            bytes,
            word_hit: true,
        };
        let (open, words) = self.gates.open(subject.bytes, lower);
        let mut follow = false;
        let mut pending = open;
        while pending != 0 {
            let i = pending.trailing_zeros() as usize;
            pending &= pending - 1;
            let (entry, det) = &self.detectors[i];
            let mut subject = subject;
            subject.word_hit = words & (1 << i) != 0;
            if let Some(Hit {
                confidence,
                fragment,
            }) = det.inspect(&subject)
            {
                self.hits += 1;
                record(
                    &mut self.findings,
                    self.policy,
                    entry.name,
                    entry.category,
                    "",
                    confidence,
                    &fragment,
                    Some(&loc),
                );
            }
        }
        if self.nesting < MAX_NESTED
            && text.len() >= 8
            && (bytes.any(b"{[") && json::looks_like(text)
                || bytes.has(b'=') && urlencoded::looks_like(text)
                || !bytes.has(b' ') && base64::decode_text(text).is_some())
        {
            follow = true;
        }
        if follow {
            let owned = text.to_owned();
            self.nested(loc, kind, &owned, depth);
        }
        // A name that decodes to `name=value` (the pair encoded once more than the form
        // around it): the value is inspected as one.
        if kind == Kind::ArgName
            && self.nesting < MAX_NESTED
            && memchr::memchr2(b'=', b'%', raw).is_some()
        {
            let text = self.norm.run(raw).0;
            if let Some((name, value)) = text.split_once('=') {
                let plain = !name.is_empty()
                    && name.len() <= 64
                    && name
                        .bytes()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'));
                if plain && !value.trim().is_empty() {
                    let value = value.to_owned();
                    self.nesting += 1;
                    self.value(loc, Kind::ArgValue, value.as_bytes(), depth + 1);
                    self.nesting -= 1;
                }
            }
        }
    }

    fn take_arg(&mut self) -> bool {
        if self.args >= self.policy.limits.max_args {
            self.overflow(Overflow::Args);
            return false;
        }
        self.args += 1;
        true
    }

    fn overflow(&mut self, what: Overflow) {
        let slot = what as usize;
        self.hits += 1;
        if self.overflowed[slot] {
            return;
        }
        self.overflowed[slot] = true;
        let block = self.policy.limits.on_overflow == OverflowAction::Block;
        record(
            &mut self.findings,
            self.policy,
            "limits",
            Category::Protocol,
            "request",
            if block { 1.0 } else { 0.5 },
            what.describe(),
            None,
        );
        if !block {
            if let Some(f) = self.findings.last_mut().filter(|f| f.detector == "limits") {
                f.blocking = false;
            }
        }
    }

    fn malformed(&mut self, loc: Loc<'_>, what: &'static str) {
        self.hits += 1;
        record(
            &mut self.findings,
            self.policy,
            "protocol",
            Category::Protocol,
            "",
            0.5,
            what,
            Some(&loc),
        );
    }

    fn max_depth(&self) -> usize {
        self.policy.limits.max_depth
    }
}

/// Adds one finding (or raises an existing one of the same detector and location),
/// unless an exclusion silences it. Allocates only here, on a hit.
#[allow(clippy::too_many_arguments)]
fn record(
    findings: &mut Vec<Finding>,
    policy: &Policy,
    detector: &'static str,
    category: Category,
    location: &str,
    confidence: f32,
    fragment: &str,
    loc: Option<&Loc<'_>>,
) {
    let mut location_buf;
    let location = match loc {
        Some(l) => {
            location_buf = String::new();
            let _ = write!(location_buf, "{l}");
            location_buf.as_str()
        }
        None => location,
    };
    if policy
        .exclusions
        .iter()
        .any(|e| crate::policy::excludes(e, detector, category, location))
    {
        return;
    }
    let blocking = confidence >= policy.threshold(category);
    if let Some(f) = findings
        .iter_mut()
        .find(|f| f.detector == detector && f.location == location)
    {
        if confidence > f.confidence {
            f.confidence = confidence;
            f.fragment = format_fragment(fragment);
            f.blocking = blocking;
        }
        return;
    }
    if findings.len() >= MAX_FINDINGS {
        return;
    }
    findings.push(Finding {
        category,
        detector,
        confidence,
        location: location.to_owned(),
        fragment: format_fragment(fragment),
        blocking,
    });
}

/// Truncates to [`FRAGMENT_CHARS`] characters (escapes included) and escapes control
/// characters.
fn format_fragment(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(FRAGMENT_CHARS * 2));
    let mut count = 0;
    for c in s.chars() {
        let escaped;
        let piece: &str = if c.is_control() {
            escaped = c.escape_default().to_string();
            &escaped
        } else {
            escaped = c.to_string();
            &escaped
        };
        let n = piece.chars().count();
        if count + n > FRAGMENT_CHARS {
            out.push('…');
            break;
        }
        out.push_str(piece);
        count += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Exclusion, ExclusionTarget, Limits};

    /// Inspects a GET with one User-Agent and an optional query under `policy`.
    fn with_agent(engine: &Compiled, agent: &str, query: Option<&str>, policy: &Policy) -> Verdict {
        let headers: [(&str, &[u8]); 1] = [("user-agent", agent.as_bytes())];
        let request = RequestParts {
            method: "GET",
            path: "/",
            query,
            headers: &headers,
            body: b"",
            body_truncated: false,
        };
        engine.inspect(&request, policy)
    }

    #[test]
    fn remembers_clean_agents_and_nothing_else() {
        let engine = Compiled::new();
        let policy = Policy::default();
        let memo = engine.memo.as_ref().unwrap();
        let known = |agent: &str, policy: &Policy| {
            memo.is_clean(
                memo.key("user-agent", agent.as_bytes(), &policy.limits)
                    .unwrap(),
            )
        };
        let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0";
        assert!(!with_agent(&engine, browser, None, &policy).is_blocking());
        assert!(known(browser, &policy), "a clean agent is remembered");
        assert!(with_agent(&engine, browser, None, &policy)
            .findings
            .is_empty());

        let shellshock = "() { :;}; /bin/bash -c 'id'";
        for _ in 0..2 {
            assert!(with_agent(&engine, shellshock, None, &policy).is_blocking());
        }
        assert!(!known(shellshock, &policy), "an agent with findings is not");

        // After a limit was reached the request is not fully read: nothing is remembered.
        let tight = Policy {
            limits: Limits {
                max_args: 1,
                ..Limits::default()
            },
            ..Policy::default()
        };
        let other = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36";
        with_agent(&engine, other, Some("a=1&b=2&c=3"), &tight);
        assert!(!known(other, &tight));
        // A value that holds a nested encoding is read every time.
        let nested = "eyJhIjoiYiJ9eyJhIjoiYiJ9";
        with_agent(&engine, nested, None, &policy);
        assert!(!known(nested, &policy));
    }

    fn get(path: &str, query: Option<&str>) -> Verdict {
        let engine = Compiled::new();
        let req = RequestParts {
            method: "GET",
            path,
            query,
            headers: &[],
            body: b"",
            body_truncated: false,
        };
        engine.inspect(&req, &Policy::default())
    }

    #[test]
    fn benign_request_has_no_findings_and_no_allocation() {
        let v = get("/api/items", Some("page=2&sort=name"));
        assert!(v.findings.is_empty());
        assert_eq!(v.findings.capacity(), 0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        #[test]
        fn inspection_never_panics_on_arbitrary_requests(
            path in "\\PC{0,64}",
            query in proptest::option::of("\\PC{0,128}"),
            header in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..128),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            ct in proptest::sample::select(vec!["application/json", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "text/plain"]),
        ) {
            static ENGINE: std::sync::OnceLock<Compiled> = std::sync::OnceLock::new();
            let engine = ENGINE.get_or_init(Compiled::new);
            let headers: [(&str, &[u8]); 3] = [("content-type", ct.as_bytes()), ("user-agent", &header), ("cookie", &header)];
            let req = RequestParts { method: "POST", path: &path, query: query.as_deref(), headers: &headers, body: &body, body_truncated: false };
            let v = engine.inspect(&req, &Policy::default());
            proptest::prop_assert!(v.findings.len() <= MAX_FINDINGS);
            for f in &v.findings {
                proptest::prop_assert!((0.0..=1.0).contains(&f.confidence));
                proptest::prop_assert!(f.fragment.chars().count() <= FRAGMENT_CHARS + 1);
            }
        }
    }

    #[test]
    fn fragments_are_truncated_and_escaped() {
        let f = format_fragment(&format!("a\r\nb{}", "x".repeat(200)));
        assert!(f.starts_with("a\\r\\nb"));
        assert_eq!(f.chars().count(), FRAGMENT_CHARS + 1);
    }

    #[test]
    fn exclusions_drop_findings_by_detector_and_location_prefix() {
        let engine = Compiled::new();
        let req = RequestParts {
            method: "GET",
            path: "/",
            query: Some("q=1'%20union%20select%20password%20from%20users--"),
            headers: &[],
            body: b"",
            body_truncated: false,
        };
        let mut policy = Policy::default();
        assert!(engine.inspect(&req, &policy).is_blocking());
        policy.exclusions.push(Exclusion {
            target: ExclusionTarget::Detector("sqli".into()),
            location: Some("query:*".into()),
        });
        assert!(!engine
            .inspect(&req, &policy)
            .findings
            .iter()
            .any(|f| f.detector == "sqli"));
    }

    #[test]
    fn too_many_args_is_reported_and_blocks_only_when_asked() {
        let engine = Compiled::new();
        let q = "a=1&".repeat(50);
        let req = RequestParts {
            method: "GET",
            path: "/",
            query: Some(&q),
            headers: &[],
            body: b"",
            body_truncated: false,
        };
        let mut policy = Policy::default();
        policy.limits.max_args = 10;
        let v = engine.inspect(&req, &policy);
        assert!(v.findings.iter().any(|f| f.category == Category::Protocol));
        assert!(!v.is_blocking());
        policy.limits.on_overflow = OverflowAction::Block;
        let v = engine.inspect(&req, &policy);
        assert!(v.is_blocking());
        assert_eq!(v.strongest().map(|f| f.confidence), Some(1.0));
    }

    fn post_json(path: &str, body: &str) -> Verdict {
        let engine = Compiled::new();
        let headers: [(&str, &[u8]); 1] = [("content-type", b"application/json")];
        let req = RequestParts {
            method: "POST",
            path,
            query: None,
            headers: &headers,
            body: body.as_bytes(),
            body_truncated: false,
        };
        engine.inspect(&req, &Policy::default())
    }

    #[test]
    fn graphql_documents_are_api_traffic() {
        for q in [
            "query($id: ID!) { user(id: $id) { name } }",
            "mutation UpdateUser($id: ID!, $name: String!) { updateUser(id: $id, name: $name) { id name } }",
            "query Q($withEmail: Boolean!) { node(id: \"1\") { ...on User { name email @include(if: $withEmail) } } }",
            "fragment UserParts on User { id name }\nquery { users(first: 10) { ...UserParts } }",
            "query ($q: String!, $after: String) { search(query: $q, after: $after) { edges { node { id } } } }",
            "subscription OnComment($repo: String!) { commentAdded(repo: $repo) { id content } }",
            "query { users(filter: {status: ACTIVE}) @skip(if: $skip) { id ... @defer { friends { id } } } }",
        ] {
            let body = format!(
                "{{\"query\":{},\"variables\":{{\"id\":\"42\"}}}}",
                serde_json_string(q)
            );
            let v = post_json("/graphql", &body);
            assert!(!v.is_blocking(), "{q}: {:?}", v.findings);
        }
    }

    #[test]
    fn graphql_string_literals_are_still_inspected() {
        let body = format!(
            "{{\"query\":{}}}",
            serde_json_string("{ user(name: \"x' union select password from users--\") { id } }")
        );
        assert!(post_json("/graphql", &body).is_blocking());
        let body = format!(
            "{{\"query\":{}}}",
            serde_json_string("{ user(name: \"a\") { id } } ; cat /etc/passwd")
        );
        assert!(post_json("/graphql", &body).is_blocking());
    }

    #[test]
    fn everyday_paths_and_prose_do_not_block() {
        for p in [
            "/admin/users",
            "/bin/items",
            "/usr/profile",
            "/api/v1/exec/status",
            "/tmp-files/list",
            "/etc/config-page",
            "/api/v1/users/42/orders",
        ] {
            let v = get(p, None);
            assert!(!v.is_blocking(), "{p}: {:?}", v.findings);
        }
        for q in [
            "q=%22hello%20world%22%3B%20foo",
            "q=rock%20%26%20roll%3B%20best%20of%20%2770s",
            "q=tom%27s%20diner%3B%20%22suzanne%20vega%22",
            "q=price%20%3E%20100%20%26%26%20price%20%3C%20200",
        ] {
            let v = get("/search", Some(q));
            assert!(!v.is_blocking(), "{q}: {:?}", v.findings);
        }
        for body in [
            r#"{"text":"Hello ${name}, your order ${orderId} has shipped!"}"#,
            r###"{"body":"## Setup\n\n```bash\nnpm install\nnpm run build\n```\n\nThen open `http://localhost:3000`."}"###,
            r#"{"body":"You can use `$(document).ready(function() { ... })` or `${var}` in templates"}"#,
            r#"{"code":"function f(a, b) { if (a && b) { return a | b; } return (a ?? b); }"}"#,
            r#"{"title":"Meeting; agenda","body":"1) review & plan; 2) \"ship it\"; 3) cat pictures | memes"}"#,
            r#"{"text":"The price is $5 (or $10!) - {see note}; call me @ 5pm."}"#,
        ] {
            let v = post_json("/api/notes", body);
            assert!(!v.is_blocking(), "{body}: {:?}", v.findings);
        }
    }

    /// A JSON string literal of `s` (quotes, backslashes and newlines escaped).
    fn serde_json_string(s: &str) -> String {
        format!(
            "\"{}\"",
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        )
    }
}
