//! `ado-setup demo --serve`: the sandbox alone, over HTTP or HTTPS (its CA
//! written where the banner says), until Ctrl-C, SIGTERM or SIGHUP. (`demo`
//! without `--serve` is the wizard against it: [`super::interactive`].)

use std::io::Write;
use std::process::ExitCode;

use super::process::{fail, runtime, wait_for_shutdown_signal};
use crate::cli::{DemoArgs, exit};
use crate::sandbox::{Sandbox, SandboxOptions, SandboxTls, serve_banner};

/// `demo --serve`: the sandbox alone, until Ctrl-C, SIGTERM or SIGHUP.
pub fn main(args: &DemoArgs) -> ExitCode {
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
pub(crate) fn write_sandbox_ca(pem: &str, port: u16) -> Result<std::path::PathBuf, String> {
    let dir = super::logging::log_path()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create {} for the sandbox CA: {e}", dir.display()))?;
    let path = dir.join(format!("sandbox-ca-{port}.pem"));
    std::fs::write(&path, pem)
        .map_err(|e| format!("cannot write the sandbox CA to {}: {e}", path.display()))?;
    Ok(path)
}
