//! Mail header and mail-protocol injection: a line break followed by a mail header
//! (`Bcc:`, `Cc:`, `To:`, `From:`, `Subject:`, `Reply-To:`) or by an SMTP/IMAP command
//! (`RCPT TO:`, `MAIL FROM:`, `DATA`), in values that end up in outgoing mail.

use super::{Detector, Hit, Kind, Subject, Triggers};

#[derive(Debug)]
struct Mail;

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(Mail)
}

const HEADERS: &[(&str, f32)] = &[
    ("bcc:", 0.9),
    ("cc:", 0.85),
    ("to:", 0.75),
    ("from:", 0.75),
    ("subject:", 0.7),
    ("reply-to:", 0.8),
    ("sender:", 0.75),
    ("return-path:", 0.8),
    ("content-type:", 0.6),
    ("mime-version:", 0.8),
    ("rcpt to:", 0.9),
    ("mail from:", 0.9),
    ("data\r", 0.7),
];

impl Detector for Mail {
    fn triggers(&self) -> Triggers {
        Triggers::bytes(b"\r\n")
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if !matches!(s.kind, Kind::ArgValue | Kind::Cookie) || !s.bytes.any(b"\r\n") {
            return None;
        }
        let lower = s.lower;
        let mut best = (0.0f32, 0usize);
        for (k, _) in lower.match_indices(['\r', '\n']).take(256) {
            let line = lower[k..].trim_start_matches(['\r', '\n']);
            for (h, c) in HEADERS {
                if line.starts_with(h) && *c > best.0 {
                    // A body that is just multi-line prose has no address after `to:`.
                    let value = &line[h.len()..];
                    let addr = value.split(['\r', '\n']).next().unwrap_or("");
                    if addr.contains('@')
                        || matches!(*h, "rcpt to:" | "mail from:" | "mime-version:" | "data\r")
                    {
                        best = (*c, k);
                    }
                }
            }
        }
        let (c, a) = best;
        (c > 0.0).then(|| Hit::from(c, s.text, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::arg;

    #[test]
    fn flags_injected_recipients() {
        let d = build();
        assert!(arg(&*d, "me@example.com%0d%0aBcc: victim@example.org") >= 0.7);
        assert!(arg(&*d, "x\r\nRCPT TO:<a@b.c>") >= 0.7);
    }

    #[test]
    fn ignores_letters_with_lines() {
        let d = build();
        assert!(arg(&*d, "Dear team,\r\nTo: whom it may concern\r\nthanks") < 0.7);
    }
}
