//! Bot score of a request in [0, 1], from what it says (user agent lists, known attack
//! tools, automation libraries, missing headers every real browser sends) and, with
//! `behavioral_analysis`, from what its client did lately (request rate, share of error
//! responses). Compared with `detection_threshold` (block) and `challenge_threshold`.

use aho_corasick::AhoCorasick;
use http::HeaderMap;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use waf_config::BotConfig;

/// Attack and scanning tools: a request that names one is a bot with certainty.
const ATTACK_TOOLS: &[&str] = &[
    "sqlmap",
    "nikto",
    "nmap",
    "masscan",
    "zgrab",
    "nuclei",
    "wpscan",
    "dirbuster",
    "gobuster",
    "ffuf",
    "feroxbuster",
    "hydra",
    "acunetix",
    "netsparker",
    "w3af",
    "havij",
    "fimap",
    "commix",
    "xsstrike",
    "arachni",
    "openvas",
    "nessus",
    "jaeles",
    "whatweb",
    "wfuzz",
    "skipfish",
    "zmeu",
    "morfeus",
    "dirb/",
    "httpx - open-source",
    "interactsh",
];

/// Automation libraries: not malicious by themselves, but not a browser either.
const AUTOMATION: &[&str] = &[
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "scrapy",
    "apache-httpclient",
    "node-fetch",
    "axios/",
    "php/",
    "ruby",
    "httpie",
    "headlesschrome",
    "phantomjs",
    "selenium",
    "puppeteer",
    "playwright",
];

/// Behaviour window.
const WINDOW_MS: u64 = 10_000;
/// Clients tracked for behaviour.
const MAX_CLIENTS: usize = 100_000;

pub struct BotScorer {
    pub config: BotConfig,
    tools: AhoCorasick,
    automation: AhoCorasick,
    behaviour: Vec<Mutex<HashMap<IpAddr, Behaviour>>>,
}

#[derive(Default, Clone, Copy)]
struct Behaviour {
    window_start: u64,
    requests: u32,
    errors: u32,
}

/// A score and the strongest reason for it.
#[derive(Debug, Clone, PartialEq)]
pub struct BotScore {
    pub score: f32,
    pub reason: String,
    /// Set by the blocked-UA list or a known attack tool: a passed challenge does not help.
    pub certain: bool,
}

impl BotScorer {
    pub fn new(config: BotConfig) -> BotScorer {
        let build = |words: &[&str]| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(words)
                .unwrap_or_else(|_| unreachable!("static patterns"))
        };
        BotScorer {
            tools: build(ATTACK_TOOLS),
            automation: build(AUTOMATION),
            behaviour: (0..16).map(|_| Mutex::new(HashMap::new())).collect(),
            config,
        }
    }

    fn shard(&self, ip: IpAddr) -> &Mutex<HashMap<IpAddr, Behaviour>> {
        let h = match ip {
            IpAddr::V4(v) => u32::from(v) as usize,
            IpAddr::V6(v) => (u128::from(v) >> 64) as usize ^ (u128::from(v) as usize),
        };
        &self.behaviour[h % self.behaviour.len()]
    }

    pub fn score(&self, headers: &HeaderMap, client: IpAddr, now_ms: u64) -> BotScore {
        let client = subscriber(client);
        let ua = headers
            .get(http::header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let lower = ua.to_ascii_lowercase();
        if self
            .config
            .allowed_user_agents
            .iter()
            .any(|p| p.matches(&lower, &ua))
        {
            return BotScore {
                score: 0.0,
                reason: "allowed user agent".into(),
                certain: false,
            };
        }
        if self
            .config
            .blocked_user_agents
            .iter()
            .any(|p| p.matches(&lower, &ua))
        {
            return BotScore {
                score: 1.0,
                reason: "blocked user agent".into(),
                certain: true,
            };
        }
        if let Some(m) = self.tools.find(&ua) {
            return BotScore {
                score: 1.0,
                reason: format!("attack tool: {}", &ua[m.range()]),
                certain: true,
            };
        }
        let mut score: f32 = 0.0;
        let mut reasons: Vec<String> = Vec::new();
        if ua.trim().is_empty() {
            score += 0.6;
            reasons.push("no user agent".into());
        } else if let Some(m) = self.automation.find(&ua) {
            score += 0.55;
            reasons.push(format!("automation client: {}", &ua[m.range()]));
        } else if lower.starts_with("mozilla/") {
            // Claims to be a browser: browsers always send these.
            for (name, weight) in [
                ("accept", 0.2),
                ("accept-language", 0.25),
                ("accept-encoding", 0.25),
            ] {
                if !headers.contains_key(name) {
                    score += weight;
                    reasons.push(format!("browser without {name}"));
                }
            }
        }
        if self.config.behavioral_analysis {
            let b = self
                .shard(client)
                .lock()
                .map(|m| m.get(&client).copied())
                .unwrap_or(None)
                .unwrap_or_default();
            if now_ms.saturating_sub(b.window_start) < WINDOW_MS * 2 {
                if b.requests > 100 {
                    score += 0.3;
                    reasons.push(format!("{} requests in 10 s", b.requests));
                }
                if b.requests >= 10 && b.errors * 2 > b.requests {
                    score += 0.3;
                    reasons.push(format!(
                        "{} of {} responses were errors",
                        b.errors, b.requests
                    ));
                }
            }
        }
        BotScore {
            score: score.min(1.0),
            reason: reasons.join("; "),
            certain: false,
        }
    }

    /// Records the response a client got, for behavioural scoring.
    pub fn observe(&self, client: IpAddr, status: u16, now_ms: u64) {
        let client = subscriber(client);
        if !self.config.behavioral_analysis {
            return;
        }
        let Ok(mut map) = self.shard(client).lock() else {
            return;
        };
        if map.len() >= MAX_CLIENTS / 16 && !map.contains_key(&client) {
            map.retain(|_, b| now_ms.saturating_sub(b.window_start) < WINDOW_MS);
            if map.len() >= MAX_CLIENTS / 16 {
                return;
            }
        }
        let b = map.entry(client).or_default();
        if now_ms.saturating_sub(b.window_start) >= WINDOW_MS {
            *b = Behaviour {
                window_start: now_ms,
                requests: 0,
                errors: 0,
            };
        }
        b.requests += 1;
        if status >= 400 {
            b.errors += 1;
        }
    }
}

