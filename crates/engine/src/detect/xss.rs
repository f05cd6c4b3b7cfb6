//! Cross-site scripting: HTML start tags read by a browser-like tokenizer
//! ([`super::html_lexer`]) and judged by what they can run — script-capable elements,
//! event-handler attributes, `javascript:`/`vbscript:`/`data:text/html` URLs, `srcdoc`,
//! CSS `expression()`/`behavior`/`-moz-binding` — plus injections without a tag: attribute
//! break-outs (`" onfocus=...`), JavaScript string break-outs calling script sinks, and
//! client-side template injection (`{{constructor.constructor(...)()}}`).
//! Harmless markup (`<b>`, `<a href="https://…">`) stays below the blocking threshold.

use aho_corasick::AhoCorasick;

use super::html_lexer::{attributes, tags};
use super::{Detector, Hit, Kind, Subject, Triggers};
use crate::decode::css_escape;

/// DOM event names after the `on` prefix (HTML, SVG, and vendor events used in payloads).
const EVENTS: &[&str] = &[
    "abort",
    "activate",
    "afterprint",
    "afterscriptexecute",
    "animationcancel",
    "animationend",
    "animationiteration",
    "animationstart",
    "auxclick",
    "beforeactivate",
    "beforecopy",
    "beforecut",
    "beforedeactivate",
    "beforeinput",
    "beforepaste",
    "beforeprint",
    "beforescriptexecute",
    "beforetoggle",
    "beforeunload",
    "begin",
    "blur",
    "bounce",
    "canplay",
    "canplaythrough",
    "change",
    "click",
    "close",
    "contextmenu",
    "copy",
    "cuechange",
    "cut",
    "dblclick",
    "deactivate",
    "drag",
    "dragend",
    "dragenter",
    "dragleave",
    "dragover",
    "dragstart",
    "drop",
    "durationchange",
    "end",
    "ended",
    "error",
    "finish",
    "focus",
    "focusin",
    "focusout",
    "formdata",
    "fullscreenchange",
    "hashchange",
    "input",
    "invalid",
    "keydown",
    "keypress",
    "keyup",
    "load",
    "loadeddata",
    "loadedmetadata",
    "loadend",
    "loadstart",
    "message",
    "mousedown",
    "mouseenter",
    "mouseleave",
    "mousemove",
    "mouseout",
    "mouseover",
    "mouseup",
    "mousewheel",
    "move",
    "offline",
    "online",
    "pagehide",
    "pageshow",
    "paste",
    "pause",
    "play",
    "playing",
    "pointercancel",
    "pointerdown",
    "pointerenter",
    "pointerleave",
    "pointermove",
    "pointerout",
    "pointerover",
    "pointerrawupdate",
    "pointerup",
    "popstate",
    "progress",
    "propertychange",
    "ratechange",
    "readystatechange",
    "repeat",
    "reset",
    "resize",
    "scroll",
    "scrollend",
    "search",
    "seeked",
    "seeking",
    "select",
    "selectionchange",
    "selectstart",
    "show",
    "start",
    "stalled",
    "storage",
    "submit",
    "suspend",
    "timeupdate",
    "toggle",
    "touchend",
    "touchmove",
    "touchstart",
    "transitioncancel",
    "transitionend",
    "transitionrun",
    "transitionstart",
    "unload",
    "volumechange",
    "waiting",
    "webkitanimationend",
    "webkitanimationiteration",
    "webkitanimationstart",
    "webkittransitionend",
    "wheel",
    "zoom",
    "filterchange",
    "layoutcomplete",
    "losecapture",
    "rowenter",
    "rowexit",
    "errorupdate",
    "help",
    "datasetchanged",
    "dataavailable",
    "controlselect",
];

/// Elements that run script or load active content by themselves.
const ACTIVE_TAGS: &[(&str, f32)] = &[
    ("script", 0.95),
    ("iframe", 0.85),
    ("frame", 0.85),
    ("frameset", 0.85),
    ("object", 0.85),
    ("embed", 0.85),
    ("applet", 0.85),
    ("base", 0.8),
    ("meta", 0.75),
    ("svg", 0.75),
    ("math", 0.7),
    ("style", 0.75),
    ("link", 0.7),
    ("form", 0.6),
    ("isindex", 0.75),
    ("xss", 0.75),
    ("xml", 0.6),
    ("import", 0.75),
    ("portal", 0.8),
    ("animate", 0.7),
    ("set", 0.6),
    ("handler", 0.7),
    ("listener", 0.7),
    ("bgsound", 0.75),
    ("layer", 0.7),
    ("ilayer", 0.7),
    ("vmlframe", 0.8),
    ("template", 0.5),
    ("noscript", 0.6),
    ("title", 0.5),
    ("textarea", 0.5),
    ("marquee", 0.6),
    ("video", 0.55),
    ("audio", 0.55),
    ("img", 0.5),
    ("image", 0.55),
    ("input", 0.55),
    ("body", 0.6),
    ("details", 0.55),
    ("a", 0.45),
];

