//! The cheap gates that run before routing and detection, in this order:
//!
//! 1. static IP lists (`waf.ip_lists`: an allowed address skips every gate and the engine;
//!    a denied one is refused) and threat-intelligence feeds;
//! 2. custom rules (`allow` skips the rest of the WAF for the request);
//! 3. geo-blocking;
//! 4. rate limits;
//! 5. the bot score, with the JavaScript challenge.
//!
//! Each decision is returned with its evidence in the form of detector findings, so the
//! security log records gates and detectors alike. Lookups are built at load: the IP sets
//! cost one hash probe per prefix length, rules are compiled, the geo database is in memory.

pub mod bot;
pub mod challenge;
pub mod custom_rules;
pub mod feeds;
pub mod geo;
pub mod ip_set;
pub mod rate_limits;

use bot::BotScorer;
use challenge::Challenge;
use feeds::Feed;
use geo::GeoDb;
use ip_set::IpSet;
use rate_limits::{Limited, RateLimiter};
use std::net::IpAddr;
use std::sync::Arc;
use waf_config::{ConfigError, GatesConfig, GeoConfig, RuleAction};
use waf_state::MemoryRateStore;

/// State that outlives configuration reloads.
#[derive(Clone)]
pub struct SharedState {
    pub rates: Arc<MemoryRateStore>,
    /// Challenge key when `challenge_secret` is not set: random per process, kept across
    /// reloads so passed challenges stay valid.
    pub challenge_key: Arc<[u8; 32]>,
}

impl Default for SharedState {
    fn default() -> Self {
        SharedState {
            rates: Arc::new(MemoryRateStore::new(1_000_000)),
            challenge_key: Arc::new(rand::random()),
        }
    }
}

pub struct Gates {
    allow: IpSet,
    deny: IpSet,
    feeds: Vec<Arc<Feed>>,
    geo: Option<(Arc<GeoDb>, GeoConfig, IpSet)>,
    rates: Option<RateLimiter>,
    pub bot: Option<BotScorer>,
    pub challenge: Option<Challenge>,
    rules: Vec<waf_config::CustomRule>,
}

/// The request as the gates see it.
pub struct GateInput<'a> {
    pub client: IpAddr,
    pub method: &'a http::Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub now_ms: u64,
    pub now_s: u64,
}

/// What a gate decided, with its evidence.
#[derive(Debug, Clone)]
pub struct GateFinding {
    /// `ip_list`, `threat_intel`, `custom_rule`, `geo`, `rate_limit`, `bot`.
    pub category: &'static str,
    /// The list, feed, rule or policy that decided.
    pub detector: String,
    pub confidence: f32,
    pub reason: String,
}

#[derive(Debug)]
pub enum GateAction {
    Block,
    Challenge,
    RateLimited(Limited),
}

/// The gates' answer.
#[derive(Debug, Default)]
pub struct GateOutcome {
    /// `None`: let the request go on.
    pub action: Option<GateAction>,
    /// An allow list or `allow` rule matched: skip detection.
    pub skip_waf: bool,
    /// Everything worth recording (the deciding finding first).
    pub findings: Vec<GateFinding>,
}

