//! ado-setup: connects an integration to Azure Boards in Azure DevOps Services
//! or Server. The binary (`src/main.rs`) is a thin CLI over these modules; the
//! modules here know nothing of the terminal UI.

pub mod ado;
pub mod cli;
pub mod logging;
pub mod net;
pub mod sandbox;
pub mod store;
pub mod widgets;