/// Attributes whose value is a URL a browser may navigate to or load.
const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "xlink:href",
    "background",
    "dynsrc",
    "lowsrc",
    "poster",
    "codebase",
    "code",
    "from",
    "to",
    "values",
    "by",
    "content",
    "url",
    "ping",
    "cite",
    "longdesc",
    "profile",
    "usemap",
    "classid",
    "archive",
    "srcset",
    "folder",
    "icon",
    "manifest",
    "datasrc",
    "style",
    "settings",
    "attributename",
];

/// Script sinks and active-content markers, scored where no tag is needed.
const SINKS: &[(&str, f32)] = &[
    ("javascript:", 0.8),
    ("vbscript:", 0.85),
    ("livescript:", 0.85),
    ("data:text/html", 0.85),
    ("data:application/x-javascript", 0.85),
    ("data:text/javascript", 0.85),
    ("data:image/svg+xml", 0.7),
    ("document.cookie", 0.8),
    ("document.write", 0.85),
    ("document.domain", 0.75),
    ("document.location", 0.75),
    ("window.location", 0.7),
    ("location.href", 0.6),
    ("location.hash", 0.6),
    (".innerhtml", 0.7),
    (".outerhtml", 0.7),
    ("fromcharcode", 0.8),
    ("-moz-binding", 0.85),
    ("behavior:", 0.75),
    ("expression(", 0.75),
    ("alert(", 0.75),
    ("alert`", 0.85),
    ("prompt(", 0.75),
    ("prompt`", 0.85),
    ("confirm(", 0.7),
    ("confirm`", 0.85),
    ("eval(", 0.75),
    ("settimeout(", 0.75),
    ("setinterval(", 0.75),
    ("new function(", 0.8),
    ("constructor.constructor(", 0.9),
    ("constructor(", 0.55),
    ("atob(", 0.6),
    ("import(", 0.55),
    ("window[", 0.7),
    ("top[", 0.75),
    ("self[", 0.7),
    ("parent[", 0.7),
    ("this[", 0.6),
    ("globalthis", 0.7),
    ("$on.constructor", 0.9),
    ("xmlhttprequest", 0.6),
    ("srcdoc", 0.6),
    ("url(javascript", 0.85),
    ("url(vbscript", 0.85),
    ("<?import", 0.8),
    ("+adw-", 0.85),
    ("document.queryselector", 0.75),
    ("document.getelementby", 0.75),
    ("document.createelement", 0.8),
    ("document.body", 0.7),
    ("document.forms", 0.7),
    (".appendchild(", 0.7),
    ("formaction=", 0.75),
    ("document)[", 0.8),
    ("document[", 0.8),
    ("window)[", 0.75),
    (".call`", 0.85),
    (".apply`", 0.85),
    ("reflect.apply", 0.75),
    ("<!--", 0.0),
];

#[derive(Debug)]
struct Xss {
    sinks: AhoCorasick,
}

/// Words a sink split by whitespace or comments still contains.
const ANCHORS: &[&str] = &[
    "document",
    "window",
    "script",
    "cookie",
    "location",
    "alert",
    "prompt",
    "confirm",
    "eval",
    "constructor",
    "fromcharcode",
    "expression",
    "url",
    "call",
    "apply",
    "data",
    "import",
    "top",
    "self",
    "parent",
    "this",
    "binding",
    "behavior",
    "settimeout",
    "setinterval",
    "function",
];

/// Sinks of [`SINKS`] that only look an element up: as prose they run nothing, as code they
/// are called, indexed or assigned (`document.getElementById('x').innerText=`).
const DOM_LOOKUPS: &[&str] = &[
    "document.queryselector",
    "document.getelementby",
    "document.body",
    "document.forms",
];

pub(crate) fn build() -> Box<dyn Detector> {
    let sinks = super::automaton(SINKS.iter().map(|(p, _)| p));
    Box::new(Xss { sinks })
}

