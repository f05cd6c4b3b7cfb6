//! Detector skeleton for `mail`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Mail;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Mail)
}

impl Detector for Mail {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
