//! Who the client is: the peer address, or the address a trusted proxy put in
//! `X-Forwarded-For` / `Forwarded`. Rate limits and geo depend on this, so a header from an
//! untrusted peer is never believed.

use http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The client address of a request that arrived from `peer`.
///
/// When `peer` is trusted, walks `X-Forwarded-For` (all fields, as one list) from the right,
/// skipping trusted hops; the first untrusted address is the client. Falls back to the
/// `for=` of `Forwarded` the same way, then to `peer`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Each hop as written; `None` for one that is not an address (`unknown`, obfuscated).
    let xff: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| parse_addr(s.trim()))
        .collect();
    let hops: Vec<Option<IpAddr>> = if xff.is_empty() {
        headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|elem| {
                elem.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| parse_addr(v.trim().trim_matches('"')))
                })?
            })
            .collect()
    } else {
        xff
    };
    // From the right: skip trusted hops; the first untrusted one is the client. A hop that
    // cannot be read ends the walk at the last address a trusted proxy vouched for.
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = hop else { break };
        client = *ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]:80`.
fn parse_addr(s: &str) -> Option<IpAddr> {
    parse_raw(s).map(|ip| ip.to_canonical())
}

fn parse_raw(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    s.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(xff: &[&str]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for v in xff {
            m.append("x-forwarded-for", v.parse().unwrap());
        }
        m
    }

    #[test]
    fn untrusted_peer_header_is_ignored() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(
            client_ip(peer, &h(&["1.1.1.1"]), &["10.0.0.0/8".parse().unwrap()]),
            peer
        );
    }

    #[test]
    fn trusted_chain_is_walked_from_the_right() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let ip = client_ip(peer, &h(&["6.6.6.6, 198.51.100.7", "10.1.1.1"]), &trusted);
        assert_eq!(ip, "198.51.100.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn unreadable_hop_stops_the_walk_at_the_last_trusted_address() {
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        let ip = client_ip(peer, &h(&["6.6.6.6, unknown, 10.2.2.2"]), &trusted);
        assert_eq!(ip, "10.2.2.2".parse::<IpAddr>().unwrap());
        let ip = client_ip(peer, &h(&["garbage, 198.51.100.9"]), &trusted);
        assert_eq!(ip, "198.51.100.9".parse::<IpAddr>().unwrap());
        assert_eq!(
            client_ip(peer, &h(&["::ffff:198.51.100.9"]), &trusted),
            "198.51.100.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn forwarded_header_is_understood() {
        let trusted = ["127.0.0.1/32".parse().unwrap()];
        let mut m = HeaderMap::new();
        m.insert(
            "forwarded",
            "for=\"[2001:db8::1]:4711\";proto=http".parse().unwrap(),
        );
        assert_eq!(
            client_ip("127.0.0.1".parse().unwrap(), &m, &trusted),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
    }
}
