//! Network: what the user typed as a target, URL safety, and the endpoint
//! probes (DNS, TCP, proxy, TLS, HTTP).
pub mod allowlist;
pub mod probe;
pub mod proxy;
pub mod target;
pub mod tls;
