//! Reusable TUI pieces.
pub mod filter;
pub mod tree;
