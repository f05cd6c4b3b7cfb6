//! Query strings as the data plane reads them (route conditions, custom rules, the
//! challenge answer): `&`-separated `key=value` pairs, `+` as space, percent-decoded, at
//! most [`MAX_PAIRS`] pairs. The detection engine has its own, stricter model.

/// Pairs read from one query string; more are ignored (the engine still sees them all).
pub const MAX_PAIRS: usize = 256;

/// Decoded `(key, value)` pairs of `query`, in order.
pub fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .take(MAX_PAIRS)
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
}

/// The first value of `name`.
pub fn first(query: &str, name: &str) -> Option<String> {
    pairs(query).find(|(k, _)| k == name).map(|(_, v)| v)
}

fn decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs_in_order() {
        let p: Vec<_> = pairs("a=1&b=x+y%21&&c&a=2").collect();
        assert_eq!(
            p,
            [
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("c".into(), String::new()),
                ("a".into(), "2".into())
            ]
        );
        assert_eq!(first("a=1&a=2", "a").as_deref(), Some("1"));
        assert_eq!(pairs(&"x=1&".repeat(1000)).count(), MAX_PAIRS);
    }
}
