//! ado-setup: connects an integration to Azure Boards in Azure DevOps Services
//! or Server.
//!
//! The rooms, each depending only on those listed after it:
//!
//! * [`cli`]: the commands (clap definitions, `connect`, `doctor`, `list`,
//!   `show`, `remove`, `export`, `demo`, and the wizard's launch). The binary
//!   (`src/main.rs`) only dispatches to it. Nothing else sees a clap type.
//! * [`tui`]: the terminal driver, the terminal guard, the theme and the
//!   screens (pure renders of the wizard's state).
//! * [`jobs`]: what each of the wizard's background jobs does.
//! * [`wizard`]: the pure state machine (`update(state, msg) -> effects`),
//!   with its list and tree models. No I/O.
//! * [`checks`]: the check catalogue, shared by the wizard and `doctor`.
//! * [`auth`], [`store`], [`ado`], [`net`]: sign-in, config and secret
//!   storage, the Azure DevOps REST client, URL safety and network probes.
//! * [`problem`], [`text`]: a failure as the user sees it; untrusted text.
//! * [`sandbox`]: the embedded fake Azure DevOps; it shares only the data
//!   shapes of [`ado::models`] with the client.

pub mod ado;
pub mod auth;
pub mod checks;
pub mod cli;
pub mod jobs;
pub mod net;
pub mod problem;
pub mod sandbox;
pub mod store;
pub mod text;
pub mod tui;
pub mod wizard;
