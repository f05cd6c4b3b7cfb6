//! Detector skeleton for `ssrf`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Ssrf;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Ssrf)
}

impl Detector for Ssrf {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
