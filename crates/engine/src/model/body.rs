//! Body dispatch by `Content-Type`: form, JSON, XML, multipart, or plain text. A body that
//! does not parse as its declared type is reported as malformed and then inspected as
//! plain text, so a wrong Content-Type never hides a payload.

use super::{json, multipart, urlencoded, xml, Loc, Sink};
use crate::detect::Kind;

/// The syntax a body is parsed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyType {
    Form,
    Json,
    Xml,
    Multipart,
    Text,
}

/// Classifies a (lowercased) content type.
pub(crate) fn body_type(content_type: &str) -> BodyType {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence == "application/x-www-form-urlencoded" {
        BodyType::Form
    } else if essence.starts_with("multipart/") {
        BodyType::Multipart
    } else if essence.ends_with("json") || essence.ends_with("+json") || essence.contains("json") {
        BodyType::Json
    } else if essence.ends_with("xml") || essence.contains("+xml") {
        BodyType::Xml
    } else {
        BodyType::Text
    }
}

/// Parses `body` according to `content_type` (raw header value).
pub(crate) fn parse(content_type: Option<&str>, body: &[u8], sink: &mut dyn Sink) {
    if body.is_empty() {
        return;
    }
    let lower = content_type.map(str::to_ascii_lowercase);
    let declared = lower.as_deref().map(body_type);
    let kind = declared.unwrap_or_else(|| sniff(body));
    let result = match kind {
        BodyType::Form => {
            urlencoded::parse(body, "form", 0, sink);
            Ok(())
        }
        BodyType::Json => json::parse(body, "json", 0, sink),
        BodyType::Xml => xml::parse(body, "xml", 0, sink),
        BodyType::Multipart => match content_type.and_then(multipart::boundary) {
            Some(b) => multipart::parse(body, b, 0, sink),
            None => Err("multipart content type without boundary"),
        },
        BodyType::Text => {
            // Undeclared bodies that look like forms are parsed as forms too (clients omit it).
            if declared.is_none() && urlencoded::looks_like(&String::from_utf8_lossy(body)) {
                urlencoded::parse(body, "form", 0, sink);
            }
            text(body, sink);
            Ok(())
        }
    };
    if let Err(what) = result {
        if declared.is_some() {
            sink.malformed(Loc::new("body", ""), what);
        }
        text(body, sink);
    }
}

fn sniff(body: &[u8]) -> BodyType {
    match body.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'{') | Some(b'[') => BodyType::Json,
        Some(b'<') => BodyType::Xml,
        _ => BodyType::Text,
    }
}

fn text(body: &[u8], sink: &mut dyn Sink) {
    if sink.take_arg() {
        sink.value(Loc::new("body", ""), Kind::Body, body, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::Recorder;

    #[test]
    fn dispatches_by_content_type() {
        assert_eq!(body_type("application/json; charset=utf-8"), BodyType::Json);
        assert_eq!(body_type("application/vnd.api+json"), BodyType::Json);
        assert_eq!(body_type("text/xml"), BodyType::Xml);
        assert_eq!(body_type("application/soap+xml"), BodyType::Xml);
        assert_eq!(
            body_type("multipart/form-data; boundary=x"),
            BodyType::Multipart
        );
        assert_eq!(
            body_type("application/x-www-form-urlencoded"),
            BodyType::Form
        );
        assert_eq!(body_type("text/plain"), BodyType::Text);
    }

    #[test]
    fn falls_back_to_text_when_body_disagrees_with_type() {
        let mut r = Recorder::default();
        parse(Some("application/json"), b"id=1' or 1=1--", &mut r);
        assert_eq!(r.malformed.len(), 1);
        assert_eq!(r.of(Kind::Body)[0].1, "id=1' or 1=1--");
    }
}