impl Gates {
    /// Builds the gates; unreadable files (geo database, file feeds) are errors naming
    /// their key.
    pub fn build(config: &GatesConfig, shared: &SharedState) -> Result<Gates, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let feeds = config
            .threat_feeds
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match Feed::open(f) {
                Ok(feed) => Some(Arc::new(feed)),
                Err(e) => {
                    errors.push(ConfigError::new(
                        format!("integrations.threat_intelligence.providers[{i}].url"),
                        e,
                    ));
                    None
                }
            })
            .collect();
        let geo = config
            .geo
            .as_ref()
            .and_then(|g| match GeoDb::open(&g.database) {
                Ok(db) => Some((
                    Arc::new(db),
                    g.clone(),
                    g.whitelist.iter().copied().collect(),
                )),
                Err(e) => {
                    errors.push(ConfigError::new("waf.geo_blocking.geoip_database", e));
                    None
                }
            });
        if !errors.is_empty() {
            return Err(errors);
        }
        let bot = config.bot.clone();
        Ok(Gates {
            allow: config.ip_allow.iter().copied().collect(),
            deny: config.ip_deny.iter().copied().collect(),
            feeds,
            geo,
            // Rules with `rate_limit` conditions count in the store even without limits of
            // their own.
            rates: match &config.rate_limits {
                Some(r) => Some(RateLimiter::new(r, Arc::clone(&shared.rates))),
                None if config.custom_rules.iter().any(|r| {
                    r.conditions
                        .iter()
                        .any(|c| matches!(c.field, waf_config::RuleField::RateLimit(_)))
                }) =>
                {
                    Some(RateLimiter::new(
                        &Default::default(),
                        Arc::clone(&shared.rates),
                    ))
                }
                None => None,
            },
            challenge: bot.as_ref().filter(|b| b.javascript_challenge).map(|b| {
                Challenge::new(
                    b.challenge_secret.as_ref().map(|s| s.expose()),
                    &shared.challenge_key[..],
                    b.challenge_ttl,
                    b.challenge_difficulty,
                )
            }),
            bot: bot.map(BotScorer::new),
            rules: config.custom_rules.clone(),
        })
    }

    /// Starts the background refresh of feeds and the geo database (inside the runtime).
    pub fn start_background(&self) {
        for f in &self.feeds {
            f.watch();
        }
        if let Some((db, cfg, _)) = &self.geo {
            db.watch(cfg.refresh);
        }
    }

    /// Whether any gate is configured (the hot path skips them otherwise).
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty()
            && self.deny.is_empty()
            && self.feeds.is_empty()
            && self.geo.is_none()
            && self.rates.is_none()
            && self.bot.is_none()
            && self.rules.is_empty()
    }

    pub fn country(&self, ip: IpAddr) -> Option<geo::Country> {
        self.geo.as_ref().and_then(|(db, _, _)| db.country(ip))
    }

    /// Runs the gates in order.
    pub fn check(&self, req: &GateInput<'_>) -> GateOutcome {
        let mut out = GateOutcome::default();
        let finding = |category, detector: &str, confidence, reason: String| GateFinding {
            category,
            detector: detector.to_string(),
            confidence,
            reason,
        };

        // 1. IP lists and feeds.
        if self.allow.contains(req.client) {
            out.skip_waf = true;
            return out;
        }
        if self.deny.contains(req.client) {
            out.findings.push(finding(
                "ip_list",
                "deny",
                1.0,
                format!("{} is on the deny list", req.client),
            ));
            out.action = Some(GateAction::Block);
            return out;
        }
        if let Some(feed) = self.feeds.iter().find(|f| f.contains(req.client)) {
            out.findings.push(finding(
                "threat_intel",
                &feed.config.name,
                1.0,
                format!("{} is listed by {}", req.client, feed.config.name),
            ));
            out.action = Some(GateAction::Block);
            return out;
        }

        // 2. Custom rules.
        let mut country_cache: Option<Option<geo::Country>> = None;
        let mut country = || *country_cache.get_or_insert_with(|| self.country(req.client));
        if !self.rules.is_empty() {
            let input = custom_rules::RuleInput {
                client: req.client,
                method: req.method.as_str(),
                path: req.path,
                query: req.query,
                headers: req.headers,
                now_ms: req.now_ms,
            };
            let r = custom_rules::evaluate(&self.rules, &input, &mut country, self.rates.as_ref());
            for rule in r.logged {
                out.findings.push(finding(
                    "custom_rule",
                    &rule.name,
                    1.0,
                    format!("log: {}", rule.message),
                ));
            }
            if let Some(rule) = r.decided {
                out.findings.insert(
                    0,
                    finding(
                        "custom_rule",
                        &rule.name,
                        1.0,
                        format!("{}: {}", rule.action.name(), rule.message),
                    ),
                );
                match rule.action {
                    RuleAction::Allow => {
                        out.skip_waf = true;
                        return out;
                    }
                    RuleAction::Block => {
                        out.action = Some(GateAction::Block);
                        return out;
                    }
                    // A client that passed the challenge goes on to the next gates.
                    RuleAction::Challenge if self.cleared(req) => {}
                    RuleAction::Challenge => {
                        out.action = Some(self.challenge_or_block(req));
                        return out;
                    }
                    RuleAction::Log => {}
                }
            }
        }

        // 3. Geo.
        if let Some((_, cfg, whitelist)) = &self.geo {
            if !whitelist.contains(req.client) {
                let c = country();
                let code = c.map(|c| String::from_utf8_lossy(&c).into_owned());
                let refused = match &code {
                    None => cfg.block_unknown,
                    Some(code) => {
                        cfg.blocked.iter().any(|b| b == code)
                            || (!cfg.allowed.is_empty() && !cfg.allowed.iter().any(|a| a == code))
                    }
                };
                if refused {
                    let country = code.as_deref().unwrap_or("unknown");
                    out.findings.insert(
                        0,
                        finding(
                            "geo",
                            country,
                            1.0,
                            format!("requests from {country} are not allowed"),
                        ),
                    );
                    out.action = Some(GateAction::Block);
                    return out;
                }
            }
        }

        // 4. Rate limits.
        if let Some(r) = &self.rates {
            if let Err(limited) = r.check(req.client, req.path, req.now_ms) {
                out.findings.insert(
                    0,
                    finding(
                        "rate_limit",
                        &limited.policy,
                        1.0,
                        format!(
                            "over {} requests per {} s",
                            limited.limit.limit,
                            limited.limit.window_ms / 1000
                        ),
                    ),
                );
                out.action = Some(GateAction::RateLimited(limited));
                return out;
            }
        }

        // 5. Bots.
        if let Some(bot) = &self.bot {
            let mut s = bot.score(req.headers, req.client, req.now_ms);
            if !s.certain && s.score >= bot.config.challenge_threshold && self.cleared(req) {
                s.score = 0.0;
            }
            if s.score >= bot.config.detection_threshold {
                out.findings
                    .insert(0, finding("bot", "bot_score", s.score, s.reason));
                out.action = Some(GateAction::Block);
            } else if s.score >= bot.config.challenge_threshold {
                out.findings
                    .insert(0, finding("bot", "bot_score", s.score, s.reason));
                out.action = Some(self.challenge_or_block(req));
            }
        }
        out
    }

    /// Whether the request carries a valid clearance cookie.
    fn cleared(&self, req: &GateInput<'_>) -> bool {
        let ua = req
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let cookie = req
            .headers
            .get(http::header::COOKIE)
            .and_then(|v| v.to_str().ok());
        self.challenge
            .as_ref()
            .is_some_and(|c| c.cleared(cookie, req.client, ua, req.now_s))
    }

    /// A challenge for page loads when the JavaScript challenge is on; a block otherwise.
    fn challenge_or_block(&self, req: &GateInput<'_>) -> GateAction {
        let page_load = *req.method == http::Method::GET || *req.method == http::Method::HEAD;
        if self.challenge.is_some() && page_load {
            GateAction::Challenge
        } else {
            GateAction::Block
        }
    }
}
