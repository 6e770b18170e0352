//! The process edge every command shares: the async runtime, the shutdown
//! signals, a secret read from standard input, and how output, problems and
//! exit codes leave the process. Everything written here passes
//! [`Untrusted`], so no server text carries a control sequence out.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::exit;
use crate::problem::Problem;
use crate::text::Untrusted;

/// Registers for Ctrl-C, SIGTERM and SIGHUP now (so a signal that arrives
/// right after is caught), and resolves when one arrives.
pub(crate) fn wait_for_shutdown_signal() -> impl std::future::Future<Output = ()> {
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
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(&format!("cannot start the async runtime: {e}")))
}

/// A runtime failure: one line on stderr, exit 1.
pub(crate) fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "ado-setup: {}", Untrusted::new(message));
    ExitCode::from(exit::FAILED)
}

/// The token from standard input with `--pat-stdin` (`command` names the
/// command in the fix).
fn read_stdin_pat(
    flags: &crate::cli::ConnectionFlags,
    command: &str,
) -> Result<Option<secrecy::SecretString>, ExitCode> {
    if !flags.pat_stdin {
        return Ok(None);
    }
    // Said in the words of the sign-in method: a token, or an app's secret.
    let (what, flag) = match flags.auth {
        Some(crate::cli::AuthChoice::ServicePrincipal) => ("client secret", "--secret-stdin"),
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
pub(crate) fn printed(stdout: &str, code: u8) -> ExitCode {
    print!("{}", Untrusted::lines(stdout));
    let _ = std::io::stdout().flush();
    ExitCode::from(code)
}

/// Progress for people on stderr (the device code to enter, and so on).
pub(crate) fn to_stderr(line: &str) {
    let _ = writeln!(std::io::stderr(), "ado-setup: {}", Untrusted::lines(line));
}

/// An input error before any check ran: code, message and fix on stderr, exit 2.
pub fn usage_error(code: &str, message: &str, fix: &str) -> ExitCode {
    problem_exit(&Problem::new(code, message, fix), exit::USAGE)
}

/// A problem on stderr (`ado-setup: CODE: message`, then its fix), and `code`.
pub(crate) fn problem_exit(p: &Problem, code: u8) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "ado-setup: {}: {}\n  fix: {}",
        Untrusted::new(&p.code),
        Untrusted::new(&p.message),
        Untrusted::lines(&p.fix)
    );
    ExitCode::from(code)
}

/// Reads a `--pat-stdin` secret, starts the runtime and runs `command`
/// (given that secret) to its end; or the exit code after saying why it
/// could not start.
pub(crate) fn run_with_stdin_secret<T, F: std::future::Future<Output = T>>(
    flags: &crate::cli::ConnectionFlags,
    name: &str,
    command: impl FnOnce(Option<secrecy::SecretString>) -> F,
) -> Result<T, ExitCode> {
    let stdin_pat = read_stdin_pat(flags, name)?;
    Ok(runtime()?.block_on(command(stdin_pat)))
}
