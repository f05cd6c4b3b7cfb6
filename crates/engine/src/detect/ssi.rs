//! Detector skeleton for `ssi`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Ssi;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Ssi)
}

impl Detector for Ssi {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