/// IPv4 as is, IPv6 by its /64 (see `rate_limits::client_key`).
fn subscriber(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn scorer() -> BotScorer {
        BotScorer::new(BotConfig {
            detection_threshold: 0.8,
            challenge_threshold: 0.5,
            blocked_user_agents: vec![waf_config::UserAgentPattern::Substring("badbot".into())],
            allowed_user_agents: vec![waf_config::UserAgentPattern::Substring(
                "goodmonitor".into(),
            )],
            behavioral_analysis: true,
            javascript_challenge: true,
            challenge_secret: None,
            challenge_ttl: Duration::from_secs(60),
            challenge_difficulty: 8,
        })
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    const BROWSER: &[(&str, &str)] = &[
        (
            "user-agent",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        ),
        ("accept", "text/html"),
        ("accept-language", "en"),
        ("accept-encoding", "gzip"),
    ];

    #[test]
    fn scores_tools_lists_automation_and_browsers() {
        let s = scorer();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            s.score(&headers(&[("user-agent", "sqlmap/1.7")]), ip, 0)
                .score,
            1.0
        );
        assert_eq!(
            s.score(&headers(&[("user-agent", "BadBot 2")]), ip, 0)
                .score,
            1.0
        );
        assert_eq!(
            s.score(&headers(&[("user-agent", "curl/8.0 goodmonitor")]), ip, 0)
                .score,
            0.0
        );
        let curl = s
            .score(&headers(&[("user-agent", "curl/8.0")]), ip, 0)
            .score;
        assert!((0.5..0.8).contains(&curl), "{curl}");
        assert_eq!(s.score(&headers(BROWSER), ip, 0).score, 0.0);
        let fake = s.score(&headers(&BROWSER[..1]), ip, 0).score;
        assert!(fake >= 0.5, "a browser UA without browser headers: {fake}");
    }

    #[test]
    fn error_heavy_clients_score_higher() {
        let s = scorer();
        let ip: IpAddr = "192.0.2.2".parse().unwrap();
        for i in 0..20 {
            s.observe(ip, if i % 4 == 0 { 200 } else { 404 }, 1000 + i);
        }
        let b = s.score(&headers(BROWSER), ip, 2000);
        assert!(b.score >= 0.3, "{b:?}");
        assert_eq!(
            s.score(&headers(BROWSER), "192.0.2.3".parse().unwrap(), 2000)
                .score,
            0.0
        );
    }
}
