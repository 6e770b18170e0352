//! Network: what the user typed as a target, URL safety.
