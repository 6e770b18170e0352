//! `ado-setup`: CLI dispatch only. Everything that does work lives in the
//! library crate; this file turns its results into output and exit codes.

use std::io::Write;
use std::process::ExitCode;

use ado_setup::cli::{Cli, Command, DemoArgs, GlobalArgs, exit};
use ado_setup::problem::Problem;
use ado_setup::sandbox::{Sandbox, SandboxOptions, SandboxTls, serve_banner};
use ado_setup::text::Untrusted;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(why) = ado_setup::logging::init(cli.global.verbose) {
        let _ = writeln!(std::io::stderr(), "ado-setup: no log written: {why}");
    }
    match cli.command {
        Some(Command::Demo(args)) if args.serve => run_demo_server(&args),
        Some(Command::Demo(_)) => run_wizard(&cli.global, true, None, None, None, None),
        None => run_wizard(&cli.global, false, None, None, None, None),
        Some(Command::Doctor(args)) if args.tui => {
            run_wizard(&cli.global, false, args.name.as_deref(), None, None, None)
        }
        Some(Command::Connect(c)) if !c.non_interactive && c.connection.has_no_answers() => {
            run_wizard(
                &cli.global,
                false,
                None,
                c.connection.client_id.as_deref(),
                c.connection.tenant.as_deref(),
                None,
            )
        }
        Some(Command::Connect(c)) if !c.non_interactive => usage_error(
            "CONFIG_INVALID",
            "connection flags are read with --non-interactive, which is not available yet; the wizard asks for each answer",
            "Run `ado-setup connect` without flags",
        ),
        Some(Command::Connect(c)) => run_connect(&cli.global, &c),
        Some(Command::Edit { name }) => {
            run_wizard(&cli.global, false, None, None, None, Some(name.as_str()))
        }
        Some(Command::Doctor(args)) => run_doctor(&cli.global, &args),
        Some(
            c @ (Command::List { .. }
            | Command::Show { .. }
            | Command::Remove { .. }
            | Command::Export { .. }),
        ) => run_manage(&cli.global, &c),
    }
}

/// `demo --serve`: the sandbox alone, until Ctrl-C, SIGTERM or SIGHUP.
fn run_demo_server(args: &DemoArgs) -> ExitCode {
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let opts = SandboxOptions {
            port: args.port.unwrap_or(0),
            fault: args.fault.clone(),
            tls: args.tls.then_some(SandboxTls::Generated),
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
        let ca_file = match sandbox.ca_pem() {
            Some(pem) => match write_sandbox_ca(pem, sandbox.addr().port()) {
                Ok(path) => Some(path),
                Err(e) => return fail(&e),
            },
            None => None,
        };
        let shutdown = wait_for_shutdown_signal();
        let mut out = std::io::stdout().lock();
        let ca_line = ca_file.iter().map(|p| format!("ca-file {}", p.display()));
        for line in ca_line.chain(serve_banner(&sandbox)) {
            if writeln!(out, "{line}").is_err() {
                break;
            }
        }
        let _ = out.flush();
        drop(out);
        let fault = match &args.fault {
            Some(_) => " (every request gets the --fault)",
            None => "",
        };
        let scheme = if sandbox.is_tls() { "HTTPS" } else { "HTTP" };
        let _ = writeln!(
            std::io::stderr(),
            "Sandbox serving {scheme} on {}{fault}; press Ctrl-C to stop.",
            sandbox.addr()
        );
        shutdown.await;
        sandbox.shutdown().await;
        ExitCode::from(exit::OK)
    })
}

/// Writes the HTTPS sandbox's CA to `sandbox-ca-PORT.pem` in the state dir
/// (beside the `-v` log) and returns its path.
fn write_sandbox_ca(pem: &str, port: u16) -> Result<std::path::PathBuf, String> {
    let dir = ado_setup::logging::log_path()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create {} for the sandbox CA: {e}", dir.display()))?;
    let path = dir.join(format!("sandbox-ca-{port}.pem"));
    std::fs::write(&path, pem)
        .map_err(|e| format!("cannot write the sandbox CA to {}: {e}", path.display()))?;
    Ok(path)
}

/// Registers for Ctrl-C, SIGTERM and SIGHUP now (so a signal that arrives
/// right after is caught), and resolves when one arrives.
fn wait_for_shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let hup = signal(SignalKind::hangup());
        async move {
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
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The async runtime, or the exit code after saying why there is none.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(&format!("cannot start the async runtime: {e}")))
}

/// A runtime failure: one line on stderr, exit 1.
fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "ado-setup: {}", Untrusted::new(message));
    ExitCode::from(exit::FAILED)
}

