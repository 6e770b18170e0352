//! Reusable TUI pieces.
pub mod filter;
