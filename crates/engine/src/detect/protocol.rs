//! Detector skeleton for `protocol`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Protocol;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Protocol)
}

impl Detector for Protocol {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
