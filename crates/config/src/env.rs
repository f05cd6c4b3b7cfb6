//! `${VAR}` substitution on the configuration text, before YAML parsing.
//!
//! `${VAR}` is replaced by the variable's value, `${VAR:-default}` falls back to `default`
//! when the variable is unset or empty, and `$$` stands for a literal `$`. An unset variable
//! without default is an error naming it and its line. Quote substituted values in YAML
//! (`jwt_secret: "${JWT_SECRET}"`) when they may contain YAML punctuation.

use crate::{ConfigError, ConfigErrors};

/// Substitutes variables in `text`, looking them up with `lookup`. Comment lines are left
/// alone: a commented-out `${VAR}` must not need VAR.
pub fn substitute(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, ConfigErrors> {
    let mut out = String::with_capacity(text.len());
    let mut errors = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
        } else {
            substitute_line(line, i + 1, &lookup, &mut out, &mut errors);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ConfigErrors(errors))
    }
}

/// One line (a reference cannot span lines: names have no newline).
fn substitute_line(
    text: &str,
    line: usize,
    lookup: &impl Fn(&str) -> Option<String>,
    out: &mut String,
    errors: &mut Vec<ConfigError>,
) {
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        let (before, after) = rest.split_at(pos);
        out.push_str(before);
        if let Some(tail) = after.strip_prefix("$$") {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                errors.push(ConfigError::new(
                    "",
                    format!("line {line}: unterminated ${{ in variable reference"),
                ));
                out.push_str(after);
                return;
            };
            let expr = &tail[..end];
            let (name, default) = match expr.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (expr, None),
            };
            let valid =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                errors.push(ConfigError::new(
                    "",
                    format!("line {line}: invalid variable name {name:?} in ${{{expr}}}"),
                ));
            } else {
                match (lookup(name).filter(|v| !v.is_empty()), default) {
                    (Some(v), _) => out.push_str(&v),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) => errors.push(ConfigError::new(
                        "",
                        format!("line {line}: environment variable {name} is not set (write ${{{name}:-default}} for a fallback)"),
                    )),
                }
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SECRET" => Some("s3cr$t".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn replaces_set_variables_and_defaults() {
        let out = substitute(
            "a: ${SECRET}\nb: ${NOPE:-x}\nc: ${EMPTY:-d}\nd: $$5 $x",
            env,
        )
        .unwrap();
        assert_eq!(out, "a: s3cr$t\nb: x\nc: d\nd: $5 $x");
    }

    #[test]
    fn names_unset_variable_and_line() {
        let err = substitute("a: 1\nb: ${MISSING}\n", env).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert!(err.0[0].message.contains("line 2"), "{}", err);
        assert!(err.0[0].message.contains("MISSING"), "{}", err);
    }

    #[test]
    fn comment_lines_are_not_substituted() {
        let out = substitute(
            "# key: ${MISSING}\na: ${SECRET}\n  # ${ALSO_MISSING}\nb: ${NOPE}",
            env,
        );
        let err = out.unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert!(
            err.0[0].message.contains("line 4") && err.0[0].message.contains("NOPE"),
            "{err}"
        );
        assert_eq!(
            substitute("# ${X}\na: ${SECRET}", env).unwrap(),
            "# ${X}\na: s3cr$t"
        );
    }

    #[test]
    fn rejects_unterminated_reference() {
        assert!(substitute("a: ${OOPS", env).is_err());
    }
}
