//! `waf`.

use super::{fraction, in_range, one_of, size, Errors};
use crate::model::*;
use crate::raw::RawWaf;

pub(super) fn waf(raw: RawWaf, errs: &mut Errors) -> WafConfig {
    let mode = mode(errs, "waf.mode", raw.mode.as_deref()).unwrap_or(WafMode::Block);
    let owasp = raw.owasp_protection.unwrap_or_default();
    let thresholds = owasp
        .thresholds()
        .iter()
        .map(|(name, v)| {
            let key = format!("waf.owasp_protection.{name}_threshold");
            (*name, fraction(errs, &key, *v, DEFAULT_THRESHOLD))
        })
        .collect();
    let insp = raw.inspection.unwrap_or_default();
    let inspection = Inspection {
        max_body_size: size(
            errs,
            "waf.inspection.max_body_size",
            insp.max_body_size.as_deref(),
            1 << 20,
        )
        .min(64 << 20) as usize,
        max_args: in_range(
            errs,
            "waf.inspection.max_args",
            insp.max_args,
            1,
            100_000,
            1024,
        ) as usize,
        max_depth: in_range(errs, "waf.inspection.max_depth", insp.max_depth, 1, 256, 32) as usize,
        block_on_limit: one_of(
            errs,
            "waf.inspection.on_limit",
            insp.on_limit.as_deref(),
            &[("inspect_partial", false), ("block", true)],
            false,
        ),
    };
    WafConfig {
        enabled: raw.enabled.unwrap_or(true),
        mode,
        detection_enabled: owasp.enabled.unwrap_or(true),
        thresholds,
        inspection,
        gates: GatesConfig::default(),
    }
}

pub(super) fn mode(errs: &mut Errors, key: &str, value: Option<&str>) -> Option<WafMode> {
    match value?.to_ascii_lowercase().as_str() {
        "monitor" => Some(WafMode::Monitor),
        "block" => Some(WafMode::Block),
        "challenge" => {
            errs.push(key, "mode \"challenge\" (answering detector findings with a challenge) is not available yet; use monitor or block (the JavaScript challenge of waf.bot_protection and of custom rules is available)");
            None
        }
        other => {
            errs.push(
                key,
                format!("unknown mode {other:?}; expected one of: monitor, block, challenge"),
            );
            None
        }
    }
}
