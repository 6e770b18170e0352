//! ado-setup: connects an integration to Azure Boards in Azure DevOps Services
//! or Server. The binary (`src/main.rs`) is a thin CLI over these modules; the
//! modules here know nothing of the terminal UI.

pub mod ado;
pub mod app;
pub mod auth;
pub mod checks;
pub mod cli;
pub mod connect;
pub mod doctor;
pub mod jobs;
pub mod launch;
pub mod logging;
pub mod manage;
pub mod net;
pub mod problem;
pub mod sandbox;
pub mod screens;
pub mod store;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod widgets;
pub mod wizard;
