//! Network: what the user typed as a target, URL safety.
pub mod probe;
pub mod target;
