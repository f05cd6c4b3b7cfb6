//! Detector skeleton for `ldap`; detection logic arrives with its own vectors.

use super::{Detector, Hit, Subject};

#[derive(Debug)]
struct Ldap;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Ldap)
}

impl Detector for Ldap {
    fn inspect<'a>(&self, _s: &Subject<'a>) -> Option<Hit<'a>> {
        None
    }
}
