//! Mail header and mail-protocol injection: a line break followed by a mail header
//! (`Bcc:`, `Cc:`, `To:`, `From:`, `Subject:`, `Reply-To:`) or by an SMTP/IMAP command
//! (`RCPT TO:`, `MAIL FROM:`, `DATA`), in values that end up in outgoing mail; or by a
//! command of the SMTP, POP3 or IMAP protocols written with its arguments (`EHLO host`,
//! `RETR 1`, `a001 LOGIN user pass`), in values that reach a mail server's connection.

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
        // Each line after a line break, once (a run of breaks gives empty lines).
        let mut at = 0;
        for (n, line) in lower.split(['\r', '\n']).enumerate().take(1024) {
            let start = at;
            at += line.len() + 1;
            if n == 0 || line.is_empty() {
                continue;
            }
            for (h, c) in HEADERS {
                if line.starts_with(h) && *c > best.0 {
                    // A body that is just multi-line prose has no address after `to:`.
                    let addr = &line[h.len()..];
                    if addr.contains('@')
                        || matches!(*h, "rcpt to:" | "mail from:" | "mime-version:")
                    {
                        best = (*c, start);
                    }
                }
            }
            // SMTP's `DATA` on a line of its own, ended by CRLF as the protocol writes it.
            if line == "data" && lower.as_bytes().get(start + 4) == Some(&b'\r') && best.0 < 0.7 {
                best = (0.7, start);
            }
            if best.0 < 0.8 && protocol_command(line) {
                best = (0.8, start);
            }
        }
        let (c, a) = best;
        (c > 0.0).then(|| Hit::from(c, s.text, a))
    }
}

/// True when a line is a mail-protocol command with arguments of its grammar: SMTP
/// (`EHLO host.tld`, `VRFY user`), POP3 (`RETR 3`, `TOP 1 2`, `APOP name digest`,
/// `AUTH PLAIN`), IMAP (`tag COMMAND ...`, the tag holding a digit).
fn protocol_command(line: &str) -> bool {
    let mut words = line.split(' ').filter(|w| !w.is_empty());
    let Some(cmd) = words.next() else {
        return false;
    };
    // An IMAP tag is letters then digits (`a001`, `A1`); other lines start with a verb
    // (the arms below; any other first word matches none).
    let letters = cmd.bytes().take_while(u8::is_ascii_alphabetic).count();
    let tag = cmd.len() <= 12
        && letters > 0
        && letters < cmd.len()
        && cmd.bytes().skip(letters).all(|c| c.is_ascii_digit());
    let rest: Vec<&str> = words.take(16).collect();
    let number = |w: &&str| w.bytes().all(|c| c.is_ascii_digit()) && w.len() <= 10;
    let host = |w: &&str| {
        w.contains('.')
            && w.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b".-[]:".contains(&c))
    };
    match (cmd, rest.as_slice()) {
        ("helo" | "ehlo", [h]) => host(h),
        ("vrfy" | "expn", [_]) => true,
        ("retr" | "dele" | "list" | "uidl", [n]) => number(n),
        ("top", [n, m]) => number(n) && number(m),
        ("apop", [_, d]) => d.len() == 32 && d.bytes().all(|c| c.is_ascii_hexdigit()),
        // `AUTH PLAIN` or `AUTH PLAIN <base64>`: the initial response is base64, not a word.
        ("auth" | "authenticate", [mech, response @ ..]) if response.len() <= 1 => {
            matches!(
                *mech,
                "plain"
                    | "login"
                    | "cram-md5"
                    | "digest-md5"
                    | "xoauth2"
                    | "oauthbearer"
                    | "gssapi"
                    | "ntlm"
            ) && response.iter().all(|r| {
                r.len() >= 4
                    && r.bytes().any(|c| c.is_ascii_digit() || c == b'=')
                    && r.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c))
            })
        }
        (_, [imap, args @ ..]) if tag => imap_arguments(imap, args),
        _ => false,
    }
}

/// True when `args` fit the grammar of IMAP command `cmd`.
fn imap_arguments(cmd: &str, args: &[&str]) -> bool {
    let sequence = |w: Option<&&str>| {
        w.is_some_and(|w| {
            w.bytes().any(|c| c.is_ascii_digit() || c == b'*')
                && w.bytes().all(|c| c.is_ascii_digit() || b":,*".contains(&c))
        })
    };
    let line = args.join(" ");
    match cmd {
        "capability" | "noop" | "logout" | "idle" | "starttls" | "check" | "close" | "expunge"
        | "namespace" => args.is_empty(),
        "login" | "list" | "lsub" | "rename" => args.len() == 2,
        "select" | "examine" | "create" | "delete" | "subscribe" | "unsubscribe" | "getacl" => {
            args.len() == 1
        }
        "status" => line.contains('(') && line.contains(')'),
        "append" => !args.is_empty() && line.contains(['{', '(']),
        "fetch" | "store" | "copy" | "move" => sequence(args.first()),
        "search" => args.first().is_some_and(|k| {
            matches!(
                *k,
                "all"
                    | "answered"
                    | "deleted"
                    | "flagged"
                    | "seen"
                    | "unseen"
                    | "new"
                    | "recent"
                    | "since"
                    | "before"
                    | "on"
                    | "from"
                    | "to"
                    | "subject"
                    | "body"
                    | "text"
                    | "header"
                    | "larger"
                    | "smaller"
                    | "charset"
            )
        }),
        "uid" => args.first().is_some_and(|sub| {
            matches!(
                *sub,
                "fetch" | "store" | "copy" | "move" | "search" | "expunge"
            ) && imap_arguments(sub, &args[1..])
        }),
        _ => false,
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
        for v in [
            "Agenda:\r\nList of attendees\r\nTop 10 questions",
            "Steps\nlist 3 items\ntop it off",
            "Notes\r\nA1 is the paper size\r\nB2 status quo",
            "Hi\nauthenticate yourself first",
            "Steps:\n1 Create account\n2 Select plan",
            "Problem:\nAuth login broken",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
    }

    #[test]
    fn flags_mail_protocol_commands_after_a_line_break() {
        let d = build();
        for v in [
            "%0d%0aEHLO test.com",
            "%0d%0aRETR 123",
            "%0d%0alist 3",
            "%0d%0aTOP 1 2",
            "%0d%0aAUTH PLAIN dGhpc2lz",
            "%0d%0aAPOP user 7d0a3bd8e5b2abcfb3e256633c23b891",
            "%0D%0Aa001 STATUS INBOX (MESSAGES)",
            "%0D%0Aa001 uid store 231:233",
            "\r\nA1 APPEND saved-messages (\\Seen) {310}",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
    }
}
