//! Session fixation: a request that tries to plant a session identifier — script or meta
//! tags setting `document.cookie`/`Set-Cookie`, or a session-id parameter (`jsessionid`,
//! `phpsessid`, `connect.sid`, ...) in a request that arrives from another site. Counted
//! with header injection (`crlf_injection`): both make the victim's browser hold a header
//! value the attacker chose.

use super::{Detector, Hit, Kind, RequestHit, Subject, Triggers};
use crate::RequestParts;

#[derive(Debug)]
struct SessionFixation {
    /// Every session name (and its `%3a` spelling), any case: a request without one is
    /// done with after one scan of its query and body.
    names: aho_corasick::AhoCorasick,
}

pub(crate) fn build() -> Box<dyn Detector> {
    let spellings = SESSION_NAMES.iter().map(|n| n.to_string()).chain(
        SESSION_NAMES
            .iter()
            .filter(|n| n.contains(':'))
            .map(|n| n.replace(':', "%3a")),
    );
    let names = aho_corasick::AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(spellings)
        .expect("static patterns compile");
    Box::new(SessionFixation { names })
}

/// Session cookie names of common frameworks (lowercase).
const SESSION_NAMES: &[&str] = &[
    "jsessionid",
    "phpsessid",
    "asp.net_sessionid",
    "aspsessionid",
    "sessionid",
    "session_id",
    "laravel_session",
    "connect.sid",
    "_flask_session",
    "flask_session",
    "next-auth.session-token",
    "meteor_login_token",
    "rack.session",
    "play_session",
    "sails.sid",
    "cakephp",
    "ci_session",
    "koa.sess",
    "koa:sess",
    "cfid",
    "cftoken",
    "sid_token",
    "_session_id",
    "symfony",
    "zend_session",
    "express.sid",
    "sessid",
    "jsession",
    "cgisessid",
    "__session",
    "zend_session_id",
    "shiny-token",
    "weblogicsession",
    "session-id",
    "__host-next-auth.session-token",
    "__secure-next-auth.session-token",
    "_rails_session",
    "jservsession",
    "jwsession",
    "cfsid",
    "phpsession",
];

fn host_of_url(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    authority.rsplit('@').next()?.split(':').next()
}

impl Detector for SessionFixation {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b"=")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !matches!(s.kind, Kind::ArgValue | Kind::ArgName | Kind::Body) || !s.bytes.has(b'=') {
            return None;
        }
        let lower = s.lower;
        if let Some(k) = lower.find(".cookie") {
            let rest = lower[k + 7..].trim_start();
            if rest.starts_with('=')
                || rest.starts_with(';')
                || lower.contains("expires=")
                || lower.contains("domain=")
            {
                return Some(Hit::at(
                    0.85,
                    s.text,
                    k.saturating_sub(20),
                    (k + 60).min(lower.len()),
                ));
            }
        }
        if let Some(k) = lower.find("http-equiv") {
            if lower[k..].contains("set-cookie") {
                return Some(Hit::at(0.9, s.text, k, (k + 60).min(lower.len())));
            }
        }
        None
    }

    fn inspect_request(&self, request: &RequestParts<'_>, out: &mut Vec<RequestHit>) {
        if request.query.is_none() && request.body.is_empty() {
            return;
        }
        let host = request
            .header("host")
            .map(|h| String::from_utf8_lossy(h).to_ascii_lowercase())
            .unwrap_or_default();
        let host = host.split(':').next().unwrap_or("").to_owned();
        let referer = request
            .header("referer")
            .map(|r| String::from_utf8_lossy(r).to_ascii_lowercase());
        // From another site: the classic fixation link. With no referer at all: a session
        // identifier typed or pasted into the URL, which applications never need.
        let confidence = match referer.as_deref().map(host_of_url) {
            Some(Some(r)) if !host.is_empty() && r != host && !r.ends_with(&format!(".{host}")) => {
                0.85
            }
            Some(_) => return,
            None => 0.75,
        };
        let body = &request.body[..request.body.len().min(64 * 1024)];
        if !self.names.is_match(request.query.unwrap_or("")) && !self.names.is_match(body) {
            return;
        }
        for pair in request.query.unwrap_or("").split('&').take(256) {
            let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
            let name = name.replace("%3a", ":");
            if SESSION_NAMES.contains(&name.as_str()) {
                out.push(RequestHit {
                    confidence,
                    location: format!("query:{name}"),
                    fragment: pair.chars().take(80).collect(),
                });
                return;
            }
        }
        // A form or JSON body planting a session identifier, posted from another site
        // (APIs without a referer name `session_id` fields of their own).
        if confidence < 0.85 || request.body.is_empty() {
            return;
        }
        let body = String::from_utf8_lossy(body).to_ascii_lowercase();
        let ct = request
            .header("content-type")
            .map(|c| String::from_utf8_lossy(c).to_ascii_lowercase())
            .unwrap_or_default();
        let found = if ct.contains("json") {
            json_keys(&body).find(|k| SESSION_NAMES.contains(k))
        } else if ct.starts_with("application/x-www-form-urlencoded") {
            body.split('&')
                .take(256)
                .map(|p| p.split('=').next().unwrap_or("").trim())
                .find(|k| SESSION_NAMES.contains(k))
        } else {
            None
        };
        if let Some(name) = found {
            out.push(RequestHit {
                confidence,
                location: format!("body:{name}"),
                fragment: name.chars().take(80).collect(),
            });
        }
    }
}

