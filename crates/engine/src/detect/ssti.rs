//! Detector skeleton for `ssti`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Ssti;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Ssti)
}

impl Detector for Ssti {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
