//! A set of IPv4/IPv6 addresses and networks whose lookup cost does not grow with its size:
//! one hash set per prefix length in use, probed from the longest prefix down. A lookup is
//! at most one hash probe per distinct prefix length (a handful in practice), whether the
//! set holds ten entries or ten million.

use ipnet::IpNet;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::IpAddr;

/// Keys are addresses from the operator's lists, not chosen by clients, so a fast
/// multiplicative hash is safe here and SipHash's cost is not needed.
#[derive(Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100000001b3);
        }
    }

    fn write_u128(&mut self, v: u128) {
        let folded = (v as u64) ^ ((v >> 64) as u64).rotate_left(29);
        self.0 = (folded ^ self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 31)
    }
}

type AddrSet = HashSet<u128, BuildHasherDefault<AddrHasher>>;

#[derive(Debug, Default, Clone)]
pub struct IpSet {
    /// (is IPv4, prefix length, network addresses masked to it); IPv4 is stored mapped into
    /// IPv6 space but kept apart, so `::/8` does not swallow every IPv4 client.
    by_prefix: Vec<(bool, u8, AddrSet)>,
    len: usize,
}

/// IPv4 as IPv4-mapped IPv6, so one table serves both families.
fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn mask(bits: u8) -> u128 {
    if bits == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(bits))
    }
}

impl IpSet {
    pub fn new() -> IpSet {
        IpSet::default()
    }

    pub fn insert(&mut self, net: IpNet) {
        let (v4, bits) = match net {
            IpNet::V4(n) => (true, n.prefix_len() + 96),
            IpNet::V6(n) => (false, n.prefix_len()),
        };
        let k = key(net.network()) & mask(bits);
        match self
            .by_prefix
            .iter_mut()
            .find(|(f, b, _)| *f == v4 && *b == bits)
        {
            Some((_, _, set)) => {
                if set.insert(k) {
                    self.len += 1;
                }
            }
            None => {
                let mut set = AddrSet::default();
                set.insert(k);
                self.by_prefix.push((v4, bits, set));
                self.len += 1;
                self.by_prefix.sort_by_key(|e| std::cmp::Reverse(e.1));
            }
        }
    }

    /// The longest matching prefix length, if any entry contains `ip`.
    pub fn lookup(&self, ip: IpAddr) -> Option<u8> {
        let ip = ip.to_canonical();
        let v4 = ip.is_ipv4();
        let k = key(ip);
        self.by_prefix
            .iter()
            .find(|(f, bits, set)| *f == v4 && set.contains(&(k & mask(*bits))))
            .map(|(_, b, _)| *b)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.lookup(ip).is_some()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Parses a list: one address or CIDR per line; `#` comments and blank lines ignored;
    /// a line may carry more after whitespace (`1.2.3.4 ; spamhaus`), which is ignored.
    /// Returns the set and the number of lines that were not addresses.
    pub fn parse_list(text: &str) -> (IpSet, usize) {
        let mut set = IpSet::new();
        let mut bad = 0;
        for line in text.lines() {
            let entry = line
                .split(['#', ';'])
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("");
            if entry.is_empty() {
                continue;
            }
            match entry
                .parse::<IpNet>()
                .map(|n| n.trunc())
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
            {
                Ok(n) => set.insert(n),
                Err(_) => bad += 1,
            }
        }
        (set, bad)
    }
}

impl FromIterator<IpNet> for IpSet {
    fn from_iter<T: IntoIterator<Item = IpNet>>(iter: T) -> Self {
        let mut s = IpSet::new();
        for n in iter {
            s.insert(n);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn matches_addresses_and_networks_of_both_families() {
        let (set, bad) = IpSet::parse_list(
            "# feed\n10.0.0.0/8\n192.0.2.7\n2001:db8::/32 ; comment\nnot-an-ip\n\n",
        );
        assert_eq!(bad, 1);
        assert_eq!(set.len(), 3);
        assert!(set.contains(ip("10.200.3.4")));
        assert!(set.contains(ip("192.0.2.7")));
        assert!(!set.contains(ip("192.0.2.8")));
        assert!(set.contains(ip("2001:db8:1::9")));
        assert!(!set.contains(ip("2001:db9::1")));
        assert_eq!(set.lookup(ip("192.0.2.7")), Some(128));
    }

    #[test]
    fn ipv4_entries_do_not_match_unrelated_ipv6() {
        let set: IpSet = ["0.0.0.0/0".parse().unwrap()].into_iter().collect();
        assert!(set.contains(ip("8.8.8.8")));
        assert!(!set.contains(ip("2001:db8::1")));
        let v6: IpSet = ["::/8".parse().unwrap()].into_iter().collect();
        assert!(
            !v6.contains(ip("8.8.8.8")),
            "an IPv6 range does not cover IPv4 clients"
        );
        assert!(v6.contains(ip("::1")));
    }
}