/// Object keys of a JSON text (every `"key":`), without parsing values.
fn json_keys(body: &str) -> impl Iterator<Item = &str> {
    body.match_indices('"')
        .map(|(k, _)| k)
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|pair| match *pair {
            [a, e] if body[e + 1..].trim_start().starts_with(':') => Some(&body[a + 1..e]),
            _ => None,
        })
        .collect::<Vec<_>>()
        .into_iter()
        .take(256)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::arg;

    #[test]
    fn flags_cookie_planting_scripts() {
        let d = build();
        assert!(
            arg(
                &*d,
                "<script>document.cookie=\"sessionid=1234; domain=.example.dom\";</script>"
            ) >= 0.7
        );
        assert!(arg(&*d, "<meta http-equiv=\"Set-Cookie\" content=\"sid=1\">") >= 0.7);
    }

    #[test]
    fn flags_session_ids_from_foreign_referers_only() {
        let run = |referer: &'static [u8]| {
            let headers: [(&str, &[u8]); 2] = [("host", b"shop.example.com"), ("referer", referer)];
            let req = RequestParts {
                method: "GET",
                path: "/login",
                query: Some("phpsessid=abc123"),
                headers: &headers,
                body: b"",
                body_truncated: false,
            };
            let mut out = Vec::new();
            build().inspect_request(&req, &mut out);
            out.len()
        };
        assert_eq!(run(b"https://attacker.example/"), 1);
        assert_eq!(run(b"https://shop.example.com/cart"), 0);
    }

    fn post(
        ct: &'static [u8],
        referer: Option<&'static [u8]>,
        body: &'static [u8],
    ) -> Vec<RequestHit> {
        let d = build();
        let mut headers: Vec<(&str, &[u8])> = vec![("host", b"webapp.com"), ("content-type", ct)];
        if let Some(r) = referer {
            headers.push(("referer", r));
        }
        let req = RequestParts {
            method: "POST",
            path: "/login",
            query: None,
            headers: &headers,
            body,
            body_truncated: false,
        };
        let mut out = Vec::new();
        d.inspect_request(&req, &mut out);
        out
    }

    #[test]
    fn flags_session_ids_posted_from_another_site_only() {
        let form: &[u8] = b"application/x-www-form-urlencoded";
        let json: &[u8] = b"application/json";
        let evil: Option<&[u8]> = Some(b"https://attacker.example/");
        assert!(!post(form, evil, b"sessionid=abc123&username=test").is_empty());
        assert!(!post(json, evil, b"{ \"phpsession\":\"foo\" }").is_empty());
        assert!(post(
            form,
            Some(b"https://webapp.com/login"),
            b"sessionid=abc&u=1"
        )
        .is_empty());
        assert!(post(json, None, b"{\"session_id\":\"cs_test_1\"}").is_empty());
        assert!(post(json, evil, b"{\"note\":\"my sessionid is\"}").is_empty());
    }
}
