//! Turns a line number of a YAML file into the dotted key path written there
//! (`proxy.routes[2].upstream`), so that errors the YAML parser reports by position (unknown
//! field, wrong type) name their key like every other configuration error. Block-style YAML
//! only; inside a flow collection (`{a: 1}`) the key holding it is named.

enum Seg {
    Key(String),
    Index(usize),
}

/// Key path of the entry on `line` (1-based), if one can be read.
pub fn key_path_at(text: &str, line: usize) -> Option<String> {
    let mut stack: Vec<(usize, Seg)> = Vec::new();
    for raw in text.lines().take(line) {
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
            continue;
        }
        let mut indent = raw.len() - trimmed.len();
        let mut rest = trimmed;
        if let Some(after) = rest
            .strip_prefix("- ")
            .or(if rest == "-" { Some("") } else { None })
        {
            stack.retain(|(i, _)| *i <= indent);
            match stack.last_mut() {
                Some((i, Seg::Index(n))) if *i == indent => *n += 1,
                _ => stack.push((indent, Seg::Index(0))),
            }
            let item = after.trim_start();
            indent += rest.len() - item.len();
            rest = item;
        }
        if let Some((key, _)) = rest.split_once(':') {
            if !key.contains(['{', '[', '"', '\'']) || key.starts_with(['"', '\'']) {
                stack.retain(|(i, s)| *i < indent || (*i == indent && matches!(s, Seg::Index(_))));
                stack.push((
                    indent,
                    Seg::Key(key.trim().trim_matches(['"', '\'']).to_string()),
                ));
            }
        }
    }
    let mut s = String::new();
    for (_, seg) in &stack {
        match seg {
            Seg::Index(n) => s.push_str(&format!("[{n}]")),
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
        }
    }
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "server:\n  port: 80\n  prot: 1\nproxy:\n  routes:\n    - pattern: /\n      upstream: a\n    - pattern: /b\n      upstraem: b\n  upstreams:\n  - name: x\n    servers: [{host: a, port: 1}]\n";

    #[test]
    fn names_nested_keys_and_list_items() {
        assert_eq!(key_path_at(DOC, 3).as_deref(), Some("server.prot"));
        assert_eq!(
            key_path_at(DOC, 7).as_deref(),
            Some("proxy.routes[0].upstream")
        );
        assert_eq!(
            key_path_at(DOC, 9).as_deref(),
            Some("proxy.routes[1].upstraem")
        );
        assert_eq!(
            key_path_at(DOC, 12).as_deref(),
            Some("proxy.upstreams[0].servers")
        );
    }
}