/// The wizard, for real (`ado-setup`, `connect`) or against the sandbox (`demo`).
/// `troubleshoot`: open the troubleshooter on this saved connection.
/// `client_id`, `tenant`: `connect --client-id/--tenant` for Microsoft sign-in.
fn run_wizard(
    global: &GlobalArgs,
    demo: bool,
    troubleshoot: Option<&str>,
    client_id: Option<&str>,
    tenant: Option<&str>,
    edit: Option<&str>,
) -> ExitCode {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        let _ = writeln!(
            std::io::stderr(),
            "ado-setup: the wizard needs a terminal (stdin and stdout are not one); \
             `ado-setup demo --serve` and `ado-setup --help` work without one"
        );
        return ExitCode::from(exit::USAGE);
    }
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let mut sign_in = ado_setup::wizard::SignInSettings {
            tenant: tenant.map(str::to_string),
            can_open_browser: ado_setup::wizard::SignInSettings::browser_available(|k| {
                std::env::var(k).ok()
            }),
            ..Default::default()
        };
        if let Some(id) = client_id {
            sign_in.client_id = id.to_string();
        }
        let setup = if demo {
            ado_setup::launch::demo(global, sign_in).await
        } else {
            ado_setup::launch::real(global, sign_in).await
        };
        let launch = match setup {
            Ok(mut l) => {
                if let Some(name) = edit {
                    // The saved connection, and its PAT from its own store.
                    let saved = l.jobs.config.load().ok().and_then(|c| c.get(name).cloned());
                    let Some(c) = saved else {
                        return usage_error(
                            "CONFIG_INVALID",
                            &format!(
                                "no connection named {name} in {}",
                                l.jobs.config.path().display()
                            ),
                            "Check the name (`ado-setup list`), or pass --config-dir",
                        );
                    };
                    let mut pat = None;
                    if let Some(r) = &c.secret_ref
                        && let Ok(store) =
                            ado_setup::store::secrets::SecretStore::open_ref(r, l.jobs.config.dir())
                                .await
                    {
                        pat = store.get(c.name.as_str()).await.ok().flatten();
                    }
                    l.wizard.start_edit(&c, pat.as_ref());
                }
                if let Some(name) = troubleshoot
                    && !l.wizard.open_troubleshooter(name)
                {
                    return usage_error(
                        "CONFIG_INVALID",
                        &format!("no saved connection named {name}"),
                        "Check the name, or pass --config-dir",
                    );
                }
                l
            }
            Err(problem) => {
                return problem_exit(&problem, exit::FAILED);
            }
        };
        let mut guard = match ado_setup::terminal::TerminalGuard::new() {
            Ok(g) => g,
            Err(e) => return fail(&format!("cannot use this terminal: {e}")),
        };
        let events = crossterm::event::EventStream::new();
        let result = ado_setup::app::run(
            &mut guard.terminal,
            launch.wizard,
            events,
            launch.jobs,
            ado_setup::theme::Theme::from_env(),
            wait_for_shutdown_signal(),
            |_| {},
        )
        .await;
        drop(guard);
        let note = launch.note;
        match result {
            Ok((ado_setup::wizard::Outcome::Saved(info), _)) => {
                println!("Saved connection {}.", Untrusted::new(&info.name));
                println!("  settings: {}", Untrusted::new(&info.config_path));
                println!("  secret:   {}", Untrusted::new(&info.secret_location));
                match note {
                    Some(n) => println!("{}", Untrusted::lines(&n)),
                    None => {
                        println!("Next: ado-setup doctor {}", info.name);
                        println!("      ado-setup export {}", info.name);
                    }
                }
                ExitCode::from(exit::OK)
            }
            Ok((ado_setup::wizard::Outcome::Quit, _)) => ExitCode::from(exit::OK),
            Ok((ado_setup::wizard::Outcome::Cancelled, _)) => {
                let _ = writeln!(std::io::stderr(), "ado-setup: cancelled; nothing was saved");
                ExitCode::from(exit::CANCELLED)
            }
            Err(e) => fail(&format!("the wizard stopped: {e:#}")),
        }
    })
}

