//! `-v`: a log file in the state dir (`~/.local/state/ado-setup/ado-setup.log`
//! on Linux). Nothing here logs a header or a body, so no secret reaches it;
//! every line passes [`crate::text::CleanWriter`], so no server text in it
//! carries a control sequence.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Where `-v` writes its log.
pub fn log_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "ado-setup")?;
    let dir = dirs
        .state_dir()
        .map(|d| d.to_path_buf())
        .unwrap_or_else(|| dirs.data_local_dir().to_path_buf());
    Some(dir.join("ado-setup.log"))
}

/// Starts logging at `-v` (debug) or `-vv` (trace). Returns the log file, or
/// why it could not be opened (the command goes on without a log).
pub fn init(verbosity: u8) -> Result<Option<PathBuf>, String> {
    if verbosity == 0 {
        return Ok(None);
    }
    let path = log_path().ok_or("no home directory to keep a log in")?;
    if let Some(dir) = path.parent() {
        crate::store::fsutil::ensure_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut open = OpenOptions::new();
    open.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.mode(0o600);
    }
    let file = open
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let level = if verbosity >= 2 { "trace" } else { "debug" };
    // rustls-platform-verifier logs each rejected certificate as an error in
    // rustls' `Debug` text; ado-setup says the same failure in words.
    let filter = EnvFilter::new(format!(
        "ado_setup={level},rustls_platform_verifier=off,warn"
    ));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        // Log lines quote servers: nothing in the file may drive the
        // terminal it is `cat` or `tail`ed on.
        .with_writer(Mutex::new(crate::text::CleanWriter(file)))
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    Ok(Some(path))
}