/// Elements worth spelling out with spaces to slip past a filter.
const SPACED_TAGS: &[&str] = &[
    "script", "form", "dialog", "iframe", "frame", "object", "embed", "applet", "svg", "math",
    "style", "link", "meta", "base", "body", "img", "image", "input", "button", "video", "audio",
    "details", "marquee", "isindex", "frameset", "template", "portal", "textarea", "select",
    "keygen", "source", "track",
];

/// The letters of `<f o r m`: single letters separated by single spaces (at least three).
fn spaced_name(after: &str) -> Option<String> {
    let b = after.as_bytes();
    let mut name = String::new();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_alphabetic() && name.len() < 16 {
        name.push(char::from(b[i]));
        match b.get(i + 1) {
            Some(c)
                if c.is_ascii_whitespace() && b.get(i + 2).is_some_and(u8::is_ascii_alphabetic) =>
            {
                if b.get(i + 3).is_some_and(u8::is_ascii_alphabetic) {
                    break;
                }
                i += 2;
            }
            _ => break,
        }
    }
    (name.len() >= 3).then_some(name)
}

fn is_event(attr: &str) -> bool {
    attr.strip_prefix("on").is_some_and(|e| EVENTS.contains(&e))
}

/// True when a URL value starts with an active scheme (whitespace and controls stripped,
/// as browsers do before reading a scheme).
fn active_url(value: &str) -> Option<f32> {
    let mut scheme = String::with_capacity(16);
    for c in value.chars() {
        if c.is_whitespace() || c.is_control() {
            continue;
        }
        if c == ':' || c == ',' || scheme.len() >= 16 {
            break;
        }
        scheme.push(c);
    }
    match scheme.as_str() {
        "javascript" | "vbscript" | "livescript" | "mocha" => Some(0.95),
        "data" if value.contains("html") || value.contains("script") || value.contains("svg") => {
            Some(0.9)
        }
        _ => None,
    }
}

fn css_active(value: &str) -> bool {
    let mut buf = String::new();
    let v = if css_escape::may_contain(value) && css_escape::decode_into(value, &mut buf) {
        buf.as_str()
    } else {
        value
    };
    let compact: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(4096)
        .collect();
    compact.contains("expression(")
        || compact.contains("url(javascript")
        || compact.contains("url(vbscript")
        || compact.contains("behavior:")
        || compact.contains("-moz-binding")
        || compact.contains("@import")
}

/// `lower` without C comments, whitespace and control characters, when it has any.
fn compact_twin(lower: &str) -> Option<String> {
    let b = lower.as_bytes();
    if !b.iter().any(|c| c.is_ascii_whitespace() || *c < 0x20) && !lower.contains("/*") {
        return None;
    }
    let mut stripped = String::new();
    let src = if crate::decode::comment::may_contain(lower)
        && crate::decode::comment::strip_into(lower, &mut stripped)
    {
        stripped.as_str()
    } else {
        lower
    };
    let mut out = String::with_capacity(src.len().min(8192));
    if src.is_ascii() {
        out.extend(
            src.bytes()
                .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
                .take(8192)
                .map(char::from),
        );
    } else {
        out.extend(
            src.chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .take(8192),
        );
    }
    Some(out)
}

/// Confidence of a `javascript:` scheme at `start..end` of `hay`: code after it, or the
/// value starting with it, unless it reads as prose ("JavaScript: the good parts").
fn javascript_scheme(hay: &str, start: usize, end: usize, lower: &str) -> f32 {
    let after = hay[end..].trim_start();
    let code = after.contains(['(', '`', '=', ';', '\\']);
    let at_start = hay[..start].trim().is_empty();
    let prose = lower.find("javascript:").is_some_and(|k| {
        lower[k + 11..].starts_with(' ')
            && lower[k + 11..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_alphabetic())
            && !code
    });
    match (at_start, code) {
        (true, true) => 0.95,
        (false, true) => 0.85,
        (true, false) if !prose => 0.75,
        _ => 0.4,
    }
}

impl Xss {
    /// Scores the attribute region of a tag (or of an attribute break-out).
    fn attrs_score(&self, region: &str, in_tag: bool) -> f32 {
        let mut best = 0.0f32;
        for (name, value) in attributes(region).take(64) {
            let event = is_event(name);
            if event && (in_tag || value.is_some()) {
                best = best.max(if in_tag { 0.95 } else { 0.9 });
            } else if in_tag && name.starts_with("on") && name.len() > 4 && value.is_some() {
                best = best.max(0.85);
            }
            let Some(v) = value else { continue };
            if URL_ATTRS.contains(&name) || name.starts_with("xlink") {
                if let Some(c) = active_url(v) {
                    best = best.max(c);
                }
            }
            // An XML schema or linked resource fetched from elsewhere.
            if matches!(name, "xsi:schemalocation" | "xsi:nonamespaceschemalocation")
                && v.contains("://")
            {
                best = best.max(0.75);
            }
            if name == "srcdoc" {
                best = best.max(0.9);
            }
            if name == "style" && css_active(v) {
                best = best.max(0.9);
            }
            if name == "http-equiv" && (v.contains("refresh") || v.contains("set-cookie")) {
                best = best.max(0.9);
            }
        }
        best
    }
}

