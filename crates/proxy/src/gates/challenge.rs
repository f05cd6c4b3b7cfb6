//! The JavaScript challenge: an interstitial page whose script finds a proof of work (a
//! counter whose SHA-256 with a signed nonce has N leading zero bits) and comes back to
//! [`VERIFY_PATH`]; the proxy checks the work and sets a signed, expiring clearance cookie
//! bound to the client address and user agent, then redirects to the original URL, so the
//! original request is repeated with its method (GET) and URL intact. A client that runs no
//! JavaScript never gets the cookie.
//!
//! Everything is HMAC-SHA256 signed with the configured secret (random per process when
//! none is set); comparisons are constant-time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::net::IpAddr;
use std::time::Duration;

/// Where the challenge script sends its answer.
pub const VERIFY_PATH: &str = "/.well-known/waf-challenge/verify";
/// The clearance cookie.
pub const COOKIE: &str = "__waf_clearance";
/// How long a challenge page may take to be solved.
const NONCE_TTL_S: u64 = 300;

pub struct Challenge {
    key: Vec<u8>,
    pub ttl: Duration,
    pub difficulty: u32,
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Challenge {
    /// `secret` from the config, else `fallback_key` (random per process).
    pub fn new(
        secret: Option<&str>,
        fallback_key: &[u8],
        ttl: Duration,
        difficulty: u32,
    ) -> Challenge {
        let key = match secret {
            Some(s) => s.as_bytes().to_vec(),
            None => fallback_key.to_vec(),
        };
        Challenge {
            key,
            ttl,
            difficulty,
        }
    }

    fn mac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        for p in parts {
            m.update(p.as_bytes());
            m.update(b"|");
        }
        m
    }

    fn sign(&self, parts: &[&str]) -> String {
        hex(&self.mac(parts).finalize().into_bytes())
    }

    fn verify(&self, parts: &[&str], sig_hex: &str) -> bool {
        unhex(sig_hex).is_some_and(|sig| self.mac(parts).verify_slice(&sig).is_ok())
    }

    /// A nonce for `client`, valid for a few minutes: `exp.random.sig`.
    pub fn nonce(&self, client: IpAddr, now_s: u64) -> String {
        let exp = (now_s + NONCE_TTL_S).to_string();
        let r = hex(&rand::random::<[u8; 12]>());
        let sig = self.sign(&["n", &exp, &r, &client.to_string()]);
        format!("{exp}.{r}.{sig}")
    }

    fn nonce_valid(&self, nonce: &str, client: IpAddr, now_s: u64) -> bool {
        let mut it = nonce.splitn(3, '.');
        let (Some(exp), Some(r), Some(sig)) = (it.next(), it.next(), it.next()) else {
            return false;
        };
        exp.parse::<u64>().is_ok_and(|e| e > now_s)
            && self.verify(&["n", exp, r, &client.to_string()], sig)
    }

    /// Checks an answer; on success returns the cookie value to set.
    pub fn solve(
        &self,
        nonce: &str,
        counter: &str,
        client: IpAddr,
        user_agent: &str,
        now_s: u64,
    ) -> Option<String> {
        if counter.is_empty() || counter.len() > 20 || !counter.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        if !self.nonce_valid(nonce, client, now_s)
            || leading_zero_bits(&Sha256::digest(format!("{nonce}:{counter}"))) < self.difficulty
        {
            return None;
        }
        let exp = (now_s + self.ttl.as_secs()).to_string();
        let sig = self.sign(&["c", &exp, &client.to_string(), &ua_digest(user_agent)]);
        Some(format!("{exp}.{sig}"))
    }

    /// Whether a `Cookie` header carries a valid clearance for this client.
    pub fn cleared(
        &self,
        cookie_header: Option<&str>,
        client: IpAddr,
        user_agent: &str,
        now_s: u64,
    ) -> bool {
        let Some(cookies) = cookie_header else {
            return false;
        };
        let ua = ua_digest(user_agent);
        let ip = client.to_string();
        cookies
            .split(';')
            .filter_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
            .any(|v| {
                let Some((exp, sig)) = v.split_once('.') else {
                    return false;
                };
                exp.parse::<u64>().is_ok_and(|e| e > now_s)
                    && self.verify(&["c", exp, &ip, &ua], sig)
            })
    }

    /// The `Set-Cookie` value for a cleared client.
    pub fn set_cookie(&self, value: &str) -> String {
        format!(
            "{COOKIE}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax",
            self.ttl.as_secs()
        )
    }

