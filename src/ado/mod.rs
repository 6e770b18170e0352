//! The Azure DevOps REST client: the HTTP rules every call follows (§3 of the
//! spec), the typed response models, api-version negotiation, and one error
//! type that classifies every answer the service (or something pretending to
//! be it) can give.
//!
//! Depends on `net` (proxy rules, TLS trust and its failure words, the
//! probes' options), `problem` and `text`. Nothing here knows about sign-in
//! flows, storage or the terminal: `auth`, `checks` and the wizard build on
//! it.

pub mod client;
pub mod endpoints;
pub mod error;
pub mod http;
pub mod models;
pub mod negotiate;
pub mod probe;
pub mod version;
