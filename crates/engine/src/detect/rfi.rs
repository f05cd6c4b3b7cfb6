//! Detector skeleton for `rfi`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Rfi;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Rfi)
}

impl Detector for Rfi {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
