//! Detector skeleton for `xxe`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Xxe;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Xxe)
}

impl Detector for Xxe {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