/// `doctor`: every check, a checklist or JSON, exit codes of SPEC §5.
/// The token from standard input with `--pat-stdin` (`command` names the
/// command in the fix).
fn read_stdin_pat(
    flags: &ado_setup::cli::ConnectionFlags,
    command: &str,
) -> Result<Option<secrecy::SecretString>, ExitCode> {
    if !flags.pat_stdin {
        return Ok(None);
    }
    // Said in the words of the sign-in method: a token, or an app's secret.
    let (what, flag) = match flags.auth {
        Some(ado_setup::cli::AuthChoice::ServicePrincipal) => ("client secret", "--secret-stdin"),
        _ => ("token", "--pat-stdin"),
    };
    let mut text = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
        return Err(usage_error(
            "CONFIG_INVALID",
            &format!("cannot read the {what} from standard input: {e}"),
            &format!("Pipe the {what} in: … | ado-setup {command} {flag}"),
        ));
    }
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(usage_error(
            "PROVIDER_AUTH_REQUIRED",
            &format!("{flag}: standard input was empty"),
            &format!("Pipe the {what} in: … | ado-setup {command} {flag}"),
        ));
    }
    Ok(Some(secrecy::SecretString::from(token)))
}

/// A command's output on stdout, and its exit code. Whatever a server put
/// in it reaches the terminal inert ([`Untrusted::lines`]).
fn printed(stdout: &str, code: u8) -> ExitCode {
    print!("{}", Untrusted::lines(stdout));
    let _ = std::io::stdout().flush();
    ExitCode::from(code)
}

/// Progress for people on stderr (the device code to enter, and so on).
fn to_stderr(line: &str) {
    let _ = writeln!(std::io::stderr(), "ado-setup: {}", Untrusted::lines(line));
}

/// `connect --non-interactive`.
fn run_connect(global: &GlobalArgs, args: &ado_setup::cli::ConnectArgs) -> ExitCode {
    let stdin_pat = match read_stdin_pat(&args.connection, "connect --non-interactive") {
        Ok(p) => p,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = runtime.block_on(ado_setup::connect::connect(
        global,
        args,
        stdin_pat,
        |k| std::env::var(k).ok(),
        &to_stderr,
    ));
    match result {
        Ok(out) => printed(&out.stdout, out.code),
        Err(e) => problem_exit(&e.problem, e.code),
    }
}

fn run_doctor(global: &GlobalArgs, args: &ado_setup::cli::DoctorArgs) -> ExitCode {
    let stdin_pat = match read_stdin_pat(&args.connection, "doctor") {
        Ok(p) => p,
        Err(code) => return code,
    };
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = runtime.block_on(ado_setup::doctor::doctor(
        global,
        args,
        stdin_pat,
        |k| std::env::var(k).ok(),
        &to_stderr,
    ));
    match result {
        Ok(out) => printed(&out.stdout, out.code),
        // A sign-in that could not happen (ad hoc --auth device-code) is 4.
        Err(p) if p.code == "PROVIDER_AUTH_REQUIRED" => problem_exit(&p, exit::AUTH),
        Err(p) => problem_exit(&p, exit::USAGE),
    }
}

/// `list`, `show`, `remove`, `export`: questions on stderr, answers from stdin.
fn run_manage(global: &GlobalArgs, command: &Command) -> ExitCode {
    use std::io::IsTerminal;
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let mut confirm = |question: &str| {
        let mut err = std::io::stderr();
        let _ = write!(err, "{question}");
        let _ = err.flush();
        let mut answer = String::new();
        match std::io::stdin().read_line(&mut answer) {
            Ok(0) | Err(_) => {
                let _ = writeln!(err);
                false
            }
            Ok(_) => ado_setup::manage::is_yes(&answer),
        }
    };
    let mut console = ado_setup::manage::Console {
        can_ask: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        stdout_is_tty: std::io::stdout().is_terminal(),
        confirm: &mut confirm,
    };
    match runtime.block_on(ado_setup::manage::run(global, command, &mut console)) {
        Ok(out) => {
            // Written through the filter, not copied: stdout may hold a secret.
            let mut stdout = std::io::stdout().lock();
            let _ = write!(stdout, "{}", Untrusted::lines(&out.stdout));
            let _ = stdout.flush();
            let _ = write!(std::io::stderr(), "{}", Untrusted::lines(&out.stderr));
            ExitCode::from(out.code)
        }
        Err(f) => problem_exit(&f.problem, f.code),
    }
}

/// An input error before any check ran: code, message and fix on stderr, exit 2.
fn usage_error(code: &str, message: &str, fix: &str) -> ExitCode {
    problem_exit(&Problem::new(code, message, fix), exit::USAGE)
}

/// A problem on stderr (`ado-setup: CODE: message`, then its fix), and `code`.
fn problem_exit(p: &Problem, code: u8) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "ado-setup: {}: {}\n  fix: {}",
        Untrusted::new(&p.code),
        Untrusted::new(&p.message),
        Untrusted::lines(&p.fix)
    );
    ExitCode::from(code)
}
