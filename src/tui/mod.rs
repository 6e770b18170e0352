//! The terminal user interface: the [`driver`] loop that feeds terminal
//! events, background results and ticks to the pure wizard and performs the
//! effects it returns; the [`terminal`] guard; the [`theme`] (every style in
//! one place); and the [`screens`], pure renders of the wizard's state.
//! Nothing below this room knows a terminal exists.

pub mod driver;
pub mod screens;
pub mod terminal;
pub mod theme;
