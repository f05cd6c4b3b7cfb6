//! Server-side JavaScript injection (Node.js) and prototype pollution: serialised
//! functions (`_$$ND_FUNC$$_`), `require('child_process')`, `process.mainModule`,
//! `child_process.exec(`, busy loops (`while(true)`), and property paths that reach
//! `__proto__` or `constructor.prototype`. Counted as remote code execution.

use super::{Detector, Hit, Kind, Subject, Triggers};

#[derive(Debug)]
struct JsInjection;

/// Words every server-side JavaScript pattern below contains.
const ANCHORS: &[&str] = &[
    "_$$",
    "__js",
    "child_process",
    "process",
    "require",
    "module",
    "console",
    "constructor",
    "while",
    "for(",
    "for (",
    "function",
    "deno.",
    "bun.",
    "vm.",
    "import(",
    "eval(",
    "global",
];

pub(crate) fn build() -> Box<dyn Detector> {
    Box::new(JsInjection)
}

const MARKERS: &[(&str, f32)] = &[
    ("_$$nd_func$$_", 0.95),
    ("__js_function", 0.85),
    ("child_process", 0.9),
    ("process.mainmodule", 0.9),
    ("process.binding(", 0.9),
    ("process.spawn(", 0.85),
    ("process.kill(", 0.8),
    ("process.exit(", 0.75),
    (".execsync(", 0.85),
    (".spawnsync(", 0.85),
    ("require(", 0.75),
    ("global.process", 0.85),
    ("this.constructor.constructor", 0.9),
    ("new function(", 0.75),
    ("eval(string.fromcharcode", 0.9),
    ("module.constructor._load", 0.9),
    ("import('child_process", 0.95),
    ("deno.run(", 0.85),
    ("bun.spawn(", 0.85),
    ("process.env", 0.75),
    ("process[", 0.8),
    ("require[", 0.8),
    ("require.main", 0.85),
    ("module.exports=", 0.75),
    ("module.exports =", 0.75),
    ("console.log(", 0.72),
    ("console.info(", 0.72),
    ("console[", 0.75),
    (":constructor:constructor", 0.9),
    (":module:prototype", 0.9),
    ("newfunction(", 0.0),
    ("vm.runinthiscontext", 0.9),
    ("vm.runinnewcontext", 0.9),
];

/// Busy loops that hang a single-threaded server: `while(true)`, `while(!0)`,
/// `while(Infinity)`, `while(!!{})`, `for(;;)` — a loop whose condition is a constant.
fn busy_loop(compact: &str) -> bool {
    if compact.contains("for(;;)") {
        return true;
    }
    compact.match_indices("while(").take(16).any(|(k, _)| {
        let rest = &compact[k + 5..];
        // The parenthesised condition, nesting included.
        let mut depth = 0usize;
        let mut end = None;
        for (i, c) in rest.char_indices().take(64) {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { return false };
        // A true constant, or a falsy literal under negations (`!!""`, `!!!0`): nobody
        // writes either except to probe how long the server hangs.
        let cond = &rest[1..end];
        let negated = cond.trim_start_matches('(').starts_with('!');
        let core = cond.trim_start_matches(['(', '!']);
        constant_truth(cond) == Some(true)
            || (negated && !core.contains('!') && constant_truth(core) == Some(false))
    })
}

/// Truth value of a JavaScript constant expression made of `!`, unary `+`/`-`, parentheses
/// and one literal; `None` when it depends on anything else.
fn constant_truth(expr: &str) -> Option<bool> {
    let mut e = expr.trim();
    let mut negations = 0;
    loop {
        if let Some(inner) = e.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            e = inner.trim();
        } else if let Some(x) = e.strip_prefix('!') {
            negations += 1;
            e = x.trim();
        } else if let Some(x) = e.strip_prefix(['+', '-']) {
            e = x.trim();
        } else {
            break;
        }
    }
    let truth = match e {
        "" | "0" | "0.0" | "null" | "undefined" | "nan" | "false" | "\"\"" | "''" | "``" => false,
        "true" | "infinity" | "this" | "{}" | "[]" | "string" | "number" | "object" | "array"
        | "math" | "date" | "json" | "symbol" => true,
        _ if e.starts_with("new") => true,
        _ if e.parse::<f64>().is_ok_and(|n| n != 0.0) => true,
        _ if e.len() >= 3
            && (e.starts_with('"') && e.ends_with('"')
                || e.starts_with('\'') && e.ends_with('\'')) =>
        {
            true
        }
        _ => return None,
    };
    Some(truth ^ (negations % 2 == 1))
}

