//! The detection engine of waf-proxy.
//!
//! Pure and synchronous: no I/O, no clock, no async runtime. The data plane hands it one
//! request ([`RequestParts`]) and a per-route [`Policy`]; it answers with a [`Verdict`]
//! listing every finding with its evidence. Everything that can be prepared ahead (automata,
//! regexes, tables) is built once in [`Engine::new`]; [`Engine::inspect`] only reads them.
//!
//! What the engine does *not* decide: the mode (monitor, block, challenge) and what the
//! client sees. Those belong to the data plane.
//!
//! Inside, in the order a request meets them:
//! - `model`: parsers for query strings, forms, cookies, JSON, XML and multipart bodies that
//!   hand every value with its location (`query:id`, `json:$.a.b`, `header:referer`) to
//!   the pipeline, bounded by [`Limits`];
//! - `decode`: one decoder per file and the normalisation pipeline (percent layers, overlong
//!   UTF-8, HTML references, JS escapes, Unicode folding, NUL removal);
//! - `detect`: one detector per attack class, a registry table, and the shared gate that
//!   skips detectors a value cannot interest (one byte-set test and one keyword scan);
//! - `inspect`: the run over one request, nested encodings, scoring against [`Policy`];
//! - `memo`: the only state [`Engine::inspect`] writes — a lossy table of header values
//!   already found clean (browsers repeat their `User-Agent` on every request), which can
//!   only spare work, never a finding.

pub mod category;
pub mod policy;
pub mod request;
pub mod verdict;

mod decode;
mod detect;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod inspect;
mod memo;
mod model;

pub use category::Category;
pub use policy::{Exclusion, ExclusionTarget, Limits, OverflowAction, Policy};
pub use request::RequestParts;
pub use verdict::{Finding, Verdict};

/// The compiled detection engine. Build once (at config load), share behind an `Arc`.
#[derive(Debug)]
pub struct Engine {
    inner: inspect::Compiled,
}

impl Engine {
    /// Compiles every detector. Cheap enough to run on every config reload.
    pub fn new() -> Engine {
        Engine {
            inner: inspect::Compiled::new(),
        }
    }

    /// Inspects one request under `policy`.
    pub fn inspect(&self, request: &RequestParts<'_>, policy: &Policy) -> Verdict {
        self.inner.inspect(request, policy)
    }

    /// The same engine without its memory of clean header values (`memo`): every header
    /// is read on every request. For measuring the cost of a first-seen request, and for
    /// comparing verdicts; detection is the same either way.
    pub fn without_header_memo(mut self) -> Engine {
        self.inner.memo = None;
        self
    }
}

/// Names of every detector (as in [`Finding::detector`]), for validating exclusions.
pub fn detector_names() -> Vec<&'static str> {
    detect::REGISTRY.iter().map(|e| e.name).collect()
}

impl Engine {
    /// Every detector by its stable name (as in `Finding::detector` and exclusions), with
    /// its category. Lets configuration validate `detector:` exclusions at load time.
    pub fn detectors() -> impl Iterator<Item = (&'static str, Category)> {
        detect::REGISTRY.iter().map(|e| (e.name, e.category))
    }

    /// Every decoder of the normalisation pipeline and on-demand decoders, by name.
    pub fn decoders() -> impl Iterator<Item = &'static str> {
        decode::CATALOGUE.iter().map(|(name, _)| *name)
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}
