//! Reusable TUI pieces.
