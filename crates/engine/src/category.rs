//! Attack classes. Each has a stable snake_case name used in config keys
//! (`waf.owasp_protection.<name>_threshold`), exclusions, logs and metrics.

use std::fmt;

/// One attack class. The order is the index into per-category tables ([`Category::index`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    SqlInjection,
    Xss,
    /// OS command injection (remote command execution).
    Rce,
    PathTraversal,
    RemoteFileInclusion,
    Ssrf,
    Xxe,
    Ssti,
    Java,
    Php,
    Nosql,
    Ldap,
    Crlf,
    Ssi,
    MailInjection,
    Scanner,
    Protocol,
}

impl Category {
    /// Every category, in index order.
    pub const ALL: [Category; 17] = [
        Category::SqlInjection,
        Category::Xss,
        Category::Rce,
        Category::PathTraversal,
        Category::RemoteFileInclusion,
        Category::Ssrf,
        Category::Xxe,
        Category::Ssti,
        Category::Java,
        Category::Php,
        Category::Nosql,
        Category::Ldap,
        Category::Crlf,
        Category::Ssi,
        Category::MailInjection,
        Category::Scanner,
        Category::Protocol,
    ];

    /// Number of categories (length of per-category tables).
    pub const COUNT: usize = Category::ALL.len();

    /// Position in [`Category::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable config/log name.
    pub fn name(self) -> &'static str {
        match self {
            Category::SqlInjection => "sql_injection",
            Category::Xss => "xss",
            Category::Rce => "rce",
            Category::PathTraversal => "path_traversal",
            Category::RemoteFileInclusion => "rfi",
            Category::Ssrf => "ssrf",
            Category::Xxe => "xxe",
            Category::Ssti => "ssti",
            Category::Java => "java",
            Category::Php => "php",
            Category::Nosql => "nosql_injection",
            Category::Ldap => "ldap_injection",
            Category::Crlf => "crlf_injection",
            Category::Ssi => "ssi_injection",
            Category::MailInjection => "mail_injection",
            Category::Scanner => "scanner",
            Category::Protocol => "protocol",
        }
    }

    /// Inverse of [`Category::name`].
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_indexes_match_order() {
        for (i, c) in Category::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert_eq!(Category::from_name(c.name()), Some(*c));
        }
    }
}
