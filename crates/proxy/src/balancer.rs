//! Upstream server selection and passive health.
//!
//! Each upstream keeps per-server counters: requests in flight (for `least_connections`
//! and `max_connections`) and recent failures. `max_fails` connection failures or timeouts
//! within `fail_timeout` eject a server for `fail_timeout`, after which it is tried again
//! (nginx semantics; as in nginx, the only server of an upstream is never ejected).

use rand::Rng;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use waf_config::{Algorithm, UpstreamServer};

/// Runtime state of one upstream's servers.
pub struct Balancer {
    pub name: String,
    algorithm: Algorithm,
    servers: Vec<ServerState>,
    /// Smooth weighted round-robin current weights (nginx's algorithm).
    rr: Mutex<Vec<i64>>,
    epoch: Instant,
}

pub struct ServerState {
    pub config: UpstreamServer,
    pub authority: String,
    /// Idle keep-alive connections to this server.
    pub pool: Arc<crate::upstream_pool::Pool>,
    active: AtomicU32,
    fails: AtomicU32,
    window_start_ms: AtomicU64,
    ejected_until_ms: AtomicU64,
}

/// A chosen server; the in-flight count drops when this is dropped.
pub struct Lease {
    balancer: Arc<Balancer>,
    index: usize,
}

impl Lease {
    pub fn server(&self) -> &ServerState {
        &self.balancer.servers[self.index]
    }

    pub fn index(&self) -> usize {
        self.index
    }

