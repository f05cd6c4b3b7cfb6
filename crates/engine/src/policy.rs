//! What the operator decided for one route: thresholds, exclusions, inspection limits.
//! Built once at config load by the data plane, read on every request.

use crate::Category;

/// Per-route inspection policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Confidence at or above which a finding of that category blocks, indexed by
    /// [`Category::index`]. A value above 1.0 disables blocking for the category.
    pub thresholds: [f32; Category::COUNT],
    /// Findings matching an exclusion are dropped.
    pub exclusions: Vec<Exclusion>,
    /// Bounds on what is inspected.
    pub limits: Limits,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            thresholds: [0.7; Category::COUNT],
            exclusions: Vec::new(),
            limits: Limits::default(),
        }
    }
}

impl Policy {
    /// Threshold of one category.
    pub fn threshold(&self, category: Category) -> f32 {
        self.thresholds[category.index()]
    }
}

/// Drop findings of a detector or category at a location.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    pub target: ExclusionTarget,
    /// Location as written in findings (`query:q`, `json:$.body`, `header:x-foo`, `path`);
    /// `None` excludes everywhere. A trailing `*` matches any suffix.
    pub location: Option<String>,
}

/// What an exclusion silences.
#[derive(Debug, Clone, PartialEq)]
pub enum ExclusionTarget {
    Category(Category),
    /// A detector by its name (see `Finding::detector`).
    Detector(String),
}

/// Bounds on inspection work; every client-controlled size is capped here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Body bytes inspected.
    pub max_body_bytes: usize,
    /// Arguments (query, form, JSON leaves, multipart parts) inspected.
    pub max_args: usize,
    /// Nesting depth followed (JSON/XML nesting, nested encodings).
    pub max_depth: usize,
    /// What happens past a limit.
    pub on_overflow: OverflowAction,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_args: 1024,
            max_depth: 32,
            on_overflow: OverflowAction::InspectPartial,
        }
    }
}

/// Choice applied when a request exceeds a [`Limits`] bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverflowAction {
    /// Inspect what fits and record a `protocol` finding below block level.
    InspectPartial,
    /// Block the request with a `protocol` finding at confidence 1.0.
    Block,
}

/// True when `exclusion` silences a finding of `detector`/`category` at `location`.
pub(crate) fn excludes(
    exclusion: &Exclusion,
    detector: &str,
    category: Category,
    location: &str,
) -> bool {
    let target = match &exclusion.target {
        ExclusionTarget::Category(c) => *c == category,
        ExclusionTarget::Detector(d) => d == detector,
    };
    target
        && match exclusion.location.as_deref() {
            None => true,
            Some(pattern) => match pattern.strip_suffix('*') {
                Some(prefix) => location.starts_with(prefix),
                None => pattern == location,
            },
        }
}
