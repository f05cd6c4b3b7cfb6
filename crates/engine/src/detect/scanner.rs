//! Detector skeleton for `scanner`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Scanner;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Scanner)
}

impl Detector for Scanner {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
