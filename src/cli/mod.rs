//! The commands: the clap definitions ([`args`]) and one file per command —
//! the wizard's launch ([`interactive`], with [`launch`]), `connect
//! --non-interactive` ([`connect`]), `doctor` ([`doctor`], rendered by
//! [`report`]), `list`/`show`/`remove`/`export` ([`manage`]) and `demo
//! --serve` ([`demo`]). Each turns flags into calls on the rooms below and
//! their results into output and an exit code; [`flags`] holds what several
//! commands read from the same flags. Clap types stop here.

pub mod args;
pub mod connect;
pub mod demo;
pub mod doctor;
pub mod flags;
pub mod interactive;
pub mod launch;
pub mod logging;
pub mod manage;
pub mod process;
pub mod report;

pub use args::*;
