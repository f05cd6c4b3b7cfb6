//! The runtime snapshot: everything the hot path reads, built once from a checked
//! [`Config`] (policies resolved, header edits parsed, balancers and log sinks created) and
//! swapped atomically on reload. A request holds one `Arc<Runtime>` from start to end.

use crate::access_log::AccessLog;
use crate::balancer::Balancer;
use crate::gates::{Gates, SharedState};
use crate::log_sink::LogSink;
use crate::waf_hook::{route_policy, RouteWafRuntime};
use http::{HeaderName, HeaderValue};
use std::path::PathBuf;
use std::sync::Arc;
use waf_config::{Backend, Config, ConfigError, ConfigErrors};
use waf_engine::Engine;

pub struct Runtime {
    pub config: Config,
    pub engine: Arc<Engine>,
    /// Parallel to `config.proxy.routes`.
    pub routes: Vec<RouteRuntime>,
    /// Parallel to `config.proxy.upstreams`.
    pub upstreams: Vec<UpstreamRuntime>,
    pub security_headers: Vec<(HeaderName, HeaderValue)>,
    pub access_log: Option<AccessLog>,
    pub security_log: Option<LogSink>,
    /// The gates before detection; `None` when the WAF is off or no gate is configured.
    pub gates: Option<Gates>,
}

pub struct RouteRuntime {
    pub waf: Option<RouteWafRuntime>,
    pub add: Vec<(HeaderName, HeaderValue)>,
    pub set: Vec<(HeaderName, HeaderValue)>,
    pub remove: Vec<HeaderName>,
}

pub enum UpstreamRuntime {
    Servers(Arc<Balancer>),
    Static(PathBuf),
}

impl Runtime {
    /// Builds the snapshot. Fails (naming the key) on what only the data plane can check:
    /// unknown detectors in exclusions, header values, log files that cannot be opened.
    /// Upstreams defined exactly as in `previous` keep their balancer: health state,
    /// in-flight counts and idle connections survive the reload.
    pub fn build(
        config: Config,
        engine: Arc<Engine>,
        shared: &SharedState,
        previous: Option<&Runtime>,
    ) -> Result<Runtime, ConfigErrors> {
        let mut errors = Vec::new();
        let gates = if config.waf.enabled {
            match Gates::build(&config.waf.gates, shared) {
                Ok(g) => (!g.is_empty()).then_some(g),
                Err(e) => {
                    errors.extend(e);
                    None
                }
            }
        } else {
            None
        };
        let mut header =
            |key: String, name: &str, value: &str| -> Option<(HeaderName, HeaderValue)> {
                match (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                ) {
                    (Ok(n), Ok(v)) => Some((n, v)),
                    _ => {
                        errors.push(ConfigError::new(key, "invalid header name or value"));
                        None
                    }
                }
            };
        let security_headers = config
            .server
            .security_headers
            .iter()
            .filter_map(|(n, v)| header(format!("server.security_headers.{n}"), n, v))
            .collect();
        let mut routes = Vec::new();
        for (i, r) in config.proxy.routes.iter().enumerate() {
            let key = format!("proxy.routes[{i}].headers");
            let add = r
                .headers
                .add
                .iter()
                .filter_map(|(n, v)| header(format!("{key}.add.{n}"), n, v))
                .collect();
            let set = r
                .headers
                .set
                .iter()
                .filter_map(|(n, v)| header(format!("{key}.set.{n}"), n, v))
                .collect();
            let remove = r
                .headers
                .remove
                .iter()
                .filter_map(|n| HeaderName::from_bytes(n.as_bytes()).ok())
                .collect();
            routes.push((r, add, set, remove));
        }
        let routes: Vec<RouteRuntime> = routes
            .into_iter()
            .map(|(r, add, set, remove)| RouteRuntime {
                waf: route_policy(&config.waf, &r.waf).unwrap_or_else(|e| {
                    errors.push(e);
                    None
                }),
                add,
                set,
                remove,
            })
            .collect();
        let upstreams = config
            .proxy
            .upstreams
            .iter()
            .map(|u| match &u.backend {
                Backend::Servers(s) => {
                    let kept = previous.and_then(|p| {
                        p.upstreams.iter().find_map(|r| match r {
                            UpstreamRuntime::Servers(b)
                                if b.name == u.name && b.same_definition(u.algorithm, s) =>
                            {
                                Some(Arc::clone(b))
                            }
                            _ => None,
                        })
                    });
                    UpstreamRuntime::Servers(
                        kept.unwrap_or_else(|| Arc::new(Balancer::new(&u.name, u.algorithm, s))),
                    )
                }
                Backend::Static(dir) => UpstreamRuntime::Static(dir.clone()),
            })
            .collect();
        let access_log = config.logging.access_log.as_ref().and_then(|a| {
            match LogSink::open(&a.target, "access") {
                Ok(sink) => Some(AccessLog {
                    sink,
                    format: a.format,
                }),
                Err(e) => {
                    errors.push(ConfigError::new(
                        "logging.access_log.file",
                        format!("cannot open: {e}"),
                    ));
                    None
                }
            }
        });
        let security_log =
            config
                .logging
                .security_log
                .as_ref()
                .and_then(|t| match LogSink::open(t, "security") {
                    Ok(s) => Some(s),
                    Err(e) => {
                        errors.push(ConfigError::new(
                            "logging.security_log.file",
                            format!("cannot open: {e}"),
                        ));
                        None
                    }
                });
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Runtime {
            config,
            engine,
            routes,
            upstreams,
            security_headers,
            access_log,
            security_log,
            gates,
        })
    }

    /// Starts what refreshes in the background (threat feeds, geo database); call once the
    /// snapshot is installed, inside the async runtime.
    pub fn start_background(&self) {
        if let Some(g) = &self.gates {
            g.start_background();
        }
    }
}
