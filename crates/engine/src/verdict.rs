//! The engine's answer: every finding with its evidence.

use crate::Category;

/// One thing the engine found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub category: Category,
    /// Detector name, stable (`sqli`, `xss`, `path_traversal`, ...).
    pub detector: &'static str,
    /// Confidence in [0, 1].
    pub confidence: f32,
    /// Where: `path`, `query:NAME`, `form:NAME`, `json:$.a.b`, `header:NAME`, `cookie:NAME`, `body`.
    pub location: String,
    /// The matched fragment: truncated, control characters escaped.
    pub fragment: String,
    /// True when `confidence` reached the policy threshold of `category`.
    pub blocking: bool,
}

/// The result of inspecting one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// True when at least one finding reached its category's threshold.
    pub fn is_blocking(&self) -> bool {
        self.findings.iter().any(|f| f.blocking)
    }

    /// The blocking finding with the highest confidence, if any.
    pub fn strongest(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.blocking)
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
    }
}
