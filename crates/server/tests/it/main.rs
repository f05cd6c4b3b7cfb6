//! Integration tests of the `waf-proxy` binary over loopback, with real upstream servers.

mod balancing;
mod forwarding;
mod gates;
mod operations;
mod static_site;
mod strict_http;
mod support;
mod waf;
