//! Detector skeleton for `nosql`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Nosql;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Nosql)
}

impl Detector for Nosql {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
