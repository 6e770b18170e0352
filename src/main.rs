//! `ado-setup`: dispatch only. Parses the command line, starts the `-v` log,
//! and hands each command to its room in [`ado_setup::cli`], which returns
//! the exit code.

use std::io::Write;
use std::process::ExitCode;

use ado_setup::cli::{self, Cli, Command};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(why) = cli::logging::init(cli.global.verbose) {
        let _ = writeln!(std::io::stderr(), "ado-setup: no log written: {why}");
    }
    let global = &cli.global;
    let start = cli::interactive::Start::default();
    match cli.command {
        Some(Command::Demo(args)) if args.serve => cli::demo::main(&args),
        Some(Command::Demo(_)) => cli::interactive::main(
            global,
            cli::interactive::Start {
                demo: true,
                ..start
            },
        ),
        None => cli::interactive::main(global, start),
        Some(Command::Doctor(args)) if args.tui => cli::interactive::main(
            global,
            cli::interactive::Start {
                troubleshoot: args.name.as_deref(),
                ..start
            },
        ),
        Some(Command::Connect(c)) if !c.non_interactive && c.connection.has_no_answers() => {
            cli::interactive::main(
                global,
                cli::interactive::Start {
                    client_id: c.connection.client_id.as_deref(),
                    tenant: c.connection.tenant.as_deref(),
                    ..start
                },
            )
        }
        Some(Command::Connect(c)) if !c.non_interactive => cli::process::usage_error(
            "CONFIG_INVALID",
            "connection flags are read only with --non-interactive; the wizard asks for each answer itself",
            "Add --non-interactive to connect with these flags, or run `ado-setup connect` without flags for the wizard",
        ),
        Some(Command::Connect(c)) => cli::connect::main(global, &c),
        Some(Command::Edit { name }) => cli::interactive::main(
            global,
            cli::interactive::Start {
                edit: Some(name.as_str()),
                ..start
            },
        ),
        Some(Command::Doctor(args)) => cli::doctor::main(global, &args),
        Some(
            c @ (Command::List { .. }
            | Command::Show { .. }
            | Command::Remove { .. }
            | Command::Export { .. }),
        ) => cli::manage::main(global, &c),
    }
}