impl Detector for Xss {
    fn triggers(&self) -> Triggers {
        Triggers::bytes_or_words(b"<>\"'`();:=[{+", ANCHORS)
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::FileContent | Kind::XmlDoctype)
            || !s.bytes.any(b"<>\"'`();:=[{.+")
        {
            return None;
        }
        let lower = s.lower;
        let mut best = (0.0f32, 0usize, 0usize);
        let mut take = |c: f32, a: usize, b: usize| {
            if c > best.0 {
                best = (c, a, b);
            }
        };
        if s.bytes.has(b'<') {
            for tag in tags(lower).take(256) {
                // Namespaced tags (`<v:vmlframe>`, `<svg:script>`) by their local name.
                let local = tag.name.rsplit(':').next().unwrap_or(tag.name);
                let base = ACTIVE_TAGS
                    .iter()
                    .find(|(n, _)| *n == local)
                    .map_or(0.3, |(_, c)| *c);
                let mut c = base.max(self.attrs_score(tag.attrs, true));
                if tag.name == "style" || tag.name == "link" {
                    let rest = super::clip(lower, tag.start, tag.end + 512);
                    if css_active(rest) || rest.contains("javascript:") {
                        c = c.max(0.9);
                    }
                }
                // Benign markup in prose: `<b>`, `<p>`, `<a href=https://...>`.
                if base <= 0.5 && c <= 0.5 {
                    c = c.min(0.3);
                }
                take(c, tag.start, tag.end);
            }
        }
        // A tag name spelled out letter by letter (`<f o r m`, `<s c r i p t`): filters
        // that strip whitespace, and old parsers, join it again.
        if s.bytes.has(b'<') && s.bytes.has(b' ') {
            for (k, _) in lower.match_indices('<').take(64) {
                if let Some(name) = spaced_name(&lower[k + 1..]) {
                    if SPACED_TAGS.contains(&name.as_str()) {
                        take(0.75, k, (k + 40).min(lower.len()));
                    }
                }
            }
        }
        // Attribute break-out without a tag: `" onmouseover="alert(1)`.
        if s.bytes.any(b"\"'`") && s.bytes.has(b'=') {
            for (k, b) in lower.bytes().enumerate() {
                if matches!(b, b'"' | b'\'' | b'`') {
                    let region = &lower[k + 1..];
                    let c = self.attrs_score(super::clip(region, 0, 1024), false);
                    take(c, k, lower.len().min(k + 80));
                    if c > 0.0 {
                        break;
                    }
                }
            }
        }
        // Sinks, in the text and in a compact twin without comments and whitespace
        // (`document /*x*/ . cookie`, `ja&Tab;vascript:`), as JS engines and URL parsers read it.
        let compact = if lower.bytes().any(|c| c < 0x20) || lower.contains("/*") || s.word_hit {
            compact_twin(lower)
        } else {
            None
        };
        for hay in [Some(lower), compact.as_deref()].into_iter().flatten() {
            for m in self.sinks.find_iter(hay) {
                let (pat, mut c) = SINKS[m.pattern().as_usize()];
                if c == 0.0 {
                    continue;
                }
                if pat == "javascript:" {
                    c = javascript_scheme(hay, m.start(), m.end(), lower);
                }
                // DOM lookups named in prose ("document.getElementById is deprecated")
                // run nothing; as code they are called, indexed or assigned.
                if DOM_LOOKUPS.contains(&pat) {
                    let rest =
                        hay[m.end()..].trim_start_matches(|c: char| c.is_ascii_alphanumeric());
                    if !rest.trim_start().starts_with(['(', '.', '[', '=']) {
                        c = c.min(0.6);
                    }
                }
                let (a, e) = if std::ptr::eq(hay, lower) {
                    (m.start(), (m.end() + 40).min(lower.len()))
                } else {
                    (0, lower.len().min(80))
                };
                take(c, a, e);
            }
        }
        // JSFuck: JavaScript written with `[]()!+` only.
        if s.bytes.has(b'[') && s.bytes.has(b'!') && lower.trim().len() >= 4 {
            let sym = lower.bytes().filter(|c| b"[]()!+ ".contains(c)).count();
            if sym * 10 >= lower.len() * 9 && (lower.contains("![]") || lower.contains("+[]")) {
                take(0.85, 0, lower.len().min(80));
            }
        }
        // Event handler written as an attribute without a tag: `  onload= `.
        for k in super::pair_indices(lower, b'o', b'n').take(64) {
            let before_ok = k == 0
                || lower.as_bytes()[k - 1].is_ascii_whitespace()
                || matches!(lower.as_bytes()[k - 1], b'"' | b'\'' | b'/');
            if !before_ok {
                continue;
            }
            let name_len = lower.as_bytes()[k..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .take(48)
                .count();
            let name = &lower[k..k + name_len];
            let after = lower[k + name_len..].trim_start();
            if after.starts_with('=') && is_event(name) && (k > 0 || s.kind == Kind::ArgName) {
                take(0.8, k, (k + 40).min(lower.len()));
            }
            // An argument *name* holding a handler of any name after whitespace
            // (`  onanything= `): no form field is called that.
            if after.starts_with('=')
                && s.kind == Kind::ArgName
                && k > 0
                && lower.as_bytes()[k - 1].is_ascii_whitespace()
                && (5..=48).contains(&name.len())
            {
                take(0.75, k, (k + 40).min(lower.len()));
            }
        }
        // Client-side template injection: `{{ ... constructor ... }}`.
        if s.bytes.has(b'{') {
            if let Some(open) = lower.find("{{") {
                let inner = super::clip(lower, open, open + 512);
                if inner.contains("constructor")
                    || inner.contains("$eval")
                    || inner.contains("$on")
                    || inner.contains("alert(")
                {
                    take(0.9, open, lower.len().min(open + 80));
                }
            }
        }
        let (c, a, b) = best;
        (c > 0.0).then(|| Hit::at(c, s.text, a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::arg;

    #[test]
    fn flags_script_capable_markup_and_breakouts() {
        let d = build();
        for v in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\">",
            "\" onmouseover=\"alert(1)",
            "' autofocus onfocus=alert(1) x='",
            "javascript:alert(document.cookie)",
            "';alert(String.fromCharCode(88,83,83))//",
            "<div style=\"width: expression(alert(1))\">",
            "<body onload=alert(1)>",
            "%3Cscript%3Ealert(1)%3C/script%3E",
            "＜script＞alert(1)＜/script＞",
            "{{constructor.constructor('alert(1)')()}}",
            "<details open ontoggle=alert`1`>",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<object data=\"javascript:alert(1)\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "ja&tab;vascript:",
            "document /*foo*/ . cookie",
            "x=x:url(javascript",
            "(![]+[])[+!+[]]",
            "%2bADw-script%2bAD4-",
            "window.location",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn dom_lookups_are_sinks() {
        for l in DOM_LOOKUPS {
            assert!(SINKS.iter().any(|(p, _)| p == l), "{l} is not in SINKS");
        }
    }

    #[test]
    fn ignores_prose_and_harmless_markup() {
        let d = build();
        for v in [
            "I <3 this product, 5 < 6 and 7 > 2",
            "Use <b>bold</b> and <i>italics</i> in <p>comments</p>",
            "See <a href=\"https://example.com/docs\">the docs</a>",
            "The script was great; the onload event fires later",
            "Javascript: the good parts is a book",
            "Please confirm your order (ref 123)",
            "He said \"online\" isn't the point",
            "f(x) = x^2; g(y) = {a: 1}",
            "{{ user.name }} template docs",
            "document.getElementById is deprecated?",
            "Is document.body always there?",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
        for v in [
            "document.querySelector(\"p\").textContent=\"XSS\"",
            "document.getElementById('x').innerText=1",
            "document.body.appendChild(s)",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn flags_spaced_tags_remote_schemas_and_handler_names() {
        let d = build();
        for v in [
            "bar<f o r m",
            "<d i a l o g",
            "<s c r i p t>",
            "<x xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://a.b/ http://evil.example/x.xsd\">",
            " !![]",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        assert!(crate::detect::testing::score(&*d, Kind::ArgName, "", "  onabcdefgh= ") >= 0.7);
        for v in [
            "I <3 u and a b c",
            "<a b c> are letters",
            "x < y and z",
            "Plan A < plan b",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
        assert!(crate::detect::testing::score(&*d, Kind::ArgName, "", "online") < 0.7);
    }
}