impl Detector for JsInjection {
    fn triggers(&self) -> Triggers {
        let mut t = Triggers::bytes_or_words(b"([", ANCHORS);
        t.words.extend(["__proto__", "prototype"]);
        t
    }

    fn inspect<'a>(&self, s: &Subject<'a>) -> Option<Hit<'a>> {
        if matches!(s.kind, Kind::FileContent | Kind::XmlDoctype) {
            return None;
        }
        let lower = s.lower;
        let mut best = 0.0f32;
        if lower.contains("__proto__")
            || lower.contains("constructor.prototype")
            || lower.contains("constructor[prototype]")
            || lower.contains("[constructor][prototype]")
        {
            best = best.max(if s.kind == Kind::ArgName { 0.9 } else { 0.8 });
        }
        if s.bytes.any(b"(_$.[") && s.word_hit {
            let compact: String = lower
                .chars()
                .filter(|c| !c.is_whitespace())
                .take(4096)
                .collect();
            for (m, c) in MARKERS {
                if lower.contains(m) || (m.ends_with('(') && compact.contains(&m.replace(' ', "")))
                {
                    // `require(` alone is common in code samples; it needs a module that runs things.
                    let c = if *m == "require(" {
                        if [
                            "child_process",
                            "'fs'",
                            "\"fs\"",
                            "'net'",
                            "'vm'",
                            "'os'",
                            "'http'",
                        ]
                        .iter()
                        .any(|x| lower.contains(x))
                        {
                            0.9
                        } else {
                            0.0
                        }
                    } else if m.starts_with("console") && !lower.trim_start().starts_with(m) {
                        // A logging call inside a code sample, not the value itself.
                        0.6
                    } else {
                        *c
                    };
                    best = best.max(c);
                }
            }
            let compact: String = lower
                .chars()
                .filter(|c| !c.is_whitespace())
                .take(4096)
                .collect();
            if busy_loop(&compact) {
                best = best.max(0.8);
            }
            if compact.starts_with("function(){")
                || compact.starts_with("function()") && compact.len() < 12
            {
                best = best.max(0.8);
            }
        }
        (best > 0.0).then(|| Hit::new(best, s.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testing::{arg, score};

    #[test]
    fn flags_node_payloads_and_pollution() {
        let d = build();
        for v in [
            "_$$ND_FUNC$$_function(){require('child_process').exec('id')}()",
            "while(!false)",
            "while(Infinity);",
            "while(!!{});",
            "while((true)))",
            "while(!'');",
            "new Function (",
            "process[\"env\"]",
            "while(!+0);",
            "require('child_process').exec('ls')",
            "function() {",
        ] {
            assert!(arg(&*d, v) >= 0.7, "{v}");
        }
        assert!(score(&*d, Kind::ArgName, "__proto__[admin]", "__proto__[admin]") >= 0.7);
    }

    #[test]
    fn ignores_ordinary_code_words() {
        let d = build();
        for v in [
            "while (you wait)",
            "the constructor of the house",
            "require a password",
            "while(x < 3)",
            "while (loading) wait",
            "function of time",
        ] {
            assert!(arg(&*d, v) < 0.7, "{v}");
        }
    }

    #[test]
    fn flags_busy_loops_on_negated_falsy_literals_only() {
        let d = build();
        for v in [
            "while(!!\"\");",
            "while(!!'');",
            "while(!!``);",
            "while(!0);",
            "while(true){}",
        ] {
            let s = arg(&*d, v);
            assert!(s >= 0.7, "{v}: {s}");
        }
        assert!(arg(&*d, "console.info(1)") >= 0.7);
        for v in [
            "while(!true);",
            "while(!done) { step(); }",
            "while (i < n) i++;",
            "```js\nconsole.log(`Hi ${user}`);\n```",
            "Add console.log(x) to debug it",
        ] {
            let s = arg(&*d, v);
            assert!(s < 0.7, "{v}: {s}");
        }
    }
}
