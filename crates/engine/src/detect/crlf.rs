//! Detector skeleton for `crlf`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Crlf;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Crlf)
}

impl Detector for Crlf {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
