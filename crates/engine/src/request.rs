//! The request as the data plane hands it to the engine: borrowed, undecoded bytes.

/// One HTTP request, borrowed from the data plane. Nothing here is decoded yet.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// Method as received (`GET`, `POST`, ...).
    pub method: &'a str,
    /// Path as received, still percent-encoded, without the query.
    pub path: &'a str,
    /// Raw query string (without `?`), if any.
    pub query: Option<&'a str>,
    /// Header fields in arrival order; names lowercase.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The body bytes the data plane buffered (at most the policy's inspect limit).
    pub body: &'a [u8],
    /// True when the body was longer than what is in `body`.
    pub body_truncated: bool,
}

impl<'a> RequestParts<'a> {
    /// First header with this (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}