    /// The interstitial page for a request to `target` (path and query).
    pub fn page(&self, client: IpAddr, now_s: u64, target: &str) -> String {
        let nonce = self.nonce(client, now_s);
        let ret = serde_json::to_string(target)
            .unwrap_or_else(|_| "\"/\"".into())
            .replace('<', "\\u003c");
        PAGE.replace("{{NONCE}}", &nonce)
            .replace("{{DIFFICULTY}}", &self.difficulty.to_string())
            .replace("{{RETURN}}", &ret)
            .replace("{{VERIFY}}", VERIFY_PATH)
    }
}

/// Only local paths may be returned to (no open redirect).
pub fn safe_return(target: &str) -> &str {
    let b = target.as_bytes();
    // A path on this site: no `//` or `/\` (protocol-relative), no whitespace or control
    // characters that browsers would strip before following it.
    if b.first() == Some(&b'/')
        && b.get(1) != Some(&b'/')
        && b.iter().all(|&c| c > 0x20 && c < 0x7f && c != b'\\')
    {
        target
    } else {
        "/"
    }
}

fn ua_digest(ua: &str) -> String {
    hex(&Sha256::digest(ua.as_bytes())[..8])
}

fn leading_zero_bits(d: &[u8]) -> u32 {
    let mut n = 0;
    for b in d {
        if *b == 0 {
            n += 8;
        } else {
            n += b.leading_zeros();
            break;
        }
    }
    n
}

const PAGE: &str = include_str!("challenge.html");

#[cfg(test)]
mod tests {
    use super::*;

    fn work(c: &Challenge, nonce: &str) -> String {
        (0u64..)
            .map(|i| i.to_string())
            .find(|i| leading_zero_bits(&Sha256::digest(format!("{nonce}:{i}"))) >= c.difficulty)
            .unwrap()
    }

    #[test]
    fn solved_challenge_yields_a_cookie_bound_to_client_and_time() {
        let c = Challenge::new(
            Some("0123456789abcdef-secret"),
            &[],
            Duration::from_secs(60),
            8,
        );
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        let nonce = c.nonce(ip, 1000);
        let answer = work(&c, &nonce);
        let cookie = c
            .solve(&nonce, &answer, ip, "UA", 1000)
            .expect("valid work");
        let header = format!("a=b; {COOKIE}={cookie}");
        assert!(c.cleared(Some(&header), ip, "UA", 1001));
        assert!(
            !c.cleared(Some(&header), "198.51.100.2".parse().unwrap(), "UA", 1001),
            "other client"
        );
        assert!(
            !c.cleared(Some(&header), ip, "Other UA", 1001),
            "other user agent"
        );
        assert!(!c.cleared(Some(&header), ip, "UA", 1061), "expired");
        let forged = header.replace(&cookie[cookie.len() - 4..], "0000");
        assert!(
            !c.cleared(Some(&forged), ip, "UA", 1001),
            "forged signature"
        );
        let other = Challenge::new(
            Some("another-secret-of-16+"),
            &[],
            Duration::from_secs(60),
            8,
        );
        assert!(!other.cleared(Some(&header), ip, "UA", 1001), "other key");
    }

    #[test]
    fn wrong_work_or_foreign_nonce_is_refused() {
        let c = Challenge::new(None, &[7; 32], Duration::from_secs(60), 12);
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        let nonce = c.nonce(ip, 1000);
        let answer = work(&c, &nonce);
        assert!(c
            .solve(&nonce, &answer, "198.51.100.9".parse().unwrap(), "UA", 1000)
            .is_none());
        assert!(c
            .solve(&nonce, &answer, ip, "UA", 1000 + NONCE_TTL_S + 1)
            .is_none());
        let bad = (0u64..)
            .map(|i| i.to_string())
            .find(|i| leading_zero_bits(&Sha256::digest(format!("{nonce}:{i}"))) < 12)
            .unwrap();
        assert!(c.solve(&nonce, &bad, ip, "UA", 1000).is_none());
    }

    #[test]
    fn return_targets_stay_local() {
        assert_eq!(safe_return("/a?b=1"), "/a?b=1");
        assert_eq!(safe_return("//evil.example/"), "/");
        assert_eq!(safe_return("https://evil.example/"), "/");
        assert_eq!(safe_return("/\t/evil.example/"), "/");
        assert_eq!(safe_return("/\\evil.example/"), "/");
    }
}
