//! The data plane of waf-proxy: from an accepted TCP connection to an upstream response.
//!
//! - [`listener`]: accept loop, connection limit, HTTP/1 vs HTTP/2, graceful shutdown.
//! - [`h1_gate`] and [`h1_head`]: the strict HTTP/1 front door (malformed → 400, closed).
//! - [`service`]: one request's path: identity, route, limits, WAF, upstream, logs.
//! - [`router`], [`balancer`], [`forward`], [`static_files`]: the steps it calls.
//! - [`runtime`]: the immutable snapshot of compiled config that the hot path reads,
//!   swapped atomically by [`Dataplane::swap`] on reload.
//!
//! It knows nothing of the admin plane or of any store: those meet it in the binary.

pub mod access_log;
pub mod balancer;
pub mod body;
pub mod client_ip;
pub mod forward;
pub mod gate_step;
pub mod gates;
pub mod h1_gate;
pub mod h1_head;
pub mod listener;
pub mod log_sink;
pub mod path_norm;
pub mod query;
pub mod responses;
pub mod router;
pub mod runtime;
pub mod service;
pub mod static_files;
pub mod upstream_pool;
pub mod waf_hook;

pub use listener::serve;
pub use runtime::Runtime;

use arc_swap::ArcSwap;
use std::sync::Arc;

/// State shared by every connection: the current runtime snapshot.
pub struct Dataplane {
    runtime: ArcSwap<Runtime>,
}

impl Dataplane {
    pub fn new(runtime: Runtime) -> Arc<Dataplane> {
        Arc::new(Dataplane {
            runtime: ArcSwap::from_pointee(runtime),
        })
    }

    /// The snapshot a request uses from start to end.
    pub fn runtime(&self) -> Arc<Runtime> {
        self.runtime.load_full()
    }

    /// Installs a new snapshot; requests in flight keep the one they started with.
    pub fn swap(&self, runtime: Runtime) {
        self.runtime.store(Arc::new(runtime));
    }
}