    /// A connection failure or timeout: counts towards ejection.
    pub fn failed(&self) {
        self.balancer.record_failure(self.index);
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.balancer.servers[self.index]
            .active
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why no server could be chosen.
#[derive(Debug, PartialEq, Eq)]
pub enum NoServer {
    /// Every server is ejected or excluded.
    AllDown,
    /// Every available server is at its `max_connections`.
    AllBusy,
}

impl Balancer {
    pub fn new(name: &str, algorithm: Algorithm, servers: &[UpstreamServer]) -> Balancer {
        Balancer {
            name: name.to_string(),
            algorithm,
            servers: servers
                .iter()
                .map(|s| ServerState {
                    authority: s.authority(),
                    pool: Arc::default(),
                    config: s.clone(),
                    active: AtomicU32::new(0),
                    fails: AtomicU32::new(0),
                    window_start_ms: AtomicU64::new(0),
                    ejected_until_ms: AtomicU64::new(0),
                })
                .collect(),
            rr: Mutex::new(vec![0; servers.len()]),
            epoch: Instant::now(),
        }
    }

    /// Whether this balancer was built from exactly this definition (so a reload can keep
    /// it, with its health state and idle upstream connections).
    pub fn same_definition(&self, algorithm: Algorithm, servers: &[UpstreamServer]) -> bool {
        self.algorithm == algorithm
            && self.servers.len() == servers.len()
            && self
                .servers
                .iter()
                .zip(servers)
                .all(|(a, b)| a.config == *b)
    }

    pub fn servers(&self) -> &[ServerState] {
        &self.servers
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }

    fn is_up(&self, i: usize, now: u64) -> bool {
        self.servers.len() == 1 || self.servers[i].ejected_until_ms.load(Ordering::Relaxed) <= now
    }

    fn has_room(&self, i: usize) -> bool {
        let s = &self.servers[i];
        s.config
            .max_connections
            .is_none_or(|m| s.active.load(Ordering::Relaxed) < m)
    }

    /// Picks a server for a client, skipping `exclude` (servers already tried).
    pub fn pick(self: &Arc<Self>, client: IpAddr, exclude: &[usize]) -> Result<Lease, NoServer> {
        let now = self.now_ms();
        let up: Vec<usize> = (0..self.servers.len())
            .filter(|&i| !exclude.contains(&i) && self.is_up(i, now))
            .collect();
        if up.is_empty() {
            return Err(NoServer::AllDown);
        }
        let candidates: Vec<usize> = up.iter().copied().filter(|&i| self.has_room(i)).collect();
        if candidates.is_empty() {
            return Err(NoServer::AllBusy);
        }
        let index = match self.algorithm {
            Algorithm::RoundRobin => self.smooth_round_robin(&candidates),
            Algorithm::WeightedRandom => {
                let total: u64 = candidates
                    .iter()
                    .map(|&i| u64::from(self.servers[i].config.weight))
                    .sum();
                let mut r = rand::rng().random_range(0..total);
                *candidates
                    .iter()
                    .find(|&&i| {
                        let w = u64::from(self.servers[i].config.weight);
                        if r < w {
                            true
                        } else {
                            r -= w;
                            false
                        }
                    })
                    .unwrap_or(&candidates[0])
            }
            Algorithm::LeastConnections => {
                // Fewest in flight per unit of weight; ties go round-robin. Loads are read
                // once: other workers change them concurrently.
                let loads: Vec<(usize, f64)> = candidates
                    .iter()
                    .map(|&i| {
                        (
                            i,
                            f64::from(self.servers[i].active.load(Ordering::Relaxed))
                                / f64::from(self.servers[i].config.weight),
                        )
                    })
                    .collect();
                let min = loads.iter().map(|l| l.1).fold(f64::INFINITY, f64::min);
                let tied: Vec<usize> = loads.iter().filter(|l| l.1 <= min).map(|l| l.0).collect();
                if tied.is_empty() {
                    candidates[0]
                } else {
                    self.smooth_round_robin(&tied)
                }
            }
            Algorithm::IpHash => {
                // Hash over all servers so a client keeps its server while it is up.
                let h = ip_hash(client);
                let n = self.servers.len();
                (0..n)
                    .map(|k| (h as usize + k) % n)
                    .find(|i| candidates.contains(i))
                    .unwrap_or(candidates[0])
            }
        };
        self.servers[index].active.fetch_add(1, Ordering::Relaxed);
        Ok(Lease {
            balancer: Arc::clone(self),
            index,
        })
    }

    fn smooth_round_robin(&self, candidates: &[usize]) -> usize {
        let mut current = self.rr.lock().unwrap_or_else(|p| p.into_inner());
        let total: i64 = candidates
            .iter()
            .map(|&i| i64::from(self.servers[i].config.weight))
            .sum();
        let mut best = candidates[0];
        for &i in candidates {
            current[i] += i64::from(self.servers[i].config.weight);
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        best
    }

    fn record_failure(&self, i: usize) {
        let s = &self.servers[i];
        if s.config.max_fails == 0 {
            return;
        }
        let now = self.now_ms();
        let window = s.config.fail_timeout.as_millis() as u64;
        let start = s.window_start_ms.load(Ordering::Relaxed);
        let fails = if now.saturating_sub(start) > window {
            s.window_start_ms.store(now, Ordering::Relaxed);
            s.fails.store(1, Ordering::Relaxed);
            1
        } else {
            s.fails.fetch_add(1, Ordering::Relaxed) + 1
        };
        if fails >= s.config.max_fails {
            s.ejected_until_ms.store(now + window, Ordering::Relaxed);
            s.fails.store(0, Ordering::Relaxed);
            tracing::warn!(upstream = %self.name, server = %s.authority, "server ejected after {fails} failures for {}s", window / 1000);
        }
    }

    /// Whether server `i` is currently ejected.
    pub fn is_ejected(&self, i: usize) -> bool {
        !self.is_up(i, self.now_ms())
    }

    pub fn active(&self, i: usize) -> u32 {
        self.servers[i].active.load(Ordering::Relaxed)
    }
}

fn ip_hash(ip: IpAddr) -> u64 {
    // FNV-1a: stable across restarts and instances, unlike std's randomised hasher.
    let bytes = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn server(port: u16, weight: u32) -> UpstreamServer {
        UpstreamServer {
            host: "127.0.0.1".into(),
            port,
            weight,
            max_connections: None,
            max_fails: 1,
            fail_timeout: Duration::from_secs(10),
        }
    }

    fn counts(b: &Arc<Balancer>, n: usize, client: impl Fn(usize) -> IpAddr) -> Vec<usize> {
        let mut c = vec![0; b.servers.len()];
        for k in 0..n {
            c[b.pick(client(k), &[]).unwrap().index()] += 1;
        }
        c
    }

    #[test]
    fn round_robin_honours_weights_exactly() {
        let b = Arc::new(Balancer::new(
            "u",
            Algorithm::RoundRobin,
            &[server(1, 1), server(2, 3)],
        ));
        assert_eq!(counts(&b, 400, |_| [127, 0, 0, 1].into()), vec![100, 300]);
    }

    #[test]
    fn ip_hash_is_sticky() {
        let b = Arc::new(Balancer::new(
            "u",
            Algorithm::IpHash,
            &[server(1, 1), server(2, 1), server(3, 1)],
        ));
        let c = counts(&b, 50, |_| [10, 1, 2, 3].into());
        assert_eq!(c.iter().filter(|&&x| x == 50).count(), 1);
    }

    #[test]
    fn least_connections_prefers_idle_server() {
        let b = Arc::new(Balancer::new(
            "u",
            Algorithm::LeastConnections,
            &[server(1, 1), server(2, 1)],
        ));
        let held = b.pick([127, 0, 0, 1].into(), &[]).unwrap();
        for _ in 0..5 {
            assert_ne!(
                b.pick([127, 0, 0, 1].into(), &[]).unwrap().index(),
                held.index()
            );
        }
    }

    #[test]
    fn failure_ejects_a_server_until_fail_timeout() {
        let b = Arc::new(Balancer::new(
            "u",
            Algorithm::RoundRobin,
            &[server(1, 1), server(2, 1)],
        ));
        let a = b.pick([127, 0, 0, 1].into(), &[]).unwrap();
        let ejected = a.index();
        a.failed();
        drop(a);
        assert!(b.is_ejected(ejected));
        for _ in 0..4 {
            assert_ne!(b.pick([127, 0, 0, 1].into(), &[]).unwrap().index(), ejected);
        }
        assert_eq!(
            b.pick([127, 0, 0, 1].into(), &[1 - ejected]).err(),
            Some(NoServer::AllDown)
        );
    }

    #[test]
    fn max_connections_caps_a_server_until_a_lease_ends() {
        let mut s = server(1, 1);
        s.max_connections = Some(1);
        s.max_fails = 0;
        let b = Arc::new(Balancer::new(
            "u",
            Algorithm::RoundRobin,
            &[s, server(2, 1)],
        ));
        let held = (0..4)
            .map(|_| b.pick([127, 0, 0, 1].into(), &[]).unwrap())
            .find(|l| l.index() == 0)
            .unwrap();
        for _ in 0..4 {
            assert_eq!(
                b.pick([127, 0, 0, 1].into(), &[]).unwrap().index(),
                1,
                "server 0 is full"
            );
        }
        assert_eq!(
            b.pick([127, 0, 0, 1].into(), &[1]).err(),
            Some(NoServer::AllBusy)
        );
        drop(held);
        assert!((0..4).any(|_| b.pick([127, 0, 0, 1].into(), &[]).unwrap().index() == 0));
    }
}
