//! Refuses sections of features that are not built yet when they are enabled: a configured
//! feature is never silently ignored. Each entry says which part of the product brings it.

use super::Errors;
use crate::raw::RawConfig;

fn refuse(errs: &mut Errors, key: &str, what: &str) {
    errs.push(
        key,
        format!(
            "{what} is not available in this build yet; remove the section or set enabled: false"
        ),
    );
}

pub(super) fn refuse_unbuilt(raw: &RawConfig, errs: &mut Errors) {
    let on = |b: Option<bool>| b.unwrap_or(false);
    if let Some(ssl) = &raw.ssl {
        if on(ssl.enabled) || on(ssl.auto_provision) {
            refuse(errs, "ssl.enabled", "TLS termination");
        }
    }
    if let Some(admin) = &raw.admin {
        if on(admin.enabled) {
            refuse(errs, "admin.enabled", "the admin API");
        }
    }
    if let Some(m) = &raw.metrics {
        if on(m.enabled) {
            refuse(errs, "metrics.enabled", "the metrics endpoint");
        }
    }
    if raw.database.is_some() {
        refuse(errs, "database", "persistent storage");
    }
    if let Some(waf) = &raw.waf {
        if let Some(o) = &waf.owasp_protection {
            if let Some(c) = &o.csrf_protection {
                if on(c.enabled) {
                    refuse(
                        errs,
                        "waf.owasp_protection.csrf_protection.enabled",
                        "CSRF protection",
                    );
                }
            }
        }
    }
    if let Some(p) = &raw.proxy {
        if let Some(c) = &p.caching {
            if on(c.enabled) {
                refuse(errs, "proxy.caching.enabled", "the response cache");
            }
        }
        for (i, u) in p.upstreams.iter().flatten().enumerate() {
            if let Some(h) = &u.health_check {
                if on(h.enabled) {
                    refuse(
                        errs,
                        &format!("proxy.upstreams[{i}].health_check.enabled"),
                        "active health checks (passive checks via max_fails/fail_timeout work)",
                    );
                }
            }
        }
    }
    if let Some(i) = &raw.integrations {
        if i.siem.as_ref().is_some_and(|t| on(t.enabled)) {
            refuse(errs, "integrations.siem.enabled", "SIEM forwarding");
        }
        if let Some(n) = &i.notifications {
            if n.email.as_ref().is_some_and(|t| on(t.enabled)) {
                refuse(
                    errs,
                    "integrations.notifications.email.enabled",
                    "email notifications",
                );
            }
            if n.slack.as_ref().is_some_and(|t| on(t.enabled)) {
                refuse(
                    errs,
                    "integrations.notifications.slack.enabled",
                    "Slack notifications",
                );
            }
            if n.webhook.as_ref().is_some_and(|t| on(t.enabled)) {
                refuse(
                    errs,
                    "integrations.notifications.webhook.enabled",
                    "webhook notifications",
                );
            }
        }
    }
    if let Some(l) = &raw.logging {
        if l.performance_log.as_ref().is_some_and(|t| on(t.enabled)) {
            refuse(
                errs,
                "logging.performance_log.enabled",
                "the slow-request log",
            );
        }
    }
}
