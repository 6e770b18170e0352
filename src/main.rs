//! `ado-setup`: CLI dispatch only. Everything that does work lives in the
//! library crate; this file turns its results into output and exit codes.

use std::io::Write;
use std::process::ExitCode;

use ado_setup::cli::{Cli, Command, DemoArgs, exit};
use ado_setup::sandbox::{Sandbox, SandboxOptions, serve_banner};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(why) = ado_setup::logging::init(cli.global.verbose) {
        let _ = writeln!(std::io::stderr(), "ado-setup: no log written: {why}");
    }
    match cli.command {
        Some(Command::Demo(args)) if args.serve => run_demo_server(&args),
        Some(Command::Demo(_)) => not_available(
            "the demo wizard",
            "`ado-setup demo --serve` runs the sandbox server on its own today",
        ),
        None => not_available("the setup wizard", "see README › Status"),
        Some(Command::Connect(_)) => not_available("`connect`", "see README › Status"),
        Some(Command::Edit { .. }) => not_available("`edit`", "see README › Status"),
        Some(Command::Doctor(_)) => not_available("`doctor`", "see README › Status"),
        Some(Command::List { .. }) => not_available("`list`", "see README › Status"),
        Some(Command::Show { .. }) => not_available("`show`", "see README › Status"),
        Some(Command::Remove { .. }) => not_available("`remove`", "see README › Status"),
        Some(Command::Export { .. }) => not_available("`export`", "see README › Status"),
    }
}

/// A command this build does not provide yet: say so on one line, exit 2.
fn not_available(what: &str, hint: &str) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "ado-setup: {what} is not available yet in this version ({hint})"
    );
    ExitCode::from(exit::USAGE)
}

/// `demo --serve`: the sandbox alone, until Ctrl-C, SIGTERM or SIGHUP.
fn run_demo_server(args: &DemoArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let opts = SandboxOptions {
            port: args.port.unwrap_or(0),
            ..SandboxOptions::default()
        };
        let sandbox = match Sandbox::start(opts).await {
            Ok(sb) => sb,
            Err(e) => {
                let port = args.port.map(|p| format!(" on port {p}")).unwrap_or_default();
                return fail(&format!(
                    "cannot start the sandbox{port}: {e:#} (choose another --port, or omit it for a free one)"
                ));
            }
        };
        let mut out = std::io::stdout().lock();
        for line in serve_banner(&sandbox) {
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        let _ = out.flush();
        drop(out);
        let _ = writeln!(
            std::io::stderr(),
            "Sandbox serving on {}; press Ctrl-C to stop.",
            sandbox.addr()
        );
        wait_for_shutdown_signal().await;
        sandbox.shutdown().await;
        ExitCode::from(exit::OK)
    })
}

/// Resolves on Ctrl-C, SIGTERM or SIGHUP.
async fn wait_for_shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let hup = signal(SignalKind::hangup());
        match (term, hup) {
            (Ok(mut term), Ok(mut hup)) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A runtime failure: one line on stderr, exit 1.
fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "ado-setup: {message}");
    ExitCode::from(exit::FAILED)
}
